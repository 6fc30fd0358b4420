import LakeqColumnar

/// An expression resolved against a batch layout: column references are indices, every
/// node knows its engine type.
public struct BoundExpr: Sendable, CustomStringConvertible {
    public indirect enum Kind: Sendable {
        case column(Int)
        case literal(Scalar)
        case arithmetic(BinaryOperator, BoundExpr, BoundExpr)
        case comparison(BinaryOperator, BoundExpr, BoundExpr)
        case and(BoundExpr, BoundExpr)
        case or(BoundExpr, BoundExpr)
        case not(BoundExpr)
        case isNull(BoundExpr, negated: Bool)
        case inList(BoundExpr, [Scalar], negated: Bool)
        case like(BoundExpr, pattern: LikePattern, negated: Bool)
        case caseWhen([WhenClause], elseResult: BoundExpr?)
        case cast(BoundExpr)
        case function(ScalarFunction, [BoundExpr])
        /// `a IS [NOT] DISTINCT FROM b`: a comparison where NULL equals NULL (never NULL itself).
        case distinctFrom(BoundExpr, BoundExpr, negated: Bool)
    }

    public struct WhenClause: Sendable {
        public var condition: BoundExpr
        public var result: BoundExpr
    }

    public var kind: Kind
    public var type: DataType
    /// The SQL text it came from, for messages and EXPLAIN.
    public var text: String

    public var description: String { text }

    public init(kind: Kind, type: DataType, text: String) {
        self.kind = kind
        self.type = type
        self.text = text
    }

    /// Indices of the input columns this expression reads.
    public var columnsUsed: Set<Int> {
        var out = Set<Int>()
        visit { if case .column(let i) = $0.kind { out.insert(i) } }
        return out
    }

    public func visit(_ f: (BoundExpr) -> Void) {
        f(self)
        switch kind {
        case .column, .literal: break
        case .arithmetic(_, let l, let r), .comparison(_, let l, let r), .and(let l, let r), .or(let l, let r):
            l.visit(f); r.visit(f)
        case .not(let e), .isNull(let e, _), .inList(let e, _, _), .like(let e, _, _), .cast(let e):
            e.visit(f)
        case .caseWhen(let ws, let e):
            for w in ws { w.condition.visit(f); w.result.visit(f) }
            e?.visit(f)
        case .function(_, let args): for a in args { a.visit(f) }
        case .distinctFrom(let l, let r, _): l.visit(f); r.visit(f)
        }
    }

    /// The direct sub-expressions.
    public var children: [BoundExpr] {
        switch kind {
        case .column, .literal: return []
        case .arithmetic(_, let l, let r), .comparison(_, let l, let r), .and(let l, let r), .or(let l, let r), .distinctFrom(let l, let r, _):
            return [l, r]
        case .not(let e), .isNull(let e, _), .inList(let e, _, _), .like(let e, _, _), .cast(let e): return [e]
        case .caseWhen(let ws, let e): return ws.flatMap { [$0.condition, $0.result] } + [e].compactMap { $0 }
        case .function(_, let args): return args
        }
    }

    /// The same expression with column indices renumbered.
    public func remapColumns(_ map: (Int) -> Int) -> BoundExpr {
        var copy = self
        switch kind {
        case .column(let i): copy.kind = .column(map(i))
        case .literal: break
        case .arithmetic(let op, let l, let r): copy.kind = .arithmetic(op, l.remapColumns(map), r.remapColumns(map))
        case .comparison(let op, let l, let r): copy.kind = .comparison(op, l.remapColumns(map), r.remapColumns(map))
        case .and(let l, let r): copy.kind = .and(l.remapColumns(map), r.remapColumns(map))
        case .or(let l, let r): copy.kind = .or(l.remapColumns(map), r.remapColumns(map))
        case .not(let e): copy.kind = .not(e.remapColumns(map))
        case .isNull(let e, let n): copy.kind = .isNull(e.remapColumns(map), negated: n)
        case .inList(let e, let l, let n): copy.kind = .inList(e.remapColumns(map), l, negated: n)
        case .like(let e, let p, let n): copy.kind = .like(e.remapColumns(map), pattern: p, negated: n)
        case .caseWhen(let ws, let e):
            copy.kind = .caseWhen(ws.map { WhenClause(condition: $0.condition.remapColumns(map), result: $0.result.remapColumns(map)) },
                                  elseResult: e?.remapColumns(map))
        case .cast(let e): copy.kind = .cast(e.remapColumns(map))
        case .function(let f, let args): copy.kind = .function(f, args.map { $0.remapColumns(map) })
        case .distinctFrom(let l, let r, let n): copy.kind = .distinctFrom(l.remapColumns(map), r.remapColumns(map), negated: n)
        }
        return copy
    }

    /// The same expression with some columns replaced by expressions (other columns kept).
    public func substitute(_ replacement: (Int) -> BoundExpr?) -> BoundExpr {
        var copy = self
        switch kind {
        case .column(let i): if let r = replacement(i) { return r }
        case .literal: break
        case .arithmetic(let op, let l, let r): copy.kind = .arithmetic(op, l.substitute(replacement), r.substitute(replacement))
        case .comparison(let op, let l, let r): copy.kind = .comparison(op, l.substitute(replacement), r.substitute(replacement))
        case .and(let l, let r): copy.kind = .and(l.substitute(replacement), r.substitute(replacement))
        case .or(let l, let r): copy.kind = .or(l.substitute(replacement), r.substitute(replacement))
        case .not(let e): copy.kind = .not(e.substitute(replacement))
        case .isNull(let e, let n): copy.kind = .isNull(e.substitute(replacement), negated: n)
        case .inList(let e, let l, let n): copy.kind = .inList(e.substitute(replacement), l, negated: n)
        case .like(let e, let p, let n): copy.kind = .like(e.substitute(replacement), pattern: p, negated: n)
        case .caseWhen(let ws, let e):
            copy.kind = .caseWhen(ws.map { WhenClause(condition: $0.condition.substitute(replacement), result: $0.result.substitute(replacement)) },
                                  elseResult: e?.substitute(replacement))
        case .cast(let e): copy.kind = .cast(e.substitute(replacement))
        case .function(let f, let args): copy.kind = .function(f, args.map { $0.substitute(replacement) })
        case .distinctFrom(let l, let r, let n): copy.kind = .distinctFrom(l.substitute(replacement), r.substitute(replacement), negated: n)
        }
        return copy
    }

    /// True when the expression reads no column.
    public var isConstant: Bool { columnsUsed.isEmpty }

    /// A conjunction of conjuncts (nil for none).
    public static func and(_ parts: [BoundExpr]) -> BoundExpr? {
        guard var e = parts.first else { return nil }
        for c in parts.dropFirst() { e = BoundExpr(kind: .and(e, c), type: .boolean, text: e.text + " AND " + c.text) }
        return e
    }

    static func column(_ id: Int, _ type: DataType, _ text: String) -> BoundExpr { BoundExpr(kind: .column(id), type: type, text: text) }
    static func literal(_ v: Scalar, _ type: DataType) -> BoundExpr { BoundExpr(kind: .literal(v), type: type, text: v.isNull ? "NULL" : Casts.text(v)) }

    /// Splits an AND tree into its conjuncts.
    public var conjuncts: [BoundExpr] {
        if case .and(let l, let r) = kind { return l.conjuncts + r.conjuncts }
        return [self]
    }
}

/// Scalar functions of the dialect.
public enum ScalarFunction: String, Sendable, CaseIterable {
    case dateTrunc = "date_trunc"
    case year, month, day, hour, minute, second
    case dayOfWeek = "dayofweek"
    case dayOfYear = "dayofyear"
    case week, quarter, epoch
    case lower, upper, length, substr, coalesce, round, abs, concat
    case dateDiff = "date_diff"
    case datePart = "date_part"
    case dateAdd = "date_add"
    case makeDate = "make_date"
    case strftime
    case greatest, least, nullif
    case regexpMatches = "regexp_matches"
    case regexpReplace = "regexp_replace"
    case startsWith = "starts_with"
    case endsWith = "ends_with"
    case contains, replace, trim, ltrim, rtrim, reverse, strpos
    case left, right
    case floor, ceil, sqrt, power, ln, log10, exp, sign
    case ifThen = "if"
    /// Internal: a date or timestamp plus an interval (months, days, microseconds as literal arguments).
    case addInterval = "+interval"
    // Nested types (NestedFunctions). struct_extract's second argument is the field index.
    case structExtract = "struct_extract"
    case listExtract = "list_extract"
    case mapExtractValue = "map_extract_value"
    case listLength = "len"
    case cardinality
    case mapKeys = "map_keys"
    case mapValues = "map_values"
    case listSum = "list_sum"
    case listAvg = "list_avg"
    case listMin = "list_min"
    case listMax = "list_max"
    case listCount = "list_count"
    case listContains = "list_contains"
    case listValue = "list_value"
    /// `struct_pack(a := x, …)` / `{'a': x}`: field names come from the bound STRUCT type.
    case structPack = "struct_pack"
    case map
    case mapFromEntries = "map_from_entries"
}

/// Aggregate functions of the dialect.
public enum AggregateFunction: String, Sendable, CaseIterable {
    case countStar = "count_star"
    case count, sum, avg, min, max
    case approxCountDistinct = "approx_count_distinct"
    case median
    case quantileCont = "quantile_cont"
    case quantileDisc = "quantile_disc"
    case approxQuantile = "approx_quantile"
    case stddevSamp = "stddev_samp"
    case stddevPop = "stddev_pop"
    case varSamp = "var_samp"
    case varPop = "var_pop"
    case stringAgg = "string_agg"
    case boolAnd = "bool_and"
    case boolOr = "bool_or"
    case argMin = "arg_min"
    case argMax = "arg_max"
    case countIf = "count_if"

    /// Other spellings, as DuckDB accepts them.
    static let aliases: [String: AggregateFunction] = [
        "stddev": .stddevSamp, "variance": .varSamp, "listagg": .stringAgg, "group_concat": .stringAgg,
        "min_by": .argMin, "max_by": .argMax, "argmin": .argMin, "argmax": .argMax, "quantile": .quantileDisc,
        "every": .boolAnd, "countif": .countIf, "mean": .avg,
    ]

    /// The aggregate named `name` (lower-case), if it is one.
    static func named(_ name: String) -> AggregateFunction? { AggregateFunction(rawValue: name) ?? aliases[name] }
}
