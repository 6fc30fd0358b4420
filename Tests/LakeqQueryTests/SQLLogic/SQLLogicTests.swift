import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing
@testable import LakeqQuery

/// Runs every `Tests/sql/**/*.test` file (DuckDB's sqllogictest format, see `SQLLogicFile`).
///
/// Each file gets a fresh lake holding the fixture table `t` (see `SQLLogicFixture`);
/// statements run once, in order; every query runs three times, on one thread, on several
/// threads and with pruning switched off, and each answer must equal the expected rows.
/// Values print as `Casts.text` does (timestamps `2026-01-03T17:04:11.5Z`), NULL as `NULL`,
/// the empty string as `(empty)`; columns typed `R` compare with a relative tolerance of
/// 1e-9 (sums add up in a different order on different thread counts).
@Suite struct SQLLogicTests {
    static let root = TestEnvironment.packageRoot.appendingPathComponent("Tests/sql")

    /// Files under `pyarrow/` also read tables pyarrow writes (`pyarrow/write_fixture.py`).
    static let pyarrowFolder = "pyarrow/"

    static var allFiles: [String] {
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var out: [String] = []
        while let f = walker.nextObject() as? String {
            if f.hasSuffix(".test") { out.append(f) }
        }
        return out.sorted()
    }

    static var files: [String] { allFiles.filter { !$0.hasPrefix(pyarrowFolder) } }
    static var pyarrowFiles: [String] { allFiles.filter { $0.hasPrefix(pyarrowFolder) } }

    @Test func corpusIsPresent() {
        #expect(Self.files.count >= 1, "no .test files under \(Self.root.path)")
        #expect(Self.pyarrowFiles.count >= 1, "no .test files under \(Self.root.path)/\(Self.pyarrowFolder)")
    }

    @Test(arguments: Self.files)
    func run(file: String) throws {
        try run(file, pyarrowTables: false)
    }

    @Test(.enabled(if: Requirements.pyarrow, "needs python3 with pyarrow"), arguments: Self.pyarrowFiles)
    func runWithPyarrowTables(file: String) throws {
        try run(file, pyarrowTables: true)
    }

    func run(_ file: String, pyarrowTables: Bool) throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
        let parsed = try SQLLogicFile(text: text)
        let lake = try TemporaryDirectory("slt")
        defer { lake.remove() }
        try SQLLogicFixture.write(into: lake.path)
        if pyarrowTables {
            let script = Self.root.appendingPathComponent(Self.pyarrowFolder + "write_fixture.py").path
            let outcome = try TestEnvironment.runPythonFile(script, [lake.path])
            try #require(outcome.status == 0, "write_fixture.py failed: \(outcome.err)")
        }
        let scratch = lake.path + "/.scratch"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        func sql(_ text: String) -> String { text.replacingOccurrences(of: "__TEST_DIR__", with: scratch) }
        var parallel = QueryEngine(lake: lake.path, threads: 4)
        parallel.options.pruning = true
        var serial = QueryEngine(lake: lake.path, threads: 1)
        serial.options.pruning = true
        var unpruned = QueryEngine(lake: lake.path, threads: 4)
        unpruned.options.pruning = false
        var engines = [("1 thread", serial), ("4 threads", parallel), ("pruning off", unpruned)]
        for record in parsed.records {
            switch record {
            case .memoryLimit(let text, let line):
                guard case .success(let limit) = MemoryLimit.parse(text) else {
                    Issue.record("\(file):\(line): bad memory limit \(text)")
                    continue
                }
                for k in engines.indices { engines[k].1.options.memoryLimit = limit }
                parallel.options.memoryLimit = limit
            case .statement(let text, let expectError, let errorText, let line):
                let sql = sql(text)
                do {
                    _ = try parallel.run(sql)
                    if expectError { Issue.record("\(file):\(line): expected an error from\n\(sql)") }
                } catch {
                    let message = "\(error)"
                    if !expectError { Issue.record("\(file):\(line): \(message)\n\(sql)") }
                    if let errorText, !message.contains(errorText) {
                        Issue.record("\(file):\(line): error '\(message)' does not contain '\(errorText)'")
                    }
                }
            case .query(let text, let types, let sort, let expected, let line):
                let sql = sql(text)
                for (label, engine) in engines {
                    do {
                        let r = try engine.run(sql)
                        if r.columns.count != types.count {
                            Issue.record("\(file):\(line) [\(label)]: \(r.columns.count) columns, the record says \(types.count) (\(types))")
                            continue
                        }
                        let actual = Self.rows(r, sort: sort)
                        let want = Self.expectedRows(expected, sort: sort, width: types.count)
                        if !Self.equal(actual, want, types: Array(types)) {
                            Issue.record("\(file):\(line) [\(label)]: wrong result for\n\(sql)\nexpected:\n\(want.map { $0.joined(separator: "\t") }.joined(separator: "\n"))\nactual:\n\(actual.map { $0.joined(separator: "\t") }.joined(separator: "\n"))")
                        }
                    } catch {
                        Issue.record("\(file):\(line) [\(label)]: \(error)\n\(sql)")
                    }
                }
            }
        }
    }

    static func text(_ v: Scalar) -> String {
        if v.isNull { return "NULL" }
        if case .string(let s) = v, s.isEmpty { return "(empty)" }
        return Casts.text(v)
    }

    static func rows(_ r: QueryResult, sort: SQLLogicFile.Sort) -> [[String]] {
        var rows = (0..<r.rowCount).map { i in r.columns.map { text(Scalar.from($0, row: i)) } }
        switch sort {
        case .none: break
        case .rows: rows.sort { $0.lexicographicallyPrecedes($1) }
        case .values: rows = rows.flatMap { $0 }.sorted().map { [$0] }
        }
        return rows
    }

    static func expectedRows(_ lines: [String], sort: SQLLogicFile.Sort, width: Int) -> [[String]] {
        var rows = lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        switch sort {
        case .none: break
        case .rows: rows.sort { $0.lexicographicallyPrecedes($1) }
        case .values: rows = rows.flatMap { $0 }.sorted().map { [$0] }
        }
        return rows
    }

    static func equal(_ a: [[String]], _ b: [[String]], types: [Character]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard x.count == y.count else { return false }
            for (k, (u, v)) in zip(x, y).enumerated() where u != v {
                let isReal = x.count == types.count && types[k] == "R"
                guard isReal, let du = Double(u), let dv = Double(v) else { return false }
                if abs(du - dv) > 1e-9 * max(1, abs(du), abs(dv)) { return false }
            }
        }
        return true
    }
}

/// `LAKEQ_SLT_FIXTURE=DIR swift test --filter SQLLogicFixtureExport` writes the fixture lake to
/// DIR, for `Tests/sql/duckdb_check.py` (which runs the same records on DuckDB).
@Suite struct SQLLogicFixtureExport {
    static let target = ProcessInfo.processInfo.environment["LAKEQ_SLT_FIXTURE"]

    @Test(.enabled(if: target != nil, "set LAKEQ_SLT_FIXTURE=DIR to export the fixture lake"))
    func export() throws {
        let dir = try #require(Self.target)
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try SQLLogicFixture.write(into: dir)
        #expect(FileManager.default.fileExists(atPath: dir + "/ev"))
    }
}
