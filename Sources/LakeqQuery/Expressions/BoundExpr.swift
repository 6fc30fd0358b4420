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
        }
        return copy
    }

    /// Splits an AND tree into its conjuncts.
    public var conjuncts: [BoundExpr] {
        if case .and(let l, let r) = kind { return l.conjuncts + r.conjuncts }
        return [self]
    }
}

/// Scalar functions of the dialect.
public enum ScalarFunction: String, Sendable {
    case dateTrunc = "date_trunc"
    case year, month, day, hour, minute, second
    case dayOfWeek = "dayofweek"
    case lower, upper, length, substr, coalesce, round, abs, concat
}

/// Aggregate functions of the dialect.
public enum AggregateFunction: String, Sendable {
    case countStar = "count_star"
    case count, sum, avg, min, max
    case approxCountDistinct = "approx_count_distinct"
}
