import Foundation
import LakeqColumnar

/// The root sink: every batch of the query's result, put back in the order of its source.
final class ResultCollector: PhysicalOperator, @unchecked Sendable {
    private var locals = WorkerSlots<[(BatchOrder, RecordBatch)]>(empty: [])
    private(set) var result: RecordBatch

    init(types: [DataType]) {
        result = RecordBatch(schema: Schema([]), columns: types.map { ColumnKernels.empty($0) }, rowCount: 0)
        super.init(children: [], outputTypes: types)
    }

    override var role: Role { .sink }
    override var sinkInput: PhysicalOperator? { nil }

    override func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {
        locals = WorkerSlots(count: workers, initial: [])
    }

    override func consume(_ batch: RecordBatch, order: BatchOrder, worker: Int, _ ctx: ExecutionContext) throws {
        locals[worker].append((order, batch))
    }

    override func finishSink(_ ctx: ExecutionContext) throws {
        let ordered = locals.values.flatMap { $0 }.sorted { $0.0 < $1.0 }.map(\.1)
        locals = WorkerSlots(empty: [])
        guard !ordered.isEmpty else { return }
        result = ColumnKernels.concat(ordered, types: outputTypes)
    }
}
