import LakeqColumnar

/// Computes output columns from each batch (plain column references cost nothing).
final class Projection: PhysicalOperator, @unchecked Sendable {
    let expressions: [BoundExpr]
    let names: [String]

    init(_ child: PhysicalOperator, expressions: [BoundExpr], names: [String]) {
        self.expressions = expressions
        self.names = names
        super.init(children: [child], outputTypes: expressions.map(\.type))
    }

    override var details: String { zip(expressions, names).map { e, n in e.text == n ? n : "\(e.text) AS \(n)" }.joined(separator: ", ") }

    override func process(_ batch: RecordBatch, worker: Int, _ ctx: ExecutionContext) throws -> RecordBatch? {
        RecordBatch(schema: batch.schema, columns: try expressions.map { try Evaluator.evaluate($0, batch) }, rowCount: batch.rowCount)
    }
}
