import LakeqColumnar

/// Turns an optimized `LogicalPlan` into a tree of physical operators, columns by position.
///
/// Besides the one-to-one mapping it picks join algorithms (hash join on equalities, else
/// nested loops) and build sides (the smaller estimate; the right side of semi/anti/mark/
/// single joins), fuses a column-only projection into the join below it, turns ORDER BY +
/// LIMIT into top-N, and wires the scan-level fast paths: count/min/max from footers,
/// top-N row-group skipping, and LIMIT stopping the scan.
final class PhysicalPlanner {
    let registry: ColumnRegistry
    let options: EngineOptions
    /// STRUCT columns read only through field accesses: the field paths to decode (`NestedFieldUse`).
    var structFieldPaths: [Int: Set<[String]>] = [:]

    init(registry: ColumnRegistry, options: EngineOptions) {
        self.registry = registry
        self.options = options
    }

    struct Planned {
        var op: PhysicalOperator
        /// The column id at each output position.
        var layout: [Int]
    }

    private func remap(_ e: BoundExpr, _ layout: [Int]) throws -> BoundExpr {
        var position: [Int: Int] = [:]
        for (i, id) in layout.enumerated() where position[id] == nil { position[id] = i }
        var missing: Int?
        let r = e.remapColumns { id in
            if let p = position[id] { return p }
            missing = id
            return 0
        }
        if let missing { throw QueryError.execution("internal: column \(registry.name(missing)) is not available in \(e.text)") }
        return r
    }

    private func remap(_ a: AggregateSpec, _ layout: [Int]) throws -> AggregateSpec {
        var out = a
        out.argument = try a.argument.map { try remap($0, layout) }
        out.extraArguments = try a.extraArguments.map { try remap($0, layout) }
        out.filter = try a.filter.map { try remap($0, layout) }
        out.orderBy = try a.orderBy.map { SortKey(expr: try remap($0.expr, layout), descending: $0.descending, nullsFirst: $0.nullsFirst) }
        return out
    }

    private func remap(_ k: SortKey, _ layout: [Int]) throws -> SortKey {
        SortKey(expr: try remap(k.expr, layout), descending: k.descending, nullsFirst: k.nullsFirst)
    }

    func plan(_ p: LogicalPlan) throws -> Planned {
        switch p {
        case .scan(let s):
            let layout = s.columns.map(\.id)
            let filter = try BoundExpr.and(s.filters).map { try remap($0, layout) }
            let access = AccessPlan(table: s.table, columns: s.columns.map(\.tableColumn), filter: filter, pruning: options.pruning)
            access.dictionaries = options.dictionaryCache
            for (k, c) in s.columns.enumerated() { if let paths = structFieldPaths[c.id] { access.fieldPaths[k] = paths } }
            let scan = TableScan(access: access, names: s.columns.map { s.table.schema.fields[$0.tableColumn].name },
                                 types: s.columns.map { s.table.schema.fields[$0.tableColumn].type })
            return Planned(op: scan, layout: layout)
        case .values(let rows, let outputs):
            return Planned(op: Values(rows: rows, types: outputs.map { registry.type($0) }), layout: outputs)
        case .filter(let child, let predicate):
            let c = try plan(child)
            return Planned(op: Filter(c.op, predicate: try remap(predicate, c.layout)), layout: c.layout)
        case .project(let child, let items):
            if case .join(let j) = child, items.allSatisfy({ if case .column = $0.expr.kind { return true }; return false }) {
                let wanted = items.map { item -> Int in if case .column(let id) = item.expr.kind { return id }; return item.id }
                let joined = try planJoin(j, wanted: wanted)
                return Planned(op: joined.op, layout: items.map(\.id))
            }
            let c = try plan(child)
            if items.map(\.id) == c.layout, items.allSatisfy({ if case .column(let id) = $0.expr.kind { return id == $0.id }; return false }) {
                return c
            }
            let exprs = try items.map { try remap($0.expr, c.layout) }
            return Planned(op: Projection(c.op, expressions: exprs, names: items.map { registry.name($0.id) }), layout: items.map(\.id))
        case .aggregate(let a):
            let c = try plan(a.input)
            let keys = try a.groups.map { try remap($0.expr, c.layout) }
            let aggs = try a.aggregates.map { try remap($0.spec, c.layout) }
            let op = HashAggregate(c.op, keys: keys, aggregates: aggs, groupingSets: a.groupingSets, emitsGroupingSet: a.groupingId != nil)
            wireScanAggregation(op, input: c.op)
            return Planned(op: op, layout: a.groups.map(\.id) + a.aggregates.map(\.id) + [a.groupingId].compactMap { $0 })
        case .join(let j):
            return try planJoin(j, wanted: nil)
        case .sort(let child, let keys):
            let c = try plan(child)
            return Planned(op: Sort(c.op, keys: try keys.map { try remap($0, c.layout) }), layout: c.layout)
        case .limit(let child, let limit, let offset):
            if case .sort(let below, let keys) = child, let limit {
                let c = try plan(below)
                let topN = TopN(c.op, keys: try keys.map { try remap($0, c.layout) }, limit: limit, offset: offset)
                wireTopNPruning(topN)
                return Planned(op: topN, layout: c.layout)
            }
            let c = try plan(child)
            if let limit { wireRowLimit(c.op, rows: limit + offset) }
            return Planned(op: Limit(c.op, limit: limit, offset: offset), layout: c.layout)
        case .distinct(let child):
            let c = try plan(child)
            return Planned(op: Distinct(c.op), layout: c.layout)
        case .unionAll(let inputs, let outputs):
            var children: [PhysicalOperator] = []
            for input in inputs {
                var c = try plan(input)
                let want = input.outputs
                if c.layout != want {
                    let exprs = try want.map { try remap(.column($0, registry.type($0), registry.name($0)), c.layout) }
                    c = Planned(op: Projection(c.op, expressions: exprs, names: want.map { registry.name($0) }), layout: want)
                }
                children.append(c.op)
            }
            return Planned(op: UnionAll(children, types: outputs.map { registry.type($0) }), layout: outputs)
        case .window(let child, let items):
            let c = try plan(child)
            let specs = try items.map { try remap($0.spec, c.layout) }
            return Planned(op: Window(c.op, specs: specs), layout: c.layout + items.map(\.id))
        case .enforceSingleRow(let child):
            let c = try plan(child)
            return Planned(op: EnforceSingleRow(c.op), layout: c.layout)
        case .unnest(let child, let items):
            let c = try plan(child)
            let lists = try items.map { try remap($0.list, c.layout) }
            return Planned(op: Unnest(c.op, lists: lists, elementTypes: items.map { registry.type($0.id) }), layout: c.layout + items.map(\.id))
        case .range(let start, let stop, let step, let output):
            return Planned(op: RangeSource(start: start, stop: stop, step: step), layout: [output])
        }
    }

    private func remap(_ w: WindowSpec, _ layout: [Int]) throws -> WindowSpec {
        var position: [Int: Int] = [:]
        for (i, id) in layout.enumerated() where position[id] == nil { position[id] = i }
        var missing: Int?
        let r = w.remapColumns { id in
            if let p = position[id] { return p }
            missing = id
            return 0
        }
        if let missing { throw QueryError.execution("internal: column \(registry.name(missing)) is not available in \(w.text)") }
        return r
    }

    // MARK: joins

    private func planJoin(_ j: LogicalPlan.JoinNode, wanted: [Int]?) throws -> Planned {
        let left = try plan(j.left), right = try plan(j.right)
        let leftIds = Set(left.layout), rightIds = Set(right.layout)
        var leftKeys: [BoundExpr] = [], rightKeys: [BoundExpr] = []
        var safeLeft: [BoundExpr] = [], safeRight: [BoundExpr] = []
        var residual: [BoundExpr] = []
        for c in j.condition?.conjuncts ?? [] {
            var pair: (BoundExpr, BoundExpr)?
            var nullSafe = false
            switch c.kind {
            case .comparison(.equal, let a, let b): pair = (a, b)
            case .distinctFrom(let a, let b, negated: true): pair = (a, b); nullSafe = true
            default: break
            }
            if let (a, b) = pair, !a.isConstant, !b.isConstant {
                let ua = a.columnsUsed, ub = b.columnsUsed
                var l: BoundExpr?, r: BoundExpr?
                if ua.isSubset(of: leftIds) && ub.isSubset(of: rightIds) { (l, r) = (a, b) } else if ua.isSubset(of: rightIds) && ub.isSubset(of: leftIds) { (l, r) = (b, a) }
                if var l, var r {
                    if !TypeRules.sameKeyCodes(l.type, r.type) {
                        guard let t = TypeRules.common(l.type, r.type) else { residual.append(c); continue }
                        l = try TypeRules.coerce(l, to: t)
                        r = try TypeRules.coerce(r, to: t)
                    }
                    if nullSafe { safeLeft.append(l); safeRight.append(r) } else { leftKeys.append(l); rightKeys.append(r) }
                    continue
                }
            }
            residual.append(c)
        }
        var nullEquals = false
        if leftKeys.isEmpty && !safeLeft.isEmpty {
            (leftKeys, rightKeys, nullEquals) = (safeLeft, safeRight, true)
        } else {
            for (a, b) in zip(safeLeft, safeRight) {
                residual.append(BoundExpr(kind: .distinctFrom(a, b, negated: true), type: .boolean, text: "\(a.text) IS NOT DISTINCT FROM \(b.text)"))
            }
        }
        var markCondition = j.markCondition
        var markNullAware = false
        if j.kind == .mark, leftKeys.isEmpty, residual.isEmpty, let mc = markCondition, case .comparison(.equal, let a, let b) = mc.kind {
            var l: BoundExpr?, r: BoundExpr?
            if a.columnsUsed.isSubset(of: leftIds) && b.columnsUsed.isSubset(of: rightIds) && !a.isConstant && !b.isConstant { (l, r) = (a, b) }
            else if b.columnsUsed.isSubset(of: leftIds) && a.columnsUsed.isSubset(of: rightIds) && !a.isConstant && !b.isConstant { (l, r) = (b, a) }
            if var l, var r {
                if !TypeRules.sameKeyCodes(l.type, r.type), let t = TypeRules.common(l.type, r.type) {
                    l = try TypeRules.coerce(l, to: t)
                    r = try TypeRules.coerce(r, to: t)
                }
                if TypeRules.sameKeyCodes(l.type, r.type) {
                    leftKeys = [l]; rightKeys = [r]
                    markCondition = nil
                    markNullAware = true
                }
            }
        }
        // Build side: the right one for joins that keep left rows only; else the smaller.
        var probeIsLeft = true
        switch j.kind {
        case .inner, .left, .right, .full:
            probeIsLeft = j.right.estimatedRows() <= j.left.estimatedRows()
        default:
            probeIsLeft = true
        }
        let probe = probeIsLeft ? left : right, buildSide = probeIsLeft ? right : left
        let probeKeys = try (probeIsLeft ? leftKeys : rightKeys).map { try remap($0, probe.layout) }
        let buildKeys = try (probeIsLeft ? rightKeys : leftKeys).map { try remap($0, buildSide.layout) }
        let combined = left.layout + right.layout
        let residualExpr = try BoundExpr.and(residual).map { try remap($0, combined) }
        let markExpr = try markCondition.map { try remap($0, combined) }
        let build = JoinBuild(buildSide.op, keys: buildKeys, nullEquals: nullEquals)
        // Output positions in left ++ right ++ mark.
        let markPosition = combined.count
        let logical = LogicalPlan.join(j).outputs
        let ids = wanted ?? logical
        var outputs: [Int] = []
        for id in ids {
            if let m = j.markColumn, id == m { outputs.append(markPosition); continue }
            guard let pos = (j.kind.outputsRight ? combined : left.layout).firstIndex(of: id) else {
                throw QueryError.execution("internal: join output \(registry.name(id)) is missing")
            }
            outputs.append(pos)
        }
        let op: JoinOperator
        if leftKeys.isEmpty {
            op = NestedLoopJoin(probe: probe.op, build: build, kind: j.kind, probeIsLeft: probeIsLeft, residual: residualExpr,
                                markCondition: markExpr, markNullAwareKeys: false, outputs: outputs)
        } else {
            op = HashJoin(probe: probe.op, build: build, probeKeys: probeKeys, kind: j.kind, probeIsLeft: probeIsLeft, residual: residualExpr,
                          markCondition: markExpr, markNullAwareKeys: markNullAware, outputs: outputs)
        }
        return Planned(op: op, layout: ids)
    }

    // MARK: scan-level fast paths

    /// count(*), count, sum, avg, min and max of columns without GROUP BY right over an
    /// unfiltered scan: row groups are answered inside the scan, from footer statistics where
    /// they are exact, else by folding the columns while decoding them (`ScanAggregation`).
    private func wireScanAggregation(_ agg: HashAggregate, input: PhysicalOperator) {
        guard options.pruning, let scan = input as? TableScan, scan.access.filter == nil, agg.keys.isEmpty, !agg.hasGroupingSets,
              !agg.aggregates.isEmpty else { return }
        var items: [ScanAggregation.Item] = []
        for a in agg.aggregates {
            guard !a.distinct, a.filter == nil else { return }
            if a.function == .countStar { items.append(.count); continue }
            guard let arg = a.argument, case .column(let k) = arg.kind else { return }
            switch a.function {
            case .min, .max:
                items.append(.extreme(scanColumn: k, type: arg.type, isMin: a.function == .min))
            case .count, .sum, .avg:
                guard ScanAggregation.summarizable(arg.type) else { return }
                items.append(.reduce(scanColumn: k, type: arg.type, wants: a.function == .count ? [] : .sum))
            default:
                return
            }
        }
        scan.aggregation = ScanAggregation(items: items, aggregate: agg)
    }

    /// ORDER BY col LIMIT n over (projections and filters of) a scan: the scan visits row
    /// groups best-first and skips those the current top n beat.
    private func wireTopNPruning(_ topN: TopN) {
        guard options.pruning, let first = topN.keys.first, !first.nullsFirst, case .column(var k) = first.expr.kind else { return }
        var op: PhysicalOperator = topN.children[0]
        while true {
            if let p = op as? Projection {
                guard case .column(let inner) = p.expressions[k].kind else { return }
                k = inner
                op = p.children[0]
            } else if let f = op as? Filter {
                op = f.children[0]
            } else if let scan = op as? TableScan {
                let pruner = TopNPruner(scanColumn: k, descending: first.descending, limit: topN.limit + topN.offset)
                scan.topN = pruner
                topN.pruner = pruner
                return
            } else {
                return
            }
        }
    }

    /// LIMIT n over (projections of) an unfiltered scan: only the first row groups holding n
    /// rows are read.
    private func wireRowLimit(_ child: PhysicalOperator, rows: Int) {
        var op = child
        while let p = op as? Projection { op = p.children[0] }
        if let scan = op as? TableScan { scan.rowLimit = rows }
    }
}
