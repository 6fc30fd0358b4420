import Dispatch
import LakeqColumnar

/// Writes a Parquet file of any nesting from raw Dremel levels: the writing mirror of
/// `ParquetFile.readLevels`. The caller gives a nested schema (`ParquetNode`s) and, for each
/// row group, every leaf column (depth-first order, as `schema.columns`) as a `LeafLevels`:
/// repetition levels (0 starts a row), definition levels, and the defined values only (the
/// entries whose definition level is the leaf's maximum), in order.
///
/// ```swift
/// // message { optional group add { required binary path (STRING); } }  two rows: add {path: "a"}, null
/// let w = try LevelsWriter(path: "cp.parquet", schema: [.group("add", nullable: true, [.leaf("path", .string, nullable: false)])])
/// try w.writeRowGroup([LeafLevels(definition: [1, 0], repetition: [],
///                                 values: Column(type: .string, values: .bytes(ByteArrays(strings: ["a"]))))])
/// try w.close()
/// ```
///
/// Shredding records into levels is the caller's business (a Delta checkpoint does it for its
/// actions; nested-column writing of record batches builds on this). Levels of a leaf without
/// repetition may be passed empty (all 0), and so may definition levels of a REQUIRED leaf.
/// The file is written in place; callers wanting atomicity write to a temporary name and rename.
/// Errors are `ParquetError`; after one the writer must not be used further.
public final class LevelsWriter {
    public let schema: ParquetSchema
    public let options: WriterOptions
    private let leaves: [LevelsChunkEncoder.Leaf]
    private let keyValueMetadata: [KeyValue]
    private var sink: FileSink?
    private var rowGroups: [RowGroup] = []
    private var pageIndexes: [[(ColumnIndex?, OffsetIndex)]] = []
    private var totalRows: Int64 = 0
    private var failed = false
    private var closedMetadata: FileMetaData?

    /// Creates (truncates) the file at `path` with the schema whose top-level fields are `nodes`.
    public init(path: String, schema nodes: [ParquetNode], options: WriterOptions = .init(),
                keyValueMetadata: [String: String] = [:]) throws {
        try options.validate()
        guard !nodes.isEmpty else { throw ParquetError.invalidArgument("\(path): a Parquet schema needs at least one column") }
        var seen = Set<String>()
        for n in nodes where !seen.insert(n.name).inserted { throw ParquetError.invalidArgument("\(path): duplicate column name \(n.name)") }
        var elements = [SchemaElement(name: "schema", numChildren: Int32(nodes.count))]
        for n in nodes { elements += try n.elements() }
        let schema = try ParquetSchema(elements: elements)
        self.schema = schema
        self.options = options
        self.keyValueMetadata = keyValueMetadata.keys.sorted().map { KeyValue(key: $0, value: keyValueMetadata[$0]) }
        // Per leaf: its type (from the node) and the definition level of each repeated ancestor.
        var leafTypes: [DataType] = []
        func collect(_ n: ParquetNode) {
            if let t = n.type { leafTypes.append(t) } else { n.children.forEach(collect) }
        }
        nodes.forEach(collect)
        var repeatedDefs: [[Int]] = []
        func levels(_ n: ParquetNode, def: Int, reps: [Int]) {
            let d = def + (n.repetition == .required ? 0 : 1)
            let r = n.repetition == .repeated ? reps + [d] : reps
            if n.type != nil { repeatedDefs.append(r) } else { for c in n.children { levels(c, def: d, reps: r) } }
        }
        for n in nodes { levels(n, def: 0, reps: []) }
        leaves = schema.columns.indices.map { i in
            let d = schema.columns[i]
            return LevelsChunkEncoder.Leaf(descriptor: d, field: Field(name: d.path.joined(separator: "."), type: leafTypes[i], nullable: d.isNullable),
                                           repeatedDefinitionLevels: repeatedDefs[i])
        }
        let s = try FileSink(path: path)
        try s.write(Array("PAR1".utf8))
        sink = s
    }

    /// Writes one row group: `columns[i]` holds leaf `i`'s levels and values (all leaves must
    /// describe the same number of rows). Everything is checked before anything is written.
    public func writeRowGroup(_ columns: [LeafLevels]) throws {
        guard !failed, closedMetadata == nil, let sink else { throw ParquetError.invalidArgument("write to a closed or failed LevelsWriter") }
        do {
            guard columns.count == leaves.count else {
                throw ParquetError.invalidArgument("\(columns.count) leaf columns given for a schema of \(leaves.count)")
            }
            var checked: [LevelsChunkEncoder.Checked] = []
            for (i, c) in columns.enumerated() { checked.append(try LevelsChunkEncoder.check(c, leaves[i])) }
            let rows = checked.first?.rows ?? 0
            if let odd = checked.firstIndex(where: { $0.rows != rows }) {
                throw ParquetError.invalidArgument("column \(leaves[odd].field.name) has \(checked[odd].rows) rows, column \(leaves[0].field.name) \(rows)")
            }
            guard rows > 0 else { return }
            let encoder = LevelsChunkEncoder(options: options)
            var results = [Result<EncodedChunk, Error>?](repeating: nil, count: columns.count)
            if options.threads > 1 && columns.count > 1 {
                let lock = DispatchQueue(label: "lakeq.levels-writer.results")
                var next = 0
                let leaves = self.leaves
                results.withUnsafeMutableBufferPointer { out in
                    let out = out
                    DispatchQueue.concurrentPerform(iterations: min(options.threads, columns.count)) { _ in
                        while true {
                            let i: Int = lock.sync { defer { next += 1 }; return next }
                            if i >= columns.count { return }
                            out[i] = Result { try encoder.encode(columns[i], checked[i], leaves[i]) }
                        }
                    }
                }
            } else {
                for i in columns.indices { results[i] = Result { try encoder.encode(columns[i], checked[i], leaves[i]) } }
            }
            var chunks: [ColumnChunk] = []
            var indexes: [(ColumnIndex?, OffsetIndex)] = []
            var totalUncompressed: Int64 = 0, totalCompressed: Int64 = 0
            let groupStart = sink.position
            for r in results {
                guard let r else { throw ParquetError.invalidArgument("internal: column chunk not encoded") }
                var chunk = try r.get()
                let base = sink.position
                try sink.write(chunk.bytes)
                var meta = chunk.metaData
                meta.dataPageOffset += base
                if let d = meta.dictionaryPageOffset { meta.dictionaryPageOffset = d + base }
                for k in chunk.offsetIndex.pageLocations.indices { chunk.offsetIndex.pageLocations[k].offset += base }
                totalUncompressed += meta.totalUncompressedSize
                totalCompressed += meta.totalCompressedSize
                chunks.append(ColumnChunk(fileOffset: base, metaData: meta))
                indexes.append((chunk.columnIndex, chunk.offsetIndex))
            }
            guard rowGroups.count < Int(Int16.max) else { throw ParquetError.invalidArgument("too many row groups (over 32767)") }
            rowGroups.append(RowGroup(columns: chunks, totalByteSize: totalUncompressed, numRows: Int64(rows), fileOffset: groupStart,
                                      totalCompressedSize: totalCompressed, ordinal: Int16(rowGroups.count)))
            pageIndexes.append(indexes)
            totalRows += Int64(rows)
        } catch {
            failed = true
            throw error
        }
    }

    /// Writes the page index and the footer and closes the file; returns the footer. Calling
    /// it again returns the same footer.
    @discardableResult
    public func close() throws -> FileMetaData {
        if let closedMetadata { return closedMetadata }
        guard !failed, let sink else { throw ParquetError.invalidArgument("close of a failed LevelsWriter") }
        do {
            if options.pageIndex {
                for g in rowGroups.indices {
                    for c in rowGroups[g].columns.indices {
                        guard let ci = pageIndexes[g][c].0 else { continue }
                        let bytes = ci.serialized()
                        rowGroups[g].columns[c].columnIndexOffset = sink.position
                        rowGroups[g].columns[c].columnIndexLength = Int32(bytes.count)
                        try sink.write(bytes)
                    }
                }
                for g in rowGroups.indices {
                    for c in rowGroups[g].columns.indices {
                        let bytes = pageIndexes[g][c].1.serialized()
                        rowGroups[g].columns[c].offsetIndexOffset = sink.position
                        rowGroups[g].columns[c].offsetIndexLength = Int32(bytes.count)
                        try sink.write(bytes)
                    }
                }
            }
            let meta = FileMetaData(
                version: options.pageVersion == 2 ? 2 : 1, schema: schema.elements, numRows: totalRows, rowGroups: rowGroups,
                keyValueMetadata: keyValueMetadata.isEmpty ? nil : keyValueMetadata, createdBy: options.createdBy,
                columnOrders: Array(repeating: .typeDefinedOrder, count: leaves.count))
            let footer = meta.serialized()
            try sink.write(footer)
            var tail = [UInt8]()
            ColumnChunkWriter.appendLength(footer.count, to: &tail)
            try sink.write(tail + Array("PAR1".utf8))
            try sink.close(fsync: options.fsync)
            self.sink = nil
            closedMetadata = meta
            return meta
        } catch {
            failed = true
            throw error
        }
    }
}
