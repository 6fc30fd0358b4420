import Foundation
import LakeqTestSupport
import Testing

/// The 12 public benchmark queries on a 1M-row lake made by the shared generator must give
/// exactly DuckDB's results, as `anchors.py` compares them.
@Suite(.enabled(if: Requirements.benchTools, "needs ../shared/bench and python3 with numpy, pyarrow and duckdb"))
struct BenchmarkQueriesTests {
    @Test func publicQueriesMatchDuckDB() throws {
        let python = try #require(TestEnvironment.python)
        let bench = TestEnvironment.shared.appendingPathComponent("bench")
        try #require(FileManager.default.isExecutableFile(atPath: TestEnvironment.binary), "build the binary first: swift build --build-tests")
        // Same arguments give the same bytes, so the lake is reused between runs.
        let data = NSTemporaryDirectory() + "lakeq-bench-1m-seed1"
        if !FileManager.default.fileExists(atPath: data + "/lake/events") {
            let gen = try TestEnvironment.run(python, [bench.appendingPathComponent("gen_events.py").path, "--rows", "1000000",
                                                       "--seed", "1", "--out", data, "--formats", "lake"])
            try #require(gen.status == 0, "gen_events.py failed: \(gen.output)")
        }
        let result = try TestEnvironment.run(python, [bench.appendingPathComponent("anchors.py").path, "--data", data,
                                                      "--engines", "duckdb", "--lakeq", TestEnvironment.binary, "--runs", "1",
                                                      "--no-pin", "--threads", "2"])
        #expect(result.status == 0, "anchors.py exited \(result.status): \(result.output)")
        let rows = result.output.split(separator: "\n").filter { $0.range(of: #"^Q\d+ "#, options: .regularExpression) != nil }
        #expect(rows.count == 12, "expected 12 query rows:\n\(result.output)")
        for row in rows {
            let mismatch = row.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init) ?? "?"
            #expect(mismatch == "-", "\(row)")
        }
    }
}
