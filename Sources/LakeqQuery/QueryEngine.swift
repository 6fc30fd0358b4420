import Foundation
import LakeqColumnar
import LakeqParquet

/// A query's answer: named, typed columns.
public struct QueryResult: Sendable {
    public var names: [String]
    public var columns: [Column]
    public var rowCount: Int
    /// What the scan pruned and filtered.
    public var statistics: ScanStatistics
}

/// Parses, binds, plans and runs SQL over a lake, on several threads.
public struct QueryEngine: Sendable {
    public var catalog: Catalog
    public var threads: Int
    /// Checked between row groups: a cancelled or timed-out query stops with `ExecutionCancelled`.
    public var cancellation: CancellationToken?

    public init(lake: String, threads: Int) {
        catalog = Catalog(lake: lake)
        self.threads = max(1, threads)
    }

    /// Runs one statement. EXPLAIN returns its plan and pruning report as a one-column result.
    public func run(_ sql: String) throws -> QueryResult {
        switch try SQLParser.parse(sql) {
        case .select(let s):
            return try execute(try Binder(catalog: catalog).bind(s))
        case .explain(let s):
            let plan = try Binder(catalog: catalog).bind(s)
            let result = try execute(plan)
            let lines = Explain.render(plan, result.statistics)
            return QueryResult(names: ["explain"], columns: [ColumnFactory.fromScalars(lines.map { .string($0) }, type: .string)],
                               rowCount: lines.count, statistics: result.statistics)
        }
    }

    /// Per-thread state: partial aggregates or collected rows.
    final class Partial {
        var stats = ScanStatistics()
        var groups: GroupTable?
        var accumulators: [Accumulator] = []
        var batches: [RecordBatch] = []
    }

    public func execute(_ plan: QueryPlan) throws -> QueryResult {
        let scan = TableScan(plan: plan)
        let table = plan.table
        var stats = ScanStatistics()
        stats.filesTotal = table.files.count
        stats.columnsRead = plan.scanColumnNames

        // Partition pruning, then one work unit per row group.
        struct Unit { let file: Int; let rowGroup: Int; let residual: BoundExpr? }
        var units: [Unit] = []
        for f in 0..<table.files.count {
            let groups = table.parquet[f].rowGroupCount
            stats.rowGroupsTotal += groups
            for g in 0..<groups { stats.pagesTotal += table.parquet[f].pageCountEstimate(rowGroup: g) }
            if try scan.filePruned(f) {
                stats.filesSkippedByPartition += 1
                stats.rowGroupsInSkippedFiles += groups
                continue
            }
            let residual = scan.residualFilter(file: f)
            if scan.fileSkippedByLogStatistics(f, residual: residual) {
                stats.filesSkippedByStatistics += 1
                stats.rowGroupsInSkippedFiles += groups
                continue
            }
            for g in 0..<groups { units.append(Unit(file: f, rowGroup: g, residual: residual)) }
        }

        // Top-N pruning: for ORDER BY column LIMIT n, visit row groups in the order of that
        // column's statistics and skip those that cannot beat the n-th best row seen so far.
        let topN = TopNPruner(plan: plan, scan: scan)
        if let topN {
            units.sort { a, b in topN.visitBefore(topN.bounds(file: a.file, rowGroup: a.rowGroup), topN.bounds(file: b.file, rowGroup: b.rowGroup)) }
        }

        let workers = min(threads, max(1, units.count))
        let partials = (0..<workers).map { _ in Partial() }
        let decompressors = (0..<workers).map { _ in Decompressor() }
        if plan.isAggregate {
            for partial in partials {
                partial.groups = GroupTable(keyTypes: plan.groupKeys.map(\.type))
                partial.accumulators = plan.aggregates.map { Accumulator($0) }
            }
        }
        try Parallel.forEach(count: units.count, workers: workers) { w, i in
            try cancellation?.check()
            let partial = partials[w]
            let decompressor = decompressors[w]
            let u = units[i]
            if let topN, topN.canSkip(file: u.file, rowGroup: u.rowGroup) {
                partial.stats.rowGroupsSkippedByTopN += 1
                return
            }
            if u.residual == nil, answerFromMetadata(plan, scan: scan, file: u.file, rowGroup: u.rowGroup, into: partial) {
                partial.stats.rowGroupsAnsweredFromMetadata += 1
                return
            }
            var wanted: RowRanges?
            switch try scan.rowGroupVerdict(file: u.file, rowGroup: u.rowGroup, residual: u.residual, decompressor: decompressor) {
            case .skippedByStatistics: partial.stats.rowGroupsSkippedByStatistics += 1; return
            case .skippedByDictionary: partial.stats.rowGroupsSkippedByDictionary += 1; return
            case .skippedByPageIndex(let pages):
                partial.stats.rowGroupsSkippedByPageIndex += 1
                partial.stats.pagesSkippedByPageIndex += pages
                return
            case .keep(let rows, let pagesSkipped):
                wanted = rows
                partial.stats.pagesSkippedByPageIndex += pagesSkipped
            }
            guard let batch = try scan.scan(file: u.file, rowGroup: u.rowGroup, residual: u.residual, rows: wanted,
                                            decompressor: decompressor, stats: &partial.stats) else { return }
            if plan.isAggregate {
                try aggregate(batch, plan: plan, into: partial)
            } else {
                try project(batch, plan: plan, into: partial)
                if let topN, let last = partial.batches.last { topN.offer(last, keyColumn: plan.outputs.count) }
            }
        }
        for p in partials { stats.add(p.stats) }

        var result: RecordBatch
        if plan.isAggregate {
            result = try finishAggregate(plan, partials)
        } else {
            let all = partials.flatMap(\.batches)
            let types = plan.outputs.map(\.type) + plan.orderBy.map(\.expr.type)
            result = all.isEmpty
                ? RecordBatch(schema: Schema([]), columns: types.map { ColumnFactory.fromScalars([], type: $0) }, rowCount: 0)
                : concatenate(all, columnCount: types.count)
        }
        // Sort (keys follow the visible outputs), then OFFSET/LIMIT, then drop the keys.
        let visible = plan.outputs.count
        var order = Array(0..<Int32(result.rowCount))
        if !plan.orderBy.isEmpty {
            order = Sorting.sortedIndices(result, keyColumns: Array(visible..<(visible + plan.orderBy.count)), keys: plan.orderBy,
                                          limit: plan.limit.map { $0 + plan.offset })
        }
        let start = min(plan.offset, order.count)
        let end = plan.limit.map { min(order.count, start + $0) } ?? order.count
        let picked = Array(order[start..<end])
        let columns = result.columns.prefix(visible).map { $0.gather(picked) }
        return QueryResult(names: plan.outputNames, columns: Array(columns), rowCount: picked.count, statistics: stats)
    }

    // MARK: metadata answers

    /// Answers count(*), min and max of a row group without a filter from its footer alone,
    /// when every aggregate is one of those and the statistics are exact. Floating-point
    /// bounds are never used: statistics leave NaN out, so they are not exact for max.
    private func answerFromMetadata(_ plan: QueryPlan, scan: TableScan, file: Int, rowGroup g: Int, into partial: Partial) -> Bool {
        guard plan.isAggregate, plan.groupKeys.isEmpty, !plan.aggregates.isEmpty else { return false }
        let pf = plan.table.parquet[file]
        let rows = pf.metadata.rowGroups[g].numRows
        let src = scan.sources(for: file)
        var extremes: [Scalar?] = []
        for a in plan.aggregates {
            switch a.function {
            case .countStar where !a.distinct:
                extremes.append(nil)
            case .min where !a.distinct, .max where !a.distinct:
                guard let arg = a.argument, case .column(let k) = arg.kind, case .file(let c) = src[k] else { return false }
                switch arg.type {
                case .int32, .int64, .date32, .timestamp, .string: break
                default: return false
                }
                guard let stats = pf.statistics(rowGroup: g, column: c), let nulls = stats.nullCount else { return false }
                if nulls == rows { extremes.append(.null); continue }  // no value here
                let bound = a.function == .min ? stats.min : stats.max
                let exact = a.function == .min ? stats.isMinExact : stats.isMaxExact
                guard exact, let b = bound,
                      let v = Pruning.scalar(b, type: arg.type, parquetType: pf.schema.columns[c].dataType) else { return false }
                extremes.append(v)
            default:
                return false
            }
        }
        for (a, v) in extremes.enumerated() {
            if plan.aggregates[a].function == .countStar {
                try? partial.accumulators[a].updateSingleGroup(rows: Int(rows), arg: nil)
            } else if let v, !v.isNull {
                partial.accumulators[a].foldExtreme(v)
            }
        }
        partial.stats.rowsScanned += Int(rows)
        partial.stats.rowsAfterFilter += Int(rows)
        return true
    }

    // MARK: projection

    private func project(_ batch: RecordBatch, plan: QueryPlan, into partial: Partial) throws {
        var columns = try plan.outputs.map { try Evaluator.evaluate($0, batch) }
        columns += try plan.orderBy.map { try Evaluator.evaluate($0.expr, batch) }
        var out = RecordBatch(schema: Schema([]), columns: columns, rowCount: batch.rowCount)
        // Top-N: a batch only needs to keep its own first N rows.
        if let limit = plan.limit, !plan.orderBy.isEmpty, out.rowCount > limit + plan.offset {
            let keep = Sorting.sortedIndices(out, keyColumns: Array(plan.outputs.count..<columns.count), keys: plan.orderBy, limit: limit + plan.offset)
            out = RecordBatch(schema: Schema([]), columns: columns.map { $0.gather(keep) }, rowCount: keep.count)
        } else if let limit = plan.limit, plan.orderBy.isEmpty {
            let have = partial.batches.reduce(0) { $0 + $1.rowCount }
            if have >= limit + plan.offset { return }
        }
        partial.batches.append(out)
    }

    private func concatenate(_ batches: [RecordBatch], columnCount: Int) -> RecordBatch {
        guard let first = batches.first else {
            return RecordBatch(schema: Schema([]), columns: [], rowCount: 0)
        }
        if batches.count == 1 { return first }
        var columns: [Column] = []
        for c in 0..<columnCount {
            let type = first.columns[c].type
            var values: [Scalar] = []
            values.reserveCapacity(batches.reduce(0) { $0 + $1.rowCount })
            for b in batches { for r in 0..<b.rowCount { values.append(Scalar.from(b.columns[c], row: r)) } }
            columns.append(ColumnFactory.fromScalars(values, type: type))
        }
        return RecordBatch(schema: Schema([]), columns: columns, rowCount: batches.reduce(0) { $0 + $1.rowCount })
    }

    // MARK: aggregation

    private func aggregate(_ batch: RecordBatch, plan: QueryPlan, into partial: Partial) throws {
        guard let groups = partial.groups else { return }
        if plan.groupKeys.isEmpty {
            for a in partial.accumulators.indices {
                let arg = try plan.aggregates[a].argument.map { try Evaluator.evaluate($0, batch) }
                try partial.accumulators[a].updateSingleGroup(rows: batch.rowCount, arg: arg)
            }
            return
        }
        let keys = try plan.groupKeys.map { try Evaluator.evaluate($0, batch) }
        let ids = groups.groupIds(keys, rowCount: batch.rowCount)
        for a in partial.accumulators.indices {
            let arg = try plan.aggregates[a].argument.map { try Evaluator.evaluate($0, batch) }
            try partial.accumulators[a].update(groups: ids, arg: arg, groupCount: groups.count)
        }
    }

    private func finishAggregate(_ plan: QueryPlan, _ partials: [Partial]) throws -> RecordBatch {
        let keyTypes = plan.groupKeys.map(\.type)
        // Merge every worker's groups into the first that has any (no copy when only one did).
        let busy = partials.filter { $0.groups != nil }
        let target: GroupTable
        var accumulators: [Accumulator]
        if let first = busy.first, let firstGroups = first.groups {
            target = firstGroups
            accumulators = first.accumulators
            for p in busy.dropFirst() {
                guard let g = p.groups else { continue }
                let mapping = target.mapGroups(of: g)
                for a in accumulators.indices {
                    try accumulators[a].merge(p.accumulators[a], mapping: mapping, groupCount: target.count)
                }
            }
        } else {
            target = GroupTable(keyTypes: keyTypes)
            accumulators = plan.aggregates.map { Accumulator($0) }
        }
        // A global aggregate over no rows still yields one row.
        let groupCount = keyTypes.isEmpty ? 1 : target.count
        for a in accumulators.indices { accumulators[a].grow(to: groupCount) }
        var columns: [Column] = []
        for k in keyTypes.indices { columns.append(target.keyColumn(k)) }
        for acc in accumulators { columns.append(acc.resultColumn(groups: groupCount)) }
        var batch = RecordBatch(schema: Schema([]), columns: columns, rowCount: groupCount)
        if let having = plan.having {
            let keep = try Evaluator.select(having, batch)
            batch = RecordBatch(schema: Schema([]), columns: columns.map { $0.gather(keep) }, rowCount: keep.count)
        }
        var out = try plan.outputs.map { try Evaluator.evaluate($0, batch) }
        out += try plan.orderBy.map { try Evaluator.evaluate($0.expr, batch) }
        return RecordBatch(schema: Schema([]), columns: out, rowCount: batch.rowCount)
    }
}

extension ParquetFile {
    /// Pages of a row group according to the offset index, when there is one (0 otherwise).
    func pageCountEstimate(rowGroup: Int) -> Int {
        var n = 0
        for c in 0..<schema.columns.count {
            if let index = try? offsetIndex(rowGroup: rowGroup, column: c) { n += index.pageLocations.count }
        }
        return n
    }
}
