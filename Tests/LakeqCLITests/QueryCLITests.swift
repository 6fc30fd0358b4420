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

    /// `--memory-limit` sizes as DuckDB writes them; bad ones and a temp directory inside the
    /// lake are usage errors; a spilling query gives the in-memory answer; an unwritable temp
    /// directory is a one-line error naming the flag.
    @Test func memoryLimitAndTempDirectory() throws {
        let dir = NSTemporaryDirectory() + "lakeq-cli-memory-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sql = "select count(*), sum(s) from (select range % 50000 as k, sum(range) as s from range(200000) group by k)"
        for bad in ["12XB", "-1GiB", "0", "150%", "lots"] {
            let r = try lakeq(["--lake", dir, "--memory-limit=" + bad, sql])
            #expect(r.status == 2 && r.err.contains("--memory-limit: invalid memory limit '\(bad)'"), "\(bad): \(r.output)")
        }
        let inside = try lakeq(["--lake", dir, "--temp-directory", dir + "/spill", sql])
        #expect(inside.status == 2 && inside.err.contains("spill files never go into the lake"), "\(inside.output)")
        let plain = try lakeq(["--lake", dir, "--format", "csv", sql])
        #expect(plain.status == 0 && plain.out == "count_star(),sum(s)\n50000,19999900000\n", "\(plain.output)")
        for limit in ["64KiB", "1GiB", "80%", "512MB"] {
            let r = try lakeq(["--lake", dir, "--format", "csv", "--memory-limit", limit, "--temp-directory", NSTemporaryDirectory(), sql])
            #expect(r.status == 0 && r.out == plain.out, "\(limit): \(r.output)")
        }
        let unwritable = try lakeq(["--lake", dir, "--memory-limit", "64KiB", "--temp-directory", "/nonexistent/lakeq-spill", sql])
        #expect(unwritable.status == 1 && unwritable.err.hasPrefix("lakeq: cannot spill to disk: ") && unwritable.err.contains("(--temp-directory /nonexistent/lakeq-spill)"), "\(unwritable.output)")
        // ORDER BY spills too: the same answer as in memory, the same error without a temp directory.
        let sortSQL = "select range % 7 as k, range from range(100000) order by k desc, range % 3"
        let sorted = try lakeq(["--lake", dir, "--format", "csv", sortSQL])
        let sortedSpilled = try lakeq(["--lake", dir, "--format", "csv", "--memory-limit", "64KiB", "--temp-directory", NSTemporaryDirectory(), sortSQL])
        #expect(sorted.status == 0 && sortedSpilled.status == 0 && sorted.out == sortedSpilled.out && sorted.out.count > 100_000, "\(sortedSpilled.err)")
        let sortUnwritable = try lakeq(["--lake", dir, "--memory-limit", "64KiB", "--temp-directory", "/nonexistent/lakeq-spill", sortSQL])
        #expect(sortUnwritable.status == 1 && sortUnwritable.err.hasPrefix("lakeq: cannot spill to disk: ") && sortUnwritable.err.contains("(--temp-directory /nonexistent/lakeq-spill)"), "\(sortUnwritable.output)")
        let refused = try lakeq(["--lake", dir, "--memory-limit", "64KiB", "select range % 20000, string_agg(cast(range as varchar), ',' order by range) from range(100000) group by 1"])
        #expect(refused.status == 1 && refused.err.hasPrefix("lakeq: out of memory: ") && refused.err.contains("(--memory-limit 64.0 KiB)"), "\(refused.output)")
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
