import LakeqColumnar

/// Subqueries in expressions, planned as joins (never run once per outer row).
///
/// - `EXISTS` / `IN (SELECT …)` as a WHERE conjunct: a semi join (`NOT EXISTS`: anti join).
/// - Elsewhere, and `NOT IN`: a mark join, whose BOOLEAN column is the value (three-valued
///   for IN, as SQL wants: NULL when nothing matches but a NULL was compared).
/// - A scalar subquery: a single join (a left join that fails on a second match).
///
/// A correlated subquery (one naming a column of the query around it) is decorrelated first:
/// the conjuncts of its WHERE that name outer columns are pulled up through projections,
/// inner joins and aggregates (an aggregate gains the inner side of each `inner = outer`
/// equality as a group key) and become the join's condition. A scalar subquery over a global
/// aggregate then yields no row for outer rows without a match; its value there is what the
/// aggregate gives on no rows (0 for count), not NULL.
extension SelectBinder {
    struct BoundSubquery {
        var plan: LogicalPlan
        var columns: [(name: String, id: Int)]
        /// Correlation conjuncts over outer and subquery columns.
        var conditions: [BoundExpr]
        /// For a scalar subquery whose global aggregate became grouped: aggregate id → its value on no rows.
        var emptyValues: [Int: Scalar]?
    }

    func bindSubquery(_ q: SelectStatement, _ mode: Mode, existence: Bool = false) throws -> BoundSubquery {
        let refs = OuterReferences()
        let rel = try binder.bindQuery(q, outer: scope, outerReferences: refs)
        if refs.ids.isEmpty { return BoundSubquery(plan: rel.plan, columns: rel.columns, conditions: [], emptyValues: nil) }
        if case .grouped = mode {
            throw QueryError.unsupported("correlated subqueries are not supported in the select list of a grouped query")
        }
        var d = Decorrelator(outer: refs.ids, registry: registry, existence: existence)
        let (plan, conditions) = try d.pullUp(rel.plan)
        if plan.references(refs.ids) {
            throw QueryError.unsupported("this correlated subquery cannot be decorrelated: outer columns may be named only in its WHERE")
        }
        return BoundSubquery(plan: plan, columns: rel.columns, conditions: conditions, emptyValues: d.emptyValues)
    }

    /// A WHERE conjunct `[NOT] EXISTS (…)` or `x IN (…)`: joins `plan` as a semi or anti join.
    func bindWhereSubquery(_ c: Expr, _ plan: inout LogicalPlan) throws -> Bool {
        var e = c
        var negated = false
        if case .unary(.not, let inner) = e.kind { e = inner; negated = true }
        switch e.kind {
        case .exists(let q):
            let sub = try bindSubquery(q, .rows, existence: true)
            plan = .join(.init(left: plan, right: sub.plan, kind: negated ? .anti : .semi, condition: BoundExpr.and(sub.conditions)))
            return true
        case .inSubquery(let x, let q, let innerNegated):
            // NOT IN is three-valued (a NULL in the subquery empties it): a mark join handles it.
            guard !(negated != innerNegated) else { return false }
            let bx = try bind(x, .rows)
            let sub = try bindSubquery(q, .rows, existence: true)
            guard sub.columns.count == 1 else { throw QueryError.binding("IN (SELECT …) needs one column, got \(sub.columns.count)") }
            let y = sub.columns[0]
            let eq = try bindBinary(.equal, bx, .column(y.id, registry.type(y.id), y.name), text: e.description)
            plan = .join(.init(left: plan, right: sub.plan, kind: .semi, condition: BoundExpr.and([eq] + sub.conditions)))
            return true
        default:
            return false
        }
    }

    func bindScalarSubquery(_ q: SelectStatement, _ mode: Mode, text: String) throws -> BoundExpr {
        let sub = try bindSubquery(q, mode)
        guard sub.columns.count == 1 else { throw QueryError.binding("a scalar subquery must return one column, got \(sub.columns.count): \(text)") }
        let value = sub.columns[0]
        let type = registry.type(value.id)
        let valueExpr = BoundExpr.column(value.id, type, text)
        guard let emptyValues = sub.emptyValues, let empty = try Self.valueOnNoRows(sub.plan, value.id, emptyValues), !empty.isNull else {
            pendingJoins.append(PendingJoin(right: sub.plan, kind: .single, condition: BoundExpr.and(sub.conditions)))
            return valueExpr
        }
        // Outer rows without a group get the aggregate's value on no rows (0 for count).
        let marker = registry.add("__matched", .boolean)
        let right = LogicalPlan.project(sub.plan, sub.plan.outputs.map { ($0, BoundExpr.column($0, registry.type($0), registry.name($0))) }
                                        + [(marker, .literal(.bool(true), .boolean))])
        pendingJoins.append(PendingJoin(right: right, kind: .single, condition: BoundExpr.and(sub.conditions)))
        let unmatched = BoundExpr(kind: .isNull(.column(marker, .boolean, "__matched"), negated: false), type: .boolean, text: text)
        return BoundExpr(kind: .caseWhen([.init(condition: unmatched, result: .literal(empty, type))], elseResult: valueExpr), type: type, text: text)
    }

    func bindExistsValue(_ q: SelectStatement, _ mode: Mode, text: String) throws -> BoundExpr {
        let sub = try bindSubquery(q, mode, existence: true)
        let mark = registry.add(text, .boolean)
        pendingJoins.append(PendingJoin(right: sub.plan, kind: .mark, condition: BoundExpr.and(sub.conditions), markColumn: mark))
        return .column(mark, .boolean, text)
    }

    func bindInSubqueryValue(_ x: BoundExpr, _ q: SelectStatement, _ mode: Mode, text: String) throws -> BoundExpr {
        let sub = try bindSubquery(q, mode, existence: true)
        guard sub.columns.count == 1 else { throw QueryError.binding("IN (SELECT …) needs one column, got \(sub.columns.count)") }
        let y = sub.columns[0]
        let eq = try bindBinary(.equal, x, .column(y.id, registry.type(y.id), y.name), text: text)
        let mark = registry.add(text, .boolean)
        pendingJoins.append(PendingJoin(right: sub.plan, kind: .mark, condition: BoundExpr.and(sub.conditions), markColumn: mark, markCondition: eq))
        return .column(mark, .boolean, text)
    }

    /// The value of output `id` of a (project over) aggregate when the aggregate saw no rows.
    static func valueOnNoRows(_ plan: LogicalPlan, _ id: Int, _ emptyValues: [Int: Scalar]) throws -> Scalar? {
        guard case .project(let child, let items) = plan, let item = items.first(where: { $0.id == id }) else { return nil }
        guard case .aggregate(let a) = child else { return nil }
        let groupIds = Set(a.groups.map(\.id))
        var foldable = true
        let substituted = item.expr.substitute { col in
            if let v = emptyValues[col] { return .literal(v, .int64) }
            if groupIds.contains(col) { foldable = false }
            return nil
        }
        guard foldable, substituted.isConstant else { return nil }
        return try ConstantFolding.evaluate(substituted)
    }
}

/// Pulls correlated conjuncts out of a subquery plan (see `SelectBinder`'s subqueries).
struct Decorrelator {
    let outer: Set<Int>
    let registry: ColumnRegistry
    /// EXISTS / IN: LIMIT, ORDER BY and DISTINCT inside do not change the answer.
    let existence: Bool
    var emptyValues: [Int: Scalar]?

    init(outer: Set<Int>, registry: ColumnRegistry, existence: Bool) {
        self.outer = outer
        self.registry = registry
        self.existence = existence
    }

    private func correlated(_ e: BoundExpr) -> Bool { !e.columnsUsed.isDisjoint(with: outer) }

    mutating func pullUp(_ p: LogicalPlan) throws -> (LogicalPlan, [BoundExpr]) {
        guard p.references(outer) else { return (p, []) }
        switch p {
        case .filter(let child, let predicate):
            let (c, pulled) = try pullUp(child)
            var keep: [BoundExpr] = []
            var out = pulled
            for conj in predicate.conjuncts { if correlated(conj) { out.append(conj) } else { keep.append(conj) } }
            return (BoundExpr.and(keep).map { .filter(c, $0) } ?? c, out)
        case .project(let child, let items):
            if items.contains(where: { correlated($0.expr) }) {
                throw QueryError.unsupported("a correlated subquery may name outer columns only in its WHERE clause")
            }
            let (c, pulled) = try pullUp(child)
            var extended = items
            let present = Set(items.map(\.id))
            let needed = pulled.reduce(into: Set<Int>()) { $0.formUnion($1.columnsUsed) }.subtracting(outer).subtracting(present)
            for id in needed.sorted() { extended.append((id, .column(id, registry.type(id), registry.name(id)))) }
            return (.project(c, extended), pulled)
        case .aggregate(var a):
            if a.groups.contains(where: { correlated($0.expr) }) || a.aggregates.contains(where: { $0.spec.inputs.contains(where: correlated) }) {
                throw QueryError.unsupported("a correlated subquery may name outer columns only in its WHERE clause")
            }
            let (c, pulled) = try pullUp(a.input)
            a.input = c
            guard !pulled.isEmpty else { return (.aggregate(a), []) }
            guard a.groupingSets == nil else { throw QueryError.unsupported("correlated subqueries with GROUPING SETS are not supported") }
            let wasGlobal = a.groups.isEmpty
            var out: [BoundExpr] = []
            for cond in pulled {
                guard case .comparison(.equal, let l, let r) = cond.kind else {
                    throw QueryError.unsupported("a correlated subquery with an aggregate supports only equality conditions on outer columns: \(cond.text)")
                }
                let lOuter = l.columnsUsed.isSubset(of: outer), rOuter = r.columnsUsed.isSubset(of: outer)
                let (inner, outerSide, innerLeft): (BoundExpr, BoundExpr, Bool)
                if rOuter && !correlated(l) { (inner, outerSide, innerLeft) = (l, r, true) }
                else if lOuter && !correlated(r) { (inner, outerSide, innerLeft) = (r, l, false) }
                else { throw QueryError.unsupported("unsupported correlated condition under an aggregate: \(cond.text)") }
                let groupId: Int
                if let g = a.groups.first(where: { if case .column(let x) = $0.expr.kind, case .column(let y) = inner.kind { return x == y }; return false }) {
                    groupId = g.id
                } else if case .column(let x) = inner.kind {
                    groupId = x
                    a.groups.append((x, inner))
                } else {
                    groupId = registry.add(inner.text, inner.type)
                    a.groups.append((groupId, inner))
                }
                let g = BoundExpr.column(groupId, inner.type, inner.text)
                out.append(BoundExpr(kind: .comparison(.equal, innerLeft ? g : outerSide, innerLeft ? outerSide : g), type: .boolean, text: cond.text))
            }
            if wasGlobal {
                var values: [Int: Scalar] = [:]
                for (id, spec) in a.aggregates {
                    switch spec.function {
                    case .countStar, .count, .countIf, .approxCountDistinct: values[id] = .int(0)
                    default: values[id] = .null
                    }
                }
                emptyValues = values
            }
            return (.aggregate(a), out)
        case .join(var j):
            guard j.kind == .inner || j.kind == .semi || j.kind == .anti || j.kind == .mark || j.kind == .single || j.kind == .left else {
                throw QueryError.unsupported("correlated subqueries with \(j.kind.rawValue) joins are not supported")
            }
            let (l, lc) = try pullUp(j.left)
            if j.kind != .inner && j.right.references(outer) {
                throw QueryError.unsupported("correlated subqueries with \(j.kind.rawValue) joins are not supported")
            }
            let (r, rc) = try pullUp(j.right)
            j.left = l
            j.right = r
            var pulled = lc + rc
            if let cond = j.condition, j.kind == .inner {
                var keep: [BoundExpr] = []
                for conj in cond.conjuncts { if correlated(conj) { pulled.append(conj) } else { keep.append(conj) } }
                j.condition = BoundExpr.and(keep)
            } else if let cond = j.condition, correlated(cond) {
                throw QueryError.unsupported("outer columns in the condition of a \(j.kind.rawValue) join are not supported")
            }
            return (.join(j), pulled)
        case .sort(let child, _):
            return try pullUp(child)
        case .limit(let child, let limit, let offset) where existence && offset == 0 && (limit ?? 1) > 0:
            return try pullUp(child)
        case .distinct(let child) where existence:
            return try pullUp(child)
        case .scan, .values, .range:
            return (p, [])
        case .limit, .distinct, .window, .unionAll, .enforceSingleRow, .unnest:
            throw QueryError.unsupported("correlated subqueries with LIMIT, DISTINCT, window functions, UNNEST or set operations are not supported")
        }
    }
}

/// Evaluates constant expressions at plan time.
enum ConstantFolding {
    static func evaluate(_ e: BoundExpr) throws -> Scalar {
        let one = RecordBatch(schema: Schema([]), columns: [], rowCount: 1)
        return Scalar.from(try Evaluator.evaluate(e, one), row: 0)
    }
}
