import Foundation
import Hummingbird
import LakeqQuery
import NIOCore

/// `/v1/analytics/*` over the viewing-events table: each answers its rows plus the SQL it
/// ran; `?explain=1` adds the plan. Answers are cached by (endpoint, canonical parameters,
/// PII grant, the table's Delta version): a hit is served without leaving the event loop.
struct AnalyticsRoutes: Sendable {
    let state: ServiceState

    enum Endpoint: String, Sendable {
        case topShows = "top-shows"
        case engagement
        case activeUsers = "active-users"
        case quality
        // Breakdowns the dashboard draws (SQL in Analytics/BreakdownQueries.swift).
        case summary
        case watchFraction = "watch-fraction"
        case episodes
        case shows
    }

    func handler(_ endpoint: Endpoint) -> @Sendable (Request, APIRequestContext) async throws -> Response {
        { request, context in try await self.handle(endpoint, request, context) }
    }

    func handle(_ endpoint: Endpoint, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        guard let identity = context.identity else { throw APIError(.unauthorized, "unauthorized", "a valid API key is required") }
        let params = QueryParams(request)
        let filters = try Self.filters(params, endpoint: endpoint)
        let explain = try Self.flag(params, "explain")
        let table = state.config.eventsTable
        var option = ""
        switch endpoint {
        case .topShows: option = try Self.choice(params, "by", ["views", "watch", "completion"], default: "views")
        case .engagement: option = try Self.choice(params, "by", ["day", "hour", "device", "country", "show_type"], default: "day")
        case .activeUsers: option = try Self.choice(params, "grain", ["day", "week"], default: "day")
        case .quality, .summary, .episodes: break
        case .watchFraction: option = String(try TableRoutes.intParameter(params, "bins", default: 10, range: 2...100))
        case .shows: option = try Self.searchText(params)
        }
        guard let version = state.latestVersion(table: table) else {
            throw APIError(.notFound, "table_not_found", "the events table \(table) is not a Delta table of the lake")
        }
        let key = "analytics|\(endpoint.rawValue)|\(option)|\(filters.canonical)|explain=\(explain)|\(identity.pii ? "pii" : "masked")|\(table)@\(version)"
        if let hit = state.results.get(key) {
            state.metrics.cacheHits.increment()
            context.trace.cache = "hit"
            context.trace.rows = hit.rows
            return Responses.cached(hit, request: request, cache: "hit")
        }
        state.metrics.cacheMisses.increment()
        context.trace.cache = "miss"

        let body: JSONOut
        let rows: Int
        var readVersion: Int? = version
        if endpoint == .quality {
            (body, rows) = try await quality(table: table, filters: filters, explain: explain, identity: identity, context: context)
        } else {
            let sql: String
            switch endpoint {
            case .topShows: sql = AnalyticsQueries.topShows(table: table, by: option, filters)
            case .engagement: sql = AnalyticsQueries.engagement(table: table, by: option, filters)
            case .summary: sql = AnalyticsQueries.summary(table: table, filters)
            case .watchFraction: sql = AnalyticsQueries.watchFraction(table: table, bins: Int(option) ?? 10, filters)
            case .episodes: sql = AnalyticsQueries.episodes(table: table, filters)
            case .shows: sql = AnalyticsQueries.shows(table: table, matching: option.removingPercentEncoding ?? "", filters)
            default: sql = AnalyticsQueries.activeUsers(table: table, grain: option, filters)
            }
            context.trace.sql = sql
            let runner = QueryRunner(state: state)
            let outcome: QueryRunner.Outcome
            // Without a plan to show, from partial aggregates merged commit by commit.
            if !explain, state.config.incrementalBytes > 0, let query = AnalyticsQueries.mergeable(endpoint, option: option, filters),
               let answer = try await runner.runIncremental(query, sql: sql, table: table, identity: identity) {
                outcome = answer.0
            } else {
                outcome = try await runner.run(sql, version: nil, identity: identity, explain: explain)
            }
            readVersion = outcome.version
            rows = outcome.table.rowCount
            var members: [(String, JSONOut)] = [
                ("table", .string(table)), ("version", outcome.version.map { .int($0) } ?? .null),
                ("columns", ResultEncoder.columnsJSON(outcome.table)), ("rows", ResultEncoder.objects(outcome.table)),
                ("sql", .string(sql)), ("stats", ResultEncoder.stats(outcome.table)),
            ]
            if let plan = outcome.explain { members.append(("plan", .array(plan.map { .string($0) }))) }
            body = .object(members)
        }
        context.trace.rows = rows
        var bytes = body.bytes
        bytes.append(0x0A)
        let entry = ResultCache.Entry(body: ByteBuffer(bytes: bytes), contentType: "application/json", etag: ResultCache.etag(for: key), rows: rows)
        // Cached under the version actually read (a commit may have landed meanwhile).
        if readVersion == version {
            state.results.put(key, entry)
            state.metrics.cacheBytes.record(state.results.bytes)
        }
        return Responses.cached(entry, request: request, cache: "miss")
    }

    func quality(table: String, filters: AnalyticsFilters, explain: Bool, identity: APIKey, context: APIRequestContext) async throws -> (JSONOut, Int) {
        let index = state.quality
        let commits = try await state.gate.run {
            try await state.queryPool.runIfActive { try index.commits(table: table) }
        }
        let inRange = commits.filter { c in (filters.from.map { c.day >= $0 } ?? true) && (filters.to.map { c.day <= $0 } ?? true) }
        var good = 0, bad = 0
        var byKind: [String: Int] = [:]
        var byDay: [String: (Int, Int)] = [:]
        var byDayKind: [String: [String: Int]] = [:]
        for c in inRange {
            good += c.goodRows
            bad += c.quarantinedRows
            byDay[c.day, default: (0, 0)].0 += c.goodRows
            byDay[c.day, default: (0, 0)].1 += c.quarantinedRows
            for (k, n) in c.kinds {
                byKind[k, default: 0] += n
                byDayKind[c.day, default: [:]][k, default: 0] += n
            }
        }
        func score(_ g: Int, _ b: Int) -> JSONOut { g + b == 0 ? .null : .double(Double(g) / Double(g + b)) }
        let sql = AnalyticsQueries.quarantineKinds(path: "_quarantine/\(table)/{version}.parquet")
        context.trace.sql = sql
        var members: [(String, JSONOut)] = [
            ("table", .string(table)),
            ("score", score(good, bad)),
            ("good_rows", .int(good)),
            ("quarantined_rows", .int(bad)),
            ("by_kind", .array(byKind.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { .object([("kind", .string($0.key)), ("rows", .int($0.value))]) })),
            ("by_day", .array(byDay.sorted { $0.key < $1.key }.map { day, n in
                .object([("day", .string(day)), ("good_rows", .int(n.0)), ("quarantined_rows", .int(n.1)), ("score", score(n.0, n.1))])
            })),
            ("by_day_kind", .array(byDayKind.sorted { $0.key < $1.key }.flatMap { day, kinds in
                kinds.sorted { $0.key < $1.key }.map { .object([("day", .string(day)), ("kind", .string($0.key)), ("rows", .int($0.value))]) }
            })),
            ("sql", .string(sql + " -- for each version whose commit quarantined rows; good rows and days from the Delta log")),
        ]
        if explain, let last = inRange.last(where: { $0.quarantinedRows > 0 }) {
            let path = index.quarantinePath(table: table, version: last.version)
            let lake = state.lake
            let plan = try await state.queryPool.runIfActive { () throws -> [String] in
                let r = try QueryEngine(lake: lake, threads: 1).run("EXPLAIN " + AnalyticsQueries.quarantineKinds(path: path))
                return (0..<r.rowCount).map { CellText(r.columns[0]).text($0) }
            }
            members.append(("plan", .array(plan.map { .string($0) })))
        }
        return (.object(members), byKind.count)
    }

    // MARK: parameters

    static func filters(_ params: QueryParams, endpoint: Endpoint) throws -> AnalyticsFilters {
        var f = AnalyticsFilters()
        for (name, keyPath) in [("from", \AnalyticsFilters.from), ("to", \AnalyticsFilters.to)] {
            if let d = params.get(name) {
                guard isDate(d) else { throw APIError.badRequest("bad_parameter", "\(name) must be a date YYYY-MM-DD") }
                f[keyPath: keyPath] = d
            }
        }
        if endpoint != .quality {
            f.country = params.all("country")
            f.device = params.all("device")
            f.showType = params.all("show_type")
            f.show = params.all("show")
            for v in f.country + f.device + f.showType + f.show where v.utf8.count > 1000 {
                throw APIError.badRequest("bad_parameter", "a filter value is longer than 1000 bytes")
            }
        }
        if params.get("limit") != nil {
            f.limit = try TableRoutes.intParameter(params, "limit", default: 10, range: 1...10_000)
        }
        return f
    }

    static func isDate(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return false }
        for i in [0, 1, 2, 3, 5, 6, 8, 9] where !(u[i] >= 48 && u[i] <= 57) { return false }
        let month = Int(s.dropFirst(5).prefix(2)) ?? 0, day = Int(s.suffix(2)) ?? 0
        return (1...12).contains(month) && (1...31).contains(day)
    }

    static func choice(_ params: QueryParams, _ name: String, _ allowed: [String], default value: String) throws -> String {
        guard let v = params.get(name) else { return value }
        guard allowed.contains(v) else { throw APIError.badRequest("bad_parameter", "\(name) must be one of \(allowed.joined(separator: ", "))") }
        return v
    }

    static func flag(_ params: QueryParams, _ name: String) throws -> Bool {
        guard let v = params.get(name) else { return false }
        switch v {
        case "1": return true
        case "0": return false
        default: throw APIError.badRequest("bad_parameter", "\(name) must be 1 or 0")
        }
    }
}
