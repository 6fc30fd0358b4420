import LakeqColumnar

/// A column of a logical plan, named by a query-wide unique id (DuckDB's column bindings).
///
/// Every column a plan node produces gets an id once, when it is created; operators pass ids
/// through unchanged. Logical expressions (`BoundExpr`) refer to columns by these ids in
/// `.column(id)`, so rewrites (predicate pushdown, column pruning, decorrelation) never
/// renumber anything. The physical planner turns ids into batch positions.
public struct ColumnInfo: Sendable {
    public var name: String
    public var type: DataType
}

/// The columns of one query: id → name and type.
public final class ColumnRegistry: @unchecked Sendable {
    public private(set) var columns: [ColumnInfo] = []

    public func add(_ name: String, _ type: DataType) -> Int {
        columns.append(ColumnInfo(name: name, type: type))
        return columns.count - 1
    }

    public func type(_ id: Int) -> DataType { columns[id].type }
    public func name(_ id: Int) -> String { columns[id].name }
}

/// One aggregate of a grouped query.
public struct AggregateSpec: Sendable {
    public var function: AggregateFunction
    /// The (first) argument; nil for count(*).
    public var argument: BoundExpr?
    public var distinct: Bool
    public var type: DataType
    public var text: String
    /// Further arguments: the second of arg_min/arg_max, the fraction of quantiles and the
    /// separator of string_agg (constants are kept as literals).
    public var extraArguments: [BoundExpr] = []
    /// `FILTER (WHERE …)`: only rows where it is true are aggregated.
    public var filter: BoundExpr? = nil
    /// `ORDER BY` inside the call (the order string_agg joins values in).
    public var orderBy: [SortKey] = []

    public init(function: AggregateFunction, argument: BoundExpr?, distinct: Bool, type: DataType, text: String,
                extraArguments: [BoundExpr] = [], filter: BoundExpr? = nil, orderBy: [SortKey] = []) {
        self.function = function
        self.argument = argument
        self.distinct = distinct
        self.type = type
        self.text = text
        self.extraArguments = extraArguments
        self.filter = filter
        self.orderBy = orderBy
    }

    /// Every expression the aggregate reads.
    public var inputs: [BoundExpr] { [argument].compactMap { $0 } + extraArguments + [filter].compactMap { $0 } + orderBy.map(\.expr) }

    func remapColumns(_ map: (Int) -> Int) -> AggregateSpec {
        var a = self
        a.argument = argument?.remapColumns(map)
        a.extraArguments = extraArguments.map { $0.remapColumns(map) }
        a.filter = filter?.remapColumns(map)
        a.orderBy = orderBy.map { SortKey(expr: $0.expr.remapColumns(map), descending: $0.descending, nullsFirst: $0.nullsFirst) }
        return a
    }
}

/// One ORDER BY key.
public struct SortKey: Sendable {
    public var expr: BoundExpr
    public var descending: Bool
    /// Where NULLs go; defaults follow DuckDB (NULLS LAST for both directions).
    public var nullsFirst: Bool

    public init(expr: BoundExpr, descending: Bool, nullsFirst: Bool) {
        self.expr = expr
        self.descending = descending
        self.nullsFirst = nullsFirst
    }

    var text: String { expr.text + (descending ? " DESC" : "") + (nullsFirst ? " NULLS FIRST" : "") }
}

/// Join kinds. The output of inner/left/right/full is left columns then right columns; semi
/// and anti output the left columns only; mark outputs the left columns and one BOOLEAN
/// (true when a right row satisfies the condition, NULL when none does but one compares NULL,
/// false otherwise: the value of `x IN (subquery)`); single is a left join that fails when a
/// left row finds more than one match (scalar subqueries).
public enum JoinKind: String, Sendable {
    case inner, left, right, full, semi, anti, mark, single

    var keepsUnmatchedLeft: Bool { self == .left || self == .full || self == .single }
    var keepsUnmatchedRight: Bool { self == .right || self == .full }
    var outputsRight: Bool { self != .semi && self != .anti && self != .mark }
}

/// A window function call with its window.
public struct WindowSpec: Sendable {
    public enum Function: Sendable {
        case rowNumber, rank, denseRank, percentRank, cumeDist
        case ntile(BoundExpr)
        case lag(BoundExpr, offset: Int, defaultValue: BoundExpr?)
        case lead(BoundExpr, offset: Int, defaultValue: BoundExpr?)
        case firstValue(BoundExpr), lastValue(BoundExpr)
        case nthValue(BoundExpr, Int)
        case aggregate(AggregateSpec)
    }

    public enum FrameUnit: Sendable { case rows, range }
    public enum FrameBound: Sendable, Equatable {
        case unboundedPreceding
        case preceding(Int64)
        case currentRow
        case following(Int64)
        case unboundedFollowing
    }

    public struct Frame: Sendable {
        public var unit: FrameUnit
        public var start: FrameBound
        public var end: FrameBound
    }

    public var function: Function
    public var partitionBy: [BoundExpr]
    public var orderBy: [SortKey]
    /// Nil: the default frame (with ORDER BY: RANGE UNBOUNDED PRECEDING to CURRENT ROW;
    /// without: the whole partition).
    public var frame: Frame?
    public var type: DataType
    public var text: String

    var inputs: [BoundExpr] {
        var out = partitionBy + orderBy.map(\.expr)
        switch function {
        case .rowNumber, .rank, .denseRank, .percentRank, .cumeDist: break
        case .ntile(let e), .firstValue(let e), .lastValue(let e), .nthValue(let e, _): out.append(e)
        case .lag(let e, _, let d), .lead(let e, _, let d): out.append(e); if let d { out.append(d) }
        case .aggregate(let a): out += a.inputs
        }
        return out
    }

    func remapColumns(_ map: (Int) -> Int) -> WindowSpec {
        var w = self
        w.partitionBy = partitionBy.map { $0.remapColumns(map) }
        w.orderBy = orderBy.map { SortKey(expr: $0.expr.remapColumns(map), descending: $0.descending, nullsFirst: $0.nullsFirst) }
        switch function {
        case .rowNumber, .rank, .denseRank, .percentRank, .cumeDist: break
        case .ntile(let e): w.function = .ntile(e.remapColumns(map))
        case .firstValue(let e): w.function = .firstValue(e.remapColumns(map))
        case .lastValue(let e): w.function = .lastValue(e.remapColumns(map))
        case .nthValue(let e, let n): w.function = .nthValue(e.remapColumns(map), n)
        case .lag(let e, let o, let d): w.function = .lag(e.remapColumns(map), offset: o, defaultValue: d?.remapColumns(map))
        case .lead(let e, let o, let d): w.function = .lead(e.remapColumns(map), offset: o, defaultValue: d?.remapColumns(map))
        case .aggregate(let a): w.function = .aggregate(a.remapColumns(map))
        }
        return w
    }
}

/// A relational plan over column ids, produced by the binder and rewritten by the optimizer.
public indirect enum LogicalPlan: Sendable {
    /// Rows of a table. `columns` pairs each output id with a table column; `filters` are
    /// conjuncts pushed into the scan (they prune files, row groups and pages, and run on
    /// the decoded filter columns first).
    case scan(ScanNode)
    /// Constant rows (`VALUES`, and SELECT without FROM as one row of no columns).
    case values(rows: [[BoundExpr]], outputs: [Int])
    case filter(LogicalPlan, BoundExpr)
    case project(LogicalPlan, [(id: Int, expr: BoundExpr)])
    case aggregate(AggregateNode)
    case join(JoinNode)
    case sort(LogicalPlan, [SortKey])
    /// OFFSET then LIMIT (nil limit: no limit).
    case limit(LogicalPlan, limit: Int?, offset: Int)
    /// Duplicate rows removed (NULLs equal).
    case distinct(LogicalPlan)
    /// UNION ALL: rows of every input, column k of each input becoming `outputs[k]`.
    case unionAll([LogicalPlan], outputs: [Int])
    case window(LogicalPlan, [(id: Int, spec: WindowSpec)])
    /// Fails when the input has more than one row; no row gives one row of NULLs.
    case enforceSingleRow(LogicalPlan)
    /// `range(start, stop, step)`: BIGINTs from start while below stop (above for a negative step).
    case range(start: Int64, stop: Int64, step: Int64, output: Int)
    /// `unnest(l)` of the select list: per input row, one row per element of the longest
    /// list (shorter lists padded with NULL; rows whose lists are all NULL or empty vanish),
    /// the input columns repeated and one element column per list.
    case unnest(LogicalPlan, [(id: Int, list: BoundExpr)])

    public struct ScanNode: Sendable {
        public var table: Table
        public var columns: [(id: Int, tableColumn: Int)]
        public var filters: [BoundExpr]
    }

    public struct AggregateNode: Sendable {
        public var input: LogicalPlan
        public var groups: [(id: Int, expr: BoundExpr)]
        public var aggregates: [(id: Int, spec: AggregateSpec)]
        /// GROUPING SETS: each a list of indices into `groups`; nil for plain GROUP BY.
        public var groupingSets: [[Int]]?
        /// The `GROUPING(...)` bit mask of the set a row belongs to, when asked for.
        public var groupingId: Int?
    }

    public struct JoinNode: Sendable {
        public var left: LogicalPlan
        public var right: LogicalPlan
        public var kind: JoinKind
        /// Over left and right ids; nil is a cross product (or an uncorrelated semi/mark test).
        /// For a mark join: which right rows are candidates at all (their condition must be true).
        public var condition: BoundExpr?
        /// The BOOLEAN of a mark join.
        public var markColumn: Int?
        /// A mark join's test over the candidates, in three-valued logic (`x = y` of
        /// `x IN (SELECT y …)`): the mark is true if it is true for one, NULL if for none but
        /// NULL for one, else false. Nil: the mark is whether there is a candidate (EXISTS).
        public var markCondition: BoundExpr?

        public init(left: LogicalPlan, right: LogicalPlan, kind: JoinKind, condition: BoundExpr?, markColumn: Int? = nil,
                    markCondition: BoundExpr? = nil) {
            self.left = left
            self.right = right
            self.kind = kind
            self.condition = condition
            self.markColumn = markColumn
            self.markCondition = markCondition
        }
    }

    /// The columns it produces, in order.
    public var outputs: [Int] {
        switch self {
        case .scan(let s): return s.columns.map(\.id)
        case .values(_, let outputs): return outputs
        case .filter(let c, _), .sort(let c, _), .limit(let c, _, _), .distinct(let c), .enforceSingleRow(let c): return c.outputs
        case .project(_, let items): return items.map(\.id)
        case .aggregate(let a): return a.groups.map(\.id) + a.aggregates.map(\.id) + [a.groupingId].compactMap { $0 }
        case .join(let j):
            switch j.kind {
            case .semi, .anti: return j.left.outputs
            case .mark: return j.left.outputs + [j.markColumn].compactMap { $0 }
            default: return j.left.outputs + j.right.outputs
            }
        case .unionAll(_, let outputs): return outputs
        case .window(let c, let items): return c.outputs + items.map(\.id)
        case .unnest(let c, let items): return c.outputs + items.map(\.id)
        case .range(_, _, _, let output): return [output]
        }
    }

    var children: [LogicalPlan] {
        switch self {
        case .scan, .values, .range: return []
        case .filter(let c, _), .project(let c, _), .sort(let c, _), .limit(let c, _, _), .distinct(let c),
             .window(let c, _), .enforceSingleRow(let c), .unnest(let c, _):
            return [c]
        case .aggregate(let a): return [a.input]
        case .join(let j): return [j.left, j.right]
        case .unionAll(let inputs, _): return inputs
        }
    }

    /// Rough row count, for choosing a join's build side.
    func estimatedRows() -> Double {
        switch self {
        case .scan(let s):
            let base = Double(s.table.estimatedRowCount)
            return s.filters.isEmpty ? base : max(1, base * pow(0.25, Double(min(s.filters.count, 3))))
        case .values(let rows, _): return Double(rows.count)
        case .filter(let c, _): return max(1, c.estimatedRows() * 0.25)
        case .project(let c, _), .sort(let c, _), .window(let c, _): return c.estimatedRows()
        case .unnest(let c, _): return c.estimatedRows() * 4
        case .limit(let c, let limit, _): return min(c.estimatedRows(), Double(limit ?? Int.max))
        case .distinct(let c): return max(1, c.estimatedRows() * 0.5)
        case .aggregate(let a):
            if a.groups.isEmpty { return 1 }
            return max(1, a.input.estimatedRows() * 0.1)
        case .join(let j):
            let l = j.left.estimatedRows(), r = j.right.estimatedRows()
            switch j.kind {
            case .semi, .anti, .mark, .single, .left: return l
            case .right: return r
            case .inner, .full: return j.condition == nil ? l * r : max(l, r)
            }
        case .unionAll(let inputs, _): return inputs.reduce(0) { $0 + $1.estimatedRows() }
        case .enforceSingleRow: return 1
        case .range(let start, let stop, let step, _): return Double(RangeSource.count(start, stop, step))
        }
    }
}

private func pow(_ b: Double, _ e: Double) -> Double {
    var r = 1.0
    for _ in 0..<Int(e) { r *= b }
    return r
}
