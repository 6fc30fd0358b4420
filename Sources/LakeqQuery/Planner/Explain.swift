import LakeqColumnar

/// Text of `EXPLAIN`: the plan, then what pruning kept and skipped at each level.
enum Explain {
    static func render(_ plan: QueryPlan, _ s: ScanStatistics) -> [String] {
        var lines: [String] = []
        var indent = ""
        func line(_ t: String) { lines.append(indent + t) }
        if let limit = plan.limit { line("Limit \(limit)" + (plan.offset > 0 ? " offset \(plan.offset)" : "")); indent += "  " }
        if !plan.orderBy.isEmpty {
            let keys = plan.orderBy.map { "\($0.expr.text) \($0.descending ? "DESC" : "ASC")" }.joined(separator: ", ")
            line((plan.limit != nil ? "TopN" : "Sort") + " by \(keys)")
            indent += "  "
        }
        line("Project \(plan.outputNames.joined(separator: ", "))")
        indent += "  "
        if plan.isAggregate {
            if let h = plan.having { line("Filter (HAVING) \(h.text)"); indent += "  " }
            let keys = plan.groupKeys.map(\.text).joined(separator: ", ")
            line("HashAggregate keys=[\(keys)] aggregates=[\(plan.aggregates.map(\.text).joined(separator: ", "))]")
            indent += "  "
        }
        if let f = plan.filter { line("Filter \(f.text)"); indent += "  " }
        line("Scan \(plan.table.name) columns=[\(plan.scanColumnNames.joined(separator: ", "))]")
        lines.append("")
        lines.append("Pruning:")
        let keptFiles = s.filesTotal - s.filesSkippedByPartition - s.filesSkippedByStatistics
        lines.append("  partitions (files): \(keptFiles) of \(s.filesTotal) kept, \(s.filesSkippedByPartition) skipped by partition values"
            + (s.filesSkippedByStatistics > 0 ? ", \(s.filesSkippedByStatistics) skipped by Delta file statistics" : ""))
        let candidate = s.rowGroupsTotal - s.rowGroupsInSkippedFiles
        let kept = candidate - s.rowGroupsSkippedByStatistics - s.rowGroupsSkippedByBloomFilter - s.rowGroupsSkippedByDictionary - s.rowGroupsSkippedByTopN - s.rowGroupsSkippedByPageIndex
        lines.append("  row groups: \(kept) of \(s.rowGroupsTotal) kept; \(s.rowGroupsTotal - candidate) in skipped files, \(s.rowGroupsSkippedByStatistics) skipped by statistics, \(s.rowGroupsSkippedByBloomFilter) skipped by bloom filter, \(s.rowGroupsSkippedByDictionary) skipped by dictionary, \(s.rowGroupsSkippedByTopN) skipped by top-N bound, \(s.rowGroupsSkippedByPageIndex) skipped by the page index")
        lines.append("  pages: \(s.pagesTotal) in the page index, \(s.pagesSkippedByPageIndex) skipped by page statistics (their rows are not decoded)")
        if s.rowGroupsAnsweredFromMetadata > 0 {
            lines.append("  \(s.rowGroupsAnsweredFromMetadata) row groups answered from metadata (no column decoded)")
        }
        let filterCols = plan.filterColumns.sorted().map { plan.scanColumnNames[$0] }
        let wide = plan.scanColumnNames.filter { !filterCols.contains($0) }
        lines.append("  rows: \(s.rowsScanned) scanned, \(s.rowsAfterFilter) after filter" + (plan.filter != nil ? " on [\(filterCols.joined(separator: ", "))]" : ""))
        if plan.filter != nil && !wide.isEmpty {
            lines.append("  late materialization: [\(wide.joined(separator: ", "))] decoded only for row groups with surviving rows (\(s.rowsAfterFilter) rows)")
        }
        return lines
    }
}
