import LakeqColumnar

/// Decodes one column chunk, page by page, into a `Column`.
///
/// The chunk's bytes come straight from the file map; only compressed pages are copied,
/// into a scratch buffer reused across pages.
struct ColumnChunkReader {
    let descriptor: ColumnDescriptor
    let chunk: UnsafeRawBufferPointer
    let codec: CompressionCodec
    /// Total values (rows, for flat columns) the chunk's pages must hold.
    let numValues: Int
    /// Where this chunk is, for error messages.
    let location: String

    private let scratch = ScratchBuffer()
    /// Set for an encrypted chunk: page headers and bodies are decrypted as they are read.
    var crypto: ChunkDecryptor?
    /// Decrypted page bodies (separate from `scratch`, which holds decompressed ones).
    private let decrypted = ScratchBuffer()
    /// Pages decrypted so far, and data pages among them (the page ordinal of the AAD).
    private var encryptedPages = 0, encryptedDataPages = 0
    /// Rows of the chunk passed so far, decoded or skipped.
    private var rowsSeen = 0
    /// Data pages skipped because no wanted row fell in them.
    private(set) var pagesSkipped = 0
    /// Dictionary-encoded data pages of which only the wanted rows were decoded.
    private(set) var pagesReadSparsely = 0
    private var levelScratch: [UInt32] = []
    var pagesRead = 0
    /// Decoded dictionaries kept across reads, and this chunk's key there (nil: the dictionary
    /// page is decoded every time). Set by `setDictionaryCache`, never for an encrypted chunk.
    private var dictionaries: (cache: any DictionaryPageCache, key: DictionaryPageKey)?
    /// Dictionary pages taken from `dictionaries` rather than decoded.
    private(set) var dictionariesReused = 0
    /// A fixed-width PLAIN dictionary page left undecoded while only a few rows are wanted
    /// (`deferDictionary`): sparse pages gather their rows' values straight from its bytes,
    /// in `dictionaryScratch`; the first page decoded whole decodes it.
    private var deferredDictionary: (bytes: UnsafeRawBufferPointer, count: Int)?
    private let dictionaryScratch = ScratchBuffer()

    init(descriptor: ColumnDescriptor, chunk: UnsafeRawBufferPointer, codec: CompressionCodec, numValues: Int, location: String) {
        self.descriptor = descriptor
        self.chunk = chunk
        self.codec = codec
        self.numValues = numValues
        self.location = location
    }

    private func corrupt(_ message: String) -> ParquetError {
        .corrupt("\(location): \(message)")
    }

    /// Reads the pages and returns the column: every row, or with `wanted` only those rows
    /// (in order), skipping the decompression and decoding of pages that hold none of them.
    mutating func read(decompressor: Decompressor, wanted: RowRanges? = nil) throws -> Column {
        guard descriptor.maxRepetitionLevel == 0 else {
            throw ParquetError.unsupported("\(location): nested (repeated) columns are not supported yet")
        }
        var builder = ColumnBuilder(descriptor: descriptor, expectedRows: wanted?.count ?? numValues)
        let segments = try decodePages(decompressor: decompressor, wanted: wanted, into: &builder)
        let column = builder.finish()
        guard let wanted else { return column }
        // Map the wanted chunk rows onto the decoded pages' rows.
        var indices: [Int32] = []
        indices.reserveCapacity(wanted.count)
        var s = 0, sparseNext = 0
        for range in wanted.ranges {
            for row in range {
                while s < segments.count && row >= segments[s].chunkRow + segments[s].rows {
                    s += 1
                    sparseNext = 0
                }
                guard s < segments.count, row >= segments[s].chunkRow else {
                    throw corrupt("row \(row) is not in the column chunk")
                }
                if segments[s].sparse {
                    indices.append(Int32(segments[s].builderRow + sparseNext))
                    sparseNext += 1
                } else {
                    indices.append(Int32(segments[s].builderRow + row - segments[s].chunkRow))
                }
            }
        }
        return column.gather(indices)
    }

    /// Decodes every page as `read` does, folding the values into a `ChunkSummary` (count, and
    /// the sum and extremes `wants` asks for) instead of building the column.
    mutating func summarize(_ wants: ChunkSummary.Wants, decompressor: Decompressor) throws -> ChunkSummary {
        guard descriptor.maxRepetitionLevel == 0, ChunkSummary.canSummarize(descriptor.physicalType) else {
            throw ParquetError.unsupported("\(location): only flat INT32, INT64 and DOUBLE columns can be summarized")
        }
        var builder = ColumnBuilder(descriptor: descriptor, expectedRows: 0)
        builder.summary = ChunkSummary(wants: wants)
        _ = try decodePages(decompressor: decompressor, wanted: nil, into: &builder)
        guard var summary = builder.summary else { throw corrupt("summary lost") }
        summary.rows = builder.count
        return summary
    }

    /// Decoded pages: (first row in the chunk, first row in the builder, rows); a sparse page
    /// put only its wanted rows in the builder, in order.
    private typealias Segment = (chunkRow: Int, builderRow: Int, rows: Int, sparse: Bool)

    /// The page loop of `read` and `summarize`.
    private mutating func decodePages(decompressor: Decompressor, wanted: RowRanges?, into builder: inout ColumnBuilder) throws -> [Segment] {
        var segments: [Segment] = []
        var pos = 0
        while rowsSeen < numValues {
            let (header, body) = try nextPage(&pos, valuesRead: builder.count)
            let uncompressedSize = Int(header.uncompressedPageSize)
            pagesRead += 1
            switch header.type {
            case .dictionaryPage:
                if deferredDictionary != nil { throw corrupt("a second dictionary page") }
                if wanted != nil, builder.dictionary == nil, try deferDictionary(header, body, decompressor: decompressor) { continue }
                try readDictionary(header, body, decompressor: decompressor, into: &builder)
            case .dataPage, .dataPageV2:
                let v1 = header.dataPageHeader, v2 = header.dataPageHeaderV2
                let rows = try dataPageValues(header)
                // Pages holding none of the wanted rows are neither decompressed nor decoded.
                if let wanted, !wanted.overlaps(rowsSeen..<(rowsSeen + rows)) {
                    rowsSeen += rows
                    pagesSkipped += 1
                    continue
                }
                if let wanted, let picked = Self.sparseRows(wanted, in: rowsSeen..<(rowsSeen + rows)),
                   try readSparsePage(header, body, rows: rows, picked: picked, decompressor: decompressor, builder: &builder) {
                    segments.append((rowsSeen, builder.count - picked.count, rows, true))
                    rowsSeen += rows
                    pagesReadSparsely += 1
                    continue
                }
                try decodeDeferredDictionary(into: &builder)
                segments.append((rowsSeen, builder.count, rows, false))
                if let v1 {
                    try readPageV1(v1, data: try decompressed(body, uncompressedSize: uncompressedSize, decompressor: decompressor), builder: &builder)
                } else if let v2 {
                    try readPageV2(v2, body: body, uncompressedSize: uncompressedSize, decompressor: decompressor, builder: &builder)
                }
                rowsSeen += rows
            default:
                continue  // index pages and unknown page types carry no values
            }
        }
        return segments
    }

    /// Reads a leaf of any nesting as its raw levels and its defined values (the Dremel
    /// columns, not assembled): one repetition and definition level per entry, and the values
    /// of the entries whose definition level is the maximum, in order. For nested data such
    /// as Delta checkpoints' maps and lists, which callers assemble themselves.
    mutating func readLevels(decompressor: Decompressor) throws -> LeafLevels {
        let valueDescriptor = ColumnDescriptor(
            index: descriptor.index, name: descriptor.name, path: descriptor.path, physicalType: descriptor.physicalType,
            typeLength: descriptor.typeLength, maxDefinitionLevel: 0, maxRepetitionLevel: 0, element: descriptor.element,
            dataType: descriptor.dataType, sortOrder: descriptor.sortOrder)
        var builder = ColumnBuilder(descriptor: valueDescriptor, expectedRows: numValues)
        var out = LeafLevels(definition: [], repetition: [], values: Column(type: descriptor.dataType, values: .int32([])))
        let maxDef = UInt32(descriptor.maxDefinitionLevel), maxRep = UInt32(descriptor.maxRepetitionLevel)
        let defWidth = 64 - UInt64(maxDef).leadingZeroBitCount, repWidth = 64 - UInt64(maxRep).leadingZeroBitCount
        var entries: [UInt32] = []
        // One section of levels (no length prefix) into `into`, checked against `max`.
        func levels(_ data: UnsafeRawBufferPointer, width: Int, max: UInt32, count: Int, into: inout [UInt8]) throws {
            guard count > 0 else { return }
            var decoder = try RLEHybridDecoder(data, bitWidth: width)
            if entries.count < count { entries = [UInt32](repeating: 0, count: count) }
            try entries.withUnsafeMutableBufferPointer { try decoder.decode(into: $0.baseAddress!, count: count) }
            // Narrowed in one pass over raw buffers (a per-entry append pays a uniqueness check
            // each time); the largest level is checked once, after the loop.
            let base = into.count
            into.append(contentsOf: repeatElement(0, count: count))
            var largest: UInt32 = 0
            entries.withUnsafeBufferPointer { src in
                into.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<count {
                        let e = src[i]
                        largest = Swift.max(largest, e)
                        dst[base + i] = UInt8(truncatingIfNeeded: e)
                    }
                }
            }
            guard largest <= max else { throw corrupt("level \(largest) above the maximum \(max)") }
        }
        // A v1 section: 4-byte length, then the hybrid levels; returns the bytes used.
        func prefixed(_ data: UnsafeRawBufferPointer) throws -> (UnsafeRawBufferPointer, Int) {
            guard data.count >= 4 else { throw corrupt("levels truncated") }
            let length = Int(data.loadUnaligned(as: UInt32.self).littleEndian)
            guard length <= data.count - 4 else { throw corrupt("levels length \(length) exceeds the page") }
            return (UnsafeRawBufferPointer(rebasing: data[4..<(4 + length)]), 4 + length)
        }
        var pos = 0
        while rowsSeen < numValues {
            let (header, body) = try nextPage(&pos, valuesRead: rowsSeen)
            let uncompressedSize = Int(header.uncompressedPageSize)
            switch header.type {
            case .dictionaryPage:
                try readDictionary(header, body, decompressor: decompressor, into: &builder)
            case .dataPage, .dataPageV2:
                let v1 = header.dataPageHeader, v2 = header.dataPageHeaderV2
                let count = try dataPageValues(header)
                // Levels are materialized one byte each: bound what a hostile header can ask for.
                guard count <= 1 << 26 else { throw corrupt("page declares \(count) level entries") }
                let firstDef = out.definition.count
                var values: UnsafeRawBufferPointer
                let encoding: Encoding
                if let v1 {
                    var rest = try decompressed(body, uncompressedSize: uncompressedSize, decompressor: decompressor)
                    if maxRep > 0 {
                        let (section, used) = try prefixed(rest)
                        try levels(section, width: repWidth, max: maxRep, count: count, into: &out.repetition)
                        rest = UnsafeRawBufferPointer(rebasing: rest[used...])
                    }
                    if maxDef > 0 {
                        let (section, used) = try prefixed(rest)
                        try levels(section, width: defWidth, max: maxDef, count: count, into: &out.definition)
                        rest = UnsafeRawBufferPointer(rebasing: rest[used...])
                    }
                    values = rest
                    encoding = v1.encoding
                } else if let v2 {
                    let repLength = Int(v2.repetitionLevelsByteLength), defLength = Int(v2.definitionLevelsByteLength)
                    guard repLength >= 0, defLength >= 0, repLength <= body.count, defLength <= body.count - repLength else {
                        throw corrupt("data page v2 level lengths exceed the page")
                    }
                    if maxRep > 0 { try levels(UnsafeRawBufferPointer(rebasing: body[0..<repLength]), width: repWidth, max: maxRep, count: count, into: &out.repetition) }
                    if maxDef > 0 { try levels(UnsafeRawBufferPointer(rebasing: body[repLength..<(repLength + defLength)]), width: defWidth, max: maxDef, count: count, into: &out.definition) }
                    let compressedValues = UnsafeRawBufferPointer(rebasing: body[(repLength + defLength)...])
                    let valuesSize = uncompressedSize - repLength - defLength
                    guard valuesSize >= 0 else { throw corrupt("data page v2 uncompressed size smaller than its levels") }
                    values = v2.isCompressed ?? true && codec != .uncompressed && compressedValues.count > 0
                        ? try decompressed(compressedValues, uncompressedSize: valuesSize, decompressor: decompressor) : compressedValues
                    encoding = v2.encoding
                } else {
                    continue
                }
                if maxRep == 0 { out.repetition.append(contentsOf: repeatElement(0, count: count)) }
                var defined = count
                if maxDef > 0 {
                    let top = UInt8(maxDef)
                    defined = out.definition.withUnsafeBufferPointer { d in
                        var n = 0
                        for i in firstDef..<d.count { n &+= d[i] == top ? 1 : 0 }
                        return n
                    }
                }
                if maxDef == 0 { out.definition.append(contentsOf: repeatElement(0, count: count)) }
                try decodeValues(values, encoding: encoding, count: defined, builder: &builder)
                guard builder.storedCount == builder.count + defined else { throw corrupt("page decoded the wrong number of values") }
                builder.finishPage(rows: defined, nonNull: defined)
                rowsSeen += count
            default:
                continue
            }
        }
        if let first = out.repetition.first, first != 0 { throw corrupt("first repetition level is \(first), not 0") }
        out.values = builder.finish()
        return out
    }

    /// The page header at `pos` and the page's (compressed) body; `pos` moves past the page.
    private mutating func nextPage(_ pos: inout Int, valuesRead: Int) throws -> (PageHeader, UnsafeRawBufferPointer) {
        guard pos < chunk.count else { throw corrupt("column chunk ends after \(valuesRead) of \(numValues) values") }
        if let crypto { return try nextEncryptedPage(&pos, crypto) }
        let header: PageHeader, headerSize: Int
        do {
            (header, headerSize) = try PageHeader.decode(UnsafeRawBufferPointer(rebasing: chunk[pos...]))
        } catch let e as ParquetError {
            throw e.prefixed("\(location): page header at chunk offset \(pos)")
        }
        pos += headerSize
        let compressedSize = Int(header.compressedPageSize)
        guard compressedSize >= 0, header.uncompressedPageSize >= 0, compressedSize <= chunk.count - pos else {
            throw corrupt("page of \(compressedSize) bytes runs past the end of its column chunk")
        }
        let body = UnsafeRawBufferPointer(rebasing: chunk[pos..<(pos + compressedSize)])
        pos += compressedSize
        return (header, body)
    }

    /// An encrypted page: a GCM header module, then the body module (GCM, or CTR). Whether the
    /// first page is a dictionary page decides its header's AAD; both are tried, and the
    /// authentication tag tells which holds.
    private mutating func nextEncryptedPage(_ pos: inout Int, _ crypto: ChunkDecryptor) throws -> (PageHeader, UnsafeRawBufferPointer) {
        let rest = UnsafeRawBufferPointer(rebasing: chunk[pos...])
        let headerLength = try ModuleCipher.moduleLength(rest, what: "\(location): page header")
        let what = "\(location): page \(encryptedPages) header"
        var plainHeader: [UInt8]
        if encryptedPages == 0, let dictionaryHeader = try? crypto.decryptModule(rest, .dictionaryPageHeader, what: what) {
            plainHeader = dictionaryHeader
        } else {
            plainHeader = try crypto.decryptModule(rest, .dataPageHeader, page: encryptedDataPages, what: what)
        }
        let header = try PageHeader.decode(plainHeader).value
        pos += headerLength
        let compressedSize = Int(header.compressedPageSize)
        guard compressedSize >= 0, header.uncompressedPageSize >= 0, compressedSize <= chunk.count - pos else {
            throw corrupt("page of \(compressedSize) bytes runs past the end of its column chunk")
        }
        let module = UnsafeRawBufferPointer(rebasing: chunk[pos..<(pos + compressedSize)])
        pos += compressedSize
        encryptedPages += 1
        let body: [UInt8]
        switch header.type {
        case .dictionaryPage:
            body = try crypto.decryptPage(module, .dictionaryPage, what: "\(location): dictionary page")
        case .dataPage, .dataPageV2:
            body = try crypto.decryptPage(module, .dataPage, page: encryptedDataPages, what: "\(location): data page \(encryptedDataPages)")
            encryptedDataPages += 1
        default:
            return (header, UnsafeRawBufferPointer(start: nil, count: 0))
        }
        let out = decrypted.reserve(body.count)
        body.withUnsafeBytes { out.copyMemory(from: $0) }
        return (header, UnsafeRawBufferPointer(out))
    }

    private mutating func readDictionary(_ header: PageHeader, _ body: UnsafeRawBufferPointer, decompressor: Decompressor,
                                         into builder: inout ColumnBuilder) throws {
        try builder.setDictionary(try dictionaryValues(header, body, decompressor: decompressor))
    }

    /// The chunk's dictionary, if its first page is a dictionary page (nil otherwise).
    mutating func readDictionaryPage(decompressor: Decompressor) throws -> ColumnValues? {
        guard chunk.count > 0 else { return nil }
        var pos = 0
        let (header, body) = try nextPage(&pos, valuesRead: 0)
        guard header.type == .dictionaryPage else { return nil }
        return try dictionaryValues(header, body, decompressor: decompressor)
    }

    /// A dictionary page's values: from `dictionaries` when it holds this chunk's, else
    /// decompressed and decoded (and then offered to `dictionaries`; a page that fails to
    /// decode throws before that, so it is never kept).
    private mutating func dictionaryValues(_ header: PageHeader, _ body: UnsafeRawBufferPointer, decompressor: Decompressor) throws -> ColumnValues {
        guard let dict = header.dictionaryPageHeader else { throw corrupt("dictionary page without its header") }
        let count = Int(dict.numValues)
        if let dictionaries, let kept = dictionaries.cache.dictionary(dictionaries.key), kept.count == count {
            dictionariesReused += 1
            return kept
        }
        let data = try decompressed(body, uncompressedSize: Int(header.uncompressedPageSize), decompressor: decompressor)
        let values = try decodeDictionary(data, count: count, encoding: dict.encoding)
        if let dictionaries { dictionaries.cache.insert(values, for: dictionaries.key) }
        return values
    }

    // MARK: pages

    private mutating func readPageV1(_ h: DataPageHeader, data: UnsafeRawBufferPointer, builder: inout ColumnBuilder) throws {
        let rows = Int(h.numValues)
        var rest = data
        var nonNull = rows
        if descriptor.maxDefinitionLevel > 0 {
            let used: Int
            (nonNull, used) = try decodeLevelsV1(rest, encoding: h.definitionLevelEncoding, rows: rows, builder: &builder)
            rest = UnsafeRawBufferPointer(rebasing: rest[used...])
        }
        try decodeValues(rest, encoding: h.encoding, count: nonNull, builder: &builder)
        try finishPage(rows: rows, nonNull: nonNull, builder: &builder)
    }

    private mutating func readPageV2(
        _ h: DataPageHeaderV2, body: UnsafeRawBufferPointer, uncompressedSize: Int,
        decompressor: Decompressor, builder: inout ColumnBuilder
    ) throws {
        let rows = Int(h.numValues)
        let (defBytes, values) = try sectionsV2(h, body: body, uncompressedSize: uncompressedSize, decompressor: decompressor)
        var nonNull = rows
        if descriptor.maxDefinitionLevel > 0 {
            nonNull = try decodeHybridLevels(defBytes, rows: rows, builder: &builder)
        }
        try decodeValues(values, encoding: h.encoding, count: nonNull, builder: &builder)
        try finishPage(rows: rows, nonNull: nonNull, builder: &builder)
    }

    /// A v2 page's definition levels and its values section, decompressed. Levels are never
    /// compressed in v2; only the values section is.
    private mutating func sectionsV2(
        _ h: DataPageHeaderV2, body: UnsafeRawBufferPointer, uncompressedSize: Int, decompressor: Decompressor
    ) throws -> (definitionLevels: UnsafeRawBufferPointer, values: UnsafeRawBufferPointer) {
        let repLength = Int(h.repetitionLevelsByteLength)
        let defLength = Int(h.definitionLevelsByteLength)
        guard repLength >= 0, defLength >= 0, repLength <= body.count, defLength <= body.count - repLength else {
            throw corrupt("data page v2 level lengths exceed the page")
        }
        let defBytes = UnsafeRawBufferPointer(rebasing: body[repLength..<(repLength + defLength)])
        let valuesCompressed = UnsafeRawBufferPointer(rebasing: body[(repLength + defLength)...])
        let valuesSize = uncompressedSize - repLength - defLength
        guard valuesSize >= 0 else { throw corrupt("data page v2 uncompressed size smaller than its levels") }
        if h.isCompressed ?? true, codec != .uncompressed, valuesCompressed.count > 0 {
            return (defBytes, try decompressed(valuesCompressed, uncompressedSize: valuesSize, decompressor: decompressor))
        }
        return (defBytes, valuesCompressed)
    }

    /// A data page's value count from its v1 or v2 header, checked against what the chunk has left.
    private func dataPageValues(_ header: PageHeader) throws -> Int {
        guard let declared = header.type == .dataPage ? header.dataPageHeader?.numValues : header.dataPageHeaderV2?.numValues else {
            throw corrupt("\(header.type) without its header")
        }
        return try pageRowCount(declared)
    }

    private func pageRowCount(_ declared: Int32) throws -> Int {
        let rows = Int(declared)
        guard rows >= 0, rows <= numValues - rowsSeen else {
            throw corrupt("page declares \(declared) values but the chunk has \(numValues - rowsSeen) left")
        }
        return rows
    }

    /// The page's validity bits (if the column has levels) were appended while decoding its
    /// levels; this checks the value count and spreads the dense values over the rows.
    private mutating func finishPage(rows: Int, nonNull: Int, builder: inout ColumnBuilder) throws {
        let stored = builder.storedCount
        guard stored == builder.count + nonNull else {
            throw corrupt("page decoded \(stored - builder.count) values, expected \(nonNull)")
        }
        builder.finishPage(rows: rows, nonNull: nonNull)
    }

    // MARK: sparse pages

    /// The page rows (relative to `page.lowerBound`) that `wanted` picks, when they are few
    /// enough for decoding them alone to pay: at most one in eight of the page's rows.
    static func sparseRows(_ wanted: RowRanges, in page: Range<Int>) -> [Int]? {
        var picked: [Int] = []
        let limit = page.count / 8
        for range in wanted.ranges where range.overlaps(page) {
            let r = range.clamped(to: page)
            guard picked.count + r.count <= limit else { return nil }
            for row in r { picked.append(row - page.lowerBound) }
        }
        return picked.isEmpty ? nil : picked
    }

    /// Decodes only the `picked` rows of a dictionary-encoded data page (late materialization
    /// of a few surviving rows): the definition levels are read whole, the indices of the other
    /// rows are stepped over, never unpacked or gathered. false (nothing consumed from the
    /// builder) for a page this does not handle: another encoding, no dictionary yet, BIT_PACKED
    /// levels, an encrypted chunk; the caller then decodes the page whole.
    private mutating func readSparsePage(
        _ header: PageHeader, _ body: UnsafeRawBufferPointer, rows: Int, picked: [Int],
        decompressor: Decompressor, builder: inout ColumnBuilder
    ) throws -> Bool {
        guard crypto == nil, builder.dictionary != nil || deferredDictionary != nil else { return false }
        let maxDef = descriptor.maxDefinitionLevel
        let levels: UnsafeRawBufferPointer?, values: UnsafeRawBufferPointer
        if let h = header.dataPageHeader {
            guard h.encoding.isDictionary, maxDef == 0 || h.definitionLevelEncoding == .rle else { return false }
            let data = try decompressed(body, uncompressedSize: Int(header.uncompressedPageSize), decompressor: decompressor)
            if maxDef > 0 {
                let rle = try prefixedLevelsV1(data)
                levels = rle
                values = UnsafeRawBufferPointer(rebasing: data[(4 + rle.count)...])
            } else {
                levels = nil
                values = data
            }
        } else if let h = header.dataPageHeaderV2 {
            guard h.encoding.isDictionary else { return false }
            let sections = try sectionsV2(h, body: body, uncompressedSize: Int(header.uncompressedPageSize), decompressor: decompressor)
            levels = maxDef > 0 ? sections.definitionLevels : nil
            values = sections.values
        } else {
            return false
        }

        // Each picked row's level, and the position among the page's values of those defined.
        var pickedLevels: [UInt32] = []
        var positions: [Int] = []
        positions.reserveCapacity(picked.count)
        if let levels {
            prepareLevelScratch(rows)
            var decoder = try RLEHybridDecoder(levels, bitWidth: levelBitWidth)
            let top = UInt32(maxDef)
            let highest = try levelScratch.withUnsafeMutableBufferPointer { buf in
                try decoder.decode(into: buf.baseAddress!, count: rows)
                var highest: UInt32 = 0
                for level in UnsafeBufferPointer(rebasing: buf[0..<rows]) { highest = Swift.max(highest, level) }
                return highest
            }
            // As the whole-page decode does: a level above the maximum anywhere is corrupt.
            guard highest <= top else { throw corrupt("definition level \(highest) above the maximum \(top)") }
            pickedLevels.reserveCapacity(picked.count)
            levelScratch.withUnsafeBufferPointer { levels in
                // Defined rows before each picked row, counted in plain loops LLVM vectorizes
                // (a page of 131k rows is counted for every column of a late-materialized row group).
                var defined = 0, row = 0
                for p in picked {
                    var n = 0
                    for level in UnsafeBufferPointer(rebasing: levels[row..<p]) { n &+= level == top ? 1 : 0 }
                    defined += n
                    row = p
                    pickedLevels.append(levels[p])
                    if levels[p] == top { positions.append(defined) }
                }
            }
        } else {
            positions = picked
        }

        var indices = [Int32](repeating: 0, count: positions.count)
        if !positions.isEmpty {
            guard values.count >= 1 else { throw corrupt("empty dictionary-index page") }
            var decoder = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: values[1...]), bitWidth: Int(values[0]))
            let dictionaryCount = deferredDictionary?.count ?? builder.dictionaryCount
            var next = 0
            try indices.withUnsafeMutableBufferPointer { out in
                for (i, position) in positions.enumerated() {
                    try decoder.skip(position - next)
                    try decoder.decodeDictionaryIndices(into: out.baseAddress! + i, count: 1, dictionaryCount: dictionaryCount)
                    next = position + 1
                }
            }
        }
        if levels != nil {
            pickedLevels.withUnsafeBufferPointer { builder.appendValidity(levels: $0) }
        }
        if let deferred = deferredDictionary {
            indices.withUnsafeBufferPointer { builder.appendDictionaryIndices(decoded: $0, plainDictionary: deferred.bytes) }
        } else {
            try indices.withUnsafeBufferPointer { try builder.appendDictionaryIndices(decoded: $0) }
        }
        try finishPage(rows: picked.count, nonNull: positions.count, builder: &builder)
        return true
    }

    /// Keeps a dictionary page undecoded (`deferredDictionary`) when only some rows are
    /// wanted, so that pages read sparsely take their few values from its bytes instead of
    /// the whole dictionary being copied out first (a high-cardinality BIGINT's dictionary is
    /// a MiB, for the ~40 rows a selective filter keeps in a row group). Only PLAIN pages of
    /// INT32, INT64, FLOAT and DOUBLE on a little-endian host, outside encryption and the
    /// dictionary cache (which wants the decoded values). false: decode it now.
    private mutating func deferDictionary(_ header: PageHeader, _ body: UnsafeRawBufferPointer, decompressor: Decompressor) throws -> Bool {
#if _endian(little)
        guard crypto == nil, dictionaries == nil, deferredDictionary == nil,
              let dict = header.dictionaryPageHeader, dict.encoding == .plain || dict.encoding == .plainDictionary else { return false }
        let width: Int
        switch descriptor.physicalType {
        case .int32, .float: width = 4
        case .int64, .double: width = 8
        default: return false
        }
        let count = Int(dict.numValues)
        let data = try decompressed(body, uncompressedSize: Int(header.uncompressedPageSize), decompressor: decompressor, into: dictionaryScratch)
        guard count >= 0, count <= data.count / width else {
            throw corrupt("dictionary page declares \(count) values in \(data.count) bytes")
        }
        deferredDictionary = (data, count)
        return true
#else
        return false
#endif
    }

    /// Decodes a deferred dictionary page into the builder, before a page that needs it whole.
    private mutating func decodeDeferredDictionary(into builder: inout ColumnBuilder) throws {
        guard let deferred = deferredDictionary else { return }
        deferredDictionary = nil
        builder.setDeferredDictionary(try decodeDictionary(deferred.bytes, count: deferred.count, encoding: .plain))
    }

    // MARK: levels

    /// v1 definition levels: RLE with a 4-byte length prefix, or the deprecated BIT_PACKED.
    /// Returns the non-null count and the bytes used.
    private mutating func decodeLevelsV1(
        _ data: UnsafeRawBufferPointer, encoding: Encoding, rows: Int, builder: inout ColumnBuilder
    ) throws -> (Int, Int) {
        if encoding == .rle {
            let rle = try prefixedLevelsV1(data)
            let nonNull = try decodeHybridLevels(rle, rows: rows, builder: &builder)
            return (nonNull, 4 + rle.count)
        } else if encoding == .bitPacked {
            let width = levelBitWidth
            let used = (rows * width + 7) / 8
            guard used <= data.count else { throw corrupt("bit-packed definition levels truncated") }
            prepareLevelScratch(rows)
            let maxDef = UInt32(descriptor.maxDefinitionLevel)
            var nonNull = 0
            // Deprecated BIT_PACKED levels are packed most significant bit first.
            for i in 0..<rows {
                var v: UInt32 = 0
                for b in 0..<width {
                    let bit = i * width + b
                    v = (v << 1) | UInt32((data[bit >> 3] >> UInt8(7 - (bit & 7))) & 1)
                }
                guard v <= maxDef else { throw corrupt("definition level \(v) above the maximum \(maxDef)") }
                levelScratch[i] = v
                if v == maxDef { nonNull += 1 }
            }
            levelScratch.withUnsafeBufferPointer { builder.appendValidity(levels: UnsafeBufferPointer(rebasing: $0[0..<rows])) }
            return (nonNull, used)
        }
        throw ParquetError.unsupported("\(location): definition level encoding \(encoding)")
    }

    /// v1 RLE definition levels: the hybrid data after their 4-byte length (4 + its count bytes used).
    private func prefixedLevelsV1(_ data: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer {
        guard data.count >= 4 else { throw corrupt("definition levels truncated") }
        let length = Int(data.loadUnaligned(as: UInt32.self).littleEndian)
        guard length <= data.count - 4 else { throw corrupt("definition levels length \(length) exceeds the page") }
        return UnsafeRawBufferPointer(rebasing: data[4..<(4 + length)])
    }

    private var levelBitWidth: Int { 64 - UInt64(descriptor.maxDefinitionLevel).leadingZeroBitCount }

    private mutating func prepareLevelScratch(_ rows: Int) {
        if levelScratch.count < rows { levelScratch = [UInt32](repeating: 0, count: rows) }
    }

    /// RLE/bit-packed hybrid definition levels into the builder's validity; returns how many
    /// equal the maximum (the page's non-null values).
    private mutating func decodeHybridLevels(_ data: UnsafeRawBufferPointer, rows: Int, builder: inout ColumnBuilder) throws -> Int {
        var decoder = try RLEHybridDecoder(data, bitWidth: levelBitWidth)
        if descriptor.maxDefinitionLevel == 1 {
            // Flat optional columns (the common case): 1-bit levels are the validity bits.
            return try builder.appendValidity(decoding: &decoder, rows: rows)
        }
        prepareLevelScratch(rows)
        let maxDef = UInt32(descriptor.maxDefinitionLevel)
        let location = self.location
        return try levelScratch.withUnsafeMutableBufferPointer { buf in
            guard rows > 0, let p = buf.baseAddress else { return 0 }
            try decoder.decode(into: p, count: rows)
            var nonNull = 0
            var highest: UInt32 = 0
            for i in 0..<rows {
                let v = p[i]
                highest = max(highest, v)
                nonNull &+= v == maxDef ? 1 : 0
            }
            guard highest <= maxDef else {
                throw ParquetError.corrupt("\(location): definition level \(highest) above the maximum \(maxDef)")
            }
            builder.appendValidity(levels: UnsafeBufferPointer(rebasing: buf[0..<rows]))
            return nonNull
        }
    }

    // MARK: values

    private func decodeDictionary(_ data: UnsafeRawBufferPointer, count: Int, encoding: Encoding) throws -> ColumnValues {
        guard encoding == .plain || encoding == .plainDictionary else {
            throw ParquetError.unsupported("\(location): dictionary page encoding \(encoding)")
        }
        guard count >= 0, count <= max(data.count, 0) * 8 else {
            throw corrupt("dictionary page declares \(count) values in \(data.count) bytes")
        }
        var b = ColumnBuilder(descriptor: descriptor, expectedRows: count)
        b.ensurePlainMode()
        try appendPlain(data, count: count, builder: &b)
        guard b.storedCount == count else { throw corrupt("dictionary page decoded the wrong number of values") }
        switch descriptor.physicalType {
        case .boolean: return .boolean(b.bools)
        case .int32: return .int32(b.int32s)
        case .int64: return .int64(b.int64s)
        case .float: return .float32(b.floats)
        case .double: return .float64(b.doubles)
        case .byteArray: return .bytes(b.bytes)
        case .int96, .fixedLenByteArray: return .fixed(b.fixed)
        }
    }

    private func decodeValues(_ data: UnsafeRawBufferPointer, encoding: Encoding, count n: Int, builder: inout ColumnBuilder) throws {
        if encoding.isDictionary {
            try builder.appendDictionaryIndices(data, count: n)
            return
        }
        builder.ensurePlainMode()
        let name = descriptor.name
        switch encoding {
        case .plain:
            try appendPlain(data, count: n, builder: &builder)
        case .rle where descriptor.physicalType == .boolean:
            guard data.count >= 4 else { throw corrupt("RLE boolean page truncated") }
            let length = Int(data.loadUnaligned(as: UInt32.self).littleEndian)
            guard length <= data.count - 4 else { throw corrupt("RLE boolean length exceeds the page") }
            var decoder = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: data[4..<(4 + length)]), bitWidth: 1)
            var tmp = [UInt32](repeating: 0, count: n)
            if n > 0 { try tmp.withUnsafeMutableBufferPointer { try decoder.decode(into: $0.baseAddress!, count: n) } }
            builder.bools.append(contentsOf: tmp.lazy.map { $0 != 0 })
        case .deltaBinaryPacked where descriptor.physicalType == .int32:
            let (values, _) = try DeltaBinaryPacked.decode(data, maxValues: n, as: Int32.self)
            guard values.count == n else { throw corrupt("DELTA_BINARY_PACKED page holds \(values.count) values, expected \(n)") }
            builder.int32s.append(contentsOf: values)
        case .deltaBinaryPacked where descriptor.physicalType == .int64:
            let (values, _) = try DeltaBinaryPacked.decode(data, maxValues: n, as: Int64.self)
            guard values.count == n else { throw corrupt("DELTA_BINARY_PACKED page holds \(values.count) values, expected \(n)") }
            builder.int64s.append(contentsOf: values)
        case .deltaLengthByteArray where descriptor.physicalType == .byteArray:
            builder.bytes.append(contentsOf: try DeltaLengthByteArray.decode(data, count: n))
        case .deltaByteArray where descriptor.physicalType == .byteArray:
            builder.bytes.append(contentsOf: try DeltaByteArray.decode(data, count: n))
        case .deltaByteArray where descriptor.physicalType == .fixedLenByteArray:
            let values = try DeltaByteArray.decode(data, count: n)
            let w = builder.fixed.width
            for i in 0..<values.count {
                guard values.range(i).count == w else { throw corrupt("DELTA_BYTE_ARRAY value of the wrong width for FIXED_LEN_BYTE_ARRAY(\(w))") }
            }
            builder.fixed.data.append(contentsOf: values.data)
        case .byteStreamSplit:
            try appendByteStreamSplit(data, count: n, builder: &builder)
        default:
            throw ParquetError.unsupported("\(location): encoding \(encoding) for \(descriptor.physicalType) column \(name)")
        }
    }

    private func appendByteStreamSplit(_ data: UnsafeRawBufferPointer, count n: Int, builder: inout ColumnBuilder) throws {
        let width: Int
        switch descriptor.physicalType {
        case .int32, .float: width = 4
        case .int64, .double: width = 8
        case .fixedLenByteArray: width = descriptor.typeLength
        default: throw ParquetError.unsupported("\(location): BYTE_STREAM_SPLIT for \(descriptor.physicalType)")
        }
        let bytes = try ByteStreamSplit.decode(data, count: n, width: width)
        try bytes.withUnsafeBytes { raw in
            try appendPlain(raw, count: n, builder: &builder)
        }
    }

    private func appendPlain(_ data: UnsafeRawBufferPointer, count n: Int, builder: inout ColumnBuilder) throws {
        let name = descriptor.name
        switch descriptor.physicalType {
        case .boolean: try PlainDecoder.appendBooleans(data, count: n, to: &builder.bools, column: name)
        case .int32: try PlainDecoder.appendFixedWidth(data, count: n, to: &builder.int32s, column: name)
        case .int64: try PlainDecoder.appendFixedWidth(data, count: n, to: &builder.int64s, column: name)
        case .float: try PlainDecoder.appendFixedWidth(data, count: n, to: &builder.floats, column: name)
        case .double: try PlainDecoder.appendFixedWidth(data, count: n, to: &builder.doubles, column: name)
        case .byteArray: try PlainDecoder.appendByteArrays(data, count: n, to: &builder.bytes, column: name)
        case .int96, .fixedLenByteArray: try PlainDecoder.appendFixedBytes(data, count: n, to: &builder.fixed, column: name)
        }
    }

    // MARK: decompression

    /// Pages over this size are refused unless the compressed size makes them plausible,
    /// so a hostile header cannot make the reader allocate gigabytes.
    static let pageSizeCap = 256 << 20

    /// The page body decompressed into `target` (by default the scratch buffer the next page
    /// reuses), or the body itself when the chunk is not compressed.
    private mutating func decompressed(
        _ body: UnsafeRawBufferPointer, uncompressedSize: Int, decompressor: Decompressor, into target: ScratchBuffer? = nil
    ) throws -> UnsafeRawBufferPointer {
        if codec == .uncompressed { return body }
        guard uncompressedSize <= max(Self.pageSizeCap, body.count.multipliedReportingOverflow(by: 8192).partialValue) else {
            throw corrupt("page claims \(uncompressedSize) bytes uncompressed from \(body.count)")
        }
        let out = (target ?? scratch).reserve(uncompressedSize)
        do {
            try decompressor.decompress(codec, body, into: out)
        } catch let e as ParquetError {
            throw ParquetError.corrupt("\(location): \(e.description)")
        }
        return UnsafeRawBufferPointer(out)
    }
}

extension ColumnChunkReader {
    /// Looks this chunk's dictionary up in `cache` (nil: off): only for a file on disk (it has
    /// an identity) and a chunk that is not encrypted (its plain values are key-dependent).
    mutating func setDictionaryCache(_ cache: (any DictionaryPageCache)?, file: MappedFile, rowGroup: Int, column: Int) {
        guard let cache, crypto == nil, let identity = file.identity else { return }
        dictionaries = (cache, DictionaryPageKey(file: identity, rowGroup: rowGroup, column: column))
    }
}
