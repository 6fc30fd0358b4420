import LakeqColumnar

/// Accumulates the decoded pages of one column chunk into a `Column`.
///
/// Values are appended densely (non-null values only), then spread in place to one slot per
/// row once the page's definition levels are known. Dictionary-encoded pages append indices;
/// byte-array columns stay dictionary-encoded, other types are gathered at the end.
struct ColumnBuilder {
    enum Mode { case undecided, dictionary, plain }

    let descriptor: ColumnDescriptor
    private(set) var mode = Mode.undecided
    var dictionary: ColumnValues?
    private(set) var dictionaryCount = 0

    // One of these holds the values, chosen by the physical type; the others stay empty.
    // Separate stored arrays (rather than an enum payload) keep appends in place, without
    // copy-on-write copies.
    var bools: [Bool] = []
    var int32s: [Int32] = []
    var int64s: [Int64] = []
    var floats: [Float] = []
    var doubles: [Double] = []
    var bytes = ByteArrays()
    var fixed: FixedBytes
    var indices: [Int32] = []

    var validity: Bitmap?
    private(set) var count = 0

    /// Set to summarize instead of build (`ChunkSummary`): each page's values are folded into
    /// it and dropped when the page is finished, so the buffers hold one page at a time.
    var summary: ChunkSummary?

    /// Rows the chunk will hold, to size buffers once.
    private let expectedRows: Int

    init(descriptor: ColumnDescriptor, expectedRows: Int) {
        self.descriptor = descriptor
        self.expectedRows = max(0, expectedRows)
        fixed = FixedBytes(width: descriptor.physicalType == .int96 ? 12 : descriptor.typeLength)
        if descriptor.maxDefinitionLevel > 0 { validity = Bitmap(count: 0, value: false) }
        let n = max(0, expectedRows)
        switch descriptor.physicalType {
        case .boolean: bools.reserveCapacity(n)
        case .int32: int32s.reserveCapacity(n)
        case .int64: int64s.reserveCapacity(n)
        case .float: floats.reserveCapacity(n)
        case .double: doubles.reserveCapacity(n)
        case .byteArray: bytes.offsets.reserveCapacity(n + 1)
        case .int96, .fixedLenByteArray: fixed.data.reserveCapacity(n * fixed.width)
        }
    }

    // MARK: dictionary

    mutating func setDictionary(_ values: ColumnValues) throws {
        guard mode == .undecided, dictionary == nil else {
            throw ParquetError.corrupt("column \(descriptor.name): dictionary page after data pages")
        }
        dictionary = values
        dictionaryCount = values.count
        // Dictionary pages come first: size the index buffer once instead of growing per page.
        indices.reserveCapacity(expectedRows)
    }

    /// Sets a dictionary decoded after sparse pages already took values from its page bytes
    /// (`ColumnChunkReader.deferDictionary`; fixed-width types only, which are gathered into
    /// plain values, so the mode those pages left stays right).
    mutating func setDeferredDictionary(_ values: ColumnValues) {
        dictionary = values
        dictionaryCount = values.count
    }

    /// Appends the values at `decoded` (indices already checked against the dictionary's
    /// size) of a PLAIN fixed-width dictionary page still in its page bytes, `raw`
    /// (little-endian hosts only: the values are loaded as they are stored).
    mutating func appendDictionaryIndices(decoded: UnsafeBufferPointer<Int32>, plainDictionary raw: UnsafeRawBufferPointer) {
        mode = .plain
        switch descriptor.physicalType {
        case .int32: Self.gather(decoded, raw, into: &int32s)
        case .int64: Self.gather(decoded, raw, into: &int64s)
        case .float: Self.gather(decoded, raw, into: &floats)
        case .double: Self.gather(decoded, raw, into: &doubles)
        default: break  // never deferred (ColumnChunkReader.deferDictionary)
        }
    }

    private static func gather<T: BitwiseCopyable>(_ indices: UnsafeBufferPointer<Int32>, _ raw: UnsafeRawBufferPointer, into out: inout [T]) {
        out.reserveForAppending(indices.count)
        for i in indices { out.append(raw.loadUnaligned(fromByteOffset: Int(i) &* MemoryLayout<T>.stride, as: T.self)) }
    }

    /// Appends `n` dictionary indices decoded from an RLE_DICTIONARY page body.
    mutating func appendDictionaryIndices(_ data: UnsafeRawBufferPointer, count n: Int) throws {
        guard let dictionary else {
            throw ParquetError.corrupt("column \(descriptor.name): dictionary-encoded page without a dictionary page")
        }
        keepIndicesIfNotGathered(dictionary)
        guard n > 0 else { return }
        guard data.count >= 1 else { throw ParquetError.corrupt("column \(descriptor.name): empty dictionary-index page") }
        let bitWidth = Int(data[0])
        var decoder = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: data[1...]), bitWidth: bitWidth)
        // Fixed-width numbers are gathered page by page into the values (no index array, no
        // gather pass at the end); only byte arrays keep their indices.
        switch dictionary {
        case .int32(let d): return try Self.gatherPage(&decoder, d, count: n, into: &int32s, mode: &mode)
        case .int64(let d): return try Self.gatherPage(&decoder, d, count: n, into: &int64s, mode: &mode)
        case .float32(let d): return try Self.gatherPage(&decoder, d, count: n, into: &floats, mode: &mode)
        case .float64(let d): return try Self.gatherPage(&decoder, d, count: n, into: &doubles, mode: &mode)
        case .boolean(let d): return try Self.gatherPage(&decoder, d, count: n, into: &bools, mode: &mode)
        default: break
        }
        if mode == .dictionary {
            let base = indices.count
            indices.append(contentsOf: repeatElement(0, count: n))
            try indices.withUnsafeMutableBufferPointer { buf in
                try decoder.decodeDictionaryIndices(into: buf.baseAddress! + base, count: n, dictionaryCount: dictionaryCount)
            }
        } else {
            // The chunk already fell back to plain: expand these indices right away.
            var tmp = [Int32](repeating: 0, count: n)
            try tmp.withUnsafeMutableBufferPointer { buf in
                try decoder.decodeDictionaryIndices(into: buf.baseAddress!, count: n, dictionaryCount: dictionaryCount)
            }
            appendPlain(dictionary.gather(tmp))
        }
    }

    /// Appends the values of dictionary indices already decoded (and checked against the
    /// dictionary's size), as `appendDictionaryIndices(_:count:)` appends those it decodes.
    mutating func appendDictionaryIndices(decoded: UnsafeBufferPointer<Int32>) throws {
        guard let dictionary else {
            throw ParquetError.corrupt("column \(descriptor.name): dictionary-encoded page without a dictionary page")
        }
        keepIndicesIfNotGathered(dictionary)
        guard !decoded.isEmpty else { return }
        switch dictionary {
        case .int32(let d): return Self.gather(decoded, d, into: &int32s, mode: &mode)
        case .int64(let d): return Self.gather(decoded, d, into: &int64s, mode: &mode)
        case .float32(let d): return Self.gather(decoded, d, into: &floats, mode: &mode)
        case .float64(let d): return Self.gather(decoded, d, into: &doubles, mode: &mode)
        case .boolean(let d): return Self.gather(decoded, d, into: &bools, mode: &mode)
        default: break
        }
        if mode == .dictionary {
            indices.append(contentsOf: decoded)
        } else {
            appendPlain(dictionary.gather(Array(decoded)))
        }
    }

    /// Byte-array (and fixed-width byte) columns keep their indices from the first
    /// dictionary-encoded page on, even one whose rows are all NULL: its null slots must be
    /// spread among the indices, where later pages' values go, not among plain values.
    private mutating func keepIndicesIfNotGathered(_ dictionary: ColumnValues) {
        switch dictionary {
        case .int32, .int64, .float32, .float64, .boolean: return
        default: if mode == .undecided { mode = .dictionary }
        }
    }

    private static func gather<T>(_ indices: UnsafeBufferPointer<Int32>, _ dictionary: [T], into out: inout [T], mode: inout Mode) {
        mode = .plain
        out.reserveForAppending(indices.count)
        for i in indices { out.append(dictionary[Int(i)]) }
    }

    /// Decodes `n` indices and appends the dictionary values they select, 1,024 at a time
    /// through stack buffers that stay in L1 (the decoder checks every index against the
    /// dictionary size, so the gather needs no further check).
    private static func gatherPage<T: BitwiseCopyable>(
        _ decoder: inout RLEHybridDecoder, _ dictionary: [T], count n: Int, into out: inout [T], mode: inout Mode
    ) throws {
        mode = .plain
        let chunk = 1024
        out.reserveForAppending(n)
        try dictionary.withUnsafeBufferPointer { d in
            try withUnsafeTemporaryAllocation(of: Int32.self, capacity: chunk) { idx in
                try withUnsafeTemporaryAllocation(of: T.self, capacity: chunk) { vals in
                    guard let ip = idx.baseAddress, let vp = vals.baseAddress, let dp = d.baseAddress else {
                        throw ParquetError.corrupt("dictionary-encoded page with an empty dictionary")
                    }
                    var done = 0
                    while done < n {
                        let m = min(chunk, n - done)
                        try decoder.decodeDictionaryIndices(into: ip, count: m, dictionaryCount: d.count)
                        for i in 0..<m { (vp + i).initialize(to: dp[Int(ip[i])]) }
                        out.append(contentsOf: UnsafeBufferPointer(start: vp, count: m))
                        done += m
                    }
                }
            }
        }
    }

    /// Switches a dictionary-mode chunk to plain values (a writer's mid-chunk fallback).
    mutating func ensurePlainMode() {
        if mode == .dictionary, let dictionary {
            let expanded = dictionary.gather(indices)
            indices = []
            appendPlain(expanded)
        }
        mode = .plain
    }

    private mutating func appendPlain(_ values: ColumnValues) {
        switch values {
        case .boolean(let v): bools.append(contentsOf: v)
        case .int32(let v): int32s.append(contentsOf: v)
        case .int64(let v): int64s.append(contentsOf: v)
        case .float32(let v): floats.append(contentsOf: v)
        case .float64(let v): doubles.append(contentsOf: v)
        case .bytes(let v): bytes.append(contentsOf: v)
        case .fixed(let v): fixed.data.append(contentsOf: v.data)
        case .dictionary: appendPlain(values.materialized())
        case .list, .structure: break  // leaves are never nested
        }
    }

    /// Number of dense values currently held (before spreading nulls); when summarizing, the
    /// rows of the pages already folded plus the values of the page being decoded.
    var storedCount: Int {
        if summary != nil { return count + heldValues }
        return heldValues
    }

    private var heldValues: Int {
        if mode == .dictionary { return indices.count }
        switch descriptor.physicalType {
        case .boolean: return bools.count
        case .int32: return int32s.count
        case .int64: return int64s.count
        case .float: return floats.count
        case .double: return doubles.count
        case .byteArray: return bytes.count
        case .int96, .fixedLenByteArray: return fixed.width == 0 ? count : fixed.data.count / fixed.width
        }
    }

    // MARK: levels

    /// Appends one validity bit per level (set where the level is the maximum).
    mutating func appendValidity(levels: UnsafeBufferPointer<UInt32>) {
        guard var v = validity else { return }
        validity = nil  // keep the bitmap uniquely referenced while appending
        v.append(levels: levels, equalTo: UInt32(descriptor.maxDefinitionLevel))
        validity = v
    }

    /// Decodes `rows` 1-bit definition levels straight into validity; returns the non-null count.
    mutating func appendValidity(decoding decoder: inout RLEHybridDecoder, rows: Int) throws -> Int {
        guard var v = validity else { return rows }
        validity = nil
        defer { validity = v }
        return try decoder.decodeBits(into: &v, count: rows)
    }

    /// Records a page of `rows` rows whose last `nonNull` dense values were just appended and
    /// whose validity bits are already in `validity`: spreads the values so nulls get (zeroed)
    /// slots.
    mutating func finishPage(rows: Int, nonNull: Int) {
        if summary != nil {
            summarizePage()
            count += rows
            return
        }
        if nonNull < rows, let validity {
            validity.words.withUnsafeBufferPointer { words in
                spreadNulls(words: words, rows: rows, nonNull: nonNull)
            }
        }
        count += rows
    }

    private mutating func spreadNulls(words: UnsafeBufferPointer<UInt64>, rows: Int, nonNull: Int) {
        let base = count
        if mode == .dictionary {
            Self.spread(&indices, base: base, rows: rows, nonNull: nonNull, words: words, zero: 0)
            return
        }
        switch descriptor.physicalType {
        case .boolean: Self.spread(&bools, base: base, rows: rows, nonNull: nonNull, words: words, zero: false)
        case .int32: Self.spread(&int32s, base: base, rows: rows, nonNull: nonNull, words: words, zero: 0)
        case .int64: Self.spread(&int64s, base: base, rows: rows, nonNull: nonNull, words: words, zero: 0)
        case .float: Self.spread(&floats, base: base, rows: rows, nonNull: nonNull, words: words, zero: 0)
        case .double: Self.spread(&doubles, base: base, rows: rows, nonNull: nonNull, words: words, zero: 0)
        case .byteArray:
            // Offsets: null slots get zero length. Walk backwards so the dense offsets are
            // read before being overwritten.
            let off0 = bytes.offsets.count  // base + nonNull + 1
            bytes.offsets.append(contentsOf: repeatElement(0, count: rows - nonNull))
            bytes.offsets.withUnsafeMutableBufferPointer { off in
                var k = off0 - 1
                var j = base + rows
                while j > base {
                    off[j] = off[k]
                    if Self.bit(words, j - 1) { k -= 1 }
                    j -= 1
                }
            }
        case .int96, .fixedLenByteArray:
            let w = fixed.width
            guard w > 0 else { return }
            fixed.data.append(contentsOf: repeatElement(0, count: (rows - nonNull) * w))
            fixed.data.withUnsafeMutableBufferPointer { d in
                var k = base + nonNull
                for j in stride(from: rows - 1, through: 0, by: -1) {
                    let dst = (base + j) * w
                    if Self.bit(words, base + j) {
                        k -= 1
                        let src = k * w
                        if src != dst { for b in 0..<w { d[dst + b] = d[src + b] } }
                    } else {
                        for b in 0..<w { d[dst + b] = 0 }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func bit(_ words: UnsafeBufferPointer<UInt64>, _ i: Int) -> Bool {
        (words[i >> 6] >> UInt64(i & 63)) & 1 != 0
    }

    /// Spreads the last `nonNull` values of `a` (starting at `base`) to `rows` slots, placing
    /// values where validity bits are set and zero bytes elsewhere. `T` is a 1-, 4- or 8-byte
    /// plain value; it is moved as the unsigned integer of its size.
    private static func spread<T: BitwiseCopyable>(
        _ a: inout [T], base: Int, rows: Int, nonNull: Int, words: UnsafeBufferPointer<UInt64>, zero: T
    ) {
        a.append(contentsOf: repeatElement(zero, count: rows - nonNull))
        a.withUnsafeMutableBufferPointer { buf in
            guard let p = buf.baseAddress else { return }
            let raw = UnsafeMutableRawPointer(p)
            switch MemoryLayout<T>.stride {
            case 1: spreadBits(raw.assumingMemoryBound(to: UInt8.self), base: base, rows: rows, nonNull: nonNull, words: words)
            case 4: spreadBits(raw.assumingMemoryBound(to: UInt32.self), base: base, rows: rows, nonNull: nonNull, words: words)
            case 8: spreadBits(raw.assumingMemoryBound(to: UInt64.self), base: base, rows: rows, nonNull: nonNull, words: words)
            default: preconditionFailure("spread: unsupported value size")  // only called for the types above
            }
        }
    }

    /// Works backwards (a destination is never before its source) a validity word at a time:
    /// an all-valid word moves 64 values with one memmove, an all-null word is zero-filled,
    /// and it stops as soon as the remaining values are already in place.
    @inline(__always)
    private static func spreadBits<U: FixedWidthInteger & UnsignedInteger>(
        _ p: UnsafeMutablePointer<U>, base: Int, rows: Int, nonNull: Int, words: UnsafeBufferPointer<UInt64>
    ) {
        var k = base + nonNull  // one past the last dense value not yet placed
        var j = base + rows     // one past the last slot not yet written
        while j > k {
            let last = j - 1
            let wordStart = max(last & ~63, base)
            let w = words[last >> 6]
            if last & 63 == 63, wordStart == last - 63 {
                if w == ~0 {
                    // Overlapping ranges: raw copyMemory is a memmove.
                    UnsafeMutableRawPointer(p + (j - 64)).copyMemory(from: p + (k - 64), byteCount: 64 * MemoryLayout<U>.stride)
                    j -= 64
                    k -= 64
                    continue
                }
                if w == 0 {
                    (p + (j - 64)).update(repeating: 0, count: 64)
                    j -= 64
                    continue
                }
            }
            // A mixed (or partial) word, branch-free: nulls are random, so a branch per row
            // mispredicts. The load is unconditional and masked. Invariant: k - base valid rows
            // lie in [base, i], so k <= i and p[k] is in bounds even when row i is null.
            var i = last
            while i >= wordStart {
                let b = (w >> UInt64(i & 63)) & 1
                k &-= Int(truncatingIfNeeded: b)
                p[i] = p[k] & (0 &- U(truncatingIfNeeded: b))
                i &-= 1
            }
            j = wordStart
        }
    }

    /// Folds the page just decoded into `summary` and empties the buffers (keeping their
    /// capacity for the next page). Only the physical types `ChunkSummary` takes get here.
    private mutating func summarizePage() {
        guard var s = summary else { return }
        switch descriptor.physicalType {
        case .int32: int32s.withUnsafeBufferPointer { s.add($0) }; int32s.removeAll(keepingCapacity: true)
        case .int64: int64s.withUnsafeBufferPointer { s.add($0) }; int64s.removeAll(keepingCapacity: true)
        case .double: doubles.withUnsafeBufferPointer { s.add($0) }; doubles.removeAll(keepingCapacity: true)
        default: break
        }
        summary = s
        if validity != nil { validity = Bitmap(count: 0, value: false) }
    }

    // MARK: result

    /// The finished column.
    mutating func finish() -> Column {
        let type = descriptor.dataType
        var values: ColumnValues
        if mode == .dictionary, let dictionary {
            if descriptor.physicalType == .byteArray && dictionaryCount > 0 {
                values = .dictionary(dictionary: dictionary, indices: indices)
            } else if dictionaryCount == 0 {
                // Every row is null: nothing to gather from.
                values = Self.zeroed(dictionary.emptyLike(), count: indices.count, width: fixed.width)
            } else {
                values = dictionary.gather(indices)
            }
        } else {
            switch descriptor.physicalType {
            case .boolean: values = .boolean(bools)
            case .int32: values = .int32(int32s)
            case .int64: values = .int64(int64s)
            case .float: values = .float32(floats)
            case .double: values = .float64(doubles)
            case .byteArray: values = .bytes(bytes)
            case .int96, .fixedLenByteArray: values = .fixed(fixed)
            }
        }
        let validity = self.validity.flatMap { $0.setCount == $0.count ? nil : $0 }
        return Column(type: type, values: values, validity: validity)
    }

    private static func zeroed(_ empty: ColumnValues, count: Int, width: Int) -> ColumnValues {
        switch empty {
        case .boolean: return .boolean(Array(repeating: false, count: count))
        case .int32: return .int32(Array(repeating: 0, count: count))
        case .int64: return .int64(Array(repeating: 0, count: count))
        case .float32: return .float32(Array(repeating: 0, count: count))
        case .float64: return .float64(Array(repeating: 0, count: count))
        case .bytes: return .bytes(ByteArrays(offsets: Array(repeating: 0, count: count + 1), data: []))
        case .fixed: return .fixed(FixedBytes(width: width, data: Array(repeating: 0, count: count * width)))
        case .dictionary, .list, .structure: return empty
        }
    }
}
