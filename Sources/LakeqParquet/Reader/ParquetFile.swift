import LakeqColumnar

/// An open Parquet file: its footer, schema and memory-mapped bytes.
///
/// The footer is decoded as far as readers ask (`ParquetFooter`): opening checks its framing
/// and reads the schema and row counts; a column chunk's metadata is decoded on first use.
/// Thread-safe for reading: row groups may be decoded concurrently.
public final class ParquetFile: @unchecked Sendable {
    public let path: String
    public let footer: ParquetFooter
    public let schema: ParquetSchema
    public let file: MappedFile

    /// How the file's encrypted modules are decrypted; nil for a file without encryption.
    let decryption: FileDecryption?

    /// True when the file uses Parquet modular encryption (encrypted footer or columns).
    public var isEncrypted: Bool { decryption != nil }

    /// Opens and validates the footer of the file at `path`; `keys` decrypt an encrypted file
    /// (without them, the key file named by `$LAKEQ_KEY_FILE` is used when the file needs one).
    public convenience init(path: String, keys: KeyRing? = nil) throws {
        try self.init(file: try MappedFile(path: path), keys: keys)
    }

    /// Opens Parquet bytes held in memory (copied).
    public convenience init(bytes: some Collection<UInt8>, name: String = "<memory>", keys: KeyRing? = nil) throws {
        try self.init(file: MappedFile(bytes: bytes, name: name), keys: keys)
    }

    public init(file: MappedFile, keys: KeyRing? = nil) throws {
        self.file = file
        path = file.path
        let size = file.size
        guard size >= 12 else {
            throw ParquetError.corrupt("\(file.path): \(size) bytes is too short for a Parquet file")
        }
        // Magic and footer from the bytes read at open (`head`, `tail`, `footer`), not through the map.
        let tail = file.tail
        let magic = tail.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: tail.count - 4, as: UInt32.self) }
        let plain = Self.magic("PAR1"), encrypted = Self.magic("PARE")
        guard magic == plain || magic == encrypted else {
            throw ParquetError.corrupt("\(file.path): no PAR1 magic at the end (not Parquet, or truncated)")
        }
        guard file.head.withUnsafeBytes({ $0.loadUnaligned(as: UInt32.self) }) == magic else {
            throw ParquetError.corrupt("\(file.path): no \(magic == plain ? "PAR1" : "PARE") magic at the start")
        }
        let footerLength = Int(tail.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: tail.count - 8, as: UInt32.self) }.littleEndian)
        guard footerLength <= size - 12 else {
            throw ParquetError.corrupt("\(file.path): footer length \(footerLength) exceeds the file size \(size)")
        }
        let footerStart = size - 8 - footerLength
        let footerArray: [UInt8]
        if let read = file.footer, read.count == footerLength {
            footerArray = read
        } else {
            footerArray = Array(UnsafeRawBufferPointer(rebasing: file.bytes[footerStart..<(size - 8)]))
        }
        (footer, schema, decryption) = try footerArray.withUnsafeBytes { footerBytes in
            try Self.openFooter(footerArray, footerBytes, encrypted: magic == encrypted, keys: keys, path: file.path)
        }
        dataEnd = footerStart
        try validate()
    }

    /// The footer index, schema and decryption state of the footer bytes (`footerArray`,
    /// also as `footerBytes`).
    private static func openFooter(_ footerArray: [UInt8], _ footerBytes: UnsafeRawBufferPointer, encrypted: Bool, keys: KeyRing?,
                                   path: String) throws -> (ParquetFooter, ParquetSchema, FileDecryption?) {
        var decryption: FileDecryption?
        var keys = keys
        let footer: ParquetFooter
        do {
            if encrypted {
                keys = try keys ?? KeyRing.fromEnvironment()
                var meta: FileMetaData
                (meta, decryption) = try openEncryptedFooter(footerBytes, keys: keys, path: path)
                try decryption?.decryptColumnMetadata(&meta, keys: keys, path: path)
                footer = ParquetFooter(decoded: meta)
            } else {
                let index = try ParquetFooter(indexing: footerArray)
                if let algorithm = index.encryptionAlgorithm {
                    // Encrypted columns under a plaintext footer: their metadata is decrypted
                    // (and the footer's signature checked) up front.
                    keys = try keys ?? KeyRing.fromEnvironment()
                    var (meta, used) = try FileMetaData.decode(footerBytes)
                    decryption = try verifyPlaintextFooter(footerBytes, used: used, meta: meta, algorithm: algorithm, keys: keys, path: path)
                    try decryption?.decryptColumnMetadata(&meta, keys: keys, path: path)
                    footer = ParquetFooter(decoded: meta)
                } else {
                    footer = index
                }
            }
            return (footer, try footer.parquetSchema(), decryption)
        } catch let e as ParquetError {
            if case .encryption = e { throw e }
            throw ParquetError.corrupt("\(path): footer: \(e.description)")
        }
    }

    private static func magic(_ s: StaticString) -> UInt32 {
        s.withUTF8Buffer { UnsafeRawBufferPointer($0).loadUnaligned(as: UInt32.self) }
    }

    /// FileCryptoMetaData, then the footer as a GCM module under the footer key.
    private static func openEncryptedFooter(_ footer: UnsafeRawBufferPointer, keys: KeyRing?, path: String) throws -> (FileMetaData, FileDecryption) {
        let (crypto, used) = try FileCryptoMetaData.decode(footer)
        guard let keys else {
            throw ParquetError.encryption("\(path): the file's footer is encrypted; give its keys (--key-file)")
        }
        let footerKey = try keys.dataKey(metadata: crypto.keyMetadata, what: "\(path): footer key")
        let decryption = try FileDecryption(algorithm: crypto.encryptionAlgorithm, footerKey: footerKey, path: path)
        let plain = try ModuleCipher.gcmDecrypt(UnsafeRawBufferPointer(rebasing: footer[used...]), key: try ModuleCipher.key(footerKey, what: "footer key"),
                                                aad: decryption.aad(.footer), what: "\(path): footer")
        return (try FileMetaData.decode(plain).value, decryption)
    }

    /// A plaintext footer of a file with encrypted columns ends in a 28-byte signature (nonce,
    /// GCM tag); with the footer key it is checked, so a tampered footer is refused.
    private static func verifyPlaintextFooter(_ footer: UnsafeRawBufferPointer, used: Int, meta: FileMetaData, algorithm: EncryptionAlgorithm,
                                              keys: KeyRing?, path: String) throws -> FileDecryption {
        guard let keys else { return try FileDecryption(algorithm: algorithm, footerKey: nil, path: path) }
        let footerKey = try keys.dataKey(metadata: meta.footerSigningKeyMetadata, what: "\(path): footer signing key")
        let decryption = try FileDecryption(algorithm: algorithm, footerKey: footerKey, path: path)
        guard footer.count - used >= ModuleCipher.nonceLength + ModuleCipher.tagLength else {
            throw ParquetError.encryption("\(path): plaintext footer without its signature")
        }
        let nonce = Array(UnsafeRawBufferPointer(rebasing: footer[used..<(used + 12)]))
        let tag = Array(UnsafeRawBufferPointer(rebasing: footer[(used + 12)..<(used + 28)]))
        let expected = try ModuleCipher.gcmTag(UnsafeRawBufferPointer(rebasing: footer[0..<used]), key: ModuleCipher.key(footerKey, what: "footer key"),
                                               nonce: nonce, aad: decryption.aad(.footer))
        guard expected == tag else {
            throw ParquetError.encryption("\(path): the footer's signature does not verify (wrong footer key, or the footer was altered)")
        }
        return decryption
    }

    /// Column chunk (g, c) of the footer, decoded on first use; a chunk that does not decode
    /// is a `ParquetError.corrupt` naming the file, row group and column.
    public func columnChunk(rowGroup g: Int, column c: Int) throws -> ColumnChunk {
        do {
            return try footer.columnChunk(rowGroup: g, column: c)
        } catch let e as ParquetError {
            throw e.prefixed(path)
        }
    }

    /// The whole footer as the Thrift model (`ParquetFooter.fullMetadata()`), for tools that
    /// show it; errors name the file.
    public func fullMetadata() throws -> FileMetaData {
        do {
            return try footer.fullMetadata()
        } catch let e as ParquetError {
            throw e.prefixed(path)
        }
    }

    /// The metadata of chunk (g, c), with a clear error when it is encrypted with a key the
    /// reader lacks or lives in another file.
    public func columnMetaData(rowGroup g: Int, column c: Int) throws -> ColumnMetaData {
        _ = try decryption?.chunk(rowGroup: g, column: c)
        guard let meta = try columnChunk(rowGroup: g, column: c).metaData else {
            throw ParquetError.unsupported("\(path): row group \(g), column \(schema.columns[c].name): column chunk stored in another file")
        }
        return meta
    }

    /// Where the footer starts: no page may extend past it.
    let dataEnd: Int

    /// Checks the footer's numbers against the file before anything is allocated from them
    /// (chunks are checked as they are decoded).
    private func validate() throws {
        guard footer.numRows >= 0 else { throw ParquetError.corrupt("\(path): negative row count") }
        for (g, rows) in footer.rowGroupRows.enumerated() {
            guard rows >= 0, rows <= Int64(Int32.max), rows <= Int64(max(file.size, 4096)) * 1024 else {
                throw ParquetError.corrupt("\(path): row group \(g) claims \(rows) rows")
            }
            guard footer.columnCount(rowGroup: g) == schema.columns.count else {
                throw ParquetError.corrupt("\(path): row group \(g) has \(footer.columnCount(rowGroup: g)) column chunks for \(schema.columns.count) columns")
            }
        }
    }

    public var rowGroupCount: Int { footer.rowGroupCount }
    public var rowCount: Int { Int(footer.numRows) }

    /// Rows in row group `g` (0 for a row group the file does not have).
    public func rowCount(rowGroup g: Int) -> Int {
        g >= 0 && g < footer.rowGroupRows.count ? Int(footer.rowGroupRows[g]) : 0
    }

    /// The byte range of a column chunk's pages.
    public func chunkRange(rowGroup: Int, column: Int) throws -> (offset: Int64, length: Int64) {
        try Self.pageRange(try columnMetaData(rowGroup: rowGroup, column: column))
    }

    static func pageRange(_ meta: ColumnMetaData) -> (offset: Int64, length: Int64) {
        var start = meta.dataPageOffset
        // Some writers set dictionary_page_offset to 0 or omit it; only trust it when it
        // points before the first data page.
        if let d = meta.dictionaryPageOffset, d > 0, d < start { start = d }
        return (start, meta.totalCompressedSize)
    }

    /// Decodes the given columns (all by default) of one row group.
    public func readRowGroup(_ index: Int, columns wanted: [Int]? = nil, decompressor: Decompressor = Decompressor()) throws -> RecordBatch {
        guard index >= 0, index < rowGroupCount else {
            throw ParquetError.invalidArgument("\(path): no row group \(index)")
        }
        let columnIndices = wanted ?? Array(schema.columns.indices)
        var columns: [Column] = []
        columns.reserveCapacity(columnIndices.count)
        for c in columnIndices {
            columns.append(try readColumn(rowGroup: index, column: c, decompressor: decompressor))
        }
        let full = schema.arrowSchema
        return RecordBatch(schema: Schema(columnIndices.map { full.fields[$0] }), columns: columns, rowCount: rowCount(rowGroup: index))
    }

    /// Decodes one column chunk; with `rows`, only those rows, skipping pages that hold none.
    public func readColumn(rowGroup: Int, column: Int, decompressor: Decompressor = Decompressor(), rows wanted: RowRanges? = nil) throws -> Column {
        var reused = false
        return try readColumn(rowGroup: rowGroup, column: column, decompressor: decompressor, rows: wanted, dictionaries: nil, dictionaryReused: &reused)
    }

    /// Decodes one column chunk as `readColumn(rowGroup:column:decompressor:rows:)` does, taking
    /// its dictionary from `dictionaries` when kept there (and keeping it there once decoded);
    /// `dictionaryReused` tells whether it was. Files held in memory and encrypted chunks
    /// decode their dictionary every time.
    public func readColumn(rowGroup: Int, column: Int, decompressor: Decompressor, rows wanted: RowRanges?,
                           dictionaries: (any DictionaryPageCache)?, dictionaryReused: inout Bool) throws -> Column {
        var (reader, offset, length) = try chunkReader(rowGroup: rowGroup, column: column)
        reader.setDictionaryCache(dictionaries, file: file, rowGroup: rowGroup, column: column)
        let col = try reader.read(decompressor: decompressor, wanted: wanted)
        dictionaryReused = reader.dictionariesReused > 0
        file.release(offset, length)
        return col
    }

    /// The count of non-NULL values of one flat INT32, INT64 or DOUBLE column chunk, with the
    /// sum and extremes `wants` asks for, folded page by page while decoding: the column is
    /// never held (see `ChunkSummary`). Throws `unsupported` for other columns.
    /// `dictionaries` as in `readColumn(rowGroup:column:decompressor:rows:dictionaries:dictionaryReused:)`.
    public func summarizeColumn(rowGroup: Int, column: Int, wants: ChunkSummary.Wants, decompressor: Decompressor,
                                dictionaries: (any DictionaryPageCache)? = nil) throws -> ChunkSummary {
        var (reader, offset, length) = try chunkReader(rowGroup: rowGroup, column: column)
        reader.setDictionaryCache(dictionaries, file: file, rowGroup: rowGroup, column: column)
        let summary = try reader.summarize(wants, decompressor: decompressor)
        file.release(offset, length)
        return summary
    }

    /// A reader over one flat column chunk's pages, and the byte range to release after it.
    private func chunkReader(rowGroup: Int, column: Int) throws -> (ColumnChunkReader, offset: Int64, length: Int64) {
        guard column >= 0, column < schema.columns.count else {
            throw ParquetError.invalidArgument("\(path): no column \(column)")
        }
        let descriptor = schema.columns[column]
        let location = "\(path): row group \(rowGroup), column \(descriptor.name)"
        let meta = try columnMetaData(rowGroup: rowGroup, column: column)
        let rows = rowCount(rowGroup: rowGroup)
        guard meta.numValues >= 0 else { throw ParquetError.corrupt("\(location): negative value count") }
        if descriptor.maxRepetitionLevel == 0, meta.numValues != Int64(rows) {
            throw ParquetError.corrupt("\(location): \(meta.numValues) values for \(rows) rows")
        }
        let (offset, length) = Self.pageRange(meta)
        _ = try file.slice(offset, length, what: location)
        // Old parquet-mr files under-count total_compressed_size when the dictionary page sits
        // at data_page_offset, so pages may run past the declared length: allow them up to
        // the footer, and stop once the chunk's values are read.
        let bytes = try file.slice(offset, max(length, Int64(dataEnd) - offset), what: location)
        var reader = ColumnChunkReader(descriptor: descriptor, chunk: bytes, codec: meta.codec, numValues: rows, location: location)
        reader.crypto = try decryption?.chunk(rowGroup: rowGroup, column: column)
        return (reader, offset, length)
    }

    /// One leaf column chunk of any nesting as raw repetition / definition levels and the
    /// defined values (see `LeafLevels`); flat files need `readColumn` instead.
    public func readLevels(rowGroup: Int, column: Int, decompressor: Decompressor = Decompressor()) throws -> LeafLevels {
        guard rowGroup >= 0, rowGroup < rowGroupCount, column >= 0, column < schema.columns.count else {
            throw ParquetError.invalidArgument("\(path): no row group \(rowGroup) / column \(column)")
        }
        let descriptor = schema.columns[column]
        let location = "\(path): row group \(rowGroup), column \(descriptor.path.joined(separator: "."))"
        let meta = try columnMetaData(rowGroup: rowGroup, column: column)
        guard meta.numValues >= 0, meta.numValues <= Int64(Int32.max) else { throw ParquetError.corrupt("\(location): bad value count \(meta.numValues)") }
        let (offset, length) = Self.pageRange(meta)
        _ = try file.slice(offset, length, what: location)
        let bytes = try file.slice(offset, max(length, Int64(dataEnd) - offset), what: location)
        var reader = ColumnChunkReader(descriptor: descriptor, chunk: bytes, codec: meta.codec, numValues: Int(meta.numValues), location: location)
        reader.crypto = try decryption?.chunk(rowGroup: rowGroup, column: column)
        let levels = try reader.readLevels(decompressor: decompressor)
        file.release(offset, length)
        return levels
    }

    /// The dictionary of a column chunk when every data page is dictionary-encoded, so that a
    /// value absent from it is absent from the chunk; nil when that cannot be known.
    public func dictionaryIfFullyEncoded(rowGroup: Int, column: Int, decompressor: Decompressor = Decompressor(),
                                         dictionaries: (any DictionaryPageCache)? = nil) throws -> ColumnValues? {
        guard let meta = try columnChunk(rowGroup: rowGroup, column: column).metaData else { return nil }
        if let stats = meta.encodingStats {
            let dataPages = stats.filter { $0.pageType == .dataPage || $0.pageType == .dataPageV2 }
            guard !dataPages.isEmpty, dataPages.allSatisfy({ $0.encoding.isDictionary || $0.count == 0 }) else { return nil }
        } else {
            // Without encoding stats a PLAIN entry may be a fallback data page: trust only
            // chunks that list no PLAIN at all (old writers' PLAIN_DICTIONARY-only chunks).
            let valueEncodings = Set(meta.encodings).subtracting([.rle, .bitPacked])
            guard valueEncodings.contains(where: \.isDictionary), !valueEncodings.contains(.plain),
                  valueEncodings.isSubset(of: [.plainDictionary, .rleDictionary]) else { return nil }
        }
        let descriptor = schema.columns[column]
        let (offset, length) = Self.pageRange(meta)
        let bytes = try file.slice(offset, max(length, Int64(dataEnd) - offset), what: "\(path): column \(descriptor.name)")
        var reader = ColumnChunkReader(descriptor: descriptor, chunk: bytes, codec: meta.codec, numValues: Int(meta.numValues),
                                       location: "\(path): row group \(rowGroup), column \(descriptor.name)")
        reader.crypto = try decryption?.chunk(rowGroup: rowGroup, column: column)
        reader.setDictionaryCache(dictionaries, file: file, rowGroup: rowGroup, column: column)
        return try reader.readDictionaryPage(decompressor: decompressor)
    }

    /// The page index of a column chunk, if the file has one.
    public func columnIndex(rowGroup: Int, column: Int) throws -> ColumnIndex? {
        let chunk = try columnChunk(rowGroup: rowGroup, column: column)
        guard let offset = chunk.columnIndexOffset, let length = chunk.columnIndexLength else { return nil }
        let bytes = try file.slice(offset, Int64(length), what: "\(path): column index")
        if let crypto = try decryption?.chunk(rowGroup: rowGroup, column: column) {
            return try ColumnIndex.decode(try crypto.decryptModule(bytes, .columnIndex, what: "\(path): column index")).value
        }
        return try ColumnIndex.decode(bytes).value
    }

    /// The page locations of a column chunk, if the file has an offset index.
    public func offsetIndex(rowGroup: Int, column: Int) throws -> OffsetIndex? {
        let chunk = try columnChunk(rowGroup: rowGroup, column: column)
        guard let offset = chunk.offsetIndexOffset, let length = chunk.offsetIndexLength else { return nil }
        let bytes = try file.slice(offset, Int64(length), what: "\(path): offset index")
        if let crypto = try decryption?.chunk(rowGroup: rowGroup, column: column) {
            return try OffsetIndex.decode(try crypto.decryptModule(bytes, .offsetIndex, what: "\(path): offset index")).value
        }
        return try OffsetIndex.decode(bytes).value
    }

    /// Key-value metadata of the footer as a dictionary (later keys win).
    public var keyValueMetadata: [String: String] {
        var out: [String: String] = [:]
        for kv in footer.keyValueMetadata ?? [] { out[kv.key] = kv.value ?? "" }
        return out
    }
}

/// A leaf column's Dremel encoding, unassembled: entry `i` has repetition level
/// `repetition[i]` (0 starts a new row) and definition level `definition[i]`; the entries
/// whose definition level is the column's maximum hold the values of `values`, in order.
public struct LeafLevels: Sendable {
    public var definition: [UInt8]
    public var repetition: [UInt8]
    public var values: Column

    /// Levels and defined values of one leaf (what `LevelsWriter` writes).
    public init(definition: [UInt8], repetition: [UInt8], values: Column) {
        self.definition = definition
        self.repetition = repetition
        self.values = values
    }
}
