import LakeqColumnar

/// GROUP BY: group keys and aggregates over hash tables, in parallel.
///
/// Each worker aggregates the batches it gets into its own `GroupTable` and accumulators
/// (VARCHAR keys of dictionary columns are hashed once per dictionary entry); the partial
/// states are merged when the input is done. With GROUPING SETS every set has its own table,
/// fed by the same evaluated keys; keys outside a row's set come out NULL. An aggregate without
/// GROUP BY over no rows still gives one row.
class HashAggregate: MaterializingOperator, @unchecked Sendable {
    let keys: [BoundExpr]
    let aggregates: [AggregateSpec]
    /// Each a list of indices into `keys`.
    let groupingSets: [[Int]]
    let hasGroupingSets: Bool
    /// An extra output column: the index of the grouping set of each row.
    let emitsGroupingSet: Bool

    final class Local {
        var tables: [GroupTable]
        var accumulators: [[Accumulator]]
        init(tables: [GroupTable], accumulators: [[Accumulator]]) {
            self.tables = tables
            self.accumulators = accumulators
        }
    }

    private var locals = WorkerSlots<Local?>(empty: nil)

    init(_ child: PhysicalOperator, keys: [BoundExpr], aggregates: [AggregateSpec], groupingSets: [[Int]]?, emitsGroupingSet: Bool) {
        self.keys = keys
        self.aggregates = aggregates
        self.groupingSets = groupingSets ?? [Array(keys.indices)]
        hasGroupingSets = groupingSets != nil
        self.emitsGroupingSet = emitsGroupingSet
        super.init(children: [child], outputTypes: keys.map(\.type) + aggregates.map(\.type) + (emitsGroupingSet ? [.int64] : []))
    }

    override var name: String { "HashAggregate" }

    override var details: String {
        var s = "keys=[\(keys.map(\.text).joined(separator: ", "))] aggregates=[\(aggregates.map(\.text).joined(separator: ", "))]"
        if hasGroupingSets { s += " sets=\(groupingSets.count)" }
        return s
    }

    private func makeLocal() -> Local {
        Local(tables: groupingSets.map { set in GroupTable(keyTypes: set.map { keys[$0].type }) },
              accumulators: groupingSets.map { _ in aggregates.map { Accumulator($0) } })
    }

    override func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {
        locals = WorkerSlots(count: workers, initial: nil)
        results = []
    }

    private func local(_ worker: Int) -> Local {
        if let l = locals[worker] { return l }
        let l = makeLocal()
        locals[worker] = l
        return l
    }

    /// The evaluated inputs of aggregate `spec` over a batch, FILTER applied (rows it rejects
    /// become NULL, which every aggregate skips).
    private func inputs(_ spec: AggregateSpec, _ batch: RecordBatch) throws -> (arg: Column?, extra: [Column]) {
        var arg = try spec.argument.map { try Evaluator.evaluate($0, batch) }
        var extra: [Column] = []
        switch spec.function {
        case .argMin, .argMax: extra = try spec.extraArguments.prefix(1).map { try Evaluator.evaluate($0, batch) }
        case .stringAgg: extra = try spec.orderBy.map { try Evaluator.evaluate($0.expr, batch) }
        default: break
        }
        if let f = spec.filter {
            let mask = try Evaluator.truth(f, batch)
            if let a = arg {
                arg = ColumnKernels.masked(a, mask)
                extra = extra.map { ColumnKernels.masked($0, mask) }
            } else {
                arg = Column(type: .boolean, values: .boolean(mask), validity: Bitmap(bools: mask))
            }
        }
        return (arg, extra)
    }

    override func consume(_ batch: RecordBatch, order: BatchOrder, worker: Int, _ ctx: ExecutionContext) throws {
        let l = local(worker)
        let keyColumns = try keys.map { try Evaluator.evaluate($0, batch) }
        let evaluated = try aggregates.map { try inputs($0, batch) }
        for (s, set) in groupingSets.enumerated() {
            let table = l.tables[s]
            if set.isEmpty {
                for a in aggregates.indices {
                    try l.accumulators[s][a].updateSingleGroup(rows: batch.rowCount, arg: evaluated[a].arg, extra: evaluated[a].extra)
                }
                continue
            }
            let ids = table.groupIds(set.map { keyColumns[$0] }, rowCount: batch.rowCount)
            for a in aggregates.indices {
                try l.accumulators[s][a].update(groups: ids, arg: evaluated[a].arg, extra: evaluated[a].extra, groupCount: table.count)
            }
        }
    }

    /// Folds a row group answered from its footer (count(*) over `rows`, min/max values) into
    /// the single group of an aggregate without GROUP BY.
    func foldMetadata(rows: Int, values: [Scalar?], worker: Int) throws {
        let l = local(worker)
        for (a, v) in values.enumerated() {
            if let v {
                if !v.isNull { l.accumulators[0][a].foldExtreme(v) }
            } else {
                try l.accumulators[0][a].updateSingleGroup(rows: rows, arg: nil)
            }
        }
    }

    override func finishSink(_ ctx: ExecutionContext) throws {
        let busy = locals.values.compactMap { $0 }
        locals = WorkerSlots(empty: nil)
        let target = busy.first ?? makeLocal()
        for other in busy.dropFirst() {
            for s in groupingSets.indices {
                let mapping = target.tables[s].mapGroups(of: other.tables[s])
                for a in aggregates.indices {
                    try target.accumulators[s][a].merge(other.accumulators[s][a], mapping: mapping, groupCount: target.tables[s].count)
                }
            }
            try ctx.checkCancelled()
        }
        var batches: [RecordBatch] = []
        for (s, set) in groupingSets.enumerated() {
            let table = target.tables[s]
            let groups = set.isEmpty ? 1 : table.count
            if groups == 0 { continue }
            var columns: [Column] = []
            for k in keys.indices {
                if let position = set.firstIndex(of: k) {
                    columns.append(table.keyColumn(position))
                } else {
                    columns.append(ColumnKernels.nulls(keys[k].type, count: groups))
                }
            }
            for a in aggregates.indices {
                target.accumulators[s][a].grow(to: groups)
                columns.append(target.accumulators[s][a].resultColumn(groups: groups))
            }
            if emitsGroupingSet { columns.append(Column(type: .int64, values: .int64([Int64](repeating: Int64(s), count: groups)))) }
            batches.append(RecordBatch(schema: Schema([]), columns: columns, rowCount: groups))
        }
        results = batches
    }
}
