import LakeqColumnar

/// Text of `EXPLAIN` (the operator tree and the pruning decided before reading) and of
/// `EXPLAIN ANALYZE` (the same after running it: rows and time per operator, and what each
/// pruning level skipped).
enum Explain {
    static func render(_ root: PhysicalOperator, analyzed: Bool, totalNanos: UInt64? = nil) -> [String] {
        var lines: [String] = []
        func walk(_ op: PhysicalOperator, _ depth: Int) {
            let indent = String(repeating: "  ", count: depth)
            var line = indent + op.name
            let d = op.details
            if !d.isEmpty { line += " " + d }
            if analyzed {
                let rows = op.role == .sink && !(op is MaterializingOperator) ? "" : "rows=\(op.profile.totalRows) "
                line += "  (\(rows)time=\(milliseconds(op.profile.totalNanos)))"
            }
            lines.append(line)
            for note in op.explainLines(analyzed: analyzed) { lines.append(indent + "  | " + note) }
            for c in op.children { walk(c, depth + 1) }
        }
        walk(root, 0)
        if analyzed, let totalNanos {
            lines.append("")
            lines.append("total time: \(milliseconds(totalNanos)) (operator times add up the work of all threads)")
        }
        return lines
    }

    static func milliseconds(_ nanos: UInt64) -> String {
        let ms = Double(nanos) / 1e6
        return ms < 10 ? String(format: "%.2fms", ms) : String(format: "%.1fms", ms)
    }

    /// A scan's pruning, level by level.
    static func pruningLines(_ s: ScanStatistics, access: AccessPlan, analyzed: Bool) -> [String] {
        var lines: [String] = []
        guard access.pruning else {
            return ["pruning off: every row of \(s.filesTotal) files read"]
        }
        let keptFiles = s.filesTotal - s.filesSkippedByPartition - s.filesSkippedByStatistics
        lines.append("partitions (files): \(keptFiles) of \(s.filesTotal) kept, \(s.filesSkippedByPartition) skipped by partition values"
            + (s.filesSkippedByStatistics > 0 ? ", \(s.filesSkippedByStatistics) skipped by Delta file statistics" : ""))
        let candidate = s.rowGroupsTotal - s.rowGroupsInSkippedFiles
        if analyzed {
            let kept = candidate - s.rowGroupsSkippedByStatistics - s.rowGroupsSkippedByBloomFilter - s.rowGroupsSkippedByDictionary - s.rowGroupsSkippedByTopN
                - s.rowGroupsSkippedByPageIndex - s.rowGroupsNotRead - s.rowGroupsAnsweredFromMetadata
            var line = "row groups: \(kept) of \(s.rowGroupsTotal) read; \(s.rowGroupsInSkippedFiles) in skipped files, \(s.rowGroupsSkippedByStatistics) skipped by statistics, \(s.rowGroupsSkippedByBloomFilter) skipped by bloom filter, \(s.rowGroupsSkippedByDictionary) skipped by dictionary, \(s.rowGroupsSkippedByPageIndex) skipped by the page index, \(s.rowGroupsSkippedByTopN) skipped by top-N bound"
            if s.rowGroupsNotRead > 0 { line += ", \(s.rowGroupsNotRead) not read (LIMIT reached)" }
            lines.append(line)
            lines.append("pages: \(s.pagesTotal) in the page index, \(s.pagesSkippedByPageIndex) skipped by page statistics (their rows are not decoded)")
            if access.dictionaries != nil {
                lines.append("dictionary pages: \(s.dictionaryPagesReused) reused decoded from the dictionary cache")
            }
            if s.rowGroupsAnsweredFromMetadata > 0 {
                lines.append("\(s.rowGroupsAnsweredFromMetadata) row groups answered from metadata (no column decoded)")
            }
            if s.rowGroupsAggregatedWhileDecoding > 0 {
                lines.append("\(s.rowGroupsAggregatedWhileDecoding) row groups aggregated while decoding (no column built)")
            }
            let filterCols = access.filterColumns.sorted().map { s.columnsRead.indices.contains($0) ? s.columnsRead[$0] : "?" }
            lines.append("rows: \(s.rowsScanned) scanned, \(s.rowsAfterFilter) after filter" + (access.filter != nil ? " on [\(filterCols.joined(separator: ", "))]" : ""))
            let wide = s.columnsRead.filter { !filterCols.contains($0) }
            if access.filter != nil && !wide.isEmpty {
                lines.append("late materialization: [\(wide.joined(separator: ", "))] decoded only for row groups with surviving rows (\(s.rowsAfterFilter) rows)")
            }
        } else {
            lines.append("row groups: \(candidate - s.rowGroupsSkippedByStatistics) of \(s.rowGroupsTotal) kept; \(s.rowGroupsInSkippedFiles) in skipped files, \(s.rowGroupsSkippedByStatistics) skipped by statistics (dictionaries, the page index and the top-N bound are checked while reading)")
        }
        return lines
    }
}
