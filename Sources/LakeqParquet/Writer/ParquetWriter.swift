import Dispatch
import LakeqColumnar

/// Writes a flat Parquet file from record batches, streaming: rows are buffered until a row
/// group is full (`rowGroupRows`, or about `rowGroupBytes`), then encoded and written, so memory
/// stays bounded by one row group.
///
/// ```swift
/// let w = try ParquetWriter(path: "t.parquet", schema: schema)
/// try w.write(batch)
/// let footer = try w.close()
/// ```
/// The file is written in place at `path`; callers wanting atomicity write elsewhere and rename.
/// Errors are thrown as `ParquetError`; after an error the writer must not be used further.
public final class ParquetWriter {
    public let schema: Schema
    public let options: WriterOptions
    private let keyValueMetadata: [KeyValue]
    private var sink: FileSink?
    private var buffers: [ColumnBuffer]
    private var bufferedRows = 0
    /// Leaf elements; a decimal's physical type follows the storage of the first data seen.
    private var elements: [SchemaElement?]
    private var storages: [StorageKind?]
    private var rowGroups: [RowGroup] = []
    private var pageIndexes: [[(ColumnIndex?, OffsetIndex)]] = []
    private var totalRows: Int64 = 0
    private var failed = false
    private var closedMetadata: FileMetaData?
    private let encryptor: FileEncryptor?
    /// Set when the schema has nested fields: batches are shredded into levels and written by
    /// a `LevelsWriter` (no bloom filters or encryption there yet).
    private let nested: NestedBatchWriter?

    /// Creates (truncates) the file at `path` and writes the leading magic.
    public init(path: String, schema: Schema, options: WriterOptions = .init(), keyValueMetadata: [String: String] = [:]) throws {
        try options.validate()
        guard !schema.fields.isEmpty else { throw ParquetError.invalidArgument("\(path): a Parquet schema needs at least one column") }
        var seen = Set<String>()
        for f in schema.fields where !seen.insert(f.name).inserted {
            throw ParquetError.invalidArgument("\(path): duplicate column name \(f.name)")
        }
        for name in options.bloomFilters.keys where !seen.contains(name) {
            throw ParquetError.invalidArgument("\(path): bloom filter asked for column \(name), which the schema does not have")
        }
        self.schema = schema
        self.options = options
        self.keyValueMetadata = keyValueMetadata.keys.sorted().map { KeyValue(key: $0, value: keyValueMetadata[$0]) }
        if schema.fields.contains(where: { $0.type.isNested }) {
            guard options.encryption == nil else { throw ParquetError.unsupported("\(path): encrypting nested columns is not supported yet") }
            nested = try NestedBatchWriter(path: path, schema: schema, options: options, keyValueMetadata: keyValueMetadata)
            buffers = []
            elements = []
            storages = []
            encryptor = nil
            return
        }
        nested = nil
        buffers = schema.fields.map { ColumnBuffer(type: $0.type) }
        elements = Array(repeating: nil, count: schema.fields.count)
        storages = Array(repeating: nil, count: schema.fields.count)
        // Check every non-decimal type converts now, before any data.
        for (i, f) in schema.fields.enumerated() {
            if case .decimal = f.type { continue }
            let st = SchemaConversion.defaultStorage(for: f.type)
            elements[i] = try SchemaConversion.element(for: f, storage: st)
            storages[i] = st
        }
        encryptor = try options.encryption.map { try FileEncryptor($0, columnNames: schema.fields.map(\.name), path: path) }
        let s = try FileSink(path: path)
        try s.write(Array((encryptor?.encryptedFooter == true ? "PARE" : "PAR1").utf8))
        sink = s
    }

    /// Appends the rows of `batch`, whose schema must match the writer's (names, types,
    /// nullability). Writes every row group that fills up.
    public func write(_ batch: RecordBatch) throws {
        if let nested { return try nested.write(batch) }
        guard !failed, closedMetadata == nil, sink != nil else { throw ParquetError.invalidArgument("write to a closed or failed ParquetWriter") }
        do {
            try validate(batch)
            var start = 0
            while start < batch.rowCount {
                let room = options.rowGroupRows - bufferedRows
                let n = min(room, batch.rowCount - start)
                for (i, c) in batch.columns.enumerated() { buffers[i].append(c, start..<(start + n)) }
                bufferedRows += n
                start += n
                if bufferedRows >= options.rowGroupRows || buffers.reduce(0, { $0 + $1.estimatedBytes }) >= options.rowGroupBytes {
                    try flushRowGroup()
                }
            }
        } catch {
            failed = true
            throw error
        }
    }

    /// Writes the buffered rows as a row group now (no-op when none are buffered).
    public func flush() throws {
        if let nested { return try nested.flush() }
        guard !failed, closedMetadata == nil else { throw ParquetError.invalidArgument("flush of a closed or failed ParquetWriter") }
        do { try flushRowGroup() } catch { failed = true; throw error }
    }

    /// Writes the last row group, the page index and the footer, and closes the file.
    /// Returns the footer written. Calling it again returns the same footer.
    @discardableResult
    public func close() throws -> FileMetaData {
        if let nested { return try nested.close() }
        if let closedMetadata { return closedMetadata }
        guard !failed, let sink else { throw ParquetError.invalidArgument("close of a failed ParquetWriter") }
        do {
            try flushRowGroup()
            // Page index: every column index, then every offset index, before the footer.
            if options.pageIndex {
                for g in rowGroups.indices {
                    for c in rowGroups[g].columns.indices {
                        guard let ci = pageIndexes[g][c].0 else { continue }
                        var bytes = ci.serialized()
                        if let e = encryptor?.chunk(column: schema.fields[c].name, rowGroup: g, column: c) { bytes = try e.module(bytes, .columnIndex) }
                        rowGroups[g].columns[c].columnIndexOffset = sink.position
                        rowGroups[g].columns[c].columnIndexLength = Int32(bytes.count)
                        try sink.write(bytes)
                    }
                }
                for g in rowGroups.indices {
                    for c in rowGroups[g].columns.indices {
                        var bytes = pageIndexes[g][c].1.serialized()
                        if let e = encryptor?.chunk(column: schema.fields[c].name, rowGroup: g, column: c) { bytes = try e.module(bytes, .offsetIndex) }
                        rowGroups[g].columns[c].offsetIndexOffset = sink.position
                        rowGroups[g].columns[c].offsetIndexLength = Int32(bytes.count)
                        try sink.write(bytes)
                    }
                }
            }
            var leaves: [SchemaElement] = []
            for (i, f) in schema.fields.enumerated() {
                if let e = elements[i] { leaves.append(e) } else {
                    leaves.append(try SchemaConversion.element(for: f, storage: SchemaConversion.defaultStorage(for: f.type)))
                }
            }
            let root = SchemaElement(name: "schema", numChildren: Int32(leaves.count))
            if let encryptor {
                for g in rowGroups.indices {
                    for c in rowGroups[g].columns.indices {
                        let name = schema.fields[c].name
                        try encryptor.seal(&rowGroups[g].columns[c], name: name, path: [name], rowGroup: g, column: c)
                    }
                }
            }
            var meta = FileMetaData(
                version: options.pageVersion == 2 ? 2 : 1, schema: [root] + leaves, numRows: totalRows, rowGroups: rowGroups,
                keyValueMetadata: keyValueMetadata.isEmpty ? nil : keyValueMetadata, createdBy: options.createdBy,
                columnOrders: Array(repeating: .typeDefinedOrder, count: leaves.count))
            let footer = try encryptor?.footer(meta) ?? meta.serialized()
            try sink.write(footer)
            var len = [UInt8]()
            ColumnChunkWriter.appendLength(footer.count, to: &len)
            try sink.write(len + Array((encryptor?.encryptedFooter == true ? "PARE" : "PAR1").utf8))
            if let encryptor {
                // What the caller sees (e.g. Delta log statistics) never holds encrypted columns' values.
                for g in meta.rowGroups.indices {
                    for c in meta.rowGroups[g].columns.indices where encryptor.chunk(column: schema.fields[c].name, rowGroup: g, column: c) != nil {
                        meta.rowGroups[g].columns[c].metaData?.statistics = nil
                    }
                }
            }
            try sink.close(fsync: options.fsync)
            self.sink = nil
            closedMetadata = meta
            return meta
        } catch {
            failed = true
            throw error
        }
    }

    // MARK: internals

    private func validate(_ batch: RecordBatch) throws {
        guard batch.columns.count == schema.fields.count else {
            throw ParquetError.invalidArgument("batch has \(batch.columns.count) columns, the writer's schema \(schema.fields.count)")
        }
        guard batch.rowCount >= 0 else { throw ParquetError.invalidArgument("negative row count") }
        for (i, f) in schema.fields.enumerated() {
            let c = batch.columns[i]
            let what = "column \(f.name)"
            if i < batch.schema.fields.count {
                let bf = batch.schema.fields[i]
                guard bf.name == f.name, bf.type == f.type else {
                    throw ParquetError.invalidArgument("\(what): batch field \(bf.name) \(bf.type) does not match the writer's \(f.type)")
                }
            }
            guard c.type == f.type else { throw ParquetError.invalidArgument("\(what): column of type \(c.type), schema says \(f.type)") }
            guard c.count == batch.rowCount else {
                throw ParquetError.invalidArgument("\(what): \(c.count) values for \(batch.rowCount) rows")
            }
            if batch.rowCount == 0 { continue }
            let storage = StorageKind(c.values)
            if let known = storages[i] {
                guard known == storage else { throw ParquetError.invalidArgument("\(what): \(f.type) held as \(storage.name), expected \(known.name)") }
            } else {
                guard SchemaConversion.accepts(f.type, storage) else {
                    throw ParquetError.invalidArgument("\(what): \(f.type) cannot be held as \(storage.name)")
                }
                elements[i] = try SchemaConversion.element(for: f, storage: storage)
                storages[i] = storage
            }
            if let v = c.validity {
                guard v.count >= batch.rowCount else { throw ParquetError.invalidArgument("\(what): validity shorter than the rows") }
                if !f.nullable {
                    for r in 0..<batch.rowCount where !v[r] {
                        throw ParquetError.invalidArgument("\(what): null in row \(r) of a non-nullable column")
                    }
                }
            }
            try Self.checkValues(c.values, rows: batch.rowCount, validity: c.validity, what: what, nested: false)
        }
    }

    /// Rejects malformed buffers (offsets out of range, short fixed data, bad dictionary
    /// indices) so that encoding never traps.
    private static func checkValues(_ values: ColumnValues, rows: Int, validity: Bitmap?, what: String, nested: Bool) throws {
        switch values {
        case .bytes(let b):
            guard b.offsets.count == b.count + 1, let first = b.offsets.first, first >= 0,
                  let last = b.offsets.last, Int(last) <= b.data.count else {
                throw ParquetError.invalidArgument("\(what): byte-array offsets out of range")
            }
            var prev = first
            for o in b.offsets {
                guard o >= prev else { throw ParquetError.invalidArgument("\(what): byte-array offsets decrease") }
                prev = o
            }
        case .fixed(let f):
            guard f.width >= 1, f.data.count >= f.width * f.count else { throw ParquetError.invalidArgument("\(what): fixed-width buffer malformed") }
        case .dictionary(let d, let idx):
            guard !nested else { throw ParquetError.invalidArgument("\(what): nested dictionaries are not supported") }
            if case .dictionary = d { throw ParquetError.invalidArgument("\(what): nested dictionaries are not supported") }
            try checkValues(d, rows: d.count, validity: nil, what: what, nested: true)
            let n = Int32(truncatingIfNeeded: d.count)
            for (r, i) in idx.enumerated() where i < 0 || i >= n {
                if let v = validity, r < v.count, !v[r] { continue }
                throw ParquetError.invalidArgument("\(what): dictionary index \(i) out of range in row \(r)")
            }
        default: break
        }
    }

    private func flushRowGroup() throws {
        guard bufferedRows > 0, let sink else { return }
        let rows = bufferedRows
        var inputs: [ChunkInput] = []
        for (i, f) in schema.fields.enumerated() {
            let b = buffers[i]
            let storage = storages[i] ?? SchemaConversion.defaultStorage(for: f.type)
            let element = try elements[i] ?? SchemaConversion.element(for: f, storage: storage)
            inputs.append(ChunkInput(
                field: f, element: element, order: StatOrder.of(f.type, storage: storage),
                values: b.values, validity: b.validity, rows: rows,
                encryptor: encryptor?.chunk(column: f.name, rowGroup: rowGroups.count, column: i)))
            buffers[i] = ColumnBuffer(type: f.type)
        }
        bufferedRows = 0
        let encoder = ColumnChunkWriter(options: options)
        var results = [Result<EncodedChunk, Error>?](repeating: nil, count: inputs.count)
        if options.threads > 1 && inputs.count > 1 {
            let lock = DispatchQueue(label: "lakeq.writer.results")
            let workers = min(options.threads, inputs.count)
            var next = 0
            results.withUnsafeMutableBufferPointer { out in
                let out = out
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    while true {
                        let i: Int = lock.sync { defer { next += 1 }; return next }
                        if i >= inputs.count { return }
                        out[i] = Result { try encoder.encode(inputs[i]) }
                    }
                }
            }
        } else {
            for i in inputs.indices { results[i] = Result { try encoder.encode(inputs[i]) } }
        }
        inputs.removeAll()
        var chunks: [ColumnChunk] = []
        var filters: [SplitBlockBloomFilter?] = []
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
            filters.append(chunk.bloomFilter)
        }
        // Bloom filters right after their row group (header, then bitset), as parquet-mr does.
        for (c, filter) in filters.enumerated() {
            guard let filter else { continue }
            var bytes = BloomFilterHeader(numBytes: Int32(filter.byteCount)).serialized()
            bytes.append(contentsOf: filter.bitset)
            chunks[c].metaData?.bloomFilterOffset = sink.position
            chunks[c].metaData?.bloomFilterLength = Int32(bytes.count)
            try sink.write(bytes)
        }
        guard rowGroups.count < Int(Int16.max) else { throw ParquetError.invalidArgument("too many row groups (over 32767)") }
        rowGroups.append(RowGroup(
            columns: chunks, totalByteSize: totalUncompressed, numRows: Int64(rows), fileOffset: groupStart,
            totalCompressedSize: totalCompressed, ordinal: Int16(rowGroups.count)))
        pageIndexes.append(indexes)
        totalRows += Int64(rows)
    }
}

/// One column's rows buffered for the current row group. A run of batches sharing one input
/// dictionary stays dictionary-encoded; otherwise values are materialized.
struct ColumnBuffer {
    var values: ColumnValues
    var validity: Bitmap?
    var count = 0

    init(type: DataType) {
        values = ColumnBuffer.empty(SchemaConversion.defaultStorage(for: type))
    }

    static func empty(_ s: StorageKind) -> ColumnValues {
        switch s {
        case .boolean: return .boolean([])
        case .int32: return .int32([])
        case .int64: return .int64([])
        case .float32: return .float32([])
        case .float64: return .float64([])
        case .bytes: return .bytes(ByteArrays())
        case .fixed(let w): return .fixed(FixedBytes(width: w))
        case .nested: return .structure(StructValues(children: [], count: 0))
        }
    }

    var estimatedBytes: Int {
        switch values {
        case .bytes(let b): return b.data.count + 4 * count
        case .dictionary(_, let i): return i.count * 4
        default: return DictionaryEncoder.plainSize(values)
        }
    }

    mutating func append(_ c: Column, _ range: Range<Int>) {
        // Validity first.
        if let v = c.validity {
            if count == 0 && range == 0..<c.count {
                validity = v
            } else {
                var w = validity ?? Bitmap(count: count, value: true)
                validity = nil
                if range == 0..<v.count { w.append(contentsOf: v) } else { for r in range { w.append(v[r]) } }
                validity = w
            }
        } else if validity != nil {
            validity?.append(repeating: true, count: range.count)
        }
        defer { count += range.count }
        if count == 0 && range == 0..<c.count {
            values = c.values  // shares storage, no copy
            return
        }
        if count == 0, case .dictionary(let d, let idx) = c.values {
            values = .dictionary(dictionary: d, indices: Array(idx[range]))
            return
        }
        if case .dictionary(let d0, var i0) = values {
            if case .dictionary(let d1, let i1) = c.values, Self.same(d0, d1) {
                values = .int32([])  // release the reference before appending in place
                i0.append(contentsOf: i1[range])
                values = .dictionary(dictionary: d0, indices: i0)
                return
            }
            values = values.materialized()
        }
        let src: ColumnValues
        if case .dictionary(let d, let idx) = c.values {
            src = d.gather(idx[range].map { $0 < 0 || Int($0) >= d.count ? 0 : $0 })
            Self.appendAll(&values, src, 0..<src.count)
        } else {
            Self.appendAll(&values, c.values, range)
        }
    }

    static func same(_ a: ColumnValues, _ b: ColumnValues) -> Bool {
        switch (a, b) {
        case (.boolean(let x), .boolean(let y)): return x == y
        case (.int32(let x), .int32(let y)): return x == y
        case (.int64(let x), .int64(let y)): return x == y
        case (.float32(let x), .float32(let y)): return x.elementsEqual(y) { $0.bitPattern == $1.bitPattern }
        case (.float64(let x), .float64(let y)): return x.elementsEqual(y) { $0.bitPattern == $1.bitPattern }
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.fixed(let x), .fixed(let y)): return x == y
        default: return false
        }
    }

    /// Appends `src[range]` to `dst` (same storage kind, checked by the writer).
    static func appendAll(_ dst: inout ColumnValues, _ src: ColumnValues, _ range: Range<Int>) {
        switch (dst, src) {
        case (.boolean(var a), .boolean(let b)): dst = .int32([]); a.append(contentsOf: b[range]); dst = .boolean(a)
        case (.int32(var a), .int32(let b)): dst = .int32([]); a.append(contentsOf: b[range]); dst = .int32(a)
        case (.int64(var a), .int64(let b)): dst = .int32([]); a.append(contentsOf: b[range]); dst = .int64(a)
        case (.float32(var a), .float32(let b)): dst = .int32([]); a.append(contentsOf: b[range]); dst = .float32(a)
        case (.float64(var a), .float64(let b)): dst = .int32([]); a.append(contentsOf: b[range]); dst = .float64(a)
        case (.bytes(var a), .bytes(let b)):
            dst = .int32([])
            if !range.isEmpty {
                let lo = Int(b.offsets[range.lowerBound]), hi = Int(b.offsets[range.upperBound])
                let base = Int32(truncatingIfNeeded: a.data.count) &- Int32(truncatingIfNeeded: lo)
                a.data.append(contentsOf: b.data[lo..<hi])
                a.offsets.reserveForAppending(range.count)
                for i in (range.lowerBound + 1)...range.upperBound { a.offsets.append(b.offsets[i] &+ base) }
            }
            dst = .bytes(a)
        case (.fixed(var a), .fixed(let b)):
            dst = .int32([])
            a.data.append(contentsOf: b.data[(range.lowerBound * b.width)..<(range.upperBound * b.width)])
            dst = .fixed(a)
        default:
            break
        }
    }
}
