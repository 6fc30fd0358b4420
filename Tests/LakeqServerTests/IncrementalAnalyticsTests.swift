import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqIngest
import LakeqQuery
@testable import LakeqServer
import LakeqTestSupport
import Testing

/// The analytics answers merged commit by commit (`IncrementalAnalytics`) against a fresh
/// run of each endpoint's plain SQL, through appends (only new files aggregated) and a
/// compaction (files removed: rebuilt).
@Suite(.serialized) struct IncrementalAnalyticsTests {
    /// Every endpoint and option with filters that keep some rows, drop all, or use NULL groups.
    static let cases: [(AnalyticsRoutes.Endpoint, String, AnalyticsFilters)] = {
        let all = AnalyticsFilters()
        var tv = AnalyticsFilters()
        tv.device = ["tv", "web"]
        tv.from = "2026-01-02"
        var none = AnalyticsFilters()
        none.country = ["nowhere"]
        var show = AnalyticsFilters()
        show.show = ["Glass Detectives"]
        var limited = AnalyticsFilters()
        limited.limit = 2
        var out: [(AnalyticsRoutes.Endpoint, String, AnalyticsFilters)] = []
        for f in [all, tv, none, show, limited] {
            for by in ["views", "watch", "completion"] { out.append((.topShows, by, f)) }
            for by in ["day", "hour", "device", "country", "show_type"] { out.append((.engagement, by, f)) }
            for grain in ["day", "week"] { out.append((.activeUsers, grain, f)) }
            out.append((.summary, "", f))
            out.append((.watchFraction, "7", f))
            out.append((.episodes, "", f))
            out.append((.shows, "", f))
            out.append((.shows, "glass", f))
        }
        return out
    }()

    static func plainSQL(_ e: AnalyticsRoutes.Endpoint, _ option: String, _ f: AnalyticsFilters) -> String {
        switch e {
        case .topShows: return AnalyticsQueries.topShows(table: "events", by: option, f)
        case .engagement: return AnalyticsQueries.engagement(table: "events", by: option, f)
        case .activeUsers: return AnalyticsQueries.activeUsers(table: "events", grain: option, f)
        case .summary: return AnalyticsQueries.summary(table: "events", f)
        case .watchFraction: return AnalyticsQueries.watchFraction(table: "events", bins: Int(option) ?? 10, f)
        case .episodes: return AnalyticsQueries.episodes(table: "events", f)
        case .shows: return AnalyticsQueries.shows(table: "events", matching: option, f)
        case .quality: return ""
        }
    }

    /// Equal names, types and values; doubles to 1e-9 relative (sums of doubles merged in
    /// another order than a fresh run adds them).
    static func expectSame(_ a: QueryResult, _ b: QueryResult, _ context: String) {
        #expect(a.names == b.names, "\(context)")
        #expect(a.columns.map(\.type) == b.columns.map(\.type), "\(context)")
        #expect(a.rowCount == b.rowCount, "\(context)")
        guard a.rowCount == b.rowCount, a.columns.count == b.columns.count else { return }
        for c in a.columns.indices {
            for r in 0..<a.rowCount {
                let x = Scalar.from(a.columns[c], row: r), y = Scalar.from(b.columns[c], row: r)
                if case .double(let u) = x, case .double(let v) = y {
                    #expect(abs(u - v) <= 1e-9 * max(1, abs(v)), "\(context) row \(r) column \(a.names[c]): \(u) vs \(v)")
                } else {
                    #expect(x == y, "\(context) row \(r) column \(a.names[c]): \(x) vs \(y)")
                }
            }
        }
    }

    /// Top shows by watch minutes or completion rate order by a double: shows whose sums are
    /// equal but added in another order may swap. Each row must equal the fresh one of its
    /// show, in an order that is right up to 1e-9, with as many rows as a fresh run.
    static func expectSameUpToTies(_ got: QueryResult, engine: QueryEngine, _ option: String, _ f: AnalyticsFilters, _ context: String) throws {
        var all = f
        all.limit = 10_000
        let fresh = try engine.run(plainSQL(.topShows, option, all))
        let limited = try engine.run(plainSQL(.topShows, option, f))
        #expect(got.names == fresh.names && got.columns.map(\.type) == fresh.columns.map(\.type), "\(context)")
        #expect(got.rowCount == limited.rowCount, "\(context)")
        var byShow: [Scalar: Int] = [:]
        for r in 0..<fresh.rowCount { byShow[Scalar.from(fresh.columns[0], row: r)] = r }
        let sortColumn = option == "watch" ? 2 : 4
        var previous: Double?
        for r in 0..<got.rowCount {
            guard let w = byShow[Scalar.from(got.columns[0], row: r)] else {
                Issue.record("\(context): row \(r) is no show of a fresh run")
                continue
            }
            for c in got.columns.indices {
                let x = Scalar.from(got.columns[c], row: r), y = Scalar.from(fresh.columns[c], row: w)
                if let u = x.asDouble, let v = y.asDouble { #expect(abs(u - v) <= 1e-9 * max(1, abs(v)), "\(context)") } else { #expect(x == y, "\(context)") }
            }
            let value = Scalar.from(got.columns[sortColumn], row: r).asDouble ?? 0
            if let previous { #expect(value <= previous + 1e-9 * max(1, abs(previous)), "\(context) row \(r) out of order") }
            previous = value
        }
    }

    func append(_ f: ServerFixture, rows: Int, firstID: Int) throws {
        let schema = try IngestSchema.load(path: ServerFixture.schemaPath)
        let appender = try RecordAppender(lake: f.lake, table: "events", schema: schema, partitionBy: ["date"])
        let records = appender.validate(jsonLines: Array(ServerFixture.events(rows, firstID: firstID).utf8))
        #expect(records.rejected.isEmpty)
        _ = try appender.commit([RecordAppender.Batch(records: records, source: "test")])
    }

    /// Answers every case from `store` and checks each against a fresh plain run.
    func check(_ f: ServerFixture, _ store: IncrementalAnalytics, expecting path: IncrementalAnalytics.Path?) throws -> Set<IncrementalAnalytics.Path> {
        var paths = Set<IncrementalAnalytics.Path>()
        // Queries that differ only in order or limit share a state: brought up to date once.
        var seen = Set<String>()
        for (e, option, filters) in Self.cases {
            let engine = QueryEngine(lake: f.lake, threads: 2)
            let query = try #require(AnalyticsQueries.mergeable(e, option: option, filters))
            let first = seen.insert(query.partialSQL(table: "events", delta: false)).inserted
            let answer = try #require(try store.answer(query, table: "events", engine: engine))
            let context = "\(e.rawValue) \(option) \(filters.canonical)"
            if e == .topShows && option != "views" {
                try Self.expectSameUpToTies(answer.result, engine: engine, option, filters, context)
            } else {
                Self.expectSame(answer.result, try engine.run(Self.plainSQL(e, option, filters)), context)
            }
            paths.insert(answer.path)
            if let path { #expect(answer.path == (first ? path : .unchanged), "\(e.rawValue) \(option) \(filters.canonical)") }
        }
        return paths
    }

    @Test func mergedAnswersEqualFreshOnesThroughAppendsAndCompaction() throws {
        let f = try ServerFixture(rows: 600, tag: "incremental")
        defer { f.remove() }
        let store = IncrementalAnalytics(budget: 64 << 20)
        // Built from the whole table first; asked again at the same version, unchanged.
        _ = try check(f, store, expecting: .full)
        _ = try check(f, store, expecting: .unchanged)
        // Appends: only the new files are aggregated. New users, users seen before, new
        // groups (ids past the first rows bring new seasons and hours).
        try append(f, rows: 50, firstID: 601)
        _ = try check(f, store, expecting: .incremental)
        try append(f, rows: 7, firstID: 1)
        _ = try check(f, store, expecting: .incremental)
        // A compaction removes files the states cover: rebuilt from the whole table.
        let optimized = try DeltaTable(path: f.lake + "/events").optimize()
        #expect(optimized.filesRemoved > 0)
        _ = try check(f, store, expecting: .full)
        #expect(store.count > 0 && store.bytes > 0)
    }

    @Test func manyNewUsersRebuild() throws {
        let f = try ServerFixture(rows: 300, tag: "incremental-users")
        defer { f.remove() }
        let store = IncrementalAnalytics(budget: 64 << 20, maxNewUsers: 3)
        _ = try check(f, store, expecting: .full)
        try append(f, rows: 40, firstID: 301)
        // The queries that count users are rebuilt; the others still merge the new files.
        let paths = try check(f, store, expecting: nil)
        #expect(paths.contains(.full) && paths.contains(.incremental))
    }

    @Test func stateBudgetIsKept() throws {
        let f = try ServerFixture(rows: 300, tag: "incremental-budget")
        defer { f.remove() }
        let store = IncrementalAnalytics(budget: 40_000)
        _ = try check(f, store, expecting: nil)
        #expect(store.bytes <= 40_000)
        // Too small for any state: nothing kept, every answer built afresh and still right.
        let none = IncrementalAnalytics(budget: 0)
        #expect(try check(f, none, expecting: nil) == [.full])
        #expect(none.count == 0)
    }

    /// Through the service: the cached answer of a later version is the merged one, equal to
    /// `POST /v1/query` of the SQL the answer names; `--incremental-bytes 0` turns it off.
    @Test func serviceAnswersAfterACommitEqualTheirSQL() async throws {
        let f = try ServerFixture(rows: 400, tag: "incremental-service")
        defer { f.remove() }
        for budget in [64 << 20, 0] {
            try await f.withRouter({ $0.incrementalBytes = budget }) { client in
                let paths = ["/v1/analytics/summary", "/v1/analytics/engagement?by=country", "/v1/analytics/episodes?show=Glass%20Detectives",
                             "/v1/analytics/top-shows?by=completion&limit=3"]
                for round in 0..<2 {
                    for p in paths {
                        let r = try await client.call(.get, p, key: f.reader)
                        #expect(r.status == .ok, "\(p): \(r.text)")
                        let sql = try #require(r.json["sql"] as? String)
                        let fresh = try await client.query(sql, key: f.reader).json
                        let got = r.json["rows"] as? [[String: Any]] ?? []
                        let want = fresh["rows"] as? [[Any]] ?? []
                        let names = (fresh["columns"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                        #expect(got.count == want.count, "\(p) round \(round)")
                        for (g, w) in zip(got, want) {
                            for (i, name) in names.enumerated() where i < w.count {
                                if let x = g[name] as? Double, let y = w[i] as? Double {
                                    #expect(abs(x - y) <= 1e-9 * max(1, abs(y)), "\(p) \(name)")
                                } else {
                                    #expect("\(g[name] ?? "nil")" == "\(w[i])", "\(p) \(name)")
                                }
                            }
                        }
                    }
                    try append(f, rows: 20, firstID: 5000 + round * 100 + (budget == 0 ? 50 : 0))
                }
            }
        }
    }
}
