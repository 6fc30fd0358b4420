import Foundation
import LakeqColumnar
import LakeqParquet

/// Reads a table through its `AccessPlan`: one morsel per row group that pruning kept.
///
/// Scan-level fast paths, set up by the physical planner:
/// - `metadata`: an aggregate of count(*)/min/max right above answers row groups without a
///   row filter from their footer statistics (nothing decoded);
/// - `topN`: `ORDER BY col LIMIT n` above visits row groups best-first and skips those that
///   cannot beat the current n-th row;
/// - `rowLimit`: `LIMIT n` above with no filter reads only the first row groups holding n rows.
final class TableScan: PhysicalOperator, @unchecked Sendable {
    let access: AccessPlan
    let names: [String]
    var topN: TopNPruner?
    var metadata: MetadataAggregation?
    var rowLimit: Int?

    private var order: [Int] = []
    private var workerStats = WorkerSlots<ScanStatistics>(empty: ScanStatistics())
    private var decompressors: [Decompressor] = []
    /// Everything this scan pruned and read (after it ran).
    private(set) var totals = ScanStatistics()

    init(access: AccessPlan, names: [String], types: [DataType]) {
        self.access = access
        self.names = names
        super.init(children: [], outputTypes: types)
    }

    override var role: Role { .source }
    override var name: String { "TableScan" }

    override var details: String {
        var s = access.table.name
        if let v = access.table.deltaVersion { s += " (Delta version \(v))" }
        // A STRUCT column read only through some fields shows them: `device{kind, os.version}`.
        let shown = names.enumerated().map { k, name in
            access.fieldPaths[k].map { name + "{" + $0.map { $0.joined(separator: ".") }.sorted().joined(separator: ", ") + "}" } ?? name
        }
        s += " columns=[\(shown.joined(separator: ", "))]"
        if let f = access.filter { s += " filter=[\(f.text)]" }
        return s
    }

    override func prepareSource(_ ctx: ExecutionContext) throws -> Int {
        try access.prepare()
        order = Array(access.rowGroups.indices)
        if let topN, access.pruning { order = try topN.order(access) }
        if let rowLimit, access.filter == nil, access.pruning {
            // Only the first row groups that hold the rows LIMIT wants.
            var rows = 0
            var k = 0
            while k < order.count && rows < rowLimit {
                rows += access.rowCount(access.rowGroups[order[k]])
                k += 1
            }
            order = Array(order.prefix(max(k, 0)))
        }
        workerStats = WorkerSlots(count: ctx.threads, initial: ScanStatistics())
        decompressors = (0..<ctx.threads).map { _ in Decompressor() }
        return order.count
    }

    override func produce(morsel: Int, worker: Int, _ ctx: ExecutionContext, _ emit: (RecordBatch) throws -> Bool) throws {
        let i = order[morsel]
        let ref = access.rowGroups[i]
        let pruning = access.pruning
        workerStats[worker].rowGroupsVisited += 1
        if pruning, let topN, topN.canSkip(i) {
            workerStats[worker].rowGroupsSkippedByTopN += 1
            return
        }
        if pruning, access.files[ref.entry].residual == nil, let metadata, try metadata.answer(access, ref, worker: worker) {
            let rows = access.rowCount(ref)
            workerStats[worker].rowGroupsAnsweredFromMetadata += 1
            workerStats[worker].rowsScanned += rows
            workerStats[worker].rowsAfterFilter += rows
            return
        }
        var wanted: RowRanges?
        switch try access.refine(ref, decompressor: decompressors[worker]) {
        case .skippedByBloomFilter:
            workerStats[worker].rowGroupsSkippedByBloomFilter += 1
            return
        case .skippedByDictionary:
            workerStats[worker].rowGroupsSkippedByDictionary += 1
            return
        case .skippedByPageIndex(let pages):
            workerStats[worker].rowGroupsSkippedByPageIndex += 1
            workerStats[worker].pagesSkippedByPageIndex += pages
            return
        case .read(let rows, let pagesSkipped):
            wanted = rows
            workerStats[worker].pagesSkippedByPageIndex += pagesSkipped
        }
        guard let batch = try access.read(ref, rows: wanted, decompressor: decompressors[worker], stats: &workerStats[worker]) else { return }
        _ = try emit(batch)
    }

    override func finishSource(_ ctx: ExecutionContext) {
        var s = access.statistics
        for w in workerStats.values { s.add(w) }
        s.rowGroupsNotRead = access.rowGroups.count - s.rowGroupsVisited
        if ctx.profiling { s.pagesTotal = access.pagesInPageIndex() }
        totals = s
        ctx.addStatistics(s)
    }

    override func explainLines(analyzed: Bool) -> [String] {
        Explain.pruningLines(analyzed ? totals : access.statistics, access: access, analyzed: analyzed)
    }
}

/// count(*), min and max of a row group without a row filter, answered from its footer alone
/// when every aggregate is one of those and the statistics are exact. Floating-point bounds
/// are never used: statistics leave NaN out, so they are not exact for max.
final class MetadataAggregation: @unchecked Sendable {
    enum Item {
        case count
        case extreme(scanColumn: Int, type: DataType, isMin: Bool)
    }

    let items: [Item]
    unowned let aggregate: HashAggregate

    init(items: [Item], aggregate: HashAggregate) {
        self.items = items
        self.aggregate = aggregate
    }

    func answer(_ access: AccessPlan, _ ref: AccessPlan.RowGroupRef, worker: Int) throws -> Bool {
        let entry = access.files[ref.entry]
        let pf = try access.table.parquetFile(entry.file)
        let g = ref.rowGroup
        let rows = Int64(pf.rowCount(rowGroup: g))
        var values: [Scalar?] = []
        for item in items {
            switch item {
            case .count:
                values.append(nil)
            case .extreme(let k, let type, let isMin):
                guard case .file(let c) = entry.sources[k] else { return false }
                switch type {
                case .int32, .int64, .date32, .timestamp, .string: break
                default: return false
                }
                guard let stats = try pf.statistics(rowGroup: g, column: c), let nulls = stats.nullCount else { return false }
                if nulls == rows { values.append(.null); continue }  // no value here
                let bound = isMin ? stats.min : stats.max
                let exact = isMin ? stats.isMinExact : stats.isMaxExact
                guard exact, let b = bound, let v = Pruning.scalar(b, type: type, parquetType: pf.schema.columns[c].dataType) else { return false }
                values.append(v)
            }
        }
        try aggregate.foldMetadata(rows: Int(rows), values: values, worker: worker)
        return true
    }
}
