import Foundation
import LakeqTestSupport
import Testing

/// A few hundred random queries (joins, aggregates, windows, subqueries, set operations) over
/// a small sample lake must give DuckDB's answers. The full run (10,000+ queries) is
/// `Benchmarks/differential/difftest.py`; this is its small version.
@Suite(.enabled(if: TestEnvironment.binaryBuilt && TestEnvironment.pythonHas("duckdb"), "needs the debug lakeq binary and python3 with duckdb"))
struct DifferentialTests {
    @Test func randomQueriesAgreeWithDuckDB() throws {
        let python = try #require(TestEnvironment.python)
        // Same rows and seed give the same lake: reused between runs.
        let lake = NSTemporaryDirectory() + "lakeq-difflake-20000-seed1"
        if !FileManager.default.fileExists(atPath: lake + "/users/_delta_log") {
            try? FileManager.default.removeItem(atPath: lake)
            let gen = try TestEnvironment.lakeq(["gen", "--rows", "20000", "--seed", "1", "--out", lake])
            try #require(gen.status == 0, "lakeq gen failed: \(gen.output)")
        }
        let script = TestEnvironment.packageRoot.appendingPathComponent("Benchmarks/differential/difftest.py").path
        let r = try TestEnvironment.run(python, [script, "--lakeq", TestEnvironment.binary, "--lake", lake, "--count", "300",
                                                 "--seed", "7", "--threads", "2"])
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out.contains("300 queries: "), "\(r.output)")
    }
}
