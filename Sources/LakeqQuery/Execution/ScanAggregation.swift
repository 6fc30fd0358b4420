import LakeqColumnar
import LakeqParquet

/// An aggregate without GROUP BY right over an unfiltered scan, answered row group by row
/// group inside the scan instead of from batches: count(*) from the footer's row count; min
/// and max from exact footer statistics where they are; the other aggregates of a column
/// (count, sum, avg, and min/max without exact statistics) from a `ChunkSummary` folded page
/// by page while decoding, so the column is never built (`SELECT min(watch), avg(duration)
/// FROM events` reads like a scan but holds no column).
///
/// Floating-point statistics are never used: statistics leave NaN out, so they are not exact
/// for max. Summaries cover flat INT32, INT64 and DOUBLE chunks that the query reads as
/// INTEGER, BIGINT and DOUBLE; a row group with anything else is read as usual.
final class ScanAggregation: @unchecked Sendable {
    enum Item {
        /// count(*).
        case count
        /// min or max: statistics first, else the column's summary.
        case extreme(scanColumn: Int, type: DataType, isMin: Bool)
        /// count, sum or avg of a column: its summary (`wants` is empty for count).
        case reduce(scanColumn: Int, type: DataType, wants: ChunkSummary.Wants)
    }

    /// One aggregate's share of a row group.
    enum Part {
        case rows(Int)
        case extreme(Scalar)
        case summary(ChunkSummary)
    }

    enum Answer { case fromMetadata, whileDecoding }

    let items: [Item]
    unowned let aggregate: HashAggregate

    init(items: [Item], aggregate: HashAggregate) {
        self.items = items
        self.aggregate = aggregate
    }

    /// The SQL types a summary can stand in for (the aggregate's argument type).
    static func summarizable(_ type: DataType) -> Bool {
        type == .int32 || type == .int64 || type == .float64
    }

    /// Answers row group `ref` into the aggregate; nil when it must be read as usual.
    func answer(_ access: AccessPlan, _ ref: AccessPlan.RowGroupRef, decompressor: Decompressor, worker: Int) throws -> Answer? {
        let entry = access.files[ref.entry]
        let pf = try access.table.parquetFile(entry.file)
        let g = ref.rowGroup
        let rows = pf.rowCount(rowGroup: g)
        // Each aggregate's part, or the scan column whose summary will give it.
        enum Slot { case ready(Part), summary(scanColumn: Int) }
        var slots: [Slot] = []
        var wanted: [(scanColumn: Int, type: DataType, wants: ChunkSummary.Wants)] = []
        func summary(_ k: Int, _ type: DataType, _ w: ChunkSummary.Wants) -> Slot {
            if let i = wanted.firstIndex(where: { $0.scanColumn == k }) { wanted[i].wants.formUnion(w) } else { wanted.append((k, type, w)) }
            return .summary(scanColumn: k)
        }
        for item in items {
            switch item {
            case .count:
                slots.append(.ready(.rows(rows)))
            case .extreme(let k, let type, let isMin):
                if let v = try Self.statisticsExtreme(entry.sources[k], type: type, isMin: isMin, pf, rowGroup: g, rows: rows) {
                    slots.append(.ready(.extreme(v)))
                } else {
                    guard Self.summarizable(type) else { return nil }
                    slots.append(summary(k, type, isMin ? .min : .max))
                }
            case .reduce(let k, let type, let wants):
                slots.append(summary(k, type, wants))
            }
        }
        var summaries: [Int: ChunkSummary] = [:]
        for w in wanted {
            guard let s = try Self.summary(entry.sources[w.scanColumn], type: w.type, wants: w.wants, pf, rowGroup: g, rows: rows,
                                           decompressor: decompressor, dictionaries: access.dictionaries) else { return nil }
            summaries[w.scanColumn] = s
        }
        var folded: [Part] = []
        folded.reserveCapacity(slots.count)
        for slot in slots {
            switch slot {
            case .ready(let part): folded.append(part)
            case .summary(let k):
                guard let s = summaries[k] else { return nil }
                folded.append(.summary(s))
            }
        }
        try aggregate.foldScanParts(folded, worker: worker)
        return wanted.isEmpty ? .fromMetadata : .whileDecoding
    }

    /// A row group's exact min or max from its footer; nil when there is none to trust.
    private static func statisticsExtreme(_ source: AccessPlan.Source, type: DataType, isMin: Bool, _ pf: ParquetFile,
                                          rowGroup g: Int, rows: Int) throws -> Scalar? {
        guard case .file(let c) = source else { return nil }
        switch type {
        case .int32, .int64, .date32, .timestamp, .string: break
        default: return nil
        }
        guard let stats = try pf.statistics(rowGroup: g, column: c), let nulls = stats.nullCount else { return nil }
        if nulls == Int64(rows) { return .null }  // no value here
        let bound = isMin ? stats.min : stats.max
        let exact = isMin ? stats.isMinExact : stats.isMaxExact
        guard exact, let b = bound else { return nil }
        return Pruning.scalar(b, type: type, parquetType: pf.schema.columns[c].dataType)
    }

    /// A column chunk's summary; nil when this file's column cannot be summarized as `type`.
    private static func summary(_ source: AccessPlan.Source, type: DataType, wants: ChunkSummary.Wants, _ pf: ParquetFile,
                                rowGroup g: Int, rows: Int, decompressor: Decompressor,
                                dictionaries: (any DictionaryPageCache)?) throws -> ChunkSummary? {
        switch source {
        case .missing:
            return ChunkSummary(wants: wants, nullRows: rows)
        case .file(let c):
            let column = pf.schema.columns[c]
            guard column.maxRepetitionLevel == 0 else { return nil }
            // The file's values must be the query's without conversion (no unsigned, decimal
            // or float widening): INTEGER from INT8/16/32, BIGINT from INT64, DOUBLE from DOUBLE.
            switch (type, column.physicalType, column.dataType) {
            case (.int32, .int32, .int8), (.int32, .int32, .int16), (.int32, .int32, .int32),
                 (.int64, .int64, .int64), (.float64, .double, .float64):
                // The service's dictionary cache serves these reads too (decoded dictionary pages kept).
                return try pf.summarizeColumn(rowGroup: g, column: c, wants: wants, decompressor: decompressor, dictionaries: dictionaries)
            default:
                return nil
            }
        case .nested, .partition:
            return nil
        }
    }
}
