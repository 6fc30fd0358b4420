import LakeqColumnar

/// Statistics of one data page from the page index (ColumnIndex + OffsetIndex).
public struct PageStatistics: Sendable {
    public var rows: Range<Int>
    public var min: StatValue?
    public var max: StatValue?
    public var nullCount: Int64?
    /// The page holds only NULLs.
    public var allNull: Bool
}

extension ParquetFile {
    /// Per-page statistics of a column chunk, or nil when the file has no usable page index.
    public func pageStatistics(rowGroup: Int, column: Int) throws -> [PageStatistics]? {
        guard let offsets = try offsetIndex(rowGroup: rowGroup, column: column),
              let index = try columnIndex(rowGroup: rowGroup, column: column) else { return nil }
        let pages = offsets.pageLocations
        let n = pages.count
        let rows = rowCount(rowGroup: rowGroup)
        guard n > 0, index.nullPages.count == n, index.minValues.count == n, index.maxValues.count == n else { return nil }
        let descriptor = schema.columns[column]
        var out: [PageStatistics] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let start = Int(pages[i].firstRowIndex)
            let end = i + 1 < n ? Int(pages[i + 1].firstRowIndex) : rows
            // A malformed index must not prune rows away: give up on it instead.
            guard start >= 0, start <= end, end <= rows else { return nil }
            let allNull = index.nullPages[i]
            out.append(PageStatistics(
                rows: start..<end,
                min: allNull || descriptor.sortOrder == .undefined ? nil : ChunkStatistics.decode(index.minValues[i], descriptor),
                max: allNull || descriptor.sortOrder == .undefined ? nil : ChunkStatistics.decode(index.maxValues[i], descriptor),
                nullCount: index.nullCounts.flatMap { i < $0.count ? $0[i] : nil },
                allNull: allNull))
        }
        return out
    }
}
