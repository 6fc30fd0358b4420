import LakeqColumnar

/// Constant rows: `VALUES (…), (…)`, and the single row of no columns a SELECT without FROM reads.
final class Values: PhysicalOperator, @unchecked Sendable {
    let rows: [[BoundExpr]]

    init(rows: [[BoundExpr]], types: [DataType]) {
        self.rows = rows
        super.init(children: [], outputTypes: types)
    }

    override var role: Role { .source }
    override var details: String { "\(rows.count) row\(rows.count == 1 ? "" : "s")" }

    override func prepareSource(_ ctx: ExecutionContext) throws -> Int { 1 }

    override func produce(morsel: Int, worker: Int, _ ctx: ExecutionContext, _ emit: (RecordBatch) throws -> Bool) throws {
        var columns: [Column] = []
        for (c, type) in outputTypes.enumerated() {
            let values = try rows.map { try ConstantFolding.evaluate($0[c]) }
            columns.append(ColumnFactory.fromScalars(values, type: type))
        }
        _ = try emit(RecordBatch(schema: Schema([]), columns: columns, rowCount: rows.count))
    }
}
