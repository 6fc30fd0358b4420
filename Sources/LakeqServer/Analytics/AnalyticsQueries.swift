import Foundation

/// The SQL behind the analytics endpoints, over the viewing-events table. Every filter is a
/// checked value in a WHERE clause the engine prunes with (dates on the partition column).
struct AnalyticsFilters: Sendable, Equatable {
    var from: String?
    var to: String?
    var country: [String] = []
    var device: [String] = []
    var showType: [String] = []
    var show: [String] = []
    var limit: Int?

    /// The WHERE clause (empty when no filter is set).
    var whereClause: String {
        var c: [String] = []
        if let from { c.append("date >= DATE '\(from)'") }
        if let to { c.append("date <= DATE '\(to)'") }
        func list(_ column: String, _ values: [String]) {
            guard !values.isEmpty else { return }
            let lits = values.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }
            c.append(values.count == 1 ? "\(column) = \(lits[0])" : "\(column) IN (\(lits.joined(separator: ", ")))")
        }
        list("country", country)
        list("device", device)
        list("show_type", showType)
        list("show", show)
        return c.isEmpty ? "" : " WHERE " + c.joined(separator: " AND ")
    }

    /// A canonical text of the filters (the cache key's part).
    var canonical: String {
        "from=\(from ?? "")&to=\(to ?? "")&country=\(country.joined(separator: "\u{1}"))&device=\(device.joined(separator: "\u{1}"))"
            + "&show_type=\(showType.joined(separator: "\u{1}"))&show=\(show.joined(separator: "\u{1}"))&limit=\(limit.map(String.init) ?? "")"
    }
}

enum AnalyticsQueries {
    static let completion = "avg(CASE WHEN completed THEN 1.0 ELSE 0.0 END)"
    /// Main's engine (before the query rebuild) also returns the groups a WHERE on the
    /// dictionary-encoded key column filtered out, with count 0; no real group has zero rows.
    /// Remove once the rebuilt engine is on main.
    static let nonEmpty = " HAVING count(*) > 0"

    /// `top-shows?by=views|watch|completion`.
    static func topShows(table: String, by: String, _ f: AnalyticsFilters) -> String {
        let order: String
        switch by {
        case "watch": order = "watch_minutes DESC"
        case "completion": order = "completion_rate DESC, views DESC"
        default: order = "views DESC"
        }
        return "SELECT show, count(*) AS views, sum(watch) AS watch_minutes, avg(watch) AS avg_watch, \(completion) AS completion_rate "
            + "FROM \(table)\(f.whereClause) GROUP BY show\(nonEmpty) ORDER BY \(order), show LIMIT \(f.limit ?? 10)"
    }

    /// `engagement?by=day|hour|device|country|show_type`.
    static func engagement(table: String, by: String, _ f: AnalyticsFilters) -> String {
        var sql = "SELECT \(engagementKey(by: by)) AS \(by), count(*) AS events, count(DISTINCT user_id) AS users, avg(watch) AS avg_watch, "
            + "\(completion) AS completion_rate FROM \(table)\(f.whereClause) GROUP BY 1\(nonEmpty) ORDER BY 1"
        if let limit = f.limit { sql += " LIMIT \(limit)" }
        return sql
    }

    /// The group key of `engagement?by=`.
    static func engagementKey(by: String) -> String {
        switch by {
        case "hour": return "date_trunc('hour', event_time)"
        case "device", "country", "show_type": return by
        default: return "date"
        }
    }

    /// The group key of `active-users?grain=`.
    static func activeUsersKey(grain: String) -> String {
        grain == "week" ? "CAST(date_trunc('week', date) AS DATE)" : "date"
    }

    /// `active-users?grain=day|week`: distinct users per day or ISO week (Monday).
    static func activeUsers(table: String, grain: String, _ f: AnalyticsFilters) -> String {
        var sql = "SELECT \(activeUsersKey(grain: grain)) AS \(grain), count(DISTINCT user_id) AS active_users, count(*) AS events "
            + "FROM \(table)\(f.whereClause) GROUP BY 1\(nonEmpty) ORDER BY 1"
        if let limit = f.limit { sql += " LIMIT \(limit)" }
        return sql
    }

    /// The query the quality endpoint runs on each quarantine file.
    static func quarantineKinds(path: String) -> String {
        "SELECT kind, count(*) AS rows FROM '\(path.replacingOccurrences(of: "'", with: "''"))' GROUP BY kind ORDER BY kind"
    }
}
