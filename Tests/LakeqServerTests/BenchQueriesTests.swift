import Foundation
@testable import LakeqServer
import LakeqTestSupport
import Testing

/// The 12 public queries of ../shared/bench through `POST /v1/query` on a `lakeq gen` lake give
/// DuckDB's results (compared by anchors.py), and each query's Arrow answer, read by pyarrow,
/// equals its JSON answer (checked by Benchmarks/server/lakeq_http.py).
@Suite(.enabled(if: TestEnvironment.binaryBuilt && Requirements.benchTools, "needs the debug binary, ../shared/bench and python3 with pyarrow and duckdb"))
struct BenchQueriesTests {
    @Test func publicQueriesThroughTheServiceMatchDuckDBAndArrowMatchesJSON() throws {
        let python = try #require(TestEnvironment.python)
        let dir = try TemporaryDirectory("bench-http")
        defer { dir.remove() }
        let gen = try TestEnvironment.lakeq(["gen", "--rows", "60000", "--out", dir.file("lake")])
        try #require(gen.status == 0, "\(gen.output)")
        let keys = dir.file("keys.json")
        let key = try KeyStore.add(name: "bench", role: .admin, pii: true, path: keys)
        let server = try ServerProcess.start(["--lake", dir.file("lake"), "--keys", keys])
        defer { _ = server.terminate() }
        let bench = TestEnvironment.shared.appendingPathComponent("bench")
        let wrapper = TestEnvironment.packageRoot.appendingPathComponent("Benchmarks/server/lakeq_http.py").path
        let result = try TestEnvironment.run(python, [bench.appendingPathComponent("anchors.py").path, "--data", dir.path,
                                                      "--engines", "duckdb", "--lakeq", wrapper, "--runs", "1", "--no-pin", "--threads", "2"],
                                             environment: ["LAKEQ_URL": "http://127.0.0.1:\(server.port)", "LAKEQ_KEY": key,
                                                           "ANCHORS_DIR": bench.path])
        #expect(result.status == 0, "anchors.py exited \(result.status): \(result.output)")
        let rows = result.output.split(separator: "\n").filter { $0.range(of: #"^Q\d+ "#, options: .regularExpression) != nil }
        #expect(rows.count == 12, "expected 12 query rows:\n\(result.output)")
        for row in rows {
            let mismatch = row.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init) ?? "?"
            #expect(mismatch == "-", "\(row)\n\(result.output)")
        }
    }
}
