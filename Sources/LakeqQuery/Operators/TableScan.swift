import Foundation
import LakeqColumnar
import LakeqParquet

/// Reads a table through its `AccessPlan`: one morsel per row group that pruning kept.
///
/// Scan-level fast paths, set up by the physical planner:
/// - `aggregation`: an aggregate without GROUP BY right above (count, sum, avg, min, max of
///   columns) answers row groups without a row filter from their footer statistics, or
///   folds their columns while decoding them, without building columns (`ScanAggregation`);
/// - `topN`: `ORDER BY col LIMIT n` above visits row groups best-first and skips those that
///   cannot beat the current n-th row;
/// - `rowLimit`: `LIMIT n` above with no filter reads only the first row groups holding n rows.
final class TableScan: PhysicalOperator, @unchecked Sendable {
    let access: AccessPlan
    let names: [String]
    var topN: TopNPruner?
    var aggregation: ScanAggregation?
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
        if pruning, access.files[ref.entry].residual == nil, let aggregation,
           let answer = try aggregation.answer(access, ref, decompressor: decompressors[worker], worker: worker) {
            let rows = access.rowCount(ref)
            switch answer {
            case .fromMetadata: workerStats[worker].rowGroupsAnsweredFromMetadata += 1
            case .whileDecoding: workerStats[worker].rowGroupsAggregatedWhileDecoding += 1
            }
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
