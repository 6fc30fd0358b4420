import Foundation
import LakeqColumnar
import LakeqQuery

/// An analytics query in a form whose partial results merge exactly: group keys, then
/// measures kept as partial aggregates (a row count, sums, minima and maxima, the number of
/// distinct users), finished into the endpoint's columns, order and limit at the end.
///
/// Delta data files are immutable, so the partial aggregates of the files of version v plus
/// those of the files a commit adds are the partial aggregates of version v + 1
/// (`IncrementalAnalytics`). Each measure stays exact under that merge: counts and integer
/// sums add, minima and maxima compare. `count(DISTINCT user_id)` grows by the (group, user)
/// pairs of the added files that the older files do not hold: the added files' pairs are
/// few, and one scan of the older files filtered to those users finds which they hold
/// (`membershipSQL`). `sum(watch)` is a sum of doubles: merged in a different order than a
/// fresh run adds them (as the engine's own threads do), it may differ in the last bits.
struct MergeableQuery: Sendable, Equatable {
    enum Measure: Sendable, Equatable {
        /// count(*)
        case count
        /// count(DISTINCT user_id)
        case users
        /// sum(watch)
        case sumWatch
        /// avg(watch)
        case avgWatch
        /// avg(CASE WHEN completed THEN 1.0 ELSE 0.0 END): completed rows over all rows.
        case completion
        /// min(SQL expression)
        case min(String)
        /// max(SQL expression)
        case max(String)
    }

    struct Key: Sendable, Equatable {
        var sql: String
        var name: String
    }

    struct Output: Sendable, Equatable {
        var measure: Measure
        var name: String
    }

    struct Order: Sendable, Equatable {
        /// Index into the result columns (keys first, then outputs).
        var column: Int
        var descending: Bool
    }

    var keys: [Key]
    var outputs: [Output]
    /// The WHERE clause, with its leading " WHERE " (empty when there is none).
    var whereClause: String
    var order: [Order]
    var limit: Int?

    var needsUsers: Bool { outputs.contains { $0.measure == .users } }
    var needsWatch: Bool { outputs.contains { $0.measure == .sumWatch || $0.measure == .avgWatch } }
    var needsCompletion: Bool { outputs.contains { $0.measure == .completion } }
    var extremes: [Measure] {
        outputs.map(\.measure).filter { if case .min = $0 { return true }; if case .max = $0 { return true }; return false }
    }

    /// The partial aggregates over a set of files: one row per group with its distinct-user
    /// count (`base`), or one row per group and user (`delta`, for a commit's new files).
    /// Columns: keys, [users or user_id], count(*), [sum(watch), count(watch)], [completed],
    /// extremes. Order and limit do not change it, so the base query also names the state
    /// that answers them all.
    func partialSQL(table: String, delta: Bool) -> String {
        var select: [String] = keys.map { $0.sql }
        var grouping = select.count
        if needsUsers {
            select.append(delta ? "user_id" : "count(DISTINCT user_id)")
            if delta { grouping += 1 }
        }
        select.append("count(*)")
        if needsWatch { select += ["sum(watch)", "count(watch)"] }
        if needsCompletion { select.append("sum(CASE WHEN completed THEN 1 ELSE 0 END)") }
        for m in extremes {
            switch m {
            case .min(let e): select.append("min(\(e))")
            case .max(let e): select.append("max(\(e))")
            default: break
            }
        }
        return "SELECT " + select.joined(separator: ", ") + " FROM \(table)\(whereClause)" + Self.groupBy(grouping)
    }

    /// The (group, user) pairs among `users` (keys, then user_id).
    func membershipSQL(table: String, users: [Int64]) -> String {
        let inUsers = "user_id IN (" + users.map(String.init).joined(separator: ", ") + ")"
        let filter = whereClause.isEmpty ? " WHERE " + inUsers : whereClause + " AND " + inUsers
        return "SELECT " + (keys.map(\.sql) + ["user_id"]).joined(separator: ", ") + " FROM \(table)\(filter)" + Self.groupBy(keys.count + 1)
    }

    private static func groupBy(_ n: Int) -> String {
        n == 0 ? "" : " GROUP BY " + (1...n).map(String.init).joined(separator: ", ")
    }
}

/// The merged partial aggregates of one `MergeableQuery` over a set of data files.
struct PartialAggregates: Sendable {
    struct Group: Sendable {
        var rows: Int64 = 0
        var watchSum: Double = 0
        var watchIntSum: Int64 = 0
        var watchCount: Int64 = 0
        var completed: Int64 = 0
        var users: Int64 = 0
        var extremes: [Scalar]
    }

    enum Unsupported: Error { case userIdNotInteger, tooManyUsers }

    let query: MergeableQuery
    /// Types of the key columns, `sum(watch)` and each extreme, as the engine gave them.
    private(set) var keyTypes: [DataType] = []
    private(set) var watchSumType: DataType = .float64
    private(set) var extremeTypes: [DataType] = []
    /// Groups in order of first appearance, their keys, and the key's index (by the key
    /// itself when there is one key column: no array built per row).
    private var groupList: [Group] = []
    private var groupKeys: [[Scalar]] = []
    private var keyIndex: [[Scalar]: Int] = [:]
    private var singleIndex: [Scalar: Int] = [:]

    init(query: MergeableQuery) { self.query = query }

    /// Bytes held, roughly (for the store's budget).
    var approximateBytes: Int { 256 + groupList.count * (96 + 24 * query.keys.count + 24 * query.extremes.count) }

    /// Adds the rows of a partial query's result (`MergeableQuery.partialSQL`): a base one's
    /// (`known` nil: its user column counts distinct users), or a delta one's, whose (group,
    /// user) pairs add a user to their group unless `known` (the pairs older files hold,
    /// from `membershipSQL`, as keys + [user]) has them.
    mutating func merge(_ r: QueryResult, known: Set<[Scalar]>? = nil) throws {
        let k = query.keys.count
        var c = k
        keyTypes = r.columns.prefix(k).map(\.type)
        var userColumn: Column?
        if query.needsUsers {
            userColumn = r.columns[c]
            c += 1
        }
        let n = Self.integers(r.columns[c])
        c += 1
        var sum: Column?, count: [Int64]?, done: [Int64]?
        if query.needsWatch {
            sum = r.columns[c]
            count = Self.integers(r.columns[c + 1])
            watchSumType = r.columns[c].type
            c += 2
        }
        if query.needsCompletion {
            done = Self.integers(r.columns[c])
            c += 1
        }
        let extremeColumns = Array(r.columns[c..<(c + query.extremes.count)])
        extremeTypes = extremeColumns.map(\.type)
        let extremes = query.extremes
        var userCounts: [Int64]?
        if let userColumn, known == nil { userCounts = Self.integers(userColumn) }
        let sums: [Double]? = sum.flatMap { if case .float64(let v) = $0.values.materialized() { return v }; return nil }
        let keyColumns = Array(r.columns.prefix(k))
        for row in 0..<r.rowCount {
            // One key column (all but episodes) skips building an array per row.
            let key: [Scalar] = k == 1 ? [] : keyColumns.map { Scalar.from($0, row: row) }
            let single: Scalar = k == 1 ? Scalar.from(keyColumns[0], row: row) : .null
            let index: Int
            if let i = k == 1 ? singleIndex[single] : keyIndex[key] {
                index = i
            } else {
                index = groupList.count
                groupList.append(Group(extremes: [Scalar](repeating: .null, count: extremes.count)))
                groupKeys.append(k == 1 ? [single] : key)
                if k == 1 { singleIndex[single] = index } else { keyIndex[key] = index }
            }
            groupList[index].rows &+= n[row]
            if let sum, let count, !sum.isNull(row) {
                if let sums {
                    groupList[index].watchSum += sums[row]
                } else if case .int(let v) = Scalar.from(sum, row: row) {
                    groupList[index].watchIntSum &+= v
                }
                groupList[index].watchCount &+= count[row]
            }
            if let done { groupList[index].completed &+= done[row] }
            if let userCounts { groupList[index].users &+= userCounts[row] }
            if let known, let userColumn, !userColumn.isNull(row) {
                let user = Scalar.from(userColumn, row: row)
                guard case .int = user else { throw Unsupported.userIdNotInteger }
                if !known.contains((k == 1 ? [single] : key) + [user]) { groupList[index].users &+= 1 }
            }
            for (i, m) in extremes.enumerated() {
                let v = Scalar.from(extremeColumns[i], row: row)
                guard !v.isNull else { continue }
                let old = groupList[index].extremes[i]
                if case .min = m, old.isNull || Scalar.compare(v, old) < 0 { groupList[index].extremes[i] = v }
                if case .max = m, old.isNull || Scalar.compare(v, old) > 0 { groupList[index].extremes[i] = v }
            }
        }
    }

    /// The distinct users of a delta result (its user column).
    static func users(in r: QueryResult, query: MergeableQuery) throws -> [Int64] {
        let c = r.columns[query.keys.count]
        var seen = Set<Int64>()
        for row in 0..<r.rowCount where !c.isNull(row) {
            guard case .int(let u) = Scalar.from(c, row: row) else { throw Unsupported.userIdNotInteger }
            seen.insert(u)
        }
        return seen.sorted()
    }

    /// The rows of a membership result, each as keys + [user].
    static func pairs(in r: QueryResult) -> Set<[Scalar]> {
        Set((0..<r.rowCount).map { row in r.columns.map { Scalar.from($0, row: row) } })
    }

    /// An integer column's values (0 where NULL: counts are never NULL).
    private static func integers(_ c: Column) -> [Int64] {
        switch c.values.materialized() {
        case .int64(let v): return v
        case .int32(let v): return v.map { Int64($0) }
        default: return (0..<c.values.count).map { if case .int(let v) = Scalar.from(c, row: $0) { return v }; return 0 }
        }
    }

    /// The endpoint's answer: one row per group (one row in all without keys, as an
    /// aggregate without GROUP BY gives), ordered and limited.
    /// `asked` is the query being answered: it shares this state's groups and measures, but
    /// may differ in names, order and limit (the state is named by its base query).
    func finish(_ asked: MergeableQuery, statistics: ScanStatistics) -> QueryResult {
        let q = asked
        var entries = zip(groupKeys, groupList).map { (key: $0, group: $1) }
        if q.keys.isEmpty && entries.isEmpty {
            entries = [(key: [], group: Group(extremes: [Scalar](repeating: .null, count: q.extremes.count)))]
        }
        var rows: [[Scalar]] = entries.map { e in
            var row = e.key
            var extreme = 0
            let g = e.group
            for o in q.outputs {
                switch o.measure {
                case .count: row.append(.int(g.rows))
                case .users: row.append(.int(g.users))
                case .sumWatch: row.append(g.watchCount == 0 ? .null : watchSum(g))
                case .avgWatch:
                    row.append(g.watchCount == 0 ? .null : .double((watchSum(g).asDouble ?? 0) / Double(g.watchCount)))
                case .completion: row.append(g.rows == 0 ? .null : .double(Double(g.completed) / Double(g.rows)))
                case .min, .max:
                    row.append(g.extremes[extreme])
                    extreme += 1
                }
            }
            return row
        }
        rows.sort { a, b in
            for o in q.order {
                let x = a[o.column], y = b[o.column]
                // NULLs last in either direction (the engine's default).
                if x.isNull || y.isNull {
                    if x.isNull && y.isNull { continue }
                    return y.isNull
                }
                let c = Scalar.compare(x, y)
                if c != 0 { return o.descending ? c > 0 : c < 0 }
            }
            return false
        }
        if let limit = q.limit, rows.count > limit { rows.removeLast(rows.count - limit) }
        var types = keyTypes.count == q.keys.count ? keyTypes : [DataType](repeating: .string, count: q.keys.count)
        var extreme = 0
        for o in q.outputs {
            switch o.measure {
            case .count, .users: types.append(.int64)
            case .sumWatch: types.append(watchSumType)
            case .avgWatch, .completion: types.append(.float64)
            case .min, .max:
                types.append(extreme < extremeTypes.count ? extremeTypes[extreme] : .string)
                extreme += 1
            }
        }
        let columns = types.enumerated().map { i, t in ColumnFactory.fromScalars(rows.map { $0[i] }, type: t) }
        return QueryResult(names: q.keys.map(\.name) + q.outputs.map(\.name), columns: columns, rowCount: rows.count, statistics: statistics)
    }

    private func watchSum(_ g: Group) -> Scalar {
        switch watchSumType {
        case .int64: return .int(g.watchIntSum)
        default: return .double(g.watchSum + Double(g.watchIntSum))
        }
    }
}
