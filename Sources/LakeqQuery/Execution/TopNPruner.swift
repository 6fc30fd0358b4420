import Foundation
import LakeqColumnar

/// Dynamic pruning for `ORDER BY col [DESC] LIMIT n` over a scan: keeps the n best values of
/// `col` seen so far (offered by the top-N operator, shared by all workers), and lets the scan
/// visit row groups best-first and skip those whose statistics show no row can beat the n-th.
/// Only the first sort key is used, and only strictly worse bounds skip, so ties broken by
/// later keys are never lost.
final class TopNPruner: @unchecked Sendable {
    /// Scan column of the first sort key.
    let scanColumn: Int
    let descending: Bool
    let limit: Int
    private let lock = NSLock()
    private var best: [Scalar] = []
    private var threshold: Scalar?
    private var bounds: [(Scalar?, Scalar?)] = []

    init(scanColumn: Int, descending: Bool, limit: Int) {
        self.scanColumn = scanColumn
        self.descending = descending
        self.limit = limit
    }

    /// Reads the statistics bounds of every row group of the plan, then orders them best-first.
    func order(_ plan: AccessPlan) throws -> [Int] {
        bounds = try plan.rowGroups.map { ref in
            let entry = plan.files[ref.entry]
            guard case .file(let c) = entry.sources[scanColumn] else { return (nil, nil) }
            let pf = try plan.table.parquetFile(entry.file)
            guard let stats = try pf.statistics(rowGroup: ref.rowGroup, column: c) else { return (nil, nil) }
            let type = plan.table.schema.fields[plan.columns[scanColumn]].type
            let parquetType = pf.schema.columns[c].dataType
            return (stats.min.flatMap { Pruning.scalar($0, type: type, parquetType: parquetType) },
                    stats.max.flatMap { Pruning.scalar($0, type: type, parquetType: parquetType) })
        }
        return Array(bounds.indices).sorted { a, b in visitBefore(bounds[a], bounds[b]) || (!visitBefore(bounds[b], bounds[a]) && a < b) }
    }

    /// Most promising row groups first (those without statistics before all).
    private func visitBefore(_ a: (Scalar?, Scalar?), _ b: (Scalar?, Scalar?)) -> Bool {
        let x = descending ? a.1 : a.0, y = descending ? b.1 : b.0
        guard let x else { return y != nil }
        guard let y else { return false }
        let c = Scalar.compare(x, y)
        return descending ? c > 0 : c < 0
    }

    /// Whether row group `i` of the plan cannot hold a row better than the n-th best so far.
    func canSkip(_ i: Int) -> Bool {
        guard i < bounds.count else { return false }
        let (lo, hi) = bounds[i]
        lock.lock()
        let t = threshold
        lock.unlock()
        guard let t else { return false }
        if descending {
            guard let hi else { return false }
            return Scalar.compare(hi, t) < 0
        }
        guard let lo else { return false }
        return Scalar.compare(lo, t) > 0
    }

    /// Takes the first-key values of rows a worker kept.
    func offer(_ c: Column) {
        var values: [Scalar] = []
        for i in 0..<c.count where !c.isNull(i) { values.append(Scalar.from(c, row: i)) }
        guard !values.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        best.append(contentsOf: values)
        best.sort { descending ? Scalar.compare($0, $1) > 0 : Scalar.compare($0, $1) < 0 }
        if best.count > limit { best.removeLast(best.count - limit) }
        if best.count >= limit { threshold = best.last }
    }
}
