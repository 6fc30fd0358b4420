import Foundation
import LakeqColumnar
import LakeqParquet

/// Reads one row group of one file for a plan: prunes by partition values, statistics and
/// dictionaries, decodes the filter columns first and the rest only when rows survive
/// (late materialization), and returns the filtered scan batch.
struct TableScan {
    let plan: QueryPlan
    /// For each scan column: where its values come from.
    enum Source { case file(Int), partition(Int), missing }

    /// Per file, per scan column: resolved once per query.
    private let sourcesByFile: [[Source]]

    init(plan: QueryPlan) {
        self.plan = plan
        let table = plan.table
        sourcesByFile = table.parquet.map { pf in
            plan.scanColumns.map { t in
                let name = table.schema.fields[t].name
                if let p = table.partitionColumns.firstIndex(where: { $0.name == name }) { return .partition(p) }
                if let c = pf.schema.columnIndex(named: name) { return .file(c) }
                return .missing
            }
        }
    }

    /// Where each scan column lives in a given file.
    func sources(for file: Int) -> [Source] { sourcesByFile[file] }

    /// Scan-batch columns holding only partition values (constant per file).
    func partitionOnly(_ e: BoundExpr, file: Int) -> Bool {
        let src = sources(for: file)
        let used = e.columnsUsed
        return !used.isEmpty && used.allSatisfy { if case .partition = src[$0] { return true } else { return false } }
    }

    /// A column of `rows` copies of partition value `p` of `file`.
    func partitionColumn(_ p: Int, file: Int, rows: Int) -> Column {
        let table = plan.table
        let field = table.partitionColumns[p]
        let raw = table.files[file].partitionValues[p]
        let value = PartitionTyping.scalar(raw, type: field.type)
        if case .string(let s) = value {
            // A one-entry dictionary: constant strings cost nothing per row.
            var dict = ByteArrays()
            dict.append(Array(s.utf8))
            return Column(type: .string, values: .dictionary(dictionary: .bytes(dict), indices: [Int32](repeating: 0, count: rows)))
        }
        return ColumnFactory.constant(value, type: field.type, count: rows)
    }

    /// True when partition values alone rule the file out.
    func filePruned(_ file: Int) throws -> Bool {
        guard let filter = plan.filter else { return false }
        let src = sources(for: file)
        for conjunct in filter.conjuncts where partitionOnly(conjunct, file: file) {
            let columns: [Column] = src.enumerated().map { i, s in
                if case .partition(let p) = s { return partitionColumn(p, file: file, rows: 1) }
                return ColumnFactory.constant(.null, type: plan.table.schema.fields[plan.scanColumns[i]].type, count: 1)
            }
            let batch = RecordBatch(schema: Schema([]), columns: columns, rowCount: 1)
            if try Evaluator.select(conjunct, batch).isEmpty { return true }
        }
        return false
    }

    /// The filter left to evaluate per row once partition-only conjuncts held for the file.
    func residualFilter(file: Int) -> BoundExpr? {
        guard let filter = plan.filter else { return nil }
        let rest = filter.conjuncts.filter { !partitionOnly($0, file: file) }
        guard var e = rest.first else { return nil }
        for c in rest.dropFirst() { e = BoundExpr(kind: .and(e, c), type: .boolean, text: e.text + " AND " + c.text) }
        return e
    }

    /// True when a Delta table's per-file statistics (from the log) rule the file out.
    func fileSkippedByLogStatistics(_ file: Int, residual: BoundExpr?) -> Bool {
        guard let residual, plan.table.files[file].stats != nil else { return false }
        let src = sources(for: file)
        for p in residual.conjuncts.compactMap(Pruning.columnPredicate) {
            guard case .file = src[p.column] else { continue }
            let field = plan.table.schema.fields[plan.scanColumns[p.column]]
            if !DeltaStatsPruning.fileMayMatch(plan.table.files[file], column: field, p) { return true }
        }
        return false
    }

    enum RowGroupVerdict {
        /// Read the row group: all rows, or only the page-index candidate rows.
        case keep(RowRanges?, pagesSkipped: Int)
        case skippedByStatistics
        case skippedByDictionary
        case skippedByBloomFilter
        case skippedByPageIndex(pages: Int)
    }

    /// Statistics and dictionary pruning of one row group.
    func rowGroupVerdict(file: Int, rowGroup g: Int, residual: BoundExpr?, decompressor: Decompressor) throws -> RowGroupVerdict {
        guard let residual else { return .keep(nil, pagesSkipped: 0) }
        let pf = plan.table.parquet[file]
        let src = sources(for: file)
        let rows = pf.metadata.rowGroups[g].numRows
        let predicates = residual.conjuncts.compactMap(Pruning.columnPredicate)
        for p in predicates {
            let type = plan.table.schema.fields[plan.scanColumns[p.column]].type
            switch src[p.column] {
            case .missing:
                // The column is NULL throughout this file.
                if case .isNull(let negated) = p.test { if negated { return .skippedByStatistics } } else { return .skippedByStatistics }
            case .partition: continue
            case .file(let c):
                guard let stats = pf.statistics(rowGroup: g, column: c) else { continue }
                let parquetType = pf.schema.columns[c].dataType
                let lo = stats.min.flatMap { Pruning.scalar($0, type: type, parquetType: parquetType) }
                let hi = stats.max.flatMap { Pruning.scalar($0, type: type, parquetType: parquetType) }
                if !Pruning.mayMatch(p, min: lo, max: hi, nullCount: stats.nullCount, rows: rows) { return .skippedByStatistics }
            }
        }
        // Bloom filters: equality and IN, before dictionaries (cheaper to read than a dictionary page).
        for p in predicates {
            guard case .file(let c) = src[p.column], let probe = Pruning.bloomProbe(p, parquetType: pf.schema.columns[c].dataType) else { continue }
            if try !pf.bloomFilterMayContain(rowGroup: g, column: c, values: probe) { return .skippedByBloomFilter }
        }
        // Dictionary filtering: equality and IN on fully dictionary-encoded chunks.
        for p in predicates {
            guard case .file(let c) = src[p.column] else { continue }
            let values: [Scalar]
            switch p.test {
            case .compare(.equal, let v): values = [v]
            case .inList(let list): values = list
            default: continue
            }
            guard let dict = try pf.dictionaryIfFullyEncoded(rowGroup: g, column: c, decompressor: decompressor) else { continue }
            if !Self.dictionary(dict, type: pf.schema.columns[c].dataType, containsAnyOf: values) { return .skippedByDictionary }
        }
        // Page index: keep only the rows of pages whose bounds may satisfy every predicate.
        var candidate = RowRanges.all(Int(rows))
        var pagesSkipped = 0
        for p in predicates {
            guard case .file(let c) = src[p.column], let pages = try pf.pageStatistics(rowGroup: g, column: c) else { continue }
            let type = plan.table.schema.fields[plan.scanColumns[p.column]].type
            let parquetType = pf.schema.columns[c].dataType
            var matching: [Range<Int>] = []
            for page in pages {
                let lo = page.min.flatMap { Pruning.scalar($0, type: type, parquetType: parquetType) }
                let hi = page.max.flatMap { Pruning.scalar($0, type: type, parquetType: parquetType) }
                let nulls: Int64? = page.allNull ? Int64(page.rows.count) : page.nullCount
                if Pruning.mayMatch(p, min: lo, max: hi, nullCount: nulls, rows: Int64(page.rows.count)) {
                    matching.append(page.rows)
                } else {
                    pagesSkipped += 1
                }
            }
            candidate = candidate.intersection(RowRanges(matching))
        }
        if candidate.isEmpty { return .skippedByPageIndex(pages: pagesSkipped) }
        return .keep(candidate.count == Int(rows) ? nil : candidate, pagesSkipped: pagesSkipped)
    }

    /// Whether any dictionary entry equals one of `values` (compared in engine types).
    static func dictionary(_ dict: ColumnValues, type: DataType, containsAnyOf values: [Scalar]) -> Bool {
        let column = SQLType.normalize(Column(type: type, values: dict))
        switch column.values {
        case .int64(let v) where column.type == .int64:
            let wanted = values.compactMap { if case .int(let x) = $0 { return x } else { return nil } }
            if wanted.count == 1 { let w = wanted[0]; return v.contains(w) }
            let set = Set(wanted)
            return v.contains { set.contains($0) }
        case .int32(let v) where column.type == .int32:
            let set = Set(values.compactMap { if case .int(let x) = $0 { return Int32(exactly: x) } else { return nil } })
            return v.contains { set.contains($0) }
        case .bytes(let b):
            let wanted = values.compactMap { if case .string(let s) = $0 { return Array(s.utf8) } else { return nil } }
            for i in 0..<b.count { let entry = b[i]; if wanted.contains(where: { entry.elementsEqual($0) }) { return true } }
            return false
        default:
            let wanted = Set(values)
            for i in 0..<column.count where wanted.contains(Scalar.from(column, row: i)) { return true }
            return false
        }
    }

    /// Reads scan column `k` of a row group.
    func readColumn(_ k: Int, source: Source, file: Int, rowGroup g: Int, rows: Int, wanted: RowRanges?, decompressor: Decompressor) throws -> Column {
        switch source {
        case .file(let c):
            let raw = try plan.table.parquet[file].readColumn(rowGroup: g, column: c, decompressor: decompressor, rows: wanted)
            return SQLType.normalize(raw)
        case .partition(let p):
            return partitionColumn(p, file: file, rows: rows)
        case .missing:
            return ColumnFactory.constant(.null, type: plan.table.schema.fields[plan.scanColumns[k]].type, count: rows)
        }
    }

    /// The filtered batch of a row group (nil when no row survives), updating `stats`.
    func scan(file: Int, rowGroup g: Int, residual: BoundExpr?, rows wanted: RowRanges?, decompressor: Decompressor,
              stats: inout ScanStatistics) throws -> RecordBatch? {
        let pf = plan.table.parquet[file]
        let rows = wanted?.count ?? Int(pf.metadata.rowGroups[g].numRows)
        let src = sources(for: file)
        stats.rowsScanned += rows
        var columns = [Column?](repeating: nil, count: plan.scanColumns.count)
        var selection: [Int32]?
        if let residual {
            // Filter columns first.
            for k in residual.columnsUsed.sorted() {
                columns[k] = try readColumn(k, source: src[k], file: file, rowGroup: g, rows: rows, wanted: wanted, decompressor: decompressor)
            }
            let placeholder = Column(type: .boolean, values: .boolean([]))
            let filterBatch = RecordBatch(schema: Schema([]), columns: columns.map { $0 ?? placeholder }, rowCount: rows)
            let selected = try Evaluator.select(residual, filterBatch)
            stats.rowsAfterFilter += selected.count
            if selected.isEmpty { return nil }
            if selected.count < rows { selection = selected }
        } else {
            stats.rowsAfterFilter += rows
        }
        // Then the rest, only for row groups with survivors.
        for k in 0..<columns.count where columns[k] == nil {
            columns[k] = try readColumn(k, source: src[k], file: file, rowGroup: g, rows: rows, wanted: wanted, decompressor: decompressor)
        }
        var out = columns.compactMap { $0 }
        if let selection { out = out.map { $0.gather(selection) } }
        return RecordBatch(schema: Schema([]), columns: out, rowCount: selection?.count ?? rows)
    }
}
