import LakeqColumnar

/// Outer column ids a subquery refers to (it is correlated when any).
final class OuterReferences {
    var ids: Set<Int> = []
}

/// A join a subquery in an expression adds under the clause being bound.
struct PendingJoin {
    var right: LogicalPlan
    var kind: JoinKind
    var condition: BoundExpr?
    var markColumn: Int?
    var markCondition: BoundExpr?

    func apply(to plan: LogicalPlan) -> LogicalPlan {
        .join(.init(left: plan, right: right, kind: kind, condition: condition, markColumn: markColumn, markCondition: markCondition))
    }
}

/// Binds one SELECT: its FROM scope, clauses and expressions.
final class SelectBinder {
    enum Mode {
        /// Over the rows of FROM (WHERE, GROUP BY, aggregate arguments, a query without aggregation).
        case rows
        /// Over the groups of an aggregate: group keys, aggregates and constants only.
        case grouped
    }

    let binder: Binder
    let outer: Scope?
    let outerReferences: OuterReferences?
    var scope: Scope
    var clause = "SELECT"
    var registry: ColumnRegistry { binder.context.registry }

    // Aggregation state.
    var groupExprs: [Expr] = []
    var groupBound: [BoundExpr] = []
    var groupIds: [Int] = []
    var groupingSets: [[Int]]?
    var groupingSetColumn: Int?
    var aggregates: [(id: Int, spec: AggregateSpec, call: FunctionCall)] = []
    var windows: [(id: Int, spec: WindowSpec, ast: Expr)] = []
    var windowsAllowed = false
    /// `unnest(l)` calls of the select list: the element column id and the list.
    var unnests: [(id: Int, list: BoundExpr)] = []
    var unnestAllowed = false
    var selectAliases: [String: Expr] = [:]
    var pendingJoins: [PendingJoin] = []
    /// Joins of subqueries inside aggregate arguments: applied to the aggregate's input.
    var aggregateInputJoins: [PendingJoin] = []

    init(binder: Binder, outer: Scope?, outerReferences: OuterReferences?) {
        self.binder = binder
        self.outer = outer
        self.outerReferences = outerReferences
        scope = Scope([], outer: outer)
    }

    /// One select-list entry after `*` expansion.
    struct Item {
        var expr: Expr
        var name: String
        var bound: BoundExpr?
    }

    func bindSelect(_ s: SelectStatement) throws -> Binder.Relation {
        var plan: LogicalPlan
        var fromColumns: [ScopeColumn] = []
        if let from = s.from {
            (plan, fromColumns) = try binder.bindTableRef(from, outer: outer)
        } else {
            plan = .values(rows: [[]], outputs: [])
        }
        scope = Scope(fromColumns, outer: outer)

        if let w = s.whereClause {
            clause = "WHERE"
            var conjuncts: [BoundExpr] = []
            for c in Self.splitConjuncts(w) {
                if try bindWhereSubquery(c, &plan) { continue }
                let b = try bindPredicate(c, .rows)
                conjuncts.append(b)
            }
            plan = applyPending(plan)
            if let f = BoundExpr.and(conjuncts) { plan = .filter(plan, f) }
        }

        // The select list with `*` expanded.
        var items: [Item] = []
        for item in s.items {
            switch item.kind {
            case .wildcard(let qualifier):
                let cols = scope.columns.filter { c in
                    guard let q = qualifier else { return !c.hidden }
                    return c.qualifier == q.name || c.qualifier?.lowercased() == q.name.lowercased()
                }
                if let q = qualifier, cols.isEmpty { throw QueryError.binding("no table named \(q.name) in FROM for \(q.name).*") }
                for c in cols {
                    items.append(Item(expr: Expr(.column(ColumnRef(qualifier: c.qualifier, c.name)), location: item.location), name: c.name,
                                      bound: .column(c.id, c.type, c.name)))
                }
            case .expression(let e, let alias):
                let name: String
                if let alias { name = alias.name } else if case .column(let c) = e.kind { name = (try? scope.candidates(c).first?.name) ?? c.name } else if case .fieldAccess(_, let field) = e.kind { name = field } else { name = e.description }
                items.append(Item(expr: e, name: name))
                if let alias { selectAliases[alias.name.lowercased()] = e }
            }
        }
        if items.isEmpty { throw QueryError.binding("SELECT * of a query without columns") }

        let aggregating = !s.groupBy.isEmpty || s.groupByAll || s.groupingSets != nil
            || items.contains { Self.containsAggregate($0.expr) } || s.having.map(Self.containsAggregate) == true
            || s.qualify.map(Self.containsAggregate) == true || s.orderBy.contains { Self.containsAggregate($0.expr) }
        let mode: Mode = aggregating ? .grouped : .rows
        if s.having != nil && !aggregating { throw QueryError.binding("HAVING needs GROUP BY or an aggregate") }

        if aggregating {
            clause = "GROUP BY"
            var entries: [Expr]
            if s.groupByAll {
                entries = items.filter { !Self.containsAggregate($0.expr) && !Self.containsWindow($0.expr) }.map(\.expr)
            } else {
                entries = try s.groupBy.map { try resolveReference($0, items: items, clause: "GROUP BY", preferColumns: true) }
            }
            for e in entries where !groupExprs.contains(e) {
                if Self.containsAggregate(e) { throw QueryError.binding("aggregates are not allowed in GROUP BY: \(e)") }
                let b = try bind(e, .rows)
                groupExprs.append(e)
                groupBound.append(b)
                groupIds.append(registry.add(e.description, b.type))
            }
            if let sets = s.groupingSets {
                groupingSets = try sets.map { set in
                    try set.map { e in
                        let r = try resolveReference(e, items: items, clause: "GROUP BY", preferColumns: true)
                        guard let i = groupExprs.firstIndex(of: r) else { throw QueryError.binding("GROUP BY: \(e) is not a group key") }
                        return i
                    }
                }
                groupingSetColumn = registry.add("__grouping_set", .int64)
            }
            plan = applyPending(plan)
        }

        // The select list, HAVING, QUALIFY and ORDER BY, over the groups or the rows.
        clause = "SELECT"
        windowsAllowed = true
        unnestAllowed = true
        for i in items.indices where items[i].bound == nil || aggregating {
            items[i].bound = try bind(items[i].expr, mode)
        }
        unnestAllowed = false
        clause = "HAVING"
        windowsAllowed = false
        let having = try s.having.map { try bindPredicate($0, .grouped) }
        windowsAllowed = true
        clause = "QUALIFY"
        let qualify = try s.qualify.map { try bindPredicate($0, mode) }
        clause = "ORDER BY"
        var orderKeys: [(key: SortKey, item: Int?)] = []
        var orderItems = s.orderBy
        if orderItems.count == 1, case .column(let c) = orderItems[0].expr.kind, c.qualifier == nil, c.name == "all",
           scope.candidates(c).isEmpty, selectAliases["all"] == nil {
            // ORDER BY ALL: every select item, left to right.
            let o = orderItems[0]
            orderItems = (1...items.count).map { OrderItem(Expr(.literal(.integer(Int64($0)))), descending: o.descending, nullsFirst: o.nullsFirst) }
        }
        for o in orderItems {
            var itemIndex: Int?
            if case .literal(.integer(let k)) = o.expr.kind {
                guard k >= 1, k <= items.count else { throw QueryError.binding("ORDER BY position \(k) is not in the select list (1...\(items.count))") }
                itemIndex = Int(k) - 1
            } else if case .column(let c) = o.expr.kind, c.qualifier == nil,
                      let i = items.firstIndex(where: { $0.name == c.name }) ?? items.firstIndex(where: { $0.name.lowercased() == c.name.lowercased() }),
                      selectAliases[c.name.lowercased()] != nil || scope.candidates(c).isEmpty || !aggregating {
                itemIndex = i
            } else if let i = items.firstIndex(where: { $0.expr == o.expr }) {
                itemIndex = i
            }
            let expr = try itemIndex.map { items[$0].bound! } ?? bind(o.expr, mode)
            orderKeys.append((SortKey(expr: expr, descending: o.descending, nullsFirst: o.nullsFirst ?? false), itemIndex))
        }
        windowsAllowed = false

        if aggregating {
            for j in aggregateInputJoins { plan = j.apply(to: plan) }
            aggregateInputJoins = []
            plan = .aggregate(.init(input: plan, groups: Array(zip(groupIds, groupBound)).map { ($0, $1) },
                                    aggregates: aggregates.map { ($0.id, $0.spec) }, groupingSets: groupingSets,
                                    groupingId: groupingSetColumn))
        }
        plan = applyPending(plan)
        if let having { plan = .filter(plan, having) }
        if !windows.isEmpty { plan = .window(plan, windows.map { ($0.id, $0.spec) }) }
        if let qualify { plan = .filter(plan, qualify) }
        if !unnests.isEmpty { plan = .unnest(plan, unnests) }

        // Projection: the visible items, then hidden ORDER BY keys.
        var project: [(id: Int, expr: BoundExpr)] = []
        var columns: [(name: String, id: Int)] = []
        for item in items {
            guard let b = item.bound else { continue }
            let id = registry.add(item.name, b.type)
            project.append((id, b))
            columns.append((item.name, id))
        }
        var sortKeys: [SortKey] = []
        var hidden = false
        for (key, itemIndex) in orderKeys {
            if let i = itemIndex {
                sortKeys.append(SortKey(expr: .column(columns[i].id, key.expr.type, key.expr.text), descending: key.descending, nullsFirst: key.nullsFirst))
            } else {
                if s.distinct { throw QueryError.binding("with SELECT DISTINCT, ORDER BY expressions must appear in the select list: \(key.expr.text)") }
                let id = registry.add(key.expr.text, key.expr.type)
                project.append((id, key.expr))
                sortKeys.append(SortKey(expr: .column(id, key.expr.type, key.expr.text), descending: key.descending, nullsFirst: key.nullsFirst))
                hidden = true
            }
        }
        plan = .project(plan, project)
        if s.distinct { plan = .distinct(plan) }
        if !sortKeys.isEmpty { plan = .sort(plan, sortKeys) }
        if s.limit != nil || (s.offset ?? 0) > 0 {
            plan = .limit(plan, limit: s.limit.map { Int(clamping: $0) }, offset: Int(clamping: s.offset ?? 0))
        }
        if hidden {
            plan = .project(plan, columns.map { ($0.id, BoundExpr.column($0.id, registry.type($0.id), $0.name)) })
        }
        return Binder.Relation(plan: plan, columns: columns)
    }

    func applyPending(_ plan: LogicalPlan) -> LogicalPlan {
        var p = plan
        for j in pendingJoins { p = j.apply(to: p) }
        pendingJoins = []
        return p
    }

    // MARK: references to the select list

    /// GROUP BY / ORDER BY entries: a 1-based position or an alias names a select item.
    private func resolveReference(_ e: Expr, items: [Item], clause: String, preferColumns: Bool) throws -> Expr {
        if case .literal(.integer(let k)) = e.kind {
            guard k >= 1, k <= items.count else { throw QueryError.binding("\(clause) position \(k) is not in the select list (1...\(items.count))") }
            return items[Int(k) - 1].expr
        }
        if case .column(let c) = e.kind, c.qualifier == nil, !(preferColumns && !scope.candidates(c).isEmpty),
           let aliased = selectAliases[c.name.lowercased()] {
            return aliased
        }
        return e
    }

    // MARK: AST inspection

    static func splitConjuncts(_ e: Expr) -> [Expr] {
        if case .binary(.and, let l, let r) = e.kind { return splitConjuncts(l) + splitConjuncts(r) }
        return [e]
    }

    static func isAggregateCall(_ f: FunctionCall) -> Bool { AggregateFunction.named(f.name.lowercased()) != nil }

    /// Whether an aggregate (outside any window function call) occurs, not looking into subqueries.
    static func containsAggregate(_ e: Expr) -> Bool {
        switch e.kind {
        case .function(let f):
            if isAggregateCall(f) { return true }
            return f.arguments.contains(where: containsAggregate)
        case .window(let f, let w):
            return f.arguments.contains(where: containsAggregate) || w.partitionBy.contains(where: containsAggregate)
                || w.orderBy.contains { containsAggregate($0.expr) }
        default:
            return children(e).contains(where: containsAggregate)
        }
    }

    static func containsWindow(_ e: Expr) -> Bool {
        if case .window = e.kind { return true }
        return children(e).contains(where: containsWindow)
    }

    /// Sub-expressions (not subqueries).
    static func children(_ e: Expr) -> [Expr] {
        switch e.kind {
        case .literal, .column, .subquery, .exists, .interval: return []
        case .fieldAccess(let x, _): return [x]
        case .structPack(_, let values): return values
        case .subscript(let x, let i): return [x, i]
        case .unary(_, let x), .isNull(let x, _), .isBoolean(let x, _, _), .cast(let x, _), .extract(_, let x), .inSubquery(let x, _, _): return [x]
        case .binary(_, let l, let r), .isDistinctFrom(let l, let r, _): return [l, r]
        case .inList(let x, let l, _): return [x] + l
        case .between(let x, let lo, let hi, _): return [x, lo, hi]
        case .like(let x, let p, _, _): return [x, p]
        case .caseWhen(let op, let bs, let el): return [op].compactMap { $0 } + bs.flatMap { [$0.condition, $0.result] } + [el].compactMap { $0 }
        case .function(let f): return f.arguments + [f.filter].compactMap { $0 } + f.orderBy.map(\.expr)
        case .window(let f, let w): return f.arguments + w.partitionBy + w.orderBy.map(\.expr)
        }
    }

    func bindPredicate(_ e: Expr, _ mode: Mode) throws -> BoundExpr {
        let b = try bind(e, mode)
        if TypeRules.isNullLiteral(b) { return BoundExpr(kind: .literal(.null), type: .boolean, text: b.text) }
        guard b.type == .boolean else { throw QueryError.binding("\(clause) needs a boolean expression, got \(SQLType.name(b.type)): \(e)") }
        return b
    }
}
