/// A sorted set of disjoint row ranges within a row group: the rows a reader must produce.
public struct RowRanges: Equatable, Sendable {
    public private(set) var ranges: [Range<Int>]

    /// Ranges are sorted and merged where they touch.
    public init(_ ranges: [Range<Int>]) {
        var out: [Range<Int>] = []
        for r in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        self.ranges = out
    }

    public static func all(_ rows: Int) -> RowRanges { RowRanges([0..<rows]) }

    /// Number of rows covered.
    public var count: Int { ranges.reduce(0) { $0 + $1.count } }
    public var isEmpty: Bool { ranges.isEmpty }

    public func overlaps(_ r: Range<Int>) -> Bool { ranges.contains { $0.overlaps(r) } }

    /// Rows in both.
    public func intersection(_ other: RowRanges) -> RowRanges {
        var out: [Range<Int>] = []
        var i = 0, j = 0
        while i < ranges.count && j < other.ranges.count {
            let a = ranges[i], b = other.ranges[j]
            let lo = max(a.lowerBound, b.lowerBound), hi = min(a.upperBound, b.upperBound)
            if lo < hi { out.append(lo..<hi) }
            if a.upperBound < b.upperBound { i += 1 } else { j += 1 }
        }
        return RowRanges(out)
    }
}
