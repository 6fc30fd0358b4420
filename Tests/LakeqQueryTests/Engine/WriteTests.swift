import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqTestSupport
import Testing
@testable import LakeqQuery

/// CREATE TABLE AS, INSERT INTO and COPY: what the sqllogictest files cannot see.
@Suite struct WriteTests {
    let lake: Lake
    init() throws { lake = try Lake() }

    func engine(_ access: TableAccess = .unrestricted) -> QueryEngine {
        var e = QueryEngine(lake: lake.dir, threads: 2)
        e.catalog.access = access
        return e
    }

    @Test func createTableAsIsOneDeltaCommit() throws {
        let r = try engine().run("CREATE TABLE per_show PARTITION BY (show) AS SELECT show, count(*) AS n FROM t GROUP BY show")
        #expect(ResultFormatter.render(r, as: .csv) == "Count\n3\n")
        let table = try DeltaTable(path: lake.dir + "/per_show")
        #expect(try table.latestVersion() == 0)
        let snapshot = try table.snapshot()
        #expect(snapshot.partitionColumns == ["show"])
        #expect(snapshot.files.count == 3)
        #expect(try lake.csv("select show, n from per_show order by show") == "show,n\nAlpha,2\nBeta,2\nThe Cat,1\n")
    }

    @Test func failedStatementsLeaveNothing() throws {
        #expect(throws: QueryError.self) { try engine().run("CREATE TABLE broken AS SELECT CAST(show AS INTEGER) AS x FROM t") }
        #expect(!FileManager.default.fileExists(atPath: lake.dir + "/broken"))
        #expect(throws: QueryError.self) { try engine().run("CREATE TABLE unnamed AS SELECT count(*) FROM t") }
        #expect(!FileManager.default.fileExists(atPath: lake.dir + "/unnamed"))
        #expect(throws: QueryError.self) { try engine().run("CREATE TABLE \"../out\" AS SELECT 1 AS x") }
        _ = try engine().run("CREATE TABLE small AS SELECT id FROM t")
        #expect(throws: QueryError.self) { try engine().run("INSERT INTO small SELECT CAST(show AS BIGINT) FROM t") }
        #expect(try DeltaTable(path: lake.dir + "/small").latestVersion() == 0)
        #expect(throws: QueryError.self) { try engine().run("INSERT INTO t SELECT * FROM t") }  // plain Parquet
    }

    @Test func copyWritesFilesButNotUnderLakeTablesOnly() throws {
        let dir = try TemporaryDirectory("copy")
        defer { dir.remove() }
        _ = try engine().run("COPY (SELECT id, show FROM t WHERE id < 3 ORDER BY id) TO '\(dir.file("a.csv"))'")
        #expect(try String(contentsOfFile: dir.file("a.csv"), encoding: .utf8) == "id,show\n1,Alpha\n2,Beta\n")
        _ = try engine().run("COPY (SELECT id, rating FROM t WHERE id < 3 ORDER BY id) TO '\(dir.file("a.json"))' (FORMAT json)")
        #expect(try String(contentsOfFile: dir.file("a.json"), encoding: .utf8) == "{\"id\":1,\"rating\":5}\n{\"id\":2,\"rating\":null}\n")
        do {
            _ = try engine(.lakeTablesOnly).run("COPY (SELECT 1) TO '\(dir.file("b.csv"))'")
            Issue.record("COPY must be refused under lakeTablesOnly")
        } catch QueryError.forbidden {
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("b.csv")))
        #expect(throws: QueryError.self) { try engine().run("COPY (SELECT 1) TO '\(dir.file("c.xml"))'") }
    }
}
