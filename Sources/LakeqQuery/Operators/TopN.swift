import LakeqColumnar

/// ORDER BY … LIMIT n [OFFSET m]: every worker keeps only its best n+m rows (compacting its
/// buffer as batches arrive), the survivors are sorted at the end. Rows carry their position
/// in the input, so ties resolve as a full stable sort would, whatever the thread count.
/// With a `TopNPruner`, the values kept are offered to the scan below, which then skips row
/// groups that cannot beat them.
final class TopN: MaterializingOperator, @unchecked Sendable {
    let keys: [SortKey]
    let limit: Int
    let offset: Int
    var pruner: TopNPruner?
    private var locals = WorkerSlots<[RecordBatch]>(empty: [])
    private var localRows = WorkerSlots<Int>(empty: 0)

    init(_ child: PhysicalOperator, keys: [SortKey], limit: Int, offset: Int) {
        self.keys = keys
        self.limit = limit
        self.offset = offset
        super.init(children: [child], outputTypes: child.outputTypes)
    }

    override var name: String { "TopN" }
    override var details: String { "\(limit)" + (offset > 0 ? " OFFSET \(offset)" : "") + " by " + keys.map(\.text).joined(separator: ", ") }

    private var keep: Int { limit + offset }

    override func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {
        locals = WorkerSlots(count: workers, initial: [])
        localRows = WorkerSlots(count: workers, initial: 0)
        results = []
    }

    /// Sort keys over a buffer: the keys, then the input position.
    private func sortColumns(_ b: RecordBatch) throws -> ([Column], [SortKey]) {
        let width = outputTypes.count
        let cols = try keys.map { try Evaluator.evaluate($0.expr, b) } + [b.columns[width]]
        let position = SortKey(expr: BoundExpr(kind: .column(width), type: .int64, text: "position"), descending: false, nullsFirst: false)
        return (cols, keys + [position])
    }

    private func best(_ b: RecordBatch) throws -> RecordBatch {
        guard b.rowCount > keep else { return b }
        let (cols, sortKeys) = try sortColumns(b)
        let idx = Sorting.sortedIndices(cols, keys: sortKeys, rows: b.rowCount, limit: keep)
        return RecordBatch(schema: Schema([]), columns: b.columns.map { $0.gather(idx) }, rowCount: idx.count)
    }

    override func consume(_ batch: RecordBatch, order: BatchOrder, worker: Int, _ ctx: ExecutionContext) throws {
        guard keep > 0 else { return }
        // Input position: morsel, batch within it, row.
        let base = Int64(order.morsel) << 36 | Int64(min(order.sequence, 4095)) << 24
        let positions = Column(type: .int64, values: .int64((0..<batch.rowCount).map { base | Int64($0) }))
        let withPosition = RecordBatch(schema: batch.schema, columns: batch.columns + [positions], rowCount: batch.rowCount)
        let kept = try best(withPosition)
        locals[worker].append(kept)
        localRows[worker] += kept.rowCount
        if localRows[worker] > max(4 * keep, 65_536) {
            let merged = try best(ColumnKernels.concat(locals[worker], types: outputTypes + [.int64]))
            locals[worker] = [merged]
            localRows[worker] = merged.rowCount
        }
        if let pruner, keep <= 100_000 {
            let first = try Evaluator.evaluate(keys[0].expr, kept)
            pruner.offer(first)
        }
    }

    override func finishSink(_ ctx: ExecutionContext) throws {
        let all = locals.values.flatMap { $0 }
        locals = WorkerSlots(empty: [])
        guard !all.isEmpty else { return }
        let merged = ColumnKernels.concat(all, types: outputTypes + [.int64])
        let (cols, sortKeys) = try sortColumns(merged)
        let idx = Sorting.sortedIndices(cols, keys: sortKeys, rows: merged.rowCount, limit: keep)
        let picked = Array(idx.dropFirst(min(offset, idx.count)))
        let width = outputTypes.count
        results = [RecordBatch(schema: Schema([]), columns: merged.columns.prefix(width).map { $0.gather(picked) }, rowCount: picked.count)]
    }
}
