import LakeqColumnar

/// One column's buffered rows of a row group, ready to encode.
struct ChunkInput {
    var field: Field
    var element: SchemaElement
    var order: StatOrder
    /// One slot per row (null slots arbitrary); may be `.dictionary`.
    var values: ColumnValues
    /// `nil`: every row is valid.
    var validity: Bitmap?
    var rows: Int
    /// Set when the chunk is encrypted: page headers and bodies become encrypted modules.
    var encryptor: ChunkEncryptor? = nil
}

/// An encoded column chunk. Offsets in `metaData` and `offsetIndex` are relative to the start
/// of `bytes`; the file writer rebases them.
struct EncodedChunk {
    var bytes: [UInt8]
    var metaData: ColumnMetaData
    var columnIndex: ColumnIndex?
    var offsetIndex: OffsetIndex
    /// The chunk's bloom filter, when the options ask for one on this column.
    var bloomFilter: SplitBlockBloomFilter? = nil
}

/// Encodes one column chunk: picks the encoding (dictionary, PLAIN, DELTA_BINARY_PACKED),
/// splits rows into pages, computes statistics and the page index, and compresses.
struct ColumnChunkWriter {
    let options: WriterOptions

    private enum ValueEncoding {
        case dictionary(DictionaryEncoded, bitWidth: Int)
        case plain
        case delta
        /// RLE-encoded booleans (v2 pages).
        case rleBoolean
    }

    private struct Page {
        var rows: Range<Int>
        var values: Range<Int>
    }

    func encode(_ input: ChunkInput) throws -> EncodedChunk {
        let name = input.field.name
        guard let physical = input.element.type else { throw ParquetError.invalidArgument("column \(name): no physical type") }
        let rows = input.rows
        // Nulls only matter for OPTIONAL columns (the caller rejects nulls in REQUIRED ones).
        let validity = input.field.nullable ? input.validity : nil
        var nonNull: [Int32]? = nil
        if let validity, validity.setCount < rows || validity.count < rows {
            var idx: [Int32] = []
            idx.reserveCapacity(rows)
            for r in 0..<rows where validity[r] { idx.append(Int32(r)) }
            nonNull = idx
        }
        let valueCount = nonNull?.count ?? rows

        // Dense values (no null slots), or a dictionary with dense indices.
        var dense: ColumnValues
        var encoding: ValueEncoding = .plain
        var dict: DictionaryEncoded? = nil
        if case .dictionary(let d, let idx) = input.values {
            let denseIdx = nonNull.map { idx.gatherValues($0) } ?? idx
            if options.dictionary, physical != .boolean {
                dict = DictionaryEncoder.reuse(dictionary: d, indices: denseIdx, limit: options.dictionaryPageSizeLimit)
            }
            dense = dict == nil ? d.gather(denseIdx) : .int32([])
        } else {
            dense = nonNull.map { input.values.gather($0) } ?? input.values
        }
        let isInt = physical == .int32 || physical == .int64
        // Ascending integers go to DELTA_BINARY_PACKED (.auto); strictly ascending ones are all
        // distinct, so a dictionary could never beat PLAIN and is not even tried.
        let ascending = isInt && options.deltaIntegers == .auto ? Self.ascendingOrder(dense) : .unordered
        if dict == nil, options.dictionary, physical != .boolean, !(isInt && options.deltaIntegers == .on), ascending != .strictly {
            if let d = DictionaryEncoder.encode(dense, limit: options.dictionaryPageSizeLimit) {
                // Keep the dictionary only when it beats PLAIN (a unique id column does not).
                let bw = Self.bitWidth(d.dictionary.count)
                let dictBytes = DictionaryEncoder.plainSize(d.dictionary) + (valueCount * bw + 7) / 8
                if dictBytes < DictionaryEncoder.plainSize(dense) { dict = d }
            }
        }
        if let dict {
            encoding = .dictionary(dict, bitWidth: Self.bitWidth(dict.dictionary.count))
        } else if isInt, options.deltaIntegers == .on || ascending != .unordered {
            encoding = .delta
        } else if physical == .boolean, options.pageVersion == 2 {
            encoding = .rleBoolean
        }
        // Bloom filter: the distinct values are the dictionary's entries when there is one.
        var bloomFilter: SplitBlockBloomFilter? = nil
        if let bloom = options.bloomFilters[name], physical != .boolean, input.encryptor == nil {
            let distinct = bloom.distinctValues ?? dict?.dictionary.count ?? valueCount
            var filter = SplitBlockBloomFilter(bytes: SplitBlockBloomFilter.optimalBytes(distinctValues: distinct, falsePositiveRate: bloom.falsePositiveRate))
            BloomHash.hashes(dict?.dictionary ?? dense, into: &filter)
            bloomFilter = filter
        }
        if case .dictionary = encoding { dense = .int32([]) }  // not needed any more

        let pages = try splitPages(input, validity: validity, encoding: encoding, dense: dense)

        // Statistics per page.
        let order = options.statistics ? input.order : .none
        var pageBounds: [Bounds?] = []
        pageBounds.reserveCapacity(pages.count)
        if order != .none {
            switch encoding {
            case .dictionary(let d, _):
                d.indices.withUnsafeBufferPointer { idx in
                    if let numeric = Self.numericDictionaryBounds(idx, d.dictionary, order) {
                        for p in pages { pageBounds.append(numeric(p.values)) }
                    } else {
                        let ranks = Self.ranks(d.dictionary, order)
                        for p in pages { pageBounds.append(Self.rankBounds(idx, p.values, ranks, d.dictionary, order)) }
                    }
                }
            default:
                for p in pages { pageBounds.append(StatisticsBuilder.bounds(dense, p.values, order)) }
            }
        } else {
            pageBounds = Array(repeating: nil, count: pages.count)
        }

        // Assemble the chunk.
        var out: [UInt8] = []
        var uncompressedTotal: Int64 = 0
        var encodingStats: [PageEncodingStats] = []
        var encodings: [Encoding] = []
        var dictionaryPageOffset: Int64? = nil
        if case .dictionary(let d, _) = encoding {
            let body = Self.plain(d.dictionary, 0..<d.dictionary.count)
            var compressed = try compress(body)
            if let e = input.encryptor { compressed = try e.page(compressed, .dictionaryPage) }
            let header = PageHeader(
                type: .dictionaryPage, uncompressedPageSize: try int32(body.count, name), compressedPageSize: try int32(compressed.count, name),
                dictionaryPageHeader: DictionaryPageHeader(numValues: try int32(d.dictionary.count, name), encoding: .plain))
            dictionaryPageOffset = 0
            var h = header.serialized()
            if let e = input.encryptor { h = try e.module(h, .dictionaryPageHeader) }
            out.append(contentsOf: h)
            out.append(contentsOf: compressed)
            uncompressedTotal += Int64(h.count + body.count)
            encodingStats.append(PageEncodingStats(pageType: .dictionaryPage, encoding: .plain, count: 1))
            encodings = [.plain, .rle, .rleDictionary]
        }
        let dataEncoding: Encoding
        switch encoding {
        case .dictionary: dataEncoding = .rleDictionary
        case .plain: dataEncoding = .plain; encodings = [.plain, .rle]
        case .delta: dataEncoding = .deltaBinaryPacked; encodings = [.deltaBinaryPacked, .rle]
        case .rleBoolean: dataEncoding = .rle; encodings = [.rle]
        }
        let dataPageOffset = Int64(out.count)
        var locations: [PageLocation] = []
        locations.reserveCapacity(pages.count)
        var chunkBounds: Bounds? = nil
        var allBoundsKnown = order != .none
        var nullPages: [Bool] = [], minValues: [[UInt8]] = [], maxValues: [[UInt8]] = [], nullCounts: [Int64] = []
        for (pi, page) in pages.enumerated() {
            let values = try encodeValues(encoding, dense, page.values)
            let levels: [UInt8]? = input.field.nullable ? Self.levels(validity, page.rows) : nil
            let nulls = page.rows.count - page.values.count
            let bounds = pageBounds[pi]
            chunkBounds = StatisticsBuilder.merge(chunkBounds, bounds, order)
            let stats = options.statistics
                ? StatisticsBuilder.statistics(bounds, nullCount: nulls, order: order, truncateTo: options.statisticsTruncateLength) : nil
            var header: PageHeader
            var body: [UInt8]
            var uncompressedSize: Int
            if options.pageVersion == 2 {
                let compressedValues = options.compression == .uncompressed ? values : try compress(values)
                body = levels ?? []
                body.append(contentsOf: compressedValues)
                if let e = input.encryptor { body = try e.page(body, .dataPage, page: pi) }
                uncompressedSize = (levels?.count ?? 0) + values.count
                header = PageHeader(
                    type: .dataPageV2, uncompressedPageSize: try int32(uncompressedSize, name), compressedPageSize: try int32(body.count, name),
                    dataPageHeaderV2: DataPageHeaderV2(
                        numValues: try int32(page.rows.count, name), numNulls: try int32(nulls, name), numRows: try int32(page.rows.count, name),
                        encoding: dataEncoding, definitionLevelsByteLength: try int32(levels?.count ?? 0, name),
                        repetitionLevelsByteLength: 0, isCompressed: options.compression != .uncompressed, statistics: stats))
            } else {
                var raw: [UInt8] = []
                if let levels {
                    raw.reserveCapacity(4 + levels.count + values.count)
                    Self.appendLength(levels.count, to: &raw)
                    raw.append(contentsOf: levels)
                    raw.append(contentsOf: values)
                } else {
                    raw = values
                }
                uncompressedSize = raw.count
                body = try compress(raw)
                if let e = input.encryptor { body = try e.page(body, .dataPage, page: pi) }
                header = PageHeader(
                    type: .dataPage, uncompressedPageSize: try int32(uncompressedSize, name), compressedPageSize: try int32(body.count, name),
                    dataPageHeader: DataPageHeader(
                        numValues: try int32(page.rows.count, name), encoding: dataEncoding,
                        definitionLevelEncoding: .rle, repetitionLevelEncoding: .rle, statistics: stats))
            }
            var h = header.serialized()
            if let e = input.encryptor { h = try e.module(h, .dataPageHeader, page: pi) }
            locations.append(PageLocation(offset: Int64(out.count), compressedPageSize: try int32(h.count + body.count, name), firstRowIndex: Int64(page.rows.lowerBound)))
            out.append(contentsOf: h)
            out.append(contentsOf: body)
            uncompressedTotal += Int64(h.count + uncompressedSize)
            // Page index entries.
            nullCounts.append(Int64(nulls))
            if page.values.isEmpty {
                nullPages.append(true); minValues.append([]); maxValues.append([])
            } else if let b = bounds {
                nullPages.append(false)
                minValues.append(StatisticsBuilder.truncateMin(b.min, order, options.statisticsTruncateLength).0)
                maxValues.append(StatisticsBuilder.truncateMax(b.max, order, options.statisticsTruncateLength).0)
            } else {
                allBoundsKnown = false  // e.g. a page of only NaN: no valid bounds to index
            }
        }
        let dataPageType: PageType = options.pageVersion == 2 ? .dataPageV2 : .dataPage
        encodingStats.append(PageEncodingStats(pageType: dataPageType, encoding: dataEncoding, count: try int32(pages.count, name)))

        let chunkStats = options.statistics
            ? StatisticsBuilder.statistics(chunkBounds, nullCount: rows - valueCount, order: order, truncateTo: options.statisticsTruncateLength) : nil
        let meta = ColumnMetaData(
            type: physical, encodings: encodings, pathInSchema: [name], codec: options.compression,
            numValues: Int64(rows), totalUncompressedSize: uncompressedTotal, totalCompressedSize: Int64(out.count),
            dataPageOffset: dataPageOffset, dictionaryPageOffset: dictionaryPageOffset, statistics: chunkStats,
            encodingStats: encodingStats)
        var columnIndex: ColumnIndex? = nil
        if options.pageIndex, allBoundsKnown {
            columnIndex = ColumnIndex(
                nullPages: nullPages, minValues: minValues, maxValues: maxValues,
                boundaryOrder: StatisticsBuilder.boundaryOrder(pageBounds, order), nullCounts: nullCounts)
        }
        return EncodedChunk(bytes: out, metaData: meta, columnIndex: columnIndex, offsetIndex: OffsetIndex(pageLocations: locations),
                            bloomFilter: bloomFilter)
    }

    // MARK: pages

    /// Splits rows into pages: a page ends at `pageRows` rows or once its values' estimated
    /// encoded size reaches `pageBytes`.
    private func splitPages(_ input: ChunkInput, validity: Bitmap?, encoding: ValueEncoding, dense: ColumnValues) throws -> [Page] {
        let rows = input.rows
        if rows == 0 { return [Page(rows: 0..<0, values: 0..<0)] }
        // Estimated bits per value; byte arrays are measured value by value.
        var fixedBits = 0
        var lengths: ByteArrays? = nil
        switch encoding {
        case .dictionary(_, let bw): fixedBits = max(bw, 1)
        case .rleBoolean: fixedBits = 1
        case .plain, .delta:
            switch dense {
            case .boolean: fixedBits = 1
            case .int32, .float32: fixedBits = 32
            case .int64, .float64: fixedBits = 64
            case .fixed(let f): fixedBits = max(f.width, 1) * 8
            case .bytes(let b): lengths = b
            case .dictionary, .list, .structure: fixedBits = 32
            }
        }
        let limitBits = options.pageBytes * 8
        var pages: [Page] = []
        var r0 = 0, v0 = 0
        if validity == nil, lengths == nil {
            let perPage = max(1, min(options.pageRows, limitBits / max(fixedBits, 1)))
            while r0 < rows {
                let r1 = min(rows, r0 + perPage)
                pages.append(Page(rows: r0..<r1, values: r0..<r1))
                r0 = r1
            }
            return pages
        }
        var r = 0, v = 0, bits = 0
        let offsets = lengths?.offsets
        while r < rows {
            if validity?[r] ?? true {
                if let offsets { bits += (4 + Int(offsets[v + 1] - offsets[v])) * 8 } else { bits += fixedBits }
                v += 1
            }
            r += 1
            if r - r0 >= options.pageRows || bits >= limitBits {
                pages.append(Page(rows: r0..<r, values: v0..<v))
                r0 = r; v0 = v; bits = 0
            }
        }
        if r0 < rows { pages.append(Page(rows: r0..<rows, values: v0..<v)) }
        return pages
    }

    // MARK: encoding

    private func encodeValues(_ encoding: ValueEncoding, _ dense: ColumnValues, _ range: Range<Int>) throws -> [UInt8] {
        switch encoding {
        case .dictionary(let d, let bw):
            var out: [UInt8] = [UInt8(bw)]
            d.indices.withUnsafeBufferPointer { idx in
                UnsafeBufferPointer(rebasing: idx[range]).withMemoryRebound(to: UInt32.self) { u in
                    var e = RLEHybridEncoder(bitWidth: bw)
                    e.append(contentsOf: u)
                    e.flush(into: &out)
                }
            }
            return out
        case .plain:
            return Self.plain(dense, range)
        case .delta:
            var out: [UInt8] = []
            switch dense {
            case .int32(let v): v.withUnsafeBufferPointer { DeltaBinaryPacked.encode(UnsafeBufferPointer(rebasing: $0[range]), into: &out) }
            case .int64(let v): v.withUnsafeBufferPointer { DeltaBinaryPacked.encode(UnsafeBufferPointer(rebasing: $0[range]), into: &out) }
            default: throw ParquetError.invalidArgument("DELTA_BINARY_PACKED needs integers")
            }
            return out
        case .rleBoolean:
            guard case .boolean(let b) = dense else { throw ParquetError.invalidArgument("RLE booleans need booleans") }
            var e = RLEHybridEncoder(bitWidth: 1)
            for i in range { e.append(b[i] ? 1 : 0) }
            let body = e.finish()
            var out: [UInt8] = []
            Self.appendLength(body.count, to: &out)
            out.append(contentsOf: body)
            return out
        }
    }

    /// PLAIN encoding of `values[range]` (dense).
    static func plain(_ values: ColumnValues, _ range: Range<Int>) -> [UInt8] {
        func raw<T>(_ v: [T]) -> [UInt8] {
            v.withUnsafeBytes { b in
                let s = MemoryLayout<T>.stride
                return Array(b[(range.lowerBound * s)..<(range.upperBound * s)])
            }
        }
        switch values {
        case .boolean(let v):
            var out = [UInt8](repeating: 0, count: (range.count + 7) / 8)
            var k = 0
            for i in range {
                if v[i] { out[k >> 3] |= 1 << UInt8(k & 7) }
                k += 1
            }
            return out
        case .int32(let v): return raw(v)
        case .int64(let v): return raw(v)
        case .float32(let v): return raw(v)
        case .float64(let v): return raw(v)
        case .fixed(let f): return Array(f.data[(range.lowerBound * f.width)..<(range.upperBound * f.width)])
        case .bytes(let b):
            guard !range.isEmpty else { return [] }
            let start = Int(b.offsets[range.lowerBound]), end = Int(b.offsets[range.upperBound])
            var out = [UInt8]()
            out.reserveCapacity(end - start + 4 * range.count)
            b.data.withUnsafeBytes { data in
                for i in range {
                    let r = b.range(i)
                    appendLength(r.count, to: &out)
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[r]))
                }
            }
            return out
        case .dictionary:
            return plain(values.materialized(), range)
        case .list, .structure:
            return []  // nested values are written leaf by leaf
        }
    }

    /// Definition levels (0 = null, 1 = present) of `rows`, RLE/bit-packed hybrid, no prefix.
    static func levels(_ validity: Bitmap?, _ rows: Range<Int>) -> [UInt8] {
        var e = RLEHybridEncoder(bitWidth: 1)
        if let validity {
            var buf = [UInt32](repeating: 1, count: rows.count)
            for r in rows where !validity[r] { buf[r - rows.lowerBound] = 0 }
            buf.withUnsafeBufferPointer { e.append(contentsOf: $0) }
        } else {
            let ones = [UInt32](repeating: 1, count: rows.count)
            ones.withUnsafeBufferPointer { e.append(contentsOf: $0) }
        }
        return e.finish()
    }

    static func appendLength(_ n: Int, to out: inout [UInt8]) {
        let v = UInt32(truncatingIfNeeded: n)
        out.append(UInt8(truncatingIfNeeded: v))
        out.append(UInt8(truncatingIfNeeded: v >> 8))
        out.append(UInt8(truncatingIfNeeded: v >> 16))
        out.append(UInt8(truncatingIfNeeded: v >> 24))
    }

    private func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        if options.compression == .uncompressed { return bytes }
        return try bytes.withUnsafeBytes { try Compression.compress(options.compression, $0, level: options.compressionLevel) }
    }

    private func int32(_ n: Int, _ column: String) throws -> Int32 {
        guard let v = Int32(exactly: n) else { throw ParquetError.invalidArgument("column \(column): page or chunk too large (\(n))") }
        return v
    }

    // MARK: helpers

    /// Bits for dictionary indices 0..<count (at least 1: some readers reject width 0).
    static func bitWidth(_ count: Int) -> Int {
        max(1, 64 - UInt64(max(count - 1, 0)).leadingZeroBitCount)
    }

    enum AscendingOrder { case unordered, ascending, strictly }

    /// Whether integer values never decrease (`.ascending`) or always increase (`.strictly`).
    static func ascendingOrder(_ v: ColumnValues) -> AscendingOrder {
        func check<T: Comparable>(_ a: [T]) -> AscendingOrder {
            a.withUnsafeBufferPointer { p in
                var strictly = true
                var i = 1
                while i < p.count {
                    if p[i] < p[i - 1] { return .unordered }
                    if p[i] == p[i - 1] { strictly = false }
                    i += 1
                }
                return strictly ? .strictly : .ascending
            }
        }
        switch v {
        case .int32(let a): return check(a)
        case .int64(let a): return check(a)
        default: return .unordered
        }
    }

    /// Page bounds of a dictionary-encoded page of numbers: the min and max entry found by
    /// comparing the referenced values directly (one pass over the indices; sorting a large
    /// dictionary to rank it costs more). nil for orders it does not cover.
    static func numericDictionaryBounds(_ idx: UnsafeBufferPointer<Int32>, _ dictionary: ColumnValues,
                                        _ order: StatOrder) -> ((Range<Int>) -> Bounds?)? {
        func extremes<T>(_ v: [T], _ less: @escaping (T, T) -> Bool, _ skip: @escaping (T) -> Bool) -> (Range<Int>) -> Bounds? {
            { range in
                var loI = -1, hiI = -1
                v.withUnsafeBufferPointer { p in
                    for k in range {
                        let i = Int(idx[k])
                        let x = p[i]
                        if skip(x) { continue }
                        if loI < 0 { loI = i; hiI = i; continue }
                        if less(x, p[loI]) { loI = i }
                        if less(p[hiI], x) { hiI = i }
                    }
                }
                guard loI >= 0, let a = StatisticsBuilder.bounds(dictionary, loI..<(loI + 1), order),
                      let b = StatisticsBuilder.bounds(dictionary, hiI..<(hiI + 1), order) else { return nil }
                return Bounds(min: a.min, max: b.max)
            }
        }
        switch (dictionary, order) {
        case (.int32(let v), .int32): return extremes(v, { $0 < $1 }, { _ in false })
        case (.int32(let v), .uint32): return extremes(v, { UInt32(bitPattern: $0) < UInt32(bitPattern: $1) }, { _ in false })
        case (.int64(let v), .int64): return extremes(v, { $0 < $1 }, { _ in false })
        case (.int64(let v), .uint64): return extremes(v, { UInt64(bitPattern: $0) < UInt64(bitPattern: $1) }, { _ in false })
        case (.float32(let v), .float): return extremes(v, { $0 < $1 }, { $0.isNaN })
        case (.float64(let v), .double): return extremes(v, { $0 < $1 }, { $0.isNaN })
        default: return nil
        }
    }

    /// Rank of each dictionary entry under `order` (-1 for entries without one, i.e. NaN).
    static func ranks(_ dictionary: ColumnValues, _ order: StatOrder) -> [Int32] {
        let n = dictionary.count
        if case .bytes(let b) = dictionary, order == .bytes {
            // Strings: sort entry numbers by their bytes in place, no per-entry copies.
            var sorted = Array(0..<n)
            b.data.withUnsafeBytes { data in
                b.offsets.withUnsafeBufferPointer { off in
                    sorted.sort { x, y in
                        StatisticsBuilder.compareRaw(UnsafeRawBufferPointer(rebasing: data[Int(off[x])..<Int(off[x + 1])]),
                                                     UnsafeRawBufferPointer(rebasing: data[Int(off[y])..<Int(off[y + 1])])) < 0
                    }
                }
            }
            var ranks = [Int32](repeating: -1, count: n)
            for (r, i) in sorted.enumerated() { ranks[i] = Int32(r) }
            return ranks
        }
        var encoded: [[UInt8]?] = []
        encoded.reserveCapacity(n)
        for i in 0..<n { encoded.append(StatisticsBuilder.bounds(dictionary, i..<(i + 1), order)?.min) }
        let present = (0..<n).compactMap { i in encoded[i].map { (index: i, bound: $0) } }
        let sorted = present.sorted { StatisticsBuilder.compare($0.bound, $1.bound, order) < 0 }.map(\.index)
        var ranks = [Int32](repeating: -1, count: n)
        for (r, i) in sorted.enumerated() { ranks[i] = Int32(r) }
        return ranks
    }

    /// Page bounds via dictionary ranks: integer min/max over indices, then the two entries.
    static func rankBounds(_ idx: UnsafeBufferPointer<Int32>, _ range: Range<Int>, _ ranks: [Int32], _ dictionary: ColumnValues, _ order: StatOrder) -> Bounds? {
        var lo = Int32.max, hi: Int32 = -1, loI = -1, hiI = -1
        ranks.withUnsafeBufferPointer { rk in
            for k in range {
                let i = Int(idx[k])
                let r = rk[i]
                if r < 0 { continue }
                if r < lo { lo = r; loI = i }
                if r > hi { hi = r; hiI = i }
            }
        }
        guard loI >= 0, let a = StatisticsBuilder.bounds(dictionary, loI..<(loI + 1), order),
              let b = StatisticsBuilder.bounds(dictionary, hiI..<(hiI + 1), order) else { return nil }
        return Bounds(min: a.min, max: b.max)
    }
}
