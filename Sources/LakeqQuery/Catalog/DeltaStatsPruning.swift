import LakeqColumnar
import LakeqDelta

/// File-level pruning from a Delta table's per-file stats (`DataFile.stats`), which skips a
/// file without opening its footer.
///
/// The access plan calls `fileMayMatch` per file for each conjunct `column <op> literal` on a
/// top-level column and skips the files that return false. Sound by construction: any doubt
/// (no stats, a missing bound, an unparsable value, a struct's nested bounds, a type lakeq
/// writes no bounds for) answers true.
public enum DeltaStatsPruning {
    /// A column's bounds in a file as engine scalars, from its stats. Timestamps are the
    /// millisecond-rounded bounds Delta writers record (min rounded down, max up).
    public static func bounds(_ stats: FileStats, column: Field) -> (min: Scalar, max: Scalar)? {
        guard let lo = stats.minValues[column.name], let hi = stats.maxValues[column.name],
              let a = scalar(lo, type: column.type), let b = scalar(hi, type: column.type) else { return nil }
        return (a, b)
    }

    /// Converts one stats value to the engine type of `type`, or nil when it does not fit.
    static func scalar(_ v: JSONValue, type: DataType) -> Scalar? {
        switch (type, v) {
        case (.int32, _), (.int64, _): return v.intValue.map { .int($0) }
        case (.float64, _): return v.doubleValue.map { .double($0) }
        case (.string, .string(let s)): return .string(s)
        case (.date32, .string(let s)): return PartitionTyping.parseDate(s).map { .date($0) }
        case (.timestamp, .string(let s)):
            return PartitionTyping.parseTimestamp(s).map { .timestamp($0) }
        default: return nil
        }
    }

    /// False only when the file's stats prove no row satisfies the predicate (the file may
    /// be skipped). Missing stats or bounds answer true.
    static func fileMayMatch(_ file: DataFile, column: Field, _ predicate: Pruning.ColumnPredicate) -> Bool {
        guard let stats = file.stats else { return true }
        var lo: Scalar?, hi: Scalar?
        if let (a, b) = bounds(stats, column: column) {
            lo = a
            // Other writers record timestamp bounds at millisecond precision and may truncate
            // the max: widen it to the end of its millisecond so no value in it is pruned.
            if case .timestamp(let t) = b { hi = .timestamp(t &+ 999) } else { hi = b }
        }
        return Pruning.mayMatch(predicate, min: lo, max: hi, nullCount: stats.nullCount[column.name], rows: stats.numRecords)
    }
}
