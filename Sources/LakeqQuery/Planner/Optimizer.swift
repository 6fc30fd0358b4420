import LakeqColumnar

extension LogicalPlan {
    /// The expressions a node evaluates itself (not its children's).
    var localExpressions: [BoundExpr] {
        switch self {
        case .scan(let s): return s.filters
        case .values(let rows, _): return rows.flatMap { $0 }
        case .filter(_, let p): return [p]
        case .project(_, let items): return items.map(\.expr)
        case .aggregate(let a): return a.groups.map(\.expr) + a.aggregates.flatMap(\.spec.inputs)
        case .join(let j): return [j.condition, j.markCondition].compactMap { $0 }
        case .sort(_, let keys): return keys.map(\.expr)
        case .window(_, let items): return items.flatMap(\.spec.inputs)
        case .unnest(_, let items): return items.map(\.list)
        case .limit, .distinct, .unionAll, .enforceSingleRow, .range: return []
        }
    }

    /// Whether any expression in the tree reads one of `ids`.
    func references(_ ids: Set<Int>) -> Bool {
        if localExpressions.contains(where: { !$0.columnsUsed.isDisjoint(with: ids) }) { return true }
        return children.contains { $0.references(ids) }
    }
}

/// Logical rewrites: predicates pushed down (into scans, below projections, aggregates and
/// through joins, turning cross products with an equality into joins), then columns nobody
/// reads pruned (scans decode only what is used; joins output only what is read above).
enum Optimizer {
    static func optimize(_ plan: LogicalPlan, registry: ColumnRegistry) -> LogicalPlan {
        let pushed = pushDown(plan, [], registry)
        return prune(pushed, Set(pushed.outputs), registry, isRoot: true)
    }

    // MARK: predicate pushdown

    private static func wrap(_ p: LogicalPlan, _ preds: [BoundExpr]) -> LogicalPlan {
        guard let f = BoundExpr.and(preds) else { return p }
        return .filter(p, f)
    }

    static func pushDown(_ plan: LogicalPlan, _ preds: [BoundExpr], _ registry: ColumnRegistry) -> LogicalPlan {
        switch plan {
        case .filter(let child, let predicate):
            return pushDown(child, preds + predicate.conjuncts, registry)
        case .scan(var s):
            s.filters += preds
            return .scan(s)
        case .values, .range:
            return wrap(plan, preds)
        case .project(let child, let items):
            var below: [BoundExpr] = []
            var above: [BoundExpr] = []
            let defs = Dictionary(items.map { ($0.id, $0.expr) }, uniquingKeysWith: { a, _ in a })
            for p in preds {
                if p.columnsUsed.allSatisfy({ defs[$0] != nil }) {
                    below.append(p.substitute { defs[$0] })
                } else {
                    above.append(p)
                }
            }
            return wrap(.project(pushDown(child, below, registry), items), above)
        case .aggregate(var a):
            var below: [BoundExpr] = []
            var above: [BoundExpr] = []
            let defs = Dictionary(a.groups.map { ($0.id, $0.expr) }, uniquingKeysWith: { x, _ in x })
            for p in preds {
                if a.groupingSets == nil, !a.groups.isEmpty, p.columnsUsed.allSatisfy({ defs[$0] != nil }) {
                    below.append(p.substitute { defs[$0] })
                } else {
                    above.append(p)
                }
            }
            a.input = pushDown(a.input, below, registry)
            return wrap(.aggregate(a), above)
        case .join(var j):
            let leftIds = Set(j.left.outputs), rightIds = Set(j.right.outputs)
            var toLeft: [BoundExpr] = [], toRight: [BoundExpr] = [], above: [BoundExpr] = [], toCondition: [BoundExpr] = []
            func side(_ e: BoundExpr) -> (left: Bool, right: Bool) {
                let used = e.columnsUsed
                return (!used.isDisjoint(with: leftIds), !used.isDisjoint(with: rightIds))
            }
            let fromLeftOnly: (BoundExpr) -> Bool = { e in e.columnsUsed.isSubset(of: leftIds) }
            let fromRightOnly: (BoundExpr) -> Bool = { e in e.columnsUsed.isSubset(of: rightIds) }
            for p in preds {
                switch j.kind {
                case .inner:
                    if fromLeftOnly(p) { toLeft.append(p) } else if fromRightOnly(p) { toRight.append(p) } else if side(p).left || side(p).right { toCondition.append(p) } else { above.append(p) }
                case .left, .semi, .anti, .mark, .single:
                    if fromLeftOnly(p) { toLeft.append(p) } else { above.append(p) }
                case .right:
                    if fromRightOnly(p) { toRight.append(p) } else { above.append(p) }
                case .full:
                    above.append(p)
                }
            }
            // The join's own condition: one-sided conjuncts move into that side where that keeps the meaning.
            if let cond = j.condition {
                var keep: [BoundExpr] = []
                for c in cond.conjuncts {
                    let l = fromLeftOnly(c), r = fromRightOnly(c)
                    switch j.kind {
                    case .inner where l && !c.isConstant: toLeft.append(c)
                    case .inner where r && !c.isConstant: toRight.append(c)
                    case .semi where l && !c.isConstant: toLeft.append(c)
                    case .left, .semi, .anti, .single, .mark:
                        if r && !c.isConstant { toRight.append(c) } else { keep.append(c) }
                    case .right:
                        if l && !c.isConstant { toLeft.append(c) } else { keep.append(c) }
                    default: keep.append(c)
                    }
                }
                j.condition = BoundExpr.and(keep + toCondition)
            } else {
                j.condition = BoundExpr.and(toCondition)
            }
            j.left = pushDown(j.left, toLeft, registry)
            j.right = pushDown(j.right, toRight, registry)
            return wrap(.join(j), above)
        case .sort(let child, let keys):
            return .sort(pushDown(child, preds, registry), keys)
        case .distinct(let child):
            return .distinct(pushDown(child, preds, registry))
        case .unionAll(let inputs, let outputs):
            let pushed = inputs.map { input -> LogicalPlan in
                let ids = input.outputs
                var map: [Int: BoundExpr] = [:]
                for (k, o) in outputs.enumerated() { map[o] = .column(ids[k], registry.type(ids[k]), registry.name(ids[k])) }
                return pushDown(input, preds.map { $0.substitute { map[$0] } }, registry)
            }
            return .unionAll(pushed, outputs: outputs)
        case .limit(let child, let limit, let offset):
            return wrap(.limit(pushDown(child, [], registry), limit: limit, offset: offset), preds)
        case .window(let child, let items):
            return wrap(.window(pushDown(child, [], registry), items), preds)
        case .enforceSingleRow(let child):
            return wrap(.enforceSingleRow(pushDown(child, [], registry)), preds)
        case .unnest(let child, let items):
            // Conjuncts on the input columns hold for every row an input row unnests into.
            let elements = Set(items.map(\.id))
            let below = preds.filter { $0.columnsUsed.isDisjoint(with: elements) }
            let above = preds.filter { !$0.columnsUsed.isDisjoint(with: elements) }
            return wrap(.unnest(pushDown(child, below, registry), items), above)
        }
    }

    // MARK: column pruning

    private static func used(_ exprs: [BoundExpr]) -> Set<Int> {
        exprs.reduce(into: Set<Int>()) { $0.formUnion($1.columnsUsed) }
    }

    /// The plan producing at least `required` (and as few other columns as it can).
    static func prune(_ plan: LogicalPlan, _ required: Set<Int>, _ registry: ColumnRegistry, isRoot: Bool = false) -> LogicalPlan {
        switch plan {
        case .scan(var s):
            let need = required.union(used(s.filters))
            s.columns = s.columns.filter { need.contains($0.id) }
            return .scan(s)
        case .values(let rows, let outputs):
            let keep = outputs.indices.filter { required.contains(outputs[$0]) }
            if keep.count == outputs.count { return plan }
            return .values(rows: rows.map { row in keep.map { row[$0] } }, outputs: keep.map { outputs[$0] })
        case .filter(let child, let p):
            return .filter(prune(child, required.union(p.columnsUsed), registry), p)
        case .project(let child, let items):
            let kept = isRoot ? items : items.filter { required.contains($0.id) }
            return .project(prune(child, used(kept.map(\.expr)), registry), kept)
        case .aggregate(var a):
            a.aggregates = a.aggregates.filter { required.contains($0.id) }
            a.input = prune(a.input, used(a.groups.map(\.expr) + a.aggregates.flatMap(\.spec.inputs)), registry)
            return .aggregate(a)
        case .join(var j):
            let need = required.union(used([j.condition, j.markCondition].compactMap { $0 }))
            j.left = prune(j.left, need.intersection(j.left.outputs), registry)
            j.right = prune(j.right, need.intersection(j.right.outputs), registry)
            let joined = LogicalPlan.join(j)
            // Output only what is read above (the physical join gathers just those).
            let outputs = joined.outputs
            if !isRoot, outputs.contains(where: { !required.contains($0) }) {
                let keep = outputs.filter { required.contains($0) }
                return .project(joined, keep.map { ($0, BoundExpr.column($0, registry.type($0), registry.name($0))) })
            }
            return joined
        case .sort(let child, let keys):
            return .sort(prune(child, required.union(used(keys.map(\.expr))), registry), keys)
        case .limit(let child, let limit, let offset):
            return .limit(prune(child, required, registry), limit: limit, offset: offset)
        case .distinct(let child):
            return .distinct(prune(child, Set(child.outputs), registry))
        case .unionAll(let inputs, let outputs):
            let keep = outputs.indices.filter { required.contains(outputs[$0]) || isRoot }
            let pruned = inputs.map { input -> LogicalPlan in
                let ids = input.outputs
                let want = keep.map { ids[$0] }
                let p = prune(input, Set(want), registry)
                if p.outputs == want { return p }
                return .project(p, want.map { ($0, BoundExpr.column($0, registry.type($0), registry.name($0))) })
            }
            return .unionAll(pruned, outputs: keep.map { outputs[$0] })
        case .window(let child, let items):
            let kept = items.filter { required.contains($0.id) }
            let childNeed = required.subtracting(items.map(\.id)).union(used(kept.flatMap(\.spec.inputs)))
            let c = prune(child, childNeed, registry)
            return kept.isEmpty ? c : .window(c, kept)
        case .enforceSingleRow(let child):
            return .enforceSingleRow(prune(child, required, registry))
        case .unnest(let child, let items):
            // Every list is kept: each one decides how many rows an input row becomes.
            return .unnest(prune(child, required.subtracting(items.map(\.id)).union(used(items.map(\.list))), registry), items)
        case .range:
            return plan
        }
    }
}
