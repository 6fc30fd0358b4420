import Foundation
import LakeqColumnar

/// GROUP BY: group keys and aggregates over hash tables, in parallel.
///
/// Each worker aggregates the batches it gets into its own `GroupTable` and accumulators
/// (VARCHAR keys of dictionary columns are hashed once per dictionary entry); the partial
/// states are merged when the input is done. With GROUPING SETS every set has its own table,
/// fed by the same evaluated keys; keys outside a row's set come out NULL. An aggregate without
/// GROUP BY over no rows still gives one row.
///
/// Past the query's memory limit a worker writes its partial states to disk, partitioned by
/// key hash (`PartitionedSpill`), and starts over; the result is then merged and produced one
/// partition per morsel instead of from memory.
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
        /// Bytes of this worker's state counted in the query's memory budget.
        var reserved = 0
        init(tables: [GroupTable], accumulators: [[Accumulator]]) {
            self.tables = tables
            self.accumulators = accumulators
        }
    }

    private var locals = WorkerSlots<Local?>(empty: nil)
    /// Set once a worker spilled: the result is merged from the spill files.
    private var spill: PartitionedSpill?
    private let spillLock = NSLock()
    /// What was spilled (EXPLAIN ANALYZE), kept after the spill files are gone.
    private var spillSummary: String?

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

    override func explainLines(analyzed: Bool) -> [String] {
        explainNotes + (analyzed ? [spillSummary ?? "spilled: nothing"] : [])
    }

    private func makeLocal() -> Local {
        Local(tables: groupingSets.map { set in GroupTable(keyTypes: set.map { keys[$0].type }) },
              accumulators: groupingSets.map { _ in aggregates.map { Accumulator($0) } })
    }

    override func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {
        locals = WorkerSlots(count: workers, initial: nil)
        results = []
        spill = nil
        spillSummary = nil
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
            // A batch whose rows all fall in one group (keys clustered: a day within a file of
            // one day) is reduced as a whole column into that group; adding row by row into one
            // slot waits on the previous row's store at every row.
            if let g = ids.first, ids.allSatisfy({ $0 == g }) {
                for a in aggregates.indices {
                    try l.accumulators[s][a].updateSingleGroup(rows: batch.rowCount, arg: evaluated[a].arg, extra: evaluated[a].extra, group: Int(g), groupCount: table.count)
                }
                continue
            }
            for a in aggregates.indices {
                try l.accumulators[s][a].update(groups: ids, arg: evaluated[a].arg, extra: evaluated[a].extra, groupCount: table.count)
            }
        }
        try account(l, worker: worker, ctx)
    }

    // MARK: memory limit and spilling

    /// Counts the worker's state in the query's budget; past the limit, spills it.
    private func account(_ l: Local, worker: Int, _ ctx: ExecutionContext) throws {
        var bytes = 0
        for t in l.tables { bytes += t.estimatedBytes }
        for set in l.accumulators { for a in set { bytes += a.estimatedBytes } }
        let total = ctx.memory.update(from: l.reserved, to: bytes)
        l.reserved = bytes
        guard total > ctx.memory.spillThreshold else { return }
        if let refusal = spillRefusal {
            // What cannot spill may use the whole limit.
            guard total > ctx.memory.limit else { return }
            let limit = MemoryLimit.format(ctx.memory.limit)
            throw QueryError.execution("out of memory: \(refusal); the aggregate holds \(MemoryLimit.format(total)), past the memory limit of \(limit) (--memory-limit \(limit))")
        }
        try spillState(l, worker: worker, ctx)
        locals[worker] = makeLocal()
        ctx.memory.update(from: bytes, to: 0)
    }

    /// Why this aggregate's state cannot be written to disk; nil when it can.
    private var spillRefusal: String? {
        if groupingSets.allSatisfy(\.isEmpty) { return "an aggregate without GROUP BY has one group" }
        if let k = keys.first(where: { !SpillCodec.canWrite($0.type) }) { return "group key \(k.text) is a \(k.type)" }
        for spec in aggregates { if let r = Accumulator(spec).spillRefusal { return r } }
        return nil
    }

    private func spillTarget(_ ctx: ExecutionContext) -> PartitionedSpill {
        spillLock.lock()
        defer { spillLock.unlock() }
        if let spill { return spill }
        let types = groupingSets.map { set in set.map { keys[$0].type } + aggregates.flatMap { Accumulator($0).stateTypes } }
        let made = PartitionedSpill(directory: ctx.spill, label: "agg", batchTypes: types)
        spill = made
        return made
    }

    /// Writes every group of a worker's state to the spill files.
    private func spillState(_ l: Local, worker: Int, _ ctx: ExecutionContext) throws {
        let target = spillTarget(ctx)
        for (s, set) in groupingSets.enumerated() {
            let table = l.tables[s]
            let groups = set.isEmpty ? 1 : table.count
            var columns = set.indices.map { table.keyColumn($0) }
            for a in aggregates.indices {
                l.accumulators[s][a].grow(to: groups)
                columns += l.accumulators[s][a].stateColumns(groups: groups)
            }
            try target.write(set: s, keyCount: set.count, columns: columns, groups: groups, worker: worker)
        }
    }

    /// The result rows of grouping set `s` from its table and accumulators.
    private func output(set s: Int, table: GroupTable, accumulators: inout [Accumulator]) -> RecordBatch? {
        let set = groupingSets[s]
        let groups = set.isEmpty ? 1 : table.count
        if groups == 0 { return nil }
        var columns: [Column] = []
        for k in keys.indices {
            if let position = set.firstIndex(of: k) {
                columns.append(table.keyColumn(position))
            } else {
                columns.append(ColumnKernels.nulls(keys[k].type, count: groups))
            }
        }
        for a in aggregates.indices {
            accumulators[a].grow(to: groups)
            columns.append(accumulators[a].resultColumn(groups: groups))
        }
        if emitsGroupingSet { columns.append(Column(type: .int64, values: .int64([Int64](repeating: Int64(s), count: groups)))) }
        return RecordBatch(schema: Schema([]), columns: columns, rowCount: groups)
    }

    override func prepareSource(_ ctx: ExecutionContext) throws -> Int {
        guard spill != nil else { return try super.prepareSource(ctx) }
        return groupingSets.count * PartitionedSpill.partitionCount
    }

    /// With spilled state, morsel m merges partition m % P of grouping set m / P from its files.
    override func produce(morsel: Int, worker: Int, _ ctx: ExecutionContext, _ emit: (RecordBatch) throws -> Bool) throws {
        guard let spill else { return try super.produce(morsel: morsel, worker: worker, ctx, emit) }
        let s = morsel / PartitionedSpill.partitionCount, p = morsel % PartitionedSpill.partitionCount
        let set = groupingSets[s]
        let table = GroupTable(keyTypes: set.map { keys[$0].type })
        var accumulators = aggregates.map { Accumulator($0) }
        let stateWidths = accumulators.map { $0.stateTypes.count }
        try spill.readPartition(set: s, partition: p) { batch in
            try ctx.checkCancelled()
            let ids = table.groupIds(Array(batch.columns.prefix(set.count)), rowCount: batch.rowCount)
            var at = set.count
            for a in aggregates.indices {
                let other = try Accumulator.restored(aggregates[a], state: Array(batch.columns[at..<(at + stateWidths[a])]))
                at += stateWidths[a]
                try accumulators[a].merge(other, mapping: ids, groupCount: table.count)
            }
        }
        if set.isEmpty && p != 0 { return }
        guard let out = output(set: s, table: table, accumulators: &accumulators) else { return }
        var start = 0
        while start < out.rowCount {
            let end = min(out.rowCount, start + Self.morselRows)
            guard try emit(start == 0 && end == out.rowCount ? out : ColumnKernels.slice(out, start..<end)) else { return }
            start = end
        }
    }

    override func finishSource(_ ctx: ExecutionContext) {
        // Only this aggregate's files (those of partitions a LIMIT left unmerged): other
        // operators, a sort or a spilled join, may still use the query's spill folder, which
        // goes when the query ends.
        spill?.deleteAll()
        spill = nil
    }

    /// Folds a row group answered inside the scan (`ScanAggregation`: count(*) over its rows,
    /// footer extremes, column summaries), one part per aggregate, into the single group of an
    /// aggregate without GROUP BY.
    func foldScanParts(_ parts: [ScanAggregation.Part], worker: Int) throws {
        let l = local(worker)
        for (a, part) in parts.enumerated() {
            switch part {
            case .rows(let rows): try l.accumulators[0][a].updateSingleGroup(rows: rows, arg: nil)
            case .extreme(let v): if !v.isNull { l.accumulators[0][a].foldExtreme(v) }
            case .summary(let s): try l.accumulators[0][a].foldSummary(s)
            }
        }
    }

    override func finishSink(_ ctx: ExecutionContext) throws {
        let busy = locals.values.compactMap { $0 }
        locals = WorkerSlots(empty: nil)
        if let spill {
            // Past the limit once: what is still in memory joins the spill files, and the
            // result is merged from them partition by partition (`produce`).
            for l in busy {
                try spillState(l, worker: 0, ctx)
                ctx.memory.update(from: l.reserved, to: 0)
            }
            spillSummary = "spilled: \(MemoryLimit.format(spill.bytesWritten)) in \(spill.spills) writes of \(spill.rowsWritten.reduce(0, +)) partial groups, \(PartitionedSpill.partitionCount) partitions per grouping set (memory limit \(MemoryLimit.format(ctx.memory.limit)), counted state at most \(MemoryLimit.format(ctx.memory.peak)))"
            results = []
            return
        }
        for l in busy { ctx.memory.update(from: l.reserved, to: 0) }
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
        for s in groupingSets.indices {
            if let b = output(set: s, table: target.tables[s], accumulators: &target.accumulators[s]) { batches.append(b) }
        }
        results = batches
    }
}
