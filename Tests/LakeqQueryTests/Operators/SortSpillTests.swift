import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing
@testable import LakeqQuery

/// ORDER BY past `--memory-limit`: the external merge sort gives exactly the in-memory
/// answer (ties in input order, NULLs, DESC, strings, several keys), on any thread count;
/// EXPLAIN ANALYZE shows what spilled; spill files are gone when the query ends, also after
/// an error; an unwritable temp directory and rows that cannot spill are clear errors.
@Suite struct SortSpillTests {
    /// 120,000 rows in several batches: many ties (k has 37 values), NULL keys, strings,
    /// doubles, an expression key, DESC and NULLS FIRST.
    static let queries = [
        "SELECT range % 37 AS k, range AS r FROM range(120000) ORDER BY k",
        "SELECT CASE WHEN range % 11 = 0 THEN NULL ELSE 'name-' || CAST(range % 101 AS VARCHAR) END AS s, range * 0.5 AS d, range AS r FROM range(120000) ORDER BY s DESC NULLS FIRST, range % 5, d DESC",
        "SELECT range AS r, CAST(range % 13 AS DOUBLE) / 3 AS x FROM range(120000) ORDER BY x, range % 7 DESC",
    ]

    static func rows(_ r: QueryResult) -> [String] {
        (0..<r.rowCount).map { i in r.columns.map { Casts.text(Scalar.from($0, row: i)) }.joined(separator: "|") }
    }

    static func engine(_ lake: String, threads: Int, limit: Int?, temp: String? = nil) -> QueryEngine {
        var e = QueryEngine(lake: lake, threads: threads)
        if let limit { e.options.memoryLimit = MemoryLimit(bytes: limit) }
        e.options.tempDirectory = temp
        return e
    }

    @Test(arguments: Self.queries.indices)
    func spillingGivesTheInMemoryOrder(query: Int) throws {
        let sql = Self.queries[query]
        let lake = try TemporaryDirectory("sort-spill-lake")
        let temp = try TemporaryDirectory("sort-spill-temp")
        defer { lake.remove(); temp.remove() }
        let want = Self.rows(try Self.engine(lake.path, threads: 1, limit: nil).run(sql))
        #expect(want.count == 120_000)
        for threads in [1, 2, 4] {
            let got = Self.rows(try Self.engine(lake.path, threads: threads, limit: 256 << 10, temp: temp.path).run(sql))
            #expect(got.count == want.count)
            let firstDifference = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }
            #expect(firstDifference == nil, "\(threads) threads, row \(firstDifference?.offset ?? -1): \(firstDifference?.element.0 ?? "") vs \(firstDifference?.element.1 ?? "")")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path).isEmpty)
    }

    @Test func explainAnalyzeShowsTheSpill() throws {
        let lake = try TemporaryDirectory("sort-spill-lake")
        let temp = try TemporaryDirectory("sort-spill-temp")
        defer { lake.remove(); temp.remove() }
        func plan(_ limit: Int?) throws -> String {
            let r = try Self.engine(lake.path, threads: 2, limit: limit, temp: temp.path).run("EXPLAIN ANALYZE " + Self.queries[0])
            return (0..<r.rowCount).map { Casts.text(Scalar.from(r.columns[0], row: $0)) }.joined(separator: "\n")
        }
        let spilled = try plan(64 << 10)
        #expect(spilled.contains("Sort"), "\(spilled)")
        #expect(spilled.contains("spilled: ") && spilled.contains("sorted runs of") && !spilled.contains("spilled: nothing"), "\(spilled)")
        #expect(try plan(nil).contains("spilled: nothing"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path).isEmpty)
    }

    @Test func spillFilesAreRemovedAfterAnError() throws {
        let lake = try TemporaryDirectory("sort-spill-lake")
        let temp = try TemporaryDirectory("sort-spill-temp")
        defer { lake.remove(); temp.remove() }
        // The sort spills; the CAST above it fails on the last row, in the middle of the merge.
        let sql = "SELECT CAST(s AS INTEGER) FROM (SELECT CAST(range AS VARCHAR) || CASE WHEN range = 99999 THEN 'x' ELSE '' END AS s, range FROM range(100000) ORDER BY range % 1000, range)"
        #expect(throws: (any Error).self) { try Self.engine(lake.path, threads: 2, limit: 64 << 10, temp: temp.path).run(sql) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path).isEmpty)
    }

    @Test func unwritableTempDirectoryIsAClearError() throws {
        let lake = try TemporaryDirectory("sort-spill-lake")
        defer { lake.remove() }
        do {
            _ = try Self.engine(lake.path, threads: 2, limit: 64 << 10, temp: lake.path + "/no/such/folder").run(Self.queries[0])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix("cannot spill to disk: "), "\(error)")
            #expect("\(error)".contains("(--temp-directory \(lake.path)/no/such/folder)"), "\(error)")
        }
    }

    @Test func rowsThatCannotSpillAreAnOutOfMemoryError() throws {
        let lake = try TemporaryDirectory("sort-spill-lake")
        defer { lake.remove() }
        do {
            _ = try Self.engine(lake.path, threads: 1, limit: 64 << 10).run("SELECT {'a': range, 'b': 'x'} AS s FROM range(100000) ORDER BY range % 10")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix("out of memory: the rows to sort hold a "), "\(error)")
            #expect("\(error)".contains("(--memory-limit 64.0 KiB)"), "\(error)")
        }
    }

    @Test func sharedDictionaryIsChargedByTheEntriesABatchCanUse() {
        let dictionary = ColumnValues.bytes(ByteArrays(strings: (0..<1000).map { "value-\($0 + 1000)" }))  // 10 bytes + offset each
        let small = Column(type: .string, values: .dictionary(dictionary: dictionary, indices: [1, 5, 9]))
        let plain = Column(type: .string, values: .bytes(ByteArrays(strings: ["a", "b", "c"])))
        #expect(Sort.heldBytes(small) < 3 * 4 + 3 * 20)
        #expect(Sort.heldBytes(plain) == plain.values.byteCount)
        let wide = Column(type: .string, values: .dictionary(dictionary: dictionary, indices: [Int32](repeating: 3, count: 5000)))
        #expect(Sort.heldBytes(wide) == 5000 * 4 + dictionary.byteCount)
    }

    @Test func mergeBreaksTiesByInputOrder() throws {
        // Three runs whose rows all tie on the key: the merge must follow (batch, row).
        let key = SortKey(expr: BoundExpr(kind: .column(0), type: .int64, text: "k"), descending: false, nullsFirst: false)
        func run(_ rank: Int64, rows: [Int64]) -> () throws -> RecordBatch? {
            var done = false
            return {
                if done { return nil }
                done = true
                let n = rows.count
                return RecordBatch(schema: Schema([]), columns: [
                    Column(type: .int64, values: .int64([Int64](repeating: 7, count: n))),
                    Column(type: .int64, values: .int64(rows.map { rank * 100 + $0 })),
                    Column(type: .int64, values: .int64([Int64](repeating: rank, count: n))),
                    Column(type: .int64, values: .int64(rows)),
                ], rowCount: n)
            }
        }
        let merge = SortMerge(keys: [key], keyColumns: [0], outputTypes: [.int64, .int64])
        var out: [Int64] = []
        var batches = 0
        try merge.run([run(2, rows: [0, 1, 2]), run(0, rows: [0, 1]), run(1, rows: [0, 1, 2, 3])], batchRows: 4, check: {}) { b in
            batches += 1
            #expect(b.rowCount <= 4)
            if case .int64(let v) = b.columns[1].values { out += v }
            return true
        }
        #expect(out == [0, 1, 100, 101, 102, 103, 200, 201, 202])
        #expect(batches == 3)
    }
}
