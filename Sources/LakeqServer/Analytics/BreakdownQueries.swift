import Foundation
import Hummingbird

/// The SQL of the analytics endpoints the dashboard added: `summary` (its tiles),
/// `watch-fraction` (a histogram), `episodes` (a show's seasons and episodes) and `shows`
/// (the show search). Same filters and answer shape as the others (`AnalyticsRoutes`).
extension AnalyticsQueries {
    /// `summary`: one row of totals under the filters.
    static func summary(table: String, _ f: AnalyticsFilters) -> String {
        "SELECT count(*) AS events, count(DISTINCT user_id) AS users, sum(watch) AS watch_minutes, avg(watch) AS avg_watch, "
            + "\(completion) AS completion_rate, min(date) AS first_date, max(date) AS last_date FROM \(table)\(f.whereClause)"
    }

    /// `watch-fraction?bins=N`: sessions per bin of watch / duration (bin i holds
    /// [i/N, (i+1)/N), the last one also 1.0); sessions of zero duration are left out.
    static func watchFraction(table: String, bins: Int, _ f: AnalyticsFilters) -> String {
        "SELECT \(watchFractionBin(bins: bins)) AS bin, count(*) AS events FROM \(table)\(f.whereClause(and: ["duration > 0"])) GROUP BY 1\(nonEmpty) ORDER BY 1"
    }

    /// The bin of a session in `watch-fraction?bins=N`.
    static func watchFractionBin(bins: Int) -> String {
        // floor, not CAST: a DOUBLE casts to INTEGER rounding half to even (as DuckDB does).
        "CASE WHEN watch >= duration THEN \(bins - 1) ELSE CAST(floor(watch / duration * \(bins)) AS INTEGER) END"
    }

    /// The show search's condition (none for an empty text).
    static func showSearch(_ text: String) -> [String] {
        text.isEmpty ? [] : ["lower(show) LIKE '%" + text.lowercased().replacingOccurrences(of: "'", with: "''") + "%'"]
    }

    /// `episodes`: per season and episode (null for titles that are not series).
    static func episodes(table: String, _ f: AnalyticsFilters) -> String {
        var sql = "SELECT season, episode, count(*) AS events, count(DISTINCT user_id) AS users, avg(watch) AS avg_watch, "
            + "\(completion) AS completion_rate FROM \(table)\(f.whereClause) GROUP BY season, episode\(nonEmpty) ORDER BY season, episode"
        if let limit = f.limit { sql += " LIMIT \(limit)" }
        return sql
    }

    /// `shows?q=TEXT`: shows whose title contains TEXT (case-insensitive; `%` and `_` match
    /// any text and any one character, as in LIKE), most viewed first.
    static func shows(table: String, matching text: String, _ f: AnalyticsFilters) -> String {
        // A show has one type and genre in the generated data; min() keeps one row per show
        // should a source disagree.
        return "SELECT show, min(show_type) AS show_type, min(genre) AS genre, count(*) AS views FROM \(table)\(f.whereClause(and: showSearch(text))) "
            + "GROUP BY show\(nonEmpty) ORDER BY views DESC, show LIMIT \(f.limit ?? 20)"
    }
}

extension AnalyticsFilters {
    /// The WHERE clause with `extra` conditions ANDed to the filters'.
    func whereClause(and extra: [String]) -> String {
        guard !extra.isEmpty else { return whereClause }
        let more = extra.joined(separator: " AND ")
        return whereClause.isEmpty ? " WHERE " + more : whereClause + " AND " + more
    }
}

extension AnalyticsRoutes {
    /// The show search's `q` (at most 200 bytes), percent-encoded so that it cannot run
    /// into the other parts of a cache key.
    static func searchText(_ params: QueryParams) throws -> String {
        let q = params.get("q") ?? ""
        guard q.utf8.count <= 200 else { throw APIError.badRequest("bad_parameter", "q must be at most 200 bytes") }
        return q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
