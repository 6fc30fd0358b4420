import Foundation
import LakeqColumnar
import LakeqParquet

/// What one scan reads: the files, row groups and row ranges of its table that can hold rows
/// passing its filter, narrowed in one place, level by level:
///
/// 1. partition values (a conjunct over partition columns only, evaluated once per file);
/// 2. Delta file statistics from the log (before the footer is opened: a file pruned by 1 or
///    2 is never opened);
/// 3. row-group statistics (min/max/null count from the footer);
/// 4. bloom filters (`=` / `IN`: the column chunk's split-block filter, cheaper to read than a
///    dictionary page);
/// 5. dictionaries (`=` / `IN` on fully dictionary-encoded chunks: the dictionary page alone);
/// 6. the page index (only the rows of pages whose bounds may match are decoded);
/// 7. the top-N bound (`ORDER BY col LIMIT n`: row groups that cannot beat the n-th row).
///
/// Levels 1-3 are decided before any row is read (EXPLAIN shows them); 4-7 as each row group
/// is about to be read. With pruning off (`EngineOptions.pruning`) every row is read.
final class AccessPlan: @unchecked Sendable {
    let table: Table
    /// Table column of each scan column.
    let columns: [Int]
    /// Over scan columns; nil reads every row.
    let filter: BoundExpr?
    let pruning: Bool
    /// Scan columns of STRUCT type the query reads only through these field paths: only
    /// their leaves are decoded (the other fields read as NULL, never looked at).
    var fieldPaths: [Int: Set<[String]>] = [:]
    /// Decoded dictionary pages shared across queries (nil: each is decoded when read).
    var dictionaries: (any DictionaryPageCache)?

    /// Where a scan column's values come from in one file: a flat leaf column, a nested
    /// top-level field (by index into the file's `schema.fields`), a partition value, nothing.
    enum Source { case file(Int), nested(Int), partition(Int), missing }

    /// One file kept by levels 1-2.
    struct FileEntry {
        var file: Int
        /// The filter left once its partition-only conjuncts held.
        var residual: BoundExpr?
        var sources: [Source] = []
    }

    /// A unit of reading: one row group of one file.
    struct RowGroupRef {
        var entry: Int
        var rowGroup: Int
    }

    private(set) var files: [FileEntry] = []
    private(set) var rowGroups: [RowGroupRef] = []
    /// What levels 1-3 skipped (filled by `prepare`).
    private(set) var statistics = ScanStatistics()
    private var prepared = false

    init(table: Table, columns: [Int], filter: BoundExpr?, pruning: Bool) {
        self.table = table
        self.columns = columns
        self.filter = filter
        self.pruning = pruning
    }

    var filterColumns: Set<Int> { filter?.columnsUsed ?? [] }

    // MARK: levels 1-3

    /// Decides levels 1-3: opens the footers of the files that survive 1-2 (in parallel) and
    /// lists their row groups that survive 3. Idempotent.
    func prepare() throws {
        guard !prepared else { return }
        prepared = true
        var s = ScanStatistics()
        s.filesTotal = table.files.count
        s.columnsRead = columns.map { table.schema.fields[$0].name }
        var kept: [FileEntry] = []
        for f in 0..<table.files.count {
            if pruning, try filePruned(f) {
                s.filesSkippedByPartition += 1
                continue
            }
            let residual = pruning ? residualFilter(file: f) : filter
            if pruning, fileSkippedByLogStatistics(f, residual: residual) {
                s.filesSkippedByStatistics += 1
                continue
            }
            kept.append(FileEntry(file: f, residual: residual))
        }
        try table.open(kept.map(\.file))
        for i in kept.indices {
            let pf = try table.parquetFile(kept[i].file)
            kept[i].sources = columns.map { t in
                let name = table.schema.fields[t].name
                if let p = table.partitionColumns.firstIndex(where: { $0.name == name }) { return .partition(p) }
                return pf.schema.topLevelSource(named: name) ?? .missing
            }
        }
        files = kept
        // Row groups of skipped files were never looked at: count them only when the footer is open anyway.
        for f in 0..<table.files.count where table.isOpen(f) && !kept.contains(where: { $0.file == f }) {
            if let pf = try? table.parquetFile(f) {
                s.rowGroupsTotal += pf.rowGroupCount
                s.rowGroupsInSkippedFiles += pf.rowGroupCount
            }
        }
        for (e, entry) in kept.enumerated() {
            let pf = try table.parquetFile(entry.file)
            s.rowGroupsTotal += pf.rowGroupCount
            for g in 0..<pf.rowGroupCount {
                if pruning, try !rowGroupMayMatch(entry, pf, g) {
                    s.rowGroupsSkippedByStatistics += 1
                    continue
                }
                rowGroups.append(RowGroupRef(entry: e, rowGroup: g))
            }
        }
        statistics = s
    }

    /// Scan columns holding only partition values (constant per file).
    private func partitionOnly(_ e: BoundExpr, file: Int) -> Bool {
        let used = e.columnsUsed
        guard !used.isEmpty else { return false }
        return used.allSatisfy { k in
            let name = table.schema.fields[columns[k]].name
            return table.partitionColumns.contains { $0.name == name }
        }
    }

    /// A column of `rows` copies of partition value `p` of `file`.
    func partitionColumn(_ p: Int, file: Int, rows: Int) -> Column {
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

    /// True when partition values alone rule the file out (level 1).
    private func filePruned(_ file: Int) throws -> Bool {
        guard let filter else { return false }
        for conjunct in filter.conjuncts where partitionOnly(conjunct, file: file) {
            let cols: [Column] = columns.indices.map { k in
                let name = table.schema.fields[columns[k]].name
                if let p = table.partitionColumns.firstIndex(where: { $0.name == name }) { return partitionColumn(p, file: file, rows: 1) }
                return ColumnFactory.constant(.null, type: table.schema.fields[columns[k]].type, count: 1)
            }
            let batch = RecordBatch(schema: Schema([]), columns: cols, rowCount: 1)
            if try Evaluator.select(conjunct, batch).isEmpty { return true }
        }
        return false
    }

    private func residualFilter(file: Int) -> BoundExpr? {
        guard let filter else { return nil }
        return BoundExpr.and(filter.conjuncts.filter { !partitionOnly($0, file: file) })
    }

    /// Level 2: a Delta table's per-file statistics from the log rule the file out.
    private func fileSkippedByLogStatistics(_ file: Int, residual: BoundExpr?) -> Bool {
        guard let residual, table.files[file].stats != nil else { return false }
        for p in residual.conjuncts.compactMap(Pruning.columnPredicate) where p.path.isEmpty {
            let field = table.schema.fields[columns[p.column]]
            if table.partitionColumns.contains(where: { $0.name == field.name }) { continue }
            if !DeltaStatsPruning.fileMayMatch(table.files[file], column: field, p) { return true }
        }
        return false
    }

    /// The leaf column a predicate tests in one file and its engine type: a flat column, or a
    /// struct field (`s.a.b`) whose leaf is not inside a list or map (one value per row, so
    /// its row-group and page statistics bound the field's values). Nil: no statistics apply.
    func leaf(_ p: Pruning.ColumnPredicate, _ entry: FileEntry, _ pf: ParquetFile) -> (Int, DataType)? {
        var type = table.schema.fields[columns[p.column]].type
        switch entry.sources[p.column] {
        case .file(let c): return p.path.isEmpty ? (c, type) : nil
        case .nested(let f):
            var node = pf.schema.fields[f]
            for k in p.path {
                // Fields are matched by name: files of one table may order them differently.
                guard case .structure(let fields) = type, k < fields.count, case .structure(let children) = node.kind,
                      let child = children.first(where: { $0.name == fields[k].name }) else { return nil }
                type = fields[k].type
                node = child
            }
            guard case .leaf(let c) = node.kind, pf.schema.columns[c].maxRepetitionLevel == 0, !type.isNested else { return nil }
            return (c, type)
        case .partition, .missing: return nil
        }
    }

    /// Level 3: row-group statistics.
    private func rowGroupMayMatch(_ entry: FileEntry, _ pf: ParquetFile, _ g: Int) throws -> Bool {
        guard let residual = entry.residual else { return true }
        let rows = Int64(pf.rowCount(rowGroup: g))
        for p in residual.conjuncts.compactMap(Pruning.columnPredicate) {
            switch entry.sources[p.column] {
            case .missing:
                // The column is NULL throughout this file.
                if case .isNull(let negated) = p.test { if negated { return false } } else { return false }
            case .partition: continue
            case .file, .nested:
                guard let (c, type) = leaf(p, entry, pf), let stats = try pf.statistics(rowGroup: g, column: c) else { continue }
                let parquetType = pf.schema.columns[c].dataType
                let lo = stats.min.flatMap { Pruning.scalar($0, type: type, parquetType: parquetType) }
                let hi = stats.max.flatMap { Pruning.scalar($0, type: type, parquetType: parquetType) }
                if !Pruning.mayMatch(p, min: lo, max: hi, nullCount: stats.nullCount, rows: rows) { return false }
            }
        }
        return true
    }

    // MARK: levels 4-6

    enum Verdict {
        /// Read the row group: all rows, or only the page-index candidate rows.
        case read(RowRanges?, pagesSkipped: Int)
        case skippedByBloomFilter
        case skippedByDictionary
        case skippedByPageIndex(pages: Int)
    }

    /// Bloom-filter, dictionary and page-index pruning of one row group, just before it is read.
    func refine(_ ref: RowGroupRef, decompressor: Decompressor) throws -> Verdict {
        let entry = files[ref.entry]
        guard pruning, let residual = entry.residual else { return .read(nil, pagesSkipped: 0) }
        let pf = try table.parquetFile(entry.file)
        let g = ref.rowGroup
        let rows = pf.rowCount(rowGroup: g)
        let predicates = residual.conjuncts.compactMap(Pruning.columnPredicate)
        // Bloom filters: equality and IN, before dictionaries (a filter is cheaper to read than a dictionary page).
        for p in predicates {
            guard let (c, _) = leaf(p, entry, pf),
                  let probe = Pruning.bloomProbe(p, parquetType: pf.schema.columns[c].dataType) else { continue }
            if try !pf.bloomFilterMayContain(rowGroup: g, column: c, values: probe) { return .skippedByBloomFilter }
        }
        // Dictionary filtering: equality and IN on fully dictionary-encoded chunks.
        for p in predicates {
            guard let (c, _) = leaf(p, entry, pf) else { continue }
            let values: [Scalar]
            switch p.test {
            case .compare(.equal, let v): values = [v]
            case .inList(let list): values = list
            default: continue
            }
            guard let dict = try pf.dictionaryIfFullyEncoded(rowGroup: g, column: c, decompressor: decompressor, dictionaries: dictionaries) else { continue }
            if !Self.dictionary(dict, type: pf.schema.columns[c].dataType, containsAnyOf: values) { return .skippedByDictionary }
        }
        // Page index: keep only the rows of pages whose bounds may satisfy every predicate.
        var candidate = RowRanges.all(rows)
        var pagesSkipped = 0
        for p in predicates {
            guard let (c, type) = leaf(p, entry, pf), let pages = try pf.pageStatistics(rowGroup: g, column: c) else { continue }
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
        return .read(candidate.count == rows ? nil : candidate, pagesSkipped: pagesSkipped)
    }

    /// Whether any dictionary entry equals one of `values` (compared in engine types).
    static func dictionary(_ dict: ColumnValues, type: DataType, containsAnyOf values: [Scalar]) -> Bool {
        let column = SQLType.normalize(Column(type: type, values: dict))
        switch column.values {
        case .int64(let v) where column.type == .int64:
            let wanted = values.compactMap { if case .int(let x) = $0 { return x } else { return nil } }
            // A short IN list: one vectorized pass per value beats a hash probe per entry.
            if wanted.count <= 8 {
                return v.withUnsafeBufferPointer { entries in wanted.contains { Search.contains(entries, $0) } }
            }
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
            // Compared as values (1 equals 1.0), never by representation.
            for i in 0..<column.count {
                let entry = Scalar.from(column, row: i)
                if values.contains(where: { !$0.isNull && Scalar.compare($0, entry) == 0 }) { return true }
            }
            return false
        }
    }

    // MARK: reading

    /// Reads scan column `k` of a row group.
    func readColumn(_ k: Int, _ entry: FileEntry, rowGroup g: Int, rows: Int, wanted: RowRanges?, decompressor: Decompressor,
                    stats: inout ScanStatistics) throws -> Column {
        switch entry.sources[k] {
        case .file(let c):
            var reused = false
            let raw = try table.parquetFile(entry.file).readColumn(rowGroup: g, column: c, decompressor: decompressor, rows: wanted,
                                                                   dictionaries: dictionaries, dictionaryReused: &reused)
            if reused { stats.dictionaryPagesReused += 1 }
            return SQLType.normalize(raw)
        case .nested(let f):
            let pf = try table.parquetFile(entry.file)
            let only = fieldPaths[k].map { Self.leaves(of: pf.schema.fields[f], paths: $0) }
            var column = SQLType.normalize(try pf.readField(rowGroup: g, field: f, onlyLeaves: only, decompressor: decompressor))
            // Nested fields are assembled whole; page-index candidate rows are taken afterwards.
            if let wanted, wanted.count < column.count {
                column = column.gather(wanted.ranges.flatMap { $0.map { Int32(truncatingIfNeeded: $0) } })
            }
            return column
        case .partition(let p):
            return partitionColumn(p, file: entry.file, rows: rows)
        case .missing:
            return ColumnFactory.constant(.null, type: table.schema.fields[columns[k]].type, count: rows)
        }
    }

    /// The filtered batch of a row group (nil when no row survives): the filter's columns are
    /// decoded first, the others only for row groups with surviving rows, then gathered to
    /// those rows (late materialization).
    func read(_ ref: RowGroupRef, rows wanted: RowRanges?, decompressor: Decompressor, stats: inout ScanStatistics) throws -> RecordBatch? {
        let entry = files[ref.entry]
        let g = ref.rowGroup
        let pf = try table.parquetFile(entry.file)
        let rows = wanted?.count ?? pf.rowCount(rowGroup: g)
        stats.rowsScanned += rows
        var cols = [Column?](repeating: nil, count: columns.count)
        var selection: [Int32]?
        if let residual = entry.residual {
            for k in residual.columnsUsed.sorted() {
                cols[k] = try readColumn(k, entry, rowGroup: g, rows: rows, wanted: wanted, decompressor: decompressor, stats: &stats)
            }
            let placeholder = Column(type: .boolean, values: .boolean([]))
            let filterBatch = RecordBatch(schema: Schema([]), columns: cols.map { $0 ?? placeholder }, rowCount: rows)
            let selected = try Evaluator.select(residual, filterBatch)
            stats.rowsAfterFilter += selected.count
            if selected.isEmpty { return nil }
            if selected.count < rows { selection = selected }
        } else {
            stats.rowsAfterFilter += rows
        }
        // Few survivors (a point lookup): the other columns decode only the pages that hold
        // them, already at the surviving rows, instead of whole chunks gathered afterwards.
        let survivors = selection.flatMap { Self.sparseRows($0, of: rows, within: wanted) }
        var decodedAtSurvivors = [Bool](repeating: false, count: cols.count)
        for k in 0..<cols.count where cols[k] == nil {
            if let survivors {
                cols[k] = try readColumn(k, entry, rowGroup: g, rows: survivors.count, wanted: survivors, decompressor: decompressor, stats: &stats)
                decodedAtSurvivors[k] = true
            } else {
                cols[k] = try readColumn(k, entry, rowGroup: g, rows: rows, wanted: wanted, decompressor: decompressor, stats: &stats)
            }
        }
        var out: [Column] = []
        out.reserveCapacity(cols.count)
        for k in 0..<cols.count {
            guard let column = cols[k] else { continue }
            if let selection, !decodedAtSurvivors[k] { out.append(column.gather(selection)) } else { out.append(column) }
        }
        return RecordBatch(schema: Schema([]), columns: out, rowCount: selection?.count ?? rows)
    }

    /// The row-group rows of `selection` (positions among the `rows` rows read, which are the
    /// rows of `wanted` when there is one), when it is sparse enough that skipping pages pays:
    /// at most one row in 16 and a few thousand ranges (page skipping checks every range).
    /// Nil when the selection is dense or not ascending.
    static func sparseRows(_ selection: [Int32], of rows: Int, within wanted: RowRanges?) -> RowRanges? {
        guard selection.count * 16 <= rows, selection.count <= 4096 else { return nil }
        let segments = wanted?.ranges ?? [0..<rows]
        var out: [Range<Int>] = []
        out.reserveCapacity(selection.count)
        var segment = 0, segmentStart = 0  // position of segments[segment].lowerBound among the rows read
        var previous = -1
        for s in selection {
            let position = Int(s)
            guard position > previous, position < rows else { return nil }
            previous = position
            while segment < segments.count, position >= segmentStart + segments[segment].count {
                segmentStart += segments[segment].count
                segment += 1
            }
            guard segment < segments.count else { return nil }
            let row = segments[segment].lowerBound + (position - segmentStart)
            if let last = out.last, last.upperBound == row { out[out.count - 1] = last.lowerBound..<(row + 1) } else { out.append(row..<(row + 1)) }
        }
        return RowRanges(out)
    }

    /// Rows of a row group (from the footer).
    func rowCount(_ ref: RowGroupRef) -> Int {
        guard let pf = try? table.parquetFile(files[ref.entry].file) else { return 0 }
        return pf.rowCount(rowGroup: ref.rowGroup)
    }
}

extension AccessPlan {
    /// Pages of the kept files' row groups according to their offset indexes (0 without
    /// one), over every column. For EXPLAIN ANALYZE only: it decodes every chunk's metadata,
    /// which a query otherwise never needs.
    func pagesInPageIndex() -> Int {
        var n = 0
        for entry in files {
            guard let pf = try? table.parquetFile(entry.file) else { continue }
            for g in 0..<pf.rowGroupCount {
                for c in 0..<pf.schema.columns.count {
                    if let index = try? pf.offsetIndex(rowGroup: g, column: c) { n += index.pageLocations.count }
                }
            }
        }
        return n
    }
}

extension AccessPlan {
    /// The leaf columns under the struct fields `paths` (names from `field` down) of one
    /// file; a path the file lacks adds nothing (the field reads as NULL there).
    static func leaves(of field: FieldNode, paths: Set<[String]>) -> Set<Int> {
        var out = Set<Int>()
        for path in paths {
            var node = field
            var found = true
            for name in path {
                guard case .structure(let children) = node.kind, let child = children.first(where: { $0.name == name }) else { found = false; break }
                node = child
            }
            if found { out.formUnion(node.leaves) }
        }
        return out
    }
}

extension ParquetSchema {
    /// Where top-level column `name` of a file comes from: a flat leaf column or a nested
    /// (struct, list, map) field assembled from its leaves; nil when the file lacks it.
    func topLevelSource(named name: String) -> AccessPlan.Source? {
        guard let f = fields.firstIndex(where: { $0.name == name }) else { return nil }
        if case .leaf(let c) = fields[f].kind, columns[c].maxRepetitionLevel == 0 { return .file(c) }
        return .nested(f)
    }
}
