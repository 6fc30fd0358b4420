import LakeqColumnar
import LakeqDelta

/// File-level pruning from a Delta table's per-file stats (`DataFile.stats`), which skips a
/// file without opening its footer.
///
/// Not wired into the planner yet: a scan that knows a conjunct `column <op> literal` can call
/// `fileMayMatch` per file and skip those that return false. Sound by construction: any
/// doubt (no stats, a missing bound, an unparsable value, a type lakeq writes no bounds for)
/// answers true.
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

    /// Comparison of a column with a literal.
    public enum Comparison: Sendable { case eq, lt, le, gt, ge }

    /// False only when no row of the file can satisfy `column <op> value` (so the file may
    /// be skipped); a file whose column is entirely NULL never matches a comparison.
    public static func fileMayMatch(_ file: DataFile, column: Field, _ op: Comparison, _ value: Scalar) -> Bool {
        guard let stats = file.stats, !value.isNull else { return true }
        if let nulls = stats.nullCount[column.name], nulls == stats.numRecords { return false }
        guard let (lo, hiRaw) = bounds(stats, column: column) else { return true }
        var hi = hiRaw
        // Other writers record timestamp bounds at millisecond precision and may truncate the
        // max: widen it to the end of its millisecond so no value in it is pruned.
        if case .timestamp(let t) = hiRaw { hi = .timestamp(t + 999) }
        let cmpLo = Scalar.compare(value, lo), cmpHi = Scalar.compare(value, hi)
        switch op {
        case .eq: return cmpLo >= 0 && cmpHi <= 0
        case .lt: return Scalar.compare(lo, value) < 0
        case .le: return Scalar.compare(lo, value) <= 0
        case .gt: return Scalar.compare(hi, value) > 0
        case .ge: return Scalar.compare(hi, value) >= 0
        }
    }
}
