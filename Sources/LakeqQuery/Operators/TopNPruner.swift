import Foundation
import LakeqColumnar

/// Dynamic pruning for `ORDER BY col [DESC] LIMIT n` without aggregation: keeps the n best
/// values of `col` seen so far (shared by all workers) and skips row groups whose statistics
/// show no row can beat the n-th. Only the first sort key is used, and only strictly worse
/// bounds skip, so ties broken by later keys are never lost.
final class TopNPruner: @unchecked Sendable {
    let plan: QueryPlan
    let scan: TableScan
    let scanColumn: Int
    let descending: Bool
    let limit: Int
    private let lock = NSLock()
    private var best: [Scalar] = []
    private var boundsCache: [Int: (Scalar?, Scalar?)] = [:]

    init?(plan: QueryPlan, scan: TableScan) {
        guard !plan.isAggregate, let limit = plan.limit, let first = plan.orderBy.first, !first.nullsFirst,
              case .column(let k) = first.expr.kind else { return nil }
        self.plan = plan
        self.scan = scan
        scanColumn = k
        descending = first.descending
        self.limit = limit + plan.offset
        guard self.limit > 0 else { return nil }
        // Precompute statistics bounds of every row group.
        for f in 0..<plan.table.files.count {
            for g in 0..<plan.table.parquet[f].rowGroupCount { boundsCache[f << 20 | g] = computeBounds(file: f, rowGroup: g) }
        }
    }

    private func computeBounds(file: Int, rowGroup g: Int) -> (Scalar?, Scalar?) {
        guard case .file(let c) = scan.sources(for: file)[scanColumn] else { return (nil, nil) }
        let pf = plan.table.parquet[file]
        guard let stats = pf.statistics(rowGroup: g, column: c) else { return (nil, nil) }
        let type = plan.table.schema.fields[plan.scanColumns[scanColumn]].type
        let parquetType = pf.schema.columns[c].dataType
        return (stats.min.flatMap { Pruning.scalar($0, type: type, parquetType: parquetType) },
                stats.max.flatMap { Pruning.scalar($0, type: type, parquetType: parquetType) })
    }

    func bounds(file: Int, rowGroup: Int) -> (Scalar?, Scalar?) { boundsCache[file << 20 | rowGroup] ?? (nil, nil) }

    /// Visit order: most promising row groups first (those without statistics before all).
    func visitBefore(_ a: (Scalar?, Scalar?), _ b: (Scalar?, Scalar?)) -> Bool {
        let x = descending ? a.1 : a.0, y = descending ? b.1 : b.0
        guard let x else { return y != nil }
        guard let y else { return false }
        let c = Scalar.compare(x, y)
        return descending ? c > 0 : c < 0
    }

    func canSkip(file: Int, rowGroup: Int) -> Bool {
        let (lo, hi) = bounds(file: file, rowGroup: rowGroup)
        lock.lock()
        defer { lock.unlock() }
        guard best.count >= limit, let threshold = best.last else { return false }
        if descending {
            guard let hi else { return false }
            return Scalar.compare(hi, threshold) < 0
        }
        guard let lo else { return false }
        return Scalar.compare(lo, threshold) > 0
    }

    /// Takes the first-key values of a batch's surviving rows (column `keyColumn`).
    func offer(_ batch: RecordBatch, keyColumn: Int) {
        let c = batch.columns[keyColumn]
        var values: [Scalar] = []
        for i in 0..<batch.rowCount where !c.isNull(i) { values.append(Scalar.from(c, row: i)) }
        lock.lock()
        defer { lock.unlock() }
        best.append(contentsOf: values)
        best.sort { descending ? Scalar.compare($0, $1) > 0 : Scalar.compare($0, $1) < 0 }
        if best.count > limit { best.removeLast(best.count - limit) }
    }
}
