import LakeqColumnar

/// `unnest(l)` of the select list, as DuckDB: each input row becomes one row per element of
/// its longest list (shorter lists padded with NULL); a row whose lists are all NULL or empty
/// yields no row. Outputs the input columns (repeated per element) then one element column
/// per list.
final class Unnest: PhysicalOperator, @unchecked Sendable {
    let lists: [BoundExpr]

    init(_ child: PhysicalOperator, lists: [BoundExpr], elementTypes: [DataType]) {
        self.lists = lists
        super.init(children: [child], outputTypes: child.outputTypes + elementTypes)
    }

    override var details: String { lists.map(\.text).joined(separator: ", ") }

    override func process(_ batch: RecordBatch, worker: Int, _ ctx: ExecutionContext) throws -> RecordBatch? {
        let n = batch.rowCount
        var listColumns: [(ListValues?, Column)] = []
        for e in lists {
            let c = try Evaluator.evaluate(e, batch)
            if case .list(let l) = c.values { listColumns.append((l, c)) } else { listColumns.append((nil, c)) }  // a NULL constant
        }
        // Output row k repeats input row rows[k] and holds element picks[j][k] of list j.
        var rows: [Int32] = []
        var picks = [[Int32]](repeating: [], count: lists.count)
        for i in 0..<n {
            var longest = 0
            for (l, c) in listColumns where !c.isNull(i) { if let l { longest = max(longest, l.range(i).count) } }
            guard longest > 0 else { continue }
            for k in 0..<longest {
                rows.append(Int32(truncatingIfNeeded: i))
                for (j, (l, c)) in listColumns.enumerated() {
                    guard let l, !c.isNull(i) else { picks[j].append(-1); continue }
                    let r = l.range(i)
                    picks[j].append(k < r.count ? Int32(truncatingIfNeeded: r.lowerBound + k) : -1)
                }
            }
        }
        if rows.isEmpty { return nil }
        var columns = batch.columns.map { $0.gather(rows) }
        for (j, (l, _)) in listColumns.enumerated() {
            let type = outputTypes[batch.columns.count + j]
            columns.append(l.map { ColumnKernels.gatherOrNull($0.entries, picks[j]) } ?? ColumnKernels.nulls(type, count: rows.count))
        }
        return RecordBatch(schema: batch.schema, columns: columns, rowCount: rows.count)
    }
}
