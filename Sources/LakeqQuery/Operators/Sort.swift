import Foundation
import LakeqColumnar

/// ORDER BY without LIMIT: gathers every batch, then one stable sort (ties keep the input's
/// order, so the result does not depend on the number of threads).
///
/// The buffered batches are counted in the query's memory budget. Past the spill threshold
/// the worker that passed it sorts what it holds into a run and writes it to a spill file
/// (`SortRuns`); once the input is done the runs, and each worker's rest sorted in memory,
/// are merged k ways (`SortMerge`) into batches of bounded size. Ties are broken by the
/// input's order (batch, then row) in the merge too, so spilling does not change the result.
final class Sort: MaterializingOperator, @unchecked Sendable {
    let keys: [SortKey]
    /// Per key, the output column it is (a plain column reference), else nil.
    private let keyOutputColumn: [Int?]
    private var locals = WorkerSlots<[(BatchOrder, RecordBatch)]>(empty: [])
    /// Bytes of each worker's buffered batches counted in the query's memory budget.
    private var reserved = WorkerSlots<Int>(empty: 0)
    /// Set once a worker spilled: the result is merged from the runs.
    private var runs: SortRuns?
    private let runsLock = NSLock()
    /// Runs kept in memory for the merge (the workers' last batches).
    private var memoryRuns: [SortedRun] = []
    /// What was spilled (EXPLAIN ANALYZE), kept after the spill files are gone.
    private var spillSummary: String?

    init(_ child: PhysicalOperator, keys: [SortKey]) {
        self.keys = keys
        keyOutputColumn = keys.map { k in
            if case .column(let i) = k.expr.kind { return i }
            return nil
        }
        super.init(children: [child], outputTypes: child.outputTypes)
    }

    override var details: String { keys.map(\.text).joined(separator: ", ") }

    override func explainLines(analyzed: Bool) -> [String] {
        explainNotes + (analyzed ? [spillSummary ?? "spilled: nothing"] : [])
    }

    override func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {
        locals = WorkerSlots(count: workers, initial: [])
        reserved = WorkerSlots(count: workers, initial: 0)
        results = []
        runs = nil
        memoryRuns = []
        spillSummary = nil
    }

    override func consume(_ batch: RecordBatch, order: BatchOrder, worker: Int, _ ctx: ExecutionContext) throws {
        locals[worker].append((order, batch))
        let before = reserved[worker]
        var bytes = 0
        for c in batch.columns { bytes += Self.heldBytes(c) }
        reserved[worker] = before + bytes
        let total = ctx.memory.update(from: before, to: before + bytes)
        guard total > ctx.memory.spillThreshold else { return }
        if let refusal = spillRefusal {
            // What cannot spill may use the whole limit.
            guard total > ctx.memory.limit else { return }
            let limit = MemoryLimit.format(ctx.memory.limit)
            throw QueryError.execution("out of memory: \(refusal); the sort holds \(MemoryLimit.format(total)), past the memory limit of \(limit) (--memory-limit \(limit))")
        }
        let held = locals[worker]
        locals[worker] = []
        reserved[worker] = 0
        try spillTarget(ctx).write(try sortedRun(held))
        ctx.memory.update(from: before + bytes, to: 0)
    }

    /// The bytes a buffered column holds. A dictionary is charged by the share of its entries
    /// the batch can use: batches of one row group, or of a join's output over its build
    /// column, share one dictionary, which would otherwise be counted once per batch.
    static func heldBytes(_ c: Column) -> Int {
        let validity = (c.validity?.words.count ?? 0) * 8
        guard case .dictionary(let d, let indices) = c.values else { return validity + c.values.byteCount }
        let entries = max(1, d.count)
        return validity + indices.count * 4 + d.byteCount * min(entries, indices.count) / entries
    }

    /// Why this sort's rows cannot be written to disk; nil when they can.
    private var spillRefusal: String? {
        if let t = outputTypes.first(where: { !SpillCodec.canWrite($0) }) { return "the rows to sort hold a \(t) column, which does not spill" }
        if let k = keys.first(where: { !SpillCodec.canWrite($0.expr.type) }) { return "sort key \(k.expr.text) is a \(k.expr.type), which does not spill" }
        return nil
    }

    /// Run layout: outputs, then the keys that are not output columns, then the tie-breakers.
    private var extraKeys: [Int] { keys.indices.filter { keyOutputColumn[$0] == nil } }

    private var runKeyColumns: [Int] {
        var next = outputTypes.count
        return keys.indices.map { k in
            if let c = keyOutputColumn[k] { return c }
            defer { next += 1 }
            return next
        }
    }

    private func spillTarget(_ ctx: ExecutionContext) -> SortRuns {
        runsLock.lock()
        defer { runsLock.unlock() }
        if let runs { return runs }
        let types = outputTypes + extraKeys.map { keys[$0].expr.type } + [.int64, .int64]
        let made = SortRuns(directory: ctx.spill, types: types)
        runs = made
        return made
    }

    /// The batches of one worker sorted into a run (see `SortedRun` for its layout).
    private func sortedRun(_ held: [(BatchOrder, RecordBatch)]) throws -> SortedRun {
        let ordered = held.sorted { $0.0 < $1.0 }
        let all = ColumnKernels.concat(ordered.map(\.1), types: outputTypes)
        let keyColumns = try keys.map { try Evaluator.evaluate($0.expr, all) }
        let order = Sorting.sortedIndices(keyColumns, keys: keys, rows: all.rowCount, limit: nil)
        var ranks: [Int64] = []
        var rows: [Int64] = []
        ranks.reserveCapacity(all.rowCount)
        rows.reserveCapacity(all.rowCount)
        for (o, b) in ordered {
            let rank = Int64(o.morsel) << 32 | Int64(o.sequence)
            for i in 0..<b.rowCount {
                ranks.append(rank)
                rows.append(Int64(i))
            }
        }
        var bytes = 0
        for c in all.columns { bytes += c.values.byteCount }
        let columns = all.columns + extraKeys.map { keyColumns[$0] } + [Column(type: .int64, values: .int64(ranks)), Column(type: .int64, values: .int64(rows))]
        return SortedRun(batch: RecordBatch(schema: Schema([]), columns: columns, rowCount: all.rowCount), order: order,
                         blockRows: SortedRun.blockRows(bytesPerRow: all.rowCount == 0 ? 1 : bytes / all.rowCount + 16))
    }

    override func finishSink(_ ctx: ExecutionContext) throws {
        let held = locals.values
        for r in reserved.values { ctx.memory.update(from: r, to: 0) }
        locals = WorkerSlots(empty: [])
        reserved = WorkerSlots(empty: 0)
        if let runs {
            // Past the limit once: each worker's rest is sorted in memory and merged with the
            // spilled runs (`produce`).
            memoryRuns = try held.filter { !$0.isEmpty }.map { try sortedRun($0) }
            let inMemory = memoryRuns.reduce(0) { $0 + $1.rowCount }
            spillSummary = "spilled: \(MemoryLimit.format(runs.bytesWritten)) in \(runs.files.count) sorted runs of \(runs.rowsWritten) rows, merged with \(inMemory) rows in memory (memory limit \(MemoryLimit.format(ctx.memory.limit)), counted state at most \(MemoryLimit.format(ctx.memory.peak)))"
            results = []
            return
        }
        let ordered = held.flatMap { $0 }.sorted { $0.0 < $1.0 }.map(\.1)
        guard !ordered.isEmpty else { return }
        let all = ColumnKernels.concat(ordered, types: outputTypes)
        let keyColumns = try keys.map { try Evaluator.evaluate($0.expr, all) }
        let order = Sorting.sortedIndices(keyColumns, keys: keys, rows: all.rowCount, limit: nil)
        results = [RecordBatch(schema: Schema([]), columns: all.columns.map { $0.gather(order) }, rowCount: order.count)]
    }

    override func prepareSource(_ ctx: ExecutionContext) throws -> Int {
        guard runs != nil else { return try super.prepareSource(ctx) }
        return 1  // one merge, streamed in order
    }

    override func produce(morsel: Int, worker: Int, _ ctx: ExecutionContext, _ emit: (RecordBatch) throws -> Bool) throws {
        guard let runs else { return try super.produce(morsel: morsel, worker: worker, ctx, emit) }
        var sources = runs.files.indices.map { runs.reader($0) }
        for run in memoryRuns {
            var next = 0
            sources.append {
                defer { next += 1 }
                return run.block(next)
            }
        }
        let merge = SortMerge(keys: keys, keyColumns: runKeyColumns, outputTypes: outputTypes)
        try merge.run(sources, batchRows: Self.morselRows, check: { try ctx.checkCancelled() }, emit: emit)
    }

    override func finishSource(_ ctx: ExecutionContext) {
        if let runs {
            runs.deleteAll()
            self.runs = nil
            memoryRuns = []
        }
    }
}
