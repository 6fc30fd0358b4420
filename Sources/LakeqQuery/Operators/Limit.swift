import Foundation
import LakeqColumnar

/// OFFSET then LIMIT. A sink that stops its pipeline once it holds enough rows: workers claim
/// no further morsel (so `LIMIT n` on a table reads only the row groups it needs); the rows
/// kept are the first in the input's order.
final class Limit: MaterializingOperator, @unchecked Sendable {
    let limit: Int?
    let offset: Int
    private let lock = NSLock()
    private var collected: [(BatchOrder, RecordBatch)] = []
    private var rows = 0
    private var satisfied = false

    init(_ child: PhysicalOperator, limit: Int?, offset: Int) {
        self.limit = limit
        self.offset = offset
        super.init(children: [child], outputTypes: child.outputTypes)
    }

    override var details: String { (limit.map { "\($0)" } ?? "ALL") + (offset > 0 ? " OFFSET \(offset)" : "") }

    override func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {
        collected = []
        rows = 0
        satisfied = limit == 0
    }

    override var isSatisfied: Bool {
        lock.lock()
        defer { lock.unlock() }
        return satisfied
    }

    override func consume(_ batch: RecordBatch, order: BatchOrder, worker: Int, _ ctx: ExecutionContext) throws {
        lock.lock()
        defer { lock.unlock() }
        collected.append((order, batch))
        rows += batch.rowCount
        if let limit, rows >= limit + offset { satisfied = true }
    }

    override func finishSink(_ ctx: ExecutionContext) throws {
        let ordered = collected.sorted { $0.0 < $1.0 }.map(\.1)
        collected = []
        var skip = offset
        var left = limit ?? Int.max
        var out: [RecordBatch] = []
        for b in ordered where left > 0 {
            if skip >= b.rowCount { skip -= b.rowCount; continue }
            let end = left >= b.rowCount - skip ? b.rowCount : skip + left
            out.append(ColumnKernels.slice(b, skip..<end))
            left -= end - skip
            skip = 0
        }
        results = out
    }
}
