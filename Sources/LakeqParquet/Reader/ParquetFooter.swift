import Foundation

/// A file's footer (`FileMetaData`), decoded as far as a reader asks.
///
/// Opening walks the whole footer once: it decodes the file-level fields (schema, row count,
/// key-value metadata, column orders, encryption) and each row group's row count, and notes
/// where each column chunk's `ColumnChunk` struct starts, checking the Thrift framing of every
/// byte it steps over, so a truncated or garbled footer fails when the file is opened. A
/// chunk's metadata (type, codec, offsets, encodings, statistics) is decoded the first time a
/// reader asks for it (`columnChunk(rowGroup:column:)`) and kept: a `count(*)` decodes none,
/// a query filtering on one column decodes that column's chunks (for their statistics) and
/// the chunks it reads. What is asked for is decided by the reader's caller (the query
/// engine's access plan), never guessed here.
///
/// Measured on a 30-file lake of 15 columns and 3 row groups per file: decoding every chunk
/// was a fifth of a `count(*)` process (allocation and reference counting of 1,350
/// `ColumnChunk` values, most never looked at).
///
/// Thread-safe: row groups are decoded concurrently.
public final class ParquetFooter: @unchecked Sendable {
    /// The file-level fields, as `FileMetaData` has them.
    private let fields: FileMetaDataFields
    public var version: Int32 { fields.version }
    /// Depth-first flattened schema; element 0 is the root.
    public var schema: [SchemaElement] { fields.schema }
    public var numRows: Int64 { fields.numRows }
    public var keyValueMetadata: [KeyValue]? { fields.keyValueMetadata }
    public var createdBy: String? { fields.createdBy }
    /// One per leaf column, in schema order.
    public var columnOrders: [ColumnOrder]? { fields.columnOrders }
    /// Set in a file with a plaintext footer whose columns are encrypted.
    public var encryptionAlgorithm: EncryptionAlgorithm? { fields.encryptionAlgorithm }
    public var footerSigningKeyMetadata: [UInt8]? { fields.footerSigningKeyMetadata }
    /// Each row group's row count (checked against the file when it is opened).
    public let rowGroupRows: [Int64]

    /// The footer's bytes, for chunks decoded later (empty when `full` holds every chunk).
    private let bytes: [UInt8]
    /// The footer decoded up front (an encrypted file's), else nil.
    private let full: FileMetaData?
    /// Row group g's chunks start at `bytes[chunkOffsets[chunkStart[g] + c]]`.
    private let chunkStart: [Int]
    private let chunkOffsets: [Int]
    /// Chunks decoded so far, by `chunkStart[g] + c`.
    private var decoded: [DecodedChunk?]
    private let lock = NSLock()
    /// The schema built for an earlier footer with the same schema bytes, else nil.
    private let internedSchema: ParquetSchema?
    /// Where the schema list lies in `bytes`, to intern the schema once built (nil: interned already, or not indexed).
    private let schemaRange: Range<Int>?
    /// True when this footer's schema was found among those built before (tests).
    var schemaWasInterned: Bool { internedSchema != nil }

    private final class DecodedChunk {
        let chunk: ColumnChunk
        init(_ chunk: ColumnChunk) { self.chunk = chunk }
    }

    public var rowGroupCount: Int { rowGroupRows.count }

    /// Column chunks decoded so far (tests check that readers ask only for what they need).
    var decodedChunkCount: Int {
        if full != nil { return chunkStart[chunkStart.count - 1] }
        lock.lock()
        defer { lock.unlock() }
        return decoded.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
    }

    /// The number of column chunks row group `g` lists (valid `g` only).
    public func columnCount(rowGroup g: Int) -> Int { chunkStart[g + 1] - chunkStart[g] }

    /// Indexes a serialized `FileMetaData`: file-level fields and row counts now, chunks on demand.
    public init(indexing footer: [UInt8]) throws {
        bytes = footer
        var starts: [Int] = [0], offsets: [Int] = []
        var interned: SchemaInterner.Entry?, schemaRange: Range<Int>?
        let (f, rows) = try footer.withUnsafeBytes { buffer in
            var r = ThriftCompactReader(buffer)
            // A schema whose bytes were seen before is taken from the interner; anything that
            // does not step over cleanly is decoded as usual (and fails with its own message).
            let readSchema = { (r: inout ThriftCompactReader) throws -> [SchemaElement] in
                let start = r.position
                (interned, schemaRange) = (nil, nil)  // a repeated field: the last one read is kept
                if (try? r.skip(.list)) != nil {
                    let range = start..<r.position
                    if let hit = SchemaInterner.shared.lookup(UnsafeRawBufferPointer(rebasing: buffer[range])) {
                        interned = hit
                        return hit.elements
                    }
                    schemaRange = range
                }
                r.position = start
                return try r.readStructList()
            }
            return try FileMetaDataFields.read(&r, schema: readSchema) { r -> [Int64] in
                starts = [0]
                offsets = []
                return try r.readList(of: .struct) { try Self.indexRowGroup(&$0, offsets: &offsets, starts: &starts) }
            }
        }
        internedSchema = interned?.schema
        self.schemaRange = schemaRange
        fields = f
        rowGroupRows = rows
        chunkStart = starts
        chunkOffsets = offsets
        decoded = [DecodedChunk?](repeating: nil, count: offsets.count)
        full = nil
    }

    /// A footer decoded in full (an encrypted one, whose chunk metadata is decrypted up front).
    public init(decoded metadata: FileMetaData) {
        fields = FileMetaDataFields(metadata)
        rowGroupRows = metadata.rowGroups.map(\.numRows)
        var starts = [0]
        for rowGroup in metadata.rowGroups { starts.append(starts[starts.count - 1] + rowGroup.columns.count) }
        bytes = []
        chunkStart = starts
        chunkOffsets = []
        decoded = []
        full = metadata
        internedSchema = nil
        schemaRange = nil
    }

    /// The file's `ParquetSchema`, built once per distinct serialized schema in the process
    /// (`SchemaInterner`): the files of a table share theirs.
    public func parquetSchema() throws -> ParquetSchema {
        if let internedSchema { return internedSchema }
        let schema = try ParquetSchema(elements: self.schema)
        if let schemaRange {
            bytes.withUnsafeBytes { SchemaInterner.shared.insert(bytes: UnsafeRawBufferPointer(rebasing: $0[schemaRange]), elements: self.schema, schema: schema) }
        }
        return schema
    }

    /// A RowGroup's row count, noting where each of its column chunks starts and checking
    /// the framing of everything else (the chunks themselves are skipped, not decoded).
    private static func indexRowGroup(_ r: inout ThriftCompactReader, offsets: inout [Int], starts: inout [Int]) throws -> Int64 {
        var columns: Int?, totalByteSize: Int64?, numRows: Int64?
        let first = offsets.count
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .list):
                let (type, count) = try r.readListHeader()
                guard type == .struct || count == 0 else { throw ParquetError.corrupt("thrift: RowGroup.columns is a list of \(type)") }
                offsets.removeSubrange(first...)
                offsets.reserveCapacity(first + count)
                for _ in 0..<count {
                    offsets.append(r.position)
                    try r.skip(.struct)
                }
                columns = count
            case (2, .i64): totalByteSize = try r.readI64()
            case (3, .i64): numRows = try r.readI64()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard columns != nil else { throw missingField("RowGroup.columns") }
        guard totalByteSize != nil else { throw missingField("RowGroup.total_byte_size") }
        guard let numRows else { throw missingField("RowGroup.num_rows") }
        starts.append(offsets.count)
        return numRows
    }

    /// Column chunk (g, c), decoded on first use. A chunk whose bytes do not decode is a
    /// `ParquetError.corrupt` naming it, raised each time it is asked for.
    public func columnChunk(rowGroup g: Int, column c: Int) throws -> ColumnChunk {
        guard g >= 0, g < rowGroupRows.count, c >= 0, c < columnCount(rowGroup: g) else {
            throw ParquetError.invalidArgument("no column chunk \(c) in row group \(g)")
        }
        if let full { return full.rowGroups[g].columns[c] }
        let slot = chunkStart[g] + c
        lock.lock()
        let known = decoded[slot]
        lock.unlock()
        if let known { return known.chunk }
        let chunk: ColumnChunk
        do {
            chunk = try bytes.withUnsafeBytes { buffer in
                var r = ThriftCompactReader(buffer, position: chunkOffsets[slot])
                return try ColumnChunk(from: &r)
            }
        } catch let e as ParquetError {
            throw e.prefixed("footer: row group \(g), column \(c)")
        }
        lock.lock()
        decoded[slot] = DecodedChunk(chunk)
        lock.unlock()
        return chunk
    }

    /// The whole footer as the Thrift model, every chunk decoded: for tools that show or
    /// rewrite it, not for reading data.
    public func fullMetadata() throws -> FileMetaData {
        if let full { return full }
        do {
            return try FileMetaData.decode(bytes).value
        } catch let e as ParquetError {
            throw e.prefixed("footer")
        }
    }
}
