import LakeqColumnar

/// Passes on its input's one row; no row becomes a row of NULLs, a second row is an error.
final class EnforceSingleRow: MaterializingOperator, @unchecked Sendable {
    private var locals = WorkerSlots<[RecordBatch]>(empty: [])

    init(_ child: PhysicalOperator) {
        super.init(children: [child], outputTypes: child.outputTypes)
    }

    override func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {
        locals = WorkerSlots(count: workers, initial: [])
    }

    override func consume(_ batch: RecordBatch, order: BatchOrder, worker: Int, _ ctx: ExecutionContext) throws {
        locals[worker].append(batch)
    }

    override func finishSink(_ ctx: ExecutionContext) throws {
        let all = locals.values.flatMap { $0 }.filter { $0.rowCount > 0 }
        let rows = all.reduce(0) { $0 + $1.rowCount }
        if rows > 1 { throw QueryError.execution("a scalar subquery returned more than one row") }
        if let one = all.first {
            results = [one]
        } else {
            results = [RecordBatch(schema: Schema([]), columns: outputTypes.map { ColumnKernels.nulls($0, count: 1) }, rowCount: 1)]
        }
    }
}
