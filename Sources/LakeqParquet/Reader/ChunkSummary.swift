import LakeqColumnar

/// The sum, least and greatest of a flat numeric column chunk's non-NULL values, folded page
/// by page while decoding (`ParquetFile.summarizeColumn`) instead of kept as a column: what an
/// aggregate without GROUP BY over an unfiltered scan (`SELECT min(x), sum(y) FROM t`) needs
/// from a row group, without the column's memory or a second pass over it.
///
/// Integers are summed in Int64 (nil once a page's or the running sum overflows, which the
/// caller reports as it reports any overflowing sum); doubles in lanes, so the last bits differ
/// from a left-to-right sum as in any parallel sum. Double extremes follow SQL's NaN order
/// (NaN after every number), as `Reductions.extreme` does.
public struct ChunkSummary: Sendable, Equatable {
    /// What to compute besides the count (each costs a pass over every page's values).
    public struct Wants: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let sum = Wants(rawValue: 1)
        public static let min = Wants(rawValue: 2)
        public static let max = Wants(rawValue: 4)
    }

    public let wants: Wants
    /// Rows of the chunk, and non-NULL values among them.
    public internal(set) var rows = 0
    public internal(set) var values = 0
    /// Sum of INT32 / INT64 values; nil once it overflowed Int64.
    public internal(set) var integerSum: Int64? = 0
    public internal(set) var doubleSum: Double = 0
    public internal(set) var integerMin: Int64?
    public internal(set) var integerMax: Int64?
    public internal(set) var doubleMin: Double?
    public internal(set) var doubleMax: Double?

    public init(wants: Wants) { self.wants = wants }

    /// The summary of `rows` rows that are all NULL (a column missing from a file).
    public init(wants: Wants, nullRows rows: Int) {
        self.wants = wants
        self.rows = rows
    }

    /// The physical types a chunk can be summarized in.
    public static func canSummarize(_ type: PhysicalType) -> Bool {
        type == .int32 || type == .int64 || type == .double
    }

    mutating func add(_ p: UnsafeBufferPointer<Int32>) {
        values += p.count
        if wants.contains(.sum), let s = integerSum {
            let (r, o) = s.addingReportingOverflow(Reductions.sum(p))
            integerSum = o ? nil : r
        }
        addIntegerExtremes(min: wants.contains(.min) ? Reductions.extreme(p, less: true).map(Int64.init) : nil,
                           max: wants.contains(.max) ? Reductions.extreme(p, less: false).map(Int64.init) : nil)
    }

    mutating func add(_ p: UnsafeBufferPointer<Int64>) {
        values += p.count
        if wants.contains(.sum), let s = integerSum {
            if let part = Reductions.checkedSum(p) {
                let (r, o) = s.addingReportingOverflow(part)
                integerSum = o ? nil : r
            } else {
                integerSum = nil
            }
        }
        addIntegerExtremes(min: wants.contains(.min) ? Reductions.extreme(p, less: true) : nil,
                           max: wants.contains(.max) ? Reductions.extreme(p, less: false) : nil)
    }

    mutating func add(_ p: UnsafeBufferPointer<Double>) {
        values += p.count
        if wants.contains(.sum) { doubleSum += Reductions.sum(p) }
        if wants.contains(.min), let x = Reductions.extreme(p, less: true) {
            // NaN only when every value so far is NaN.
            if let cur = doubleMin { if x < cur || (cur.isNaN && !x.isNaN) { doubleMin = x } } else { doubleMin = x }
        }
        if wants.contains(.max), let x = Reductions.extreme(p, less: false) {
            if let cur = doubleMax { if x > cur || (x.isNaN && !cur.isNaN) { doubleMax = x } } else { doubleMax = x }
        }
    }

    private mutating func addIntegerExtremes(min lo: Int64?, max hi: Int64?) {
        if let lo { integerMin = integerMin.map { Swift.min($0, lo) } ?? lo }
        if let hi { integerMax = integerMax.map { Swift.max($0, hi) } ?? hi }
    }
}
