import LakeqColumnar
import LakeqParquet

/// What pruning and filtering did, level by level, for EXPLAIN.
public struct ScanStatistics: Sendable {
    public var filesTotal = 0
    public var filesSkippedByPartition = 0
    public var filesSkippedByStatistics = 0
    public var rowGroupsTotal = 0
    public var rowGroupsInSkippedFiles = 0
    public var rowGroupsSkippedByStatistics = 0
    public var rowGroupsSkippedByDictionary = 0
    public var rowGroupsSkippedByBloomFilter = 0
    public var rowGroupsAnsweredFromMetadata = 0
    /// Row groups whose aggregates were folded while decoding their columns (`ScanAggregation`).
    public var rowGroupsAggregatedWhileDecoding = 0
    public var rowGroupsSkippedByTopN = 0
    public var rowGroupsSkippedByPageIndex = 0
    public var pagesTotal = 0
    public var pagesSkippedByPageIndex = 0
    /// Row groups a satisfied LIMIT stopped the scan before (neither pruned nor read).
    public var rowGroupsNotRead = 0
    public var rowsScanned = 0
    public var rowsAfterFilter = 0
    /// Dictionary pages taken decoded from the shared dictionary cache (`EngineOptions.dictionaryCache`).
    public var dictionaryPagesReused = 0
    public var columnsRead: [String] = []
    /// Row groups the scan took up (read, skipped or answered from metadata).
    var rowGroupsVisited = 0

    public init() {}

    mutating func add(_ o: ScanStatistics) {
        if columnsRead.isEmpty { columnsRead = o.columnsRead }
        filesTotal += o.filesTotal
        filesSkippedByPartition += o.filesSkippedByPartition
        filesSkippedByStatistics += o.filesSkippedByStatistics
        rowGroupsTotal += o.rowGroupsTotal
        rowGroupsInSkippedFiles += o.rowGroupsInSkippedFiles
        rowGroupsSkippedByStatistics += o.rowGroupsSkippedByStatistics
        rowGroupsSkippedByDictionary += o.rowGroupsSkippedByDictionary
        rowGroupsSkippedByBloomFilter += o.rowGroupsSkippedByBloomFilter
        rowGroupsAnsweredFromMetadata += o.rowGroupsAnsweredFromMetadata
        rowGroupsAggregatedWhileDecoding += o.rowGroupsAggregatedWhileDecoding
        rowGroupsSkippedByTopN += o.rowGroupsSkippedByTopN
        rowGroupsSkippedByPageIndex += o.rowGroupsSkippedByPageIndex
        pagesTotal += o.pagesTotal
        pagesSkippedByPageIndex += o.pagesSkippedByPageIndex
        rowGroupsNotRead += o.rowGroupsNotRead
        rowGroupsVisited += o.rowGroupsVisited
        rowsScanned += o.rowsScanned
        rowsAfterFilter += o.rowsAfterFilter
        dictionaryPagesReused += o.dictionaryPagesReused
    }
}

/// Decides from metadata alone whether a predicate can hold anywhere in a file or row group.
enum Pruning {
    /// A conjunct on one column against constants, in a form statistics can refute.
    struct ColumnPredicate {
        var column: Int  // scan index
        /// Struct field indices from the column down to the tested leaf (`s.a.b`); empty for
        /// the column itself.
        var path: [Int] = []
        var test: Test
        enum Test {
            case compare(BinaryOperator, Scalar)
            case inList([Scalar])
            case isNull(negated: Bool)
        }
    }

    static func columnPredicate(_ e: BoundExpr) -> ColumnPredicate? {
        switch e.kind {
        case .comparison(let op, let l, let r):
            if let (c, path) = columnPath(l), case .literal(let v) = r.kind, !v.isNull { return .init(column: c, path: path, test: .compare(op, v)) }
        case .inList(let x, let list, false):
            if let (c, path) = columnPath(x), !list.isEmpty { return .init(column: c, path: path, test: .inList(list)) }
        case .isNull(let x, let negated):
            if let (c, path) = columnPath(x) { return .init(column: c, path: path, test: .isNull(negated: negated)) }
        default: break
        }
        return nil
    }

    /// A column, or a chain of struct field accesses on one (`s.a.b`): the column and the
    /// field indices, outermost first.
    static func columnPath(_ e: BoundExpr) -> (Int, [Int])? {
        switch e.kind {
        case .column(let c): return (c, [])
        case .function(.structExtract, let args):
            guard args.count == 2, case .literal(.int(let k)) = args[1].kind, let (c, path) = columnPath(args[0]) else { return nil }
            return (c, path + [Int(k)])
        default: return nil
        }
    }

    /// False when min/max/null-count prove no row satisfies `p`.
    static func mayMatch(_ p: ColumnPredicate, min: Scalar?, max: Scalar?, nullCount: Int64?, rows: Int64) -> Bool {
        switch p.test {
        case .isNull(let negated):
            guard let nulls = nullCount else { return true }
            return negated ? nulls < rows : nulls > 0
        case .compare(let op, let v):
            if let nulls = nullCount, nulls == rows { return false }  // every value NULL: no comparison holds
            guard let lo = min, let hi = max else { return true }
            let cLo = Scalar.compare(v, lo), cHi = Scalar.compare(v, hi)
            switch op {
            case .equal: return cLo >= 0 && cHi <= 0
            case .notEqual: return !(cLo == 0 && cHi == 0)
            case .less: return Scalar.compare(lo, v) < 0
            case .lessOrEqual: return Scalar.compare(lo, v) <= 0
            case .greater: return Scalar.compare(hi, v) > 0
            case .greaterOrEqual: return Scalar.compare(hi, v) >= 0
            default: return true
            }
        case .inList(let values):
            if let nulls = nullCount, nulls == rows { return false }
            guard let lo = min, let hi = max else { return true }
            return values.contains { Scalar.compare($0, lo) >= 0 && Scalar.compare($0, hi) <= 0 }
        }
    }

    /// The values of an `=` / `IN` predicate in the stored units of a Parquet column of
    /// `parquetType`, for its bloom filter; nil when any cannot be converted (then no pruning).
    static func bloomProbe(_ p: ColumnPredicate, parquetType: DataType) -> [StatValue]? {
        let values: [Scalar]
        switch p.test {
        case .compare(.equal, let v): values = [v]
        case .inList(let list): values = list
        default: return nil
        }
        var out: [StatValue] = []
        for v in values {
            switch (v, parquetType) {
            case (.int(let x), .int8), (.int(let x), .int16), (.int(let x), .int32), (.int(let x), .int64): out.append(.int(x))
            case (.int(let x), .uint8) where x >= 0, (.int(let x), .uint16) where x >= 0, (.int(let x), .uint32) where x >= 0:
                out.append(.uint(UInt64(x)))
            case (.string(let s), .string), (.string(let s), .json), (.string(let s), .binary): out.append(.bytes(Array(s.utf8)))
            case (.date(let d), .date32): out.append(.int(Int64(d)))
            case (.timestamp(let us), .timestamp(.micros, _)): out.append(.int(us))
            case (.double(let d), .float64): out.append(.double(d))
            default: return nil
            }
        }
        return out
    }

    /// A statistics bound in engine units (timestamps in microseconds, decimals unscaled).
    static func scalar(_ v: StatValue, type: DataType, parquetType: DataType) -> Scalar? {
        switch (v, type) {
        case (.int(let x), .int32), (.int(let x), .int64): return .int(x)
        case (.uint(let x), .int64): return x <= UInt64(Int64.max) ? .int(Int64(x)) : nil
        case (.int(let x), .date32): return Int32(exactly: x).map { .date($0) }
        case (.int(let x), .timestamp):
            guard case .timestamp(let unit, _) = parquetType else { return nil }
            switch unit {
            case .micros: return .timestamp(x)
            case .millis: return .timestamp(x.multipliedReportingOverflow(by: 1000).overflow ? (x < 0 ? .min : .max) : x * 1000)
            case .nanos: return .timestamp(x.floorDiv(1000))
            }
        case (.int(let x), .decimal(_, let s)): return .decimal(x, s)
        case (.double(let x), .float64): return .double(x)
        case (.bool(let b), .boolean): return .bool(b)
        case (.bytes(let b), .string):
            guard let s = String(validating: b, as: UTF8.self) else { return nil }
            return .string(s)
        default: return nil
        }
    }
}
