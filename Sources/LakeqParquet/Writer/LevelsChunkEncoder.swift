import LakeqColumnar

/// Encodes one leaf column chunk given as raw Dremel levels (`LeafLevels`): the writing mirror
/// of `ColumnChunkReader.readLevels`. Values are dictionary-encoded when that beats PLAIN,
/// else PLAIN; levels are RLE/bit-packed hybrid at the width of the leaf's maximum level.
/// Data pages always start at a row boundary (repetition level 0), so page statistics and the
/// offset index's first-row numbers are exact. Statistics count a leaf entry whose
/// definition level is below the maximum (a null at any depth, an empty or null list) as a null.
///
/// Input checks (throwing `invalidArgument`, never trapping): level counts agree, every level
/// is within its maximum, the first entry starts a row, a repeated continuation (repetition
/// level r > 0) defines the r-th repeated ancestor, the number of defined entries equals the
/// number of values, and the values' storage fits the leaf's type.
struct LevelsChunkEncoder {
    let options: WriterOptions

    /// A leaf's fixed facts, derived once from the schema.
    struct Leaf {
        let descriptor: ColumnDescriptor
        let field: Field
        /// Per repetition level r (index r - 1): the definition level at which the r-th
        /// repeated ancestor is present; a continuation at level r needs at least that.
        let repeatedDefinitionLevels: [Int]
    }

    /// Checked input: entry count, row count and the dense values.
    struct Checked {
        let entries: Int
        let rows: Int
        let values: ColumnValues
    }

    private struct Page {
        var entries: Range<Int>
        var values: Range<Int>
        var firstRow: Int
        var rows: Int
    }

    /// Validates `levels` for `leaf`; returns its entry and row counts.
    static func check(_ levels: LeafLevels, _ leaf: Leaf) throws -> Checked {
        let d = leaf.descriptor
        let what = "column \(d.path.joined(separator: "."))"
        func fail(_ m: String) -> ParquetError { .invalidArgument("\(what): \(m)") }
        let maxDef = d.maxDefinitionLevel, maxRep = d.maxRepetitionLevel
        let values = levels.values
        let entries = maxDef > 0 ? levels.definition.count : (maxRep > 0 ? levels.repetition.count : values.count)
        if maxDef > 0 || !levels.definition.isEmpty {
            guard levels.definition.count == entries else { throw fail("\(levels.definition.count) definition levels for \(entries) entries") }
        }
        if maxRep > 0 || !levels.repetition.isEmpty {
            guard levels.repetition.count == entries else { throw fail("\(levels.repetition.count) repetition levels for \(entries) entries") }
        }
        var defined = 0, rows = 0
        let def = levels.definition, rep = levels.repetition
        for i in 0..<entries {
            let dl = def.isEmpty ? maxDef : Int(def[i])
            let rl = rep.isEmpty ? 0 : Int(rep[i])
            guard dl <= maxDef else { throw fail("definition level \(dl) above the maximum \(maxDef) at entry \(i)") }
            guard rl <= maxRep else { throw fail("repetition level \(rl) above the maximum \(maxRep) at entry \(i)") }
            if rl == 0 { rows += 1 } else {
                guard i > 0 else { throw fail("the first entry has repetition level \(rl); it must start a row (0)") }
                guard dl >= leaf.repeatedDefinitionLevels[rl - 1] else {
                    throw fail("entry \(i) continues the list at repetition level \(rl) but its definition level \(dl) leaves that list undefined")
                }
            }
            if dl == maxDef { defined += 1 }
        }
        guard defined == values.count else { throw fail("\(defined) defined entries but \(values.count) values") }
        if let v = values.validity, v.setCount < min(v.count, values.count) || v.count < values.count {
            throw fail("values must be the defined values only (no nulls among them)")
        }
        let storage = StorageKind(values.values)
        guard values.count == 0 || SchemaConversion.accepts(leaf.field.type, storage) else {
            throw fail("\(leaf.field.type) cannot be written from \(storage.name) values")
        }
        try checkBuffers(values.values, count: values.count, what: what)
        return Checked(entries: entries, rows: rows, values: values.values)
    }

    /// Malformed buffers (offsets out of range, short fixed data, bad dictionary indices) are
    /// refused so that encoding never traps.
    static func checkBuffers(_ v: ColumnValues, count: Int, what: String) throws {
        func fail(_ m: String) -> ParquetError { .invalidArgument("\(what): \(m)") }
        switch v {
        case .boolean(let a): guard a.count >= count else { throw fail("fewer values than declared") }
        case .int32(let a): guard a.count >= count else { throw fail("fewer values than declared") }
        case .int64(let a): guard a.count >= count else { throw fail("fewer values than declared") }
        case .float32(let a): guard a.count >= count else { throw fail("fewer values than declared") }
        case .float64(let a): guard a.count >= count else { throw fail("fewer values than declared") }
        case .bytes(let b):
            guard b.offsets.count == b.count + 1, b.count >= count, let first = b.offsets.first, first >= 0,
                  let last = b.offsets.last, Int(last) <= b.data.count else { throw fail("byte-array offsets out of range") }
            var prev = first
            for o in b.offsets {
                guard o >= prev else { throw fail("byte-array offsets decrease") }
                prev = o
            }
        case .fixed(let f):
            guard f.width >= 1, f.data.count >= f.width * f.count, f.count >= count else { throw fail("fixed-width buffer malformed") }
        case .dictionary(let d, let idx):
            if case .dictionary = d { throw fail("nested dictionaries are not supported") }
            guard idx.count >= count else { throw fail("fewer dictionary indices than values") }
            try checkBuffers(d, count: d.count, what: what)
            let n = Int32(truncatingIfNeeded: d.count)
            for i in idx where i < 0 || i >= n { throw fail("dictionary index \(i) out of range") }
        case .list, .structure: throw fail("leaf values cannot be nested")
        }
    }

    /// Encodes the checked chunk; offsets are relative to the chunk's first byte.
    func encode(_ levels: LeafLevels, _ checked: Checked, _ leaf: Leaf) throws -> EncodedChunk {
        let d = leaf.descriptor
        let name = d.path.joined(separator: ".")
        let physical = d.physicalType
        let maxDef = d.maxDefinitionLevel, maxRep = d.maxRepetitionLevel
        let storage = StorageKind(checked.values)
        let order: StatOrder = options.statistics ? StatOrder.of(leaf.field.type, storage: storage) : .none

        // Values: a dictionary when it beats PLAIN, else PLAIN.
        var dense = checked.values
        var dict: DictionaryEncoded?
        if case .dictionary(let dv, let idx) = checked.values {
            let used = Array(idx.prefix(levels.values.count))
            if options.dictionary, physical != .boolean {
                dict = DictionaryEncoder.reuse(dictionary: dv, indices: used, limit: options.dictionaryPageSizeLimit)
            }
            dense = dict == nil ? dv.gather(used) : .int32([])
        } else if options.dictionary, physical != .boolean, levels.values.count > 0,
                  let candidate = DictionaryEncoder.encode(dense, limit: options.dictionaryPageSizeLimit) {
            let bw = ColumnChunkWriter.bitWidth(candidate.dictionary.count)
            let dictBytes = DictionaryEncoder.plainSize(candidate.dictionary) + (levels.values.count * bw + 7) / 8
            if dictBytes < DictionaryEncoder.plainSize(dense) { dict = candidate }
        }
        let bitWidth = dict.map { ColumnChunkWriter.bitWidth($0.dictionary.count) } ?? 0

        let pages = splitPages(levels, checked, maxDefinition: maxDef, dense: dense, dictionaryBitWidth: dict == nil ? nil : bitWidth)

        var out: [UInt8] = []
        var uncompressedTotal: Int64 = 0
        var encodingStats: [PageEncodingStats] = []
        var encodings: [Encoding] = [.rle]
        var dictionaryPageOffset: Int64?
        if let dict {
            let body = ColumnChunkWriter.plain(dict.dictionary, 0..<dict.dictionary.count)
            let compressed = try compress(body)
            let header = PageHeader(
                type: .dictionaryPage, uncompressedPageSize: try int32(body.count, name), compressedPageSize: try int32(compressed.count, name),
                dictionaryPageHeader: DictionaryPageHeader(numValues: try int32(dict.dictionary.count, name), encoding: .plain))
            dictionaryPageOffset = 0
            let h = header.serialized()
            out += h
            out += compressed
            uncompressedTotal += Int64(h.count + body.count)
            encodingStats.append(PageEncodingStats(pageType: .dictionaryPage, encoding: .plain, count: 1))
            encodings = [.plain, .rle, .rleDictionary]
        } else {
            encodings = [.plain, .rle]
        }
        let dataEncoding: Encoding = dict == nil ? .plain : .rleDictionary
        let dataPageOffset = Int64(out.count)
        let defWidth = 64 - UInt64(maxDef).leadingZeroBitCount, repWidth = 64 - UInt64(maxRep).leadingZeroBitCount

        var chunkBounds: Bounds?
        var locations: [PageLocation] = []
        var nullPages: [Bool] = [], minValues: [[UInt8]] = [], maxValues: [[UInt8]] = [], nullCounts: [Int64] = []
        var pageBounds: [Bounds?] = []
        var allBoundsKnown = order != .none
        let ranks: [Int32]? = {
            guard let dict, order != .none, case .bytes = dict.dictionary else { return nil }
            return ColumnChunkWriter.ranks(dict.dictionary, order)
        }()
        for page in pages {
            // Bounds of the page's values.
            var bounds: Bounds?
            if order != .none, !page.values.isEmpty {
                if let dict {
                    bounds = dict.indices.withUnsafeBufferPointer { idx -> Bounds? in
                        if let ranks { return ColumnChunkWriter.rankBounds(idx, page.values, ranks, dict.dictionary, order) }
                        if let numeric = ColumnChunkWriter.numericDictionaryBounds(idx, dict.dictionary, order) { return numeric(page.values) }
                        return StatisticsBuilder.bounds(dict.dictionary.gather(Array(idx[page.values])), 0..<page.values.count, order)
                    }
                } else {
                    bounds = StatisticsBuilder.bounds(dense, page.values, order)
                }
            }
            pageBounds.append(bounds)
            chunkBounds = StatisticsBuilder.merge(chunkBounds, bounds, order)
            let nulls = page.entries.count - page.values.count
            let stats = options.statistics
                ? StatisticsBuilder.statistics(bounds, nullCount: nulls, order: order, truncateTo: options.statisticsTruncateLength) : nil

            let values: [UInt8]
            if let dict {
                var v: [UInt8] = [UInt8(bitWidth)]
                dict.indices.withUnsafeBufferPointer { idx in
                    UnsafeBufferPointer(rebasing: idx[page.values]).withMemoryRebound(to: UInt32.self) { u in
                        var e = RLEHybridEncoder(bitWidth: bitWidth)
                        e.append(contentsOf: u)
                        e.flush(into: &v)
                    }
                }
                values = v
            } else {
                values = ColumnChunkWriter.plain(dense, page.values)
            }
            let repLevels = maxRep > 0 ? Self.levels(levels.repetition, page.entries, width: repWidth) : nil
            let defLevels = maxDef > 0 ? Self.levels(levels.definition, page.entries, width: defWidth) : nil

            var header: PageHeader
            var body: [UInt8]
            var uncompressedSize: Int
            if options.pageVersion == 2 {
                // v2: levels unprefixed and never compressed, then the (compressed) values.
                let compressedValues = try compress(values)
                body = (repLevels ?? []) + (defLevels ?? [])
                body += compressedValues
                uncompressedSize = (repLevels?.count ?? 0) + (defLevels?.count ?? 0) + values.count
                header = PageHeader(
                    type: .dataPageV2, uncompressedPageSize: try int32(uncompressedSize, name), compressedPageSize: try int32(body.count, name),
                    dataPageHeaderV2: DataPageHeaderV2(
                        numValues: try int32(page.entries.count, name), numNulls: try int32(nulls, name), numRows: try int32(page.rows, name),
                        encoding: dataEncoding, definitionLevelsByteLength: try int32(defLevels?.count ?? 0, name),
                        repetitionLevelsByteLength: try int32(repLevels?.count ?? 0, name),
                        isCompressed: options.compression != .uncompressed, statistics: stats))
            } else {
                // v1: each level section prefixed by its 4-byte length, all compressed together.
                var raw: [UInt8] = []
                raw.reserveCapacity(8 + (repLevels?.count ?? 0) + (defLevels?.count ?? 0) + values.count)
                for section in [repLevels, defLevels] {
                    guard let section else { continue }
                    ColumnChunkWriter.appendLength(section.count, to: &raw)
                    raw += section
                }
                raw += values
                uncompressedSize = raw.count
                body = try compress(raw)
                header = PageHeader(
                    type: .dataPage, uncompressedPageSize: try int32(uncompressedSize, name), compressedPageSize: try int32(body.count, name),
                    dataPageHeader: DataPageHeader(
                        numValues: try int32(page.entries.count, name), encoding: dataEncoding,
                        definitionLevelEncoding: .rle, repetitionLevelEncoding: .rle, statistics: stats))
            }
            let h = header.serialized()
            locations.append(PageLocation(offset: Int64(out.count), compressedPageSize: try int32(h.count + body.count, name),
                                          firstRowIndex: Int64(page.firstRow)))
            out += h
            out += body
            uncompressedTotal += Int64(h.count + uncompressedSize)
            nullCounts.append(Int64(nulls))
            if page.values.isEmpty {
                nullPages.append(true); minValues.append([]); maxValues.append([])
            } else if let b = bounds {
                nullPages.append(false)
                minValues.append(StatisticsBuilder.truncateMin(b.min, order, options.statisticsTruncateLength).0)
                maxValues.append(StatisticsBuilder.truncateMax(b.max, order, options.statisticsTruncateLength).0)
            } else {
                allBoundsKnown = false
            }
        }
        let dataPageType: PageType = options.pageVersion == 2 ? .dataPageV2 : .dataPage
        encodingStats.append(PageEncodingStats(pageType: dataPageType, encoding: dataEncoding, count: try int32(pages.count, name)))
        let chunkStats = options.statistics
            ? StatisticsBuilder.statistics(chunkBounds, nullCount: checked.entries - levels.values.count, order: order,
                                           truncateTo: options.statisticsTruncateLength) : nil
        let meta = ColumnMetaData(
            type: physical, encodings: encodings, pathInSchema: d.path, codec: options.compression,
            numValues: Int64(checked.entries), totalUncompressedSize: uncompressedTotal, totalCompressedSize: Int64(out.count),
            dataPageOffset: dataPageOffset, dictionaryPageOffset: dictionaryPageOffset, statistics: chunkStats,
            encodingStats: encodingStats)
        var columnIndex: ColumnIndex?
        if options.pageIndex, allBoundsKnown {
            columnIndex = ColumnIndex(nullPages: nullPages, minValues: minValues, maxValues: maxValues,
                                      boundaryOrder: StatisticsBuilder.boundaryOrder(pageBounds, order), nullCounts: nullCounts)
        }
        return EncodedChunk(bytes: out, metaData: meta, columnIndex: columnIndex, offsetIndex: OffsetIndex(pageLocations: locations))
    }

    /// Cuts the entries into pages at row starts once a page holds `pageRows` rows or about
    /// `pageBytes` of values.
    private func splitPages(_ levels: LeafLevels, _ checked: Checked, maxDefinition fullDef: Int, dense: ColumnValues,
                            dictionaryBitWidth: Int?) -> [Page] {
        let n = checked.entries
        if n == 0 { return [Page(entries: 0..<0, values: 0..<0, firstRow: 0, rows: 0)] }
        var fixedBits = 0
        var offsets: [Int32]?
        if let bw = dictionaryBitWidth { fixedBits = max(bw, 1) } else {
            switch dense {
            case .boolean: fixedBits = 1
            case .int32, .float32: fixedBits = 32
            case .int64, .float64: fixedBits = 64
            case .fixed(let f): fixedBits = max(f.width, 1) * 8
            case .bytes(let b): offsets = b.offsets
            case .dictionary, .list, .structure: fixedBits = 32
            }
        }
        let limitBits = options.pageBytes * 8
        let def = levels.definition, rep = levels.repetition
        var pages: [Page] = []
        var e0 = 0, v0 = 0, row0 = 0, rows = 0, bits = 0, v = 0
        for i in 0..<n {
            let startsRow = rep.isEmpty || rep[i] == 0
            if startsRow {
                // A page closes only where a row starts.
                if i > e0, rows >= options.pageRows || bits >= limitBits {
                    pages.append(Page(entries: e0..<i, values: v0..<v, firstRow: row0, rows: rows))
                    e0 = i; v0 = v; row0 += rows; rows = 0; bits = 0
                }
                rows += 1
            }
            if def.isEmpty || Int(def[i]) == fullDef {
                if let offsets { bits += (4 + Int(offsets[v + 1] - offsets[v])) * 8 } else { bits += fixedBits }
                v += 1
            }
            bits += 2  // levels, roughly
        }
        pages.append(Page(entries: e0..<n, values: v0..<v, firstRow: row0, rows: rows))
        return pages
    }

    /// Levels `levels[range]`, RLE/bit-packed hybrid at `width` bits, without length prefix.
    static func levels(_ levels: [UInt8], _ range: Range<Int>, width: Int) -> [UInt8] {
        var e = RLEHybridEncoder(bitWidth: width)
        var buffer = [UInt32](repeating: 0, count: min(range.count, 4096))
        var i = range.lowerBound
        while i < range.upperBound {
            let k = min(buffer.count, range.upperBound - i)
            for j in 0..<k { buffer[j] = UInt32(levels[i + j]) }
            buffer.withUnsafeBufferPointer { e.append(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<k])) }
            i += k
        }
        return e.finish()
    }

    private func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        if options.compression == .uncompressed { return bytes }
        return try bytes.withUnsafeBytes { try Compression.compress(options.compression, $0, level: options.compressionLevel) }
    }

    private func int32(_ n: Int, _ column: String) throws -> Int32 {
        guard let v = Int32(exactly: n) else { throw ParquetError.invalidArgument("column \(column): page or chunk too large (\(n))") }
        return v
    }
}
