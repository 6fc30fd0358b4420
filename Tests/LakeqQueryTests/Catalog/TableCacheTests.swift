import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqTestSupport
import Testing
@testable import LakeqQuery

/// `TableCache` (tables kept open across queries, refreshed when the log advances) and
/// `OutputLineage` / `PreparedQuery` (what the API service needs before and after a run).
struct TableCacheTests {
    static let schema = Schema([Field(name: "user_id", type: .int64, nullable: false), Field(name: "watch", type: .float64, nullable: false),
                                Field(name: "day", type: .string, nullable: false)])

    /// A Delta table `lake/t` with one commit of `rows` rows per call.
    static func append(_ lake: String, rows: Int, first: Int64) throws {
        let path = lake + "/t"
        let table = DeltaTable.isDeltaTable(path) ? try DeltaTable(path: path) : try DeltaTable.create(at: path, schema: schema, partitionColumns: ["day"])
        let writer = DataFileWriter(snapshot: try table.snapshot())
        let batch = RecordBatch(schema: schema, columns: [
            Column(type: .int64, values: .int64((0..<Int64(rows)).map { first + $0 })),
            Column(type: .float64, values: .float64((0..<rows).map { Double($0) })),
            Column(type: .string, values: .bytes(ByteArrays(strings: (0..<rows).map { "d\($0 % 2)" }))),
        ], rowCount: rows)
        try table.append(try writer.writePartitioned(batch))
    }

    func count(_ engine: QueryEngine, _ sql: String = "SELECT count(*) FROM t") throws -> Int64 {
        let r = try engine.run(sql)
        guard case .int64(let v) = r.columns[0].values else { return -1 }
        return v[0]
    }

    @Test func reusesOpenTablesAndSeesNewCommits() throws {
        let dir = try TemporaryDirectory("table-cache")
        defer { dir.remove() }
        try Self.append(dir.path, rows: 10, first: 0)
        let cache = TableCache()
        var engine = QueryEngine(lake: dir.path, threads: 1)
        engine.catalog.tableCache = cache
        #expect(try count(engine) == 10)
        #expect(cache.counts.tables == 1)
        let files = cache.counts.files
        #expect(files == 2)
        // The same version again: no new table, no new footers.
        #expect(try count(engine) == 10)
        #expect(cache.counts.tables == 1 && cache.counts.files == files)
        #expect(try cache.latestVersion(path: dir.path + "/t") == 1)
        // A new commit is seen at once (the log changed less than a couple of seconds ago, so
        // it is listed, not trusted by its mtime), and only its new files are opened.
        try Self.append(dir.path, rows: 5, first: 100)
        #expect(try count(engine) == 15)
        #expect(cache.counts.tables == 2 && cache.counts.files == files + 2)
        #expect(cache.latestSnapshot(path: dir.path + "/t")?.version == 2)
        // Time travel goes through the cache too.
        #expect(try count(engine, "SELECT count(*) FROM t VERSION AS OF 1") == 10)
        #expect(cache.counts.tables == 2)
        // Restricted and unrestricted catalogs keep separate entries (files were vetted).
        engine.catalog.access = .lakeTablesOnly
        #expect(try count(engine) == 15)
        #expect(cache.counts.tables == 3)
        #expect(try cache.latestVersion(path: dir.path + "/missing") == nil)
    }

    @Test func evictsLeastRecentlyUsedVersions() throws {
        let dir = try TemporaryDirectory("table-cache-evict")
        defer { dir.remove() }
        try Self.append(dir.path, rows: 4, first: 0)
        try Self.append(dir.path, rows: 4, first: 10)
        try Self.append(dir.path, rows: 4, first: 20)
        let cache = TableCache(maxTables: 2, maxFiles: 1)
        var engine = QueryEngine(lake: dir.path, threads: 1)
        engine.catalog.tableCache = cache
        for v in 1...3 { #expect(try count(engine, "SELECT count(*) FROM t VERSION AS OF \(v)") == Int64(4 * v)) }
        #expect(cache.counts.tables == 2)
        // Footers not used by a kept version were dropped.
        #expect(cache.counts.files <= 6)
    }

    @Test func lineageSaysWhichColumnsShowThrough() throws {
        let dir = try TemporaryDirectory("lineage")
        defer { dir.remove() }
        try Self.append(dir.path, rows: 6, first: 0)
        let engine = QueryEngine(lake: dir.path, threads: 1)
        func lineage(_ sql: String) throws -> [Set<String>] { try engine.prepare(sql).lineage?.revealing.map { Set($0.map(\.column)) } ?? [] }
        #expect(try lineage("SELECT user_id, watch * 2 AS w, day FROM t") == [["user_id"], ["watch"], ["day"]])
        #expect(try lineage("SELECT user_id + 1, upper(day) FROM t") == [["user_id"], ["day"]])
        #expect(try lineage("SELECT day, count(*), count(DISTINCT user_id), approx_count_distinct(user_id) FROM t GROUP BY day")
                == [["day"], [], [], []])
        #expect(try lineage("SELECT day, min(user_id), sum(user_id), avg(user_id) + 1 FROM t GROUP BY day") == [["day"], ["user_id"], ["user_id"], ["user_id"]])
        #expect(try lineage("SELECT CASE WHEN user_id > 3 THEN 'a' ELSE day END FROM t") == [["day", "user_id"]])
        #expect(try lineage("SELECT DISTINCT user_id FROM t") == [["user_id"]])
        // Through a join and a subquery: each side's columns keep their table.
        #expect(try lineage("SELECT a.user_id, b.w FROM t a JOIN (SELECT day, max(watch) AS w FROM t GROUP BY day) b ON a.day = b.day")
                == [["user_id"], ["watch"]])
        let counts = try engine.prepare("SELECT count(DISTINCT user_id) FROM t").lineage
        #expect(counts?.revealing == [[]] && counts?.dependsOn == [[TableColumn(table: "t", column: "user_id")]])
        #expect(try engine.prepare("CREATE TABLE u AS SELECT * FROM t").lineage == nil)
    }

    @Test func preparedQueriesNormalizeAndRun() throws {
        let dir = try TemporaryDirectory("prepared")
        defer { dir.remove() }
        try Self.append(dir.path, rows: 6, first: 0)
        let engine = QueryEngine(lake: dir.path, threads: 1)
        let a = try engine.prepare("select  COUNT(*)\nFROM t -- comment")
        let b = try engine.prepare("SELECT count(*) FROM t")
        #expect(a.normalizedSQL == b.normalizedSQL)
        #expect(a.tables.count == 1 && a.tables.first?.name == "t" && a.tables.first?.version == 1)
        #expect(!a.isExplain)
        let r = try engine.run(a)
        #expect(r.rowCount == 1)
        let e = try engine.prepare("EXPLAIN SELECT count(*) FROM t WHERE day = 'd0'")
        #expect(e.isExplain)
        let plan = try engine.run(e)
        #expect(plan.names == ["explain"] && plan.rowCount > 0)
        #expect(try !engine.explainLines(a).isEmpty)
    }
}
