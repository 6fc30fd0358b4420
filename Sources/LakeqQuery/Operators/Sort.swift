import LakeqColumnar

/// ORDER BY without LIMIT: gathers every batch, then one stable sort (ties keep the input's
/// order, so the result does not depend on the number of threads).
final class Sort: MaterializingOperator, @unchecked Sendable {
    let keys: [SortKey]
    private var locals = WorkerSlots<[(BatchOrder, RecordBatch)]>(empty: [])

    init(_ child: PhysicalOperator, keys: [SortKey]) {
        self.keys = keys
        super.init(children: [child], outputTypes: child.outputTypes)
    }

    override var details: String { keys.map(\.text).joined(separator: ", ") }

    override func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {
        locals = WorkerSlots(count: workers, initial: [])
        results = []
    }

    override func consume(_ batch: RecordBatch, order: BatchOrder, worker: Int, _ ctx: ExecutionContext) throws {
        locals[worker].append((order, batch))
    }

    override func finishSink(_ ctx: ExecutionContext) throws {
        let ordered = locals.values.flatMap { $0 }.sorted { $0.0 < $1.0 }.map(\.1)
        locals = WorkerSlots(empty: [])
        guard !ordered.isEmpty else { return }
        let all = ColumnKernels.concat(ordered, types: outputTypes)
        let keyColumns = try keys.map { try Evaluator.evaluate($0.expr, all) }
        let order = Sorting.sortedIndices(keyColumns, keys: keys, rows: all.rowCount, limit: nil)
        results = [RecordBatch(schema: Schema([]), columns: all.columns.map { $0.gather(order) }, rowCount: order.count)]
    }
}
