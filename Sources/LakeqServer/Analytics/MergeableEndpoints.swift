import Foundation

/// The analytics endpoints as `MergeableQuery`s: the same groups, measures, filters, order
/// and limit as their SQL in `AnalyticsQueries` (a test checks both give equal answers).
extension AnalyticsQueries {
    static func mergeable(_ endpoint: AnalyticsRoutes.Endpoint, option: String, _ f: AnalyticsFilters) -> MergeableQuery? {
        typealias Q = MergeableQuery
        let usage: [Q.Output] = [Q.Output(measure: .count, name: "events"), Q.Output(measure: .users, name: "users"),
                                 Q.Output(measure: .avgWatch, name: "avg_watch"), Q.Output(measure: .completion, name: "completion_rate")]
        switch endpoint {
        case .topShows:
            let order: [Q.Order]
            switch option {
            case "watch": order = [Q.Order(column: 2, descending: true)]
            case "completion": order = [Q.Order(column: 4, descending: true), Q.Order(column: 1, descending: true)]
            default: order = [Q.Order(column: 1, descending: true)]
            }
            return Q(keys: [Q.Key(sql: "show", name: "show")],
                     outputs: [Q.Output(measure: .count, name: "views"), Q.Output(measure: .sumWatch, name: "watch_minutes"),
                               Q.Output(measure: .avgWatch, name: "avg_watch"), Q.Output(measure: .completion, name: "completion_rate")],
                     whereClause: f.whereClause, order: order + [Q.Order(column: 0, descending: false)], limit: f.limit ?? 10)
        case .engagement:
            return Q(keys: [Q.Key(sql: engagementKey(by: option), name: option)], outputs: usage, whereClause: f.whereClause,
                     order: [Q.Order(column: 0, descending: false)], limit: f.limit)
        case .activeUsers:
            return Q(keys: [Q.Key(sql: activeUsersKey(grain: option), name: option)],
                     outputs: [Q.Output(measure: .users, name: "active_users"), Q.Output(measure: .count, name: "events")],
                     whereClause: f.whereClause, order: [Q.Order(column: 0, descending: false)], limit: f.limit)
        case .summary:
            return Q(keys: [],
                     outputs: [Q.Output(measure: .count, name: "events"), Q.Output(measure: .users, name: "users"),
                               Q.Output(measure: .sumWatch, name: "watch_minutes"), Q.Output(measure: .avgWatch, name: "avg_watch"),
                               Q.Output(measure: .completion, name: "completion_rate"), Q.Output(measure: .min("date"), name: "first_date"),
                               Q.Output(measure: .max("date"), name: "last_date")],
                     whereClause: f.whereClause, order: [], limit: nil)
        case .watchFraction:
            return Q(keys: [Q.Key(sql: watchFractionBin(bins: Int(option) ?? 10), name: "bin")], outputs: [Q.Output(measure: .count, name: "events")],
                     whereClause: f.whereClause(and: ["duration > 0"]), order: [Q.Order(column: 0, descending: false)], limit: nil)
        case .episodes:
            return Q(keys: [Q.Key(sql: "season", name: "season"), Q.Key(sql: "episode", name: "episode")], outputs: usage,
                     whereClause: f.whereClause,
                     order: [Q.Order(column: 0, descending: false), Q.Order(column: 1, descending: false)], limit: f.limit)
        case .shows:
            return Q(keys: [Q.Key(sql: "show", name: "show")],
                     outputs: [Q.Output(measure: .min("show_type"), name: "show_type"), Q.Output(measure: .min("genre"), name: "genre"),
                               Q.Output(measure: .count, name: "views")],
                     whereClause: f.whereClause(and: showSearch(option.removingPercentEncoding ?? "")),
                     order: [Q.Order(column: 3, descending: true), Q.Order(column: 0, descending: false)], limit: f.limit ?? 20)
        case .quality:
            return nil
        }
    }
}
