import Foundation
import LakeqTestSupport
import Testing

/// The query command's exit codes and error messages, through the built binary.
@Suite struct QueryCLITests {
    func lakeq(_ args: [String]) throws -> TestEnvironment.Outcome {
        try #require(TestEnvironment.binaryBuilt, "build the binary first: swift build --build-tests")
        return try TestEnvironment.lakeq(args)
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try lakeq(["--bogus", "select 1"]).status == 2)
        #expect(try lakeq(["dump"]).status == 2)
        #expect(try lakeq(["--format", "xml", "select count(*) from t"]).status == 2)
    }

    @Test func queryErrorsExitOneWithAClearMessage() throws {
        let dir = NSTemporaryDirectory() + "lakeq-cli-empty-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let syntax = try lakeq(["--lake", dir, "select a, b, from t"])
        #expect(syntax.status == 1)
        #expect(syntax.output.contains("syntax error at line 1, column 14") && syntax.output.contains("             ^"))
        let missing = try lakeq(["--lake", dir, "select * from events"])
        #expect(missing.status == 1 && missing.output.contains("table events not found"))
    }

    /// The plain form `lakeq [options] SQL` is read by a start-up fast path; `lakeq query …`
    /// always goes through ArgumentParser. Both must give the same output, errors and status.
    @Test func fastPathAgreesWithArgumentParser() throws {
        let dir = NSTemporaryDirectory() + "lakeq-cli-fast-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let values = "select x, y from (values (1, 'a'), (2, null), (3, 'c%20d')) t(x, y) order by x desc"
        let cases: [[String]] = [
            ["--lake", dir, "--threads", "1", "--format", "csv", values],
            ["--format=json", "--threads=2", values],
            [values, "--format", "jsonl", "--lake", dir],
            ["--format", "table", values],
            ["--lake", dir, "select * from missing_table"],
            ["--lake", dir, "select a, b, from t"],
            ["--format", "xml", values],
            ["--threads", "many", values],
            ["--lake", dir, "--lake", dir, values],
            ["--format", "csv"],
            [values, values],
        ]
        for args in cases {
            let fast = try lakeq(args)
            let parsed = try lakeq(["query"] + args)
            #expect(fast.status == parsed.status, "\(args): \(fast.output) vs \(parsed.output)")
            #expect(fast.out == parsed.out, "\(args)")
            // Usage errors (status 2) name the command they were read as; others must match.
            if parsed.status != 2 { #expect(fast.err == parsed.err, "\(args)") }
        }
        #expect(try lakeq(["--format", "csv", values]).out == "x,y\n3,c%20d\n2,\n1,a\n")
    }

    @Test func corruptFilesExitOneNamingTheFile() throws {
        let path = NSTemporaryDirectory() + "lakeq-not-parquet-\(UUID().uuidString).parquet"
        try Data("PAR1 this is not parquet PAR1".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for command in ["dump", "schema", "meta", "scan"] {
            let r = try lakeq([command, path])
            #expect(r.status == 1, "\(command): \(r.output)")
            #expect(r.output.contains(path), "\(command): \(r.output)")
        }
    }
}
