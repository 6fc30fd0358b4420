import LakeqColumnar

/// Keeps the rows of each batch where a predicate is true.
final class Filter: PhysicalOperator, @unchecked Sendable {
    let predicate: BoundExpr

    init(_ child: PhysicalOperator, predicate: BoundExpr) {
        self.predicate = predicate
        super.init(children: [child], outputTypes: child.outputTypes)
    }

    override var details: String { predicate.text }

    override func process(_ batch: RecordBatch, worker: Int, _ ctx: ExecutionContext) throws -> RecordBatch? {
        let keep = try Evaluator.select(predicate, batch)
        if keep.count == batch.rowCount { return batch }
        if keep.isEmpty { return nil }
        return RecordBatch(schema: batch.schema, columns: batch.columns.map { $0.gather(keep) }, rowCount: keep.count)
    }
}
