import Foundation
import LakeqColumnar
import Testing
@testable import LakeqQuery

/// `TableAccess.lakeTablesOnly` (what the API service uses): SQL reads only the lake's tables,
/// however a path outside is spelled. And a `CancellationToken` stops a running query.
@Suite struct TableAccessTests {
    let lake: Lake
    init() throws { lake = try Lake() }

    func engine(_ access: TableAccess) -> QueryEngine {
        var e = QueryEngine(lake: lake.dir, threads: 2)
        e.catalog.access = access
        return e
    }

    func forbidden(_ sql: String, _ engine: QueryEngine) -> Bool {
        do {
            _ = try engine.run(sql)
            return false
        } catch QueryError.forbidden {
            return true
        } catch {
            return false
        }
    }

    @Test func lakeTablesStillRead() throws {
        let r = try engine(.lakeTablesOnly).run("select count(*) from t")
        #expect(ResultFormatter.render(r, as: .csv) == "count_star()\n5\n")
    }

    @Test func pathsAndTableFunctionsAreRefused() throws {
        let e = engine(.lakeTablesOnly)
        #expect(forbidden("select * from '/etc/passwd'", e))
        #expect(forbidden("select * from '\(lake.dir)/t'", e), "even a path inside the lake: name the table")
        #expect(forbidden("select * from read_parquet('/etc/*')", e))
        #expect(forbidden("select * from \"..\"", e))
        #expect(forbidden("select * from \"../etc\"", e))
        #expect(forbidden("select * from \"t/../../x\"", e))
        #expect(forbidden("select * from \".hidden\"", e))
        // The command line's catalog reads paths as before.
        let open = try engine(.unrestricted).run("select count(*) from '\(lake.dir)/t'")
        #expect(open.rowCount == 1)
    }

    @Test func symlinksOutOfTheLakeAreRefused() throws {
        let outside = NSTemporaryDirectory() + "lakeq-outside-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: outside + "/date=2026-01-01", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.copyItem(atPath: lake.dir + "/t/date=2026-01-01/part-0.parquet",
                                         toPath: outside + "/date=2026-01-01/part-0.parquet")
        // A whole table that is a symlink to a folder outside.
        try FileManager.default.createSymbolicLink(atPath: lake.dir + "/linked", withDestinationPath: outside)
        // A table inside the lake with one file linked from outside.
        try FileManager.default.createDirectory(atPath: lake.dir + "/mixed/date=2026-01-01", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: lake.dir + "/mixed/date=2026-01-01/part-0.parquet",
                                                   withDestinationPath: outside + "/date=2026-01-01/part-0.parquet")
        let e = engine(.lakeTablesOnly)
        #expect(forbidden("select count(*) from linked", e))
        #expect(forbidden("select count(*) from mixed", e))
        #expect(try engine(.unrestricted).run("select count(*) from linked").rowCount == 1)
    }

    @Test func cancelledQueriesStop() throws {
        var e = engine(.unrestricted)
        let token = CancellationToken()
        token.cancel()
        e.cancellation = token
        #expect(throws: ExecutionCancelled(reason: .cancelled)) { try e.run("select count(*), sum(watch) from t where id > 0") }
        e.cancellation = CancellationToken(timeout: .zero)
        #expect(throws: ExecutionCancelled(reason: .timedOut)) { try e.run("select show from t where id > 0") }
        e.cancellation = CancellationToken(timeout: .seconds(60))
        #expect(try e.run("select show from t where id > 0").rowCount == 5)
    }
}
