import Foundation
@testable import LakeqServer
import LakeqTestSupport
import Testing

/// schemathesis (PyPI) against `/openapi.json` of a running `lakeq serve`: a bounded number of
/// generated requests per operation, every check on: no 5xx, and every answer (status, content
/// type, headers, body) matches the document; undocumented methods get 405; requests the
/// document calls invalid are refused. Left out: `positive_data_acceptance`, because no schema
/// can say which SQL strings or events are valid (they are refused with 4xx and a reason).
@Suite(.enabled(if: TestEnvironment.binaryBuilt && Requirements.schemathesis, "needs the debug binary and schemathesis (pip install schemathesis)"))
struct SchemathesisTests {
    @Test func generatedRequestsConformToTheDocument() throws {
        let f = try ServerFixture(rows: 2000)
        defer { f.remove() }
        let key = try KeyStore.add(name: "fuzzer", role: .admin, pii: true, path: f.keysFile)
        let server = try ServerProcess.start(["--lake", f.lake, "--keys", f.keysFile, "--query-timeout", "10"])
        defer { _ = server.terminate() }
        let st = try #require(TestEnvironment.executable("schemathesis"))
        let r = try TestEnvironment.run(st, ["run", "http://127.0.0.1:\(server.port)/openapi.json", "-H", "Authorization: Bearer \(key)",
                                             "--max-examples", "8", "--seed", "1", "--checks", "all", "--exclude-checks", "positive_data_acceptance",
                                             "--workers", "2", "--no-color", "--request-timeout", "30", "--generation-database", "none",
                                             "--report-dir", f.directory.file("st-report")],
                                        environment: ["NO_COLOR": "1"], directory: f.directory.path)
        #expect(r.status == 0, "schemathesis failed:\n\(r.output.suffix(6000))")
        #expect(server.process.isRunning, "the server died:\n\(server.log.suffix(3000))")
    }
}
