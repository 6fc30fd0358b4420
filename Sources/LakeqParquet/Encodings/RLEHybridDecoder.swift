import LakeqColumnar

// Decoder for the Parquet RLE/bit-packed hybrid (Encodings.md, "RLE = 3"):
//   run := bit-packed-run | rle-run
//   bit-packed-run := varint(groups << 1 | 1) then groups * bitWidth bytes (8 values per group)
//   rle-run        := varint(count << 1) then the value in ceil(bitWidth / 8) little-endian bytes
// There is no length prefix here; callers strip the 4-byte prefix where the format has one.

/// Streaming decoder for RLE/bit-packed hybrid data (definition/repetition levels, dictionary
/// indices, RLE booleans).
///
/// The decoder borrows `data`: the caller keeps the bytes alive and unchanged while decoding.
/// Malformed input throws `ParquetError.corrupt`; the decoder never reads outside `data`.
/// Decoded values are masked to `bitWidth` bits, so every value is `< 1 << bitWidth`.
public struct RLEHybridDecoder {
    @usableFromInline let base: UnsafeRawPointer?
    @usableFromInline let end: Int
    @usableFromInline var pos: Int
    /// Bits per value, 0...32.
    public let bitWidth: Int
    @usableFromInline let mask: UInt32

    /// Values left in the current RLE run.
    @usableFromInline var rleLeft: Int = 0
    @usableFromInline var rleValue: UInt32 = 0
    /// Whole 8-value groups of the current bit-packed run that the data actually holds.
    @usableFromInline var packedGroups: Int = 0
    /// Values in a trailing partial group when a bit-packed run is cut short by the end of the
    /// data (a writer that did not pad the last group); 0...7.
    @usableFromInline var packedPartial: Int = 0
    /// Unpacked values not yet handed out (a group split across `decode` calls).
    @usableFromInline var pending: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0, 0)
    @usableFromInline var pendingPos: Int = 0
    @usableFromInline var pendingCount: Int = 0

    /// Starts decoding `data` with values of `bitWidth` bits (0...32; anything else throws).
    public init(_ data: UnsafeRawBufferPointer, bitWidth: Int) throws {
        guard bitWidth >= 0 && bitWidth <= 32 else {
            throw ParquetError.corrupt("RLE/bit-packed bit width \(bitWidth) out of range 0...32")
        }
        base = data.baseAddress
        end = data.baseAddress == nil ? 0 : data.count
        pos = 0
        self.bitWidth = bitWidth
        mask = bitWidth == 32 ? ~0 : (1 &<< UInt32(bitWidth)) &- 1
    }

    /// Bytes of `data` consumed so far (the start of the next run header).
    public var bytesConsumed: Int { pos }

    /// Decodes exactly `count` values into `out`. Throws if the data ends first.
    public mutating func decode(into out: UnsafeMutablePointer<UInt32>, count: Int) throws {
        try decodeCore(out, count, limit: 0, check: false)
    }

    /// Decodes exactly `count` dictionary indices into `out`, throwing
    /// `corrupt("dictionary index out of range")` unless every index is `< dictionaryCount`.
    ///
    /// The check is one comparison per RLE run and a vectorized max-reduction per chunk of
    /// unpacked values (at most 1024, still in L1; see `anyAtLeast`), not a branch per value.
    public mutating func decodeDictionaryIndices(into out: UnsafeMutablePointer<Int32>, count: Int, dictionaryCount: Int) throws {
        // Indices must also be representable as non-negative Int32.
        let limit = UInt32(clamping: min(max(dictionaryCount, 0), Int(Int32.max)))
        try out.withMemoryRebound(to: UInt32.self, capacity: count) {
            try decodeCore($0, count, limit: limit, check: true)
        }
    }

    /// Decodes exactly `count` definition/repetition levels into `out` as `UInt16`.
    ///
    /// Levels are at most 16 bits wide in practice (max level <= 65535), so they are returned as
    /// `UInt16` to halve the memory traffic of later passes; a wider `bitWidth` throws.
    public mutating func decodeLevels(into out: UnsafeMutablePointer<UInt16>, count: Int) throws {
        guard bitWidth <= 16 else {
            throw ParquetError.corrupt("level bit width \(bitWidth) exceeds 16")
        }
        try withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 512) { tmp in
            let t = tmp.baseAddress!
            var done = 0
            while done < count {
                let n = min(512, count &- done)
                try decodeCore(t, n, limit: 0, check: false)
                let o = out + done
                // Values are masked to <= 16 bits, so the narrowing is exact (and vectorizes).
                for i in 0..<n { o[i] = UInt16(truncatingIfNeeded: t[i]) }
                done &+= n
            }
        }
    }

    /// Decodes exactly `count` 1-bit values straight into `bitmap` (definition levels of a
    /// flat optional column become its validity); returns how many are 1.
    ///
    /// RLE runs append runs of bits and bit-packed runs are appended as packed bytes, so no
    /// per-value level buffer is written or scanned.
    public mutating func decodeBits(into bitmap: inout Bitmap, count: Int) throws -> Int {
        precondition(bitWidth == 1, "decodeBits needs bit width 1")
        var done = 0
        var set = 0
        while done < count {
            let need = count &- done
            if pendingCount > 0 {
                let n = min(need, pendingCount)
                withUnsafePointer(to: &pending) { pp in
                    let src = UnsafeRawPointer(pp).assumingMemoryBound(to: UInt32.self) + pendingPos
                    for i in 0..<n {
                        bitmap.append(src[i] != 0)
                        set &+= Int(src[i])
                    }
                }
                pendingPos &+= n
                pendingCount &-= n
                done &+= n
            } else if rleLeft > 0 {
                let n = min(need, rleLeft)
                bitmap.append(repeating: rleValue != 0, count: n)
                if rleValue != 0 { set &+= n }
                rleLeft &-= n
                done &+= n
            } else if packedGroups > 0, need >= 8, let b = base {
                // With width 1 a group of 8 values is one byte.
                let g = min(packedGroups, need &>> 3)
                set &+= bitmap.append(packedBits: b + pos, count: g &<< 3)
                pos &+= g
                packedGroups &-= g
                done &+= g &<< 3
            } else {
                try refill()
            }
        }
        return set
    }

    /// Passes over `count` values without decoding them: RLE runs are shortened and whole
    /// bit-packed groups stepped over (only a group the skip ends inside is unpacked). Skipped
    /// values are not range-checked. Throws if the data ends first.
    public mutating func skip(_ count: Int) throws {
        var left = count
        while left > 0 {
            if pendingCount > 0 {
                let n = min(left, pendingCount)
                pendingPos &+= n
                pendingCount &-= n
                left &-= n
            } else if rleLeft > 0 {
                let n = min(left, rleLeft)
                rleLeft &-= n
                left &-= n
            } else if packedGroups > 0, left >= 8 {
                let g = min(packedGroups, left &>> 3)
                pos &+= g &* bitWidth
                packedGroups &-= g
                left &-= g &<< 3
            } else {
                try refill()
            }
        }
    }

    /// When the values wanted do not fill a whole bit-packed group: unpacks the next group
    /// (or the data's trailing partial one) into `pending`, else reads the next run header.
    @inline(__always)
    mutating func refill() throws {
        if packedGroups > 0 {
            unpackPending(bytes: bitWidth, valid: 8)
            packedGroups &-= 1
        } else if packedPartial > 0 {
            unpackPending(bytes: end &- pos, valid: packedPartial)
            packedPartial = 0
        } else {
            try nextRun()
        }
    }

    // MARK: core

    @inline(__always)
    mutating func decodeCore(_ out: UnsafeMutablePointer<UInt32>, _ count: Int, limit: UInt32, check: Bool) throws {
        var done = 0
        while done < count {
            let need = count &- done
            if pendingCount > 0 {
                let n = min(need, pendingCount)
                var m: UInt32 = 0
                withUnsafePointer(to: &pending) { pp in
                    let src = UnsafeRawPointer(pp).assumingMemoryBound(to: UInt32.self) + pendingPos
                    for i in 0..<n {
                        out[done &+ i] = src[i]
                        m = max(m, src[i])
                    }
                }
                if check && m >= limit { throw ParquetError.corrupt("dictionary index out of range") }
                pendingPos &+= n
                pendingCount &-= n
                done &+= n
            } else if rleLeft > 0 {
                let n = min(need, rleLeft)
                if check && rleValue >= limit { throw ParquetError.corrupt("dictionary index out of range") }
                (out + done).update(repeating: rleValue, count: n)
                rleLeft &-= n
                done &+= n
            } else if packedGroups > 0, need >= 8 {
                var g = min(packedGroups, need &>> 3)
                // Checked decoding works in L1-sized chunks so the max-reduce reads hot data.
                if check { g = min(g, 128) }
                let n = g &<< 3
                let dst = out + done
                if let b = base {
                    BitUnpacking.unpack32(b + pos, bitWidth: bitWidth, count: n, readable: end &- pos, into: dst)
                } else {
                    dst.update(repeating: 0, count: n)  // only reachable with bitWidth 0
                }
                if check && (limit == 0 || RLEHybridDecoder.anyAtLeast(dst, n, limit)) {
                    throw ParquetError.corrupt("dictionary index out of range")
                }
                pos &+= g &* bitWidth
                packedGroups &-= g
                done &+= n
            } else {
                try refill()
            }
        }
    }

    /// Unpacks one group (from `bytes` available bytes, zero-filled to a whole group) into
    /// `pending`, of which the first `valid` values are usable.
    @inline(never)
    mutating func unpackPending(bytes: Int, valid: Int) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 4) { tmp in
            let raw = UnsafeMutableRawPointer(tmp.baseAddress!)
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: 32)
            if bytes > 0, let b = base { raw.copyMemory(from: b + pos, byteCount: bytes) }
            withUnsafeMutablePointer(to: &pending) { pp in
                let dst = UnsafeMutableRawPointer(pp).assumingMemoryBound(to: UInt32.self)
                BitUnpacking.unpack32(UnsafeRawPointer(raw), bitWidth: bitWidth, count: 8, readable: 32, into: dst)
            }
        }
        pos &+= bytes
        pendingPos = 0
        pendingCount = valid
    }

    /// Reads the next run header (and an RLE run's value).
    @inline(never)
    mutating func nextRun() throws {
        guard pos < end else {
            throw ParquetError.corrupt("RLE/bit-packed data ends before all values were read")
        }
        let header: UInt64
        let first = base!.load(fromByteOffset: pos, as: UInt8.self)
        if first < 0x80 {
            // One-byte header: every run of up to 63 values or 63 groups (all of parquet-mr's
            // and arrow's bit-packed runs).
            header = UInt64(first)
            pos &+= 1
        } else {
            var cur = ByteCursor(UnsafeRawBufferPointer(start: base, count: end), at: pos)
            header = try cur.uleb(maxBits: 32, "RLE/bit-packed run header")
            pos = cur.pos
        }
        if header & 1 == 0 {
            let valueBytes = (bitWidth &+ 7) &>> 3
            guard end &- pos >= valueBytes else {
                throw ParquetError.corrupt("RLE run value runs past the end of the data")
            }
            var v: UInt32 = 0
            let b = base!
            switch valueBytes {
            case 0: v = 0
            case 1: v = UInt32(b.load(fromByteOffset: pos, as: UInt8.self))
            case 2: v = UInt32(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: pos, as: UInt16.self)))
            case 3: v = UInt32(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: pos, as: UInt16.self)))
                | UInt32(b.load(fromByteOffset: pos &+ 2, as: UInt8.self)) &<< 16
            default: v = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: pos, as: UInt32.self))
            }
            pos &+= valueBytes
            rleValue = v & mask
            rleLeft = Int(header &>> 1)
        } else {
            let groups = Int(header &>> 1)
            if bitWidth == 0 {
                packedGroups = groups
                packedPartial = 0
                return
            }
            // A run may be declared longer than the data that follows (an unpadded last run):
            // only the values the bytes hold are usable; asking for more throws at the next header.
            let avail = end &- pos
            let whole = avail / bitWidth
            if groups <= whole {
                packedGroups = groups
                packedPartial = 0
            } else {
                packedGroups = whole
                packedPartial = ((avail &- whole &* bitWidth) &* 8) / bitWidth
            }
        }
    }

    /// True if any of `n` values is >= `limit` (1...Int32.max).
    ///
    /// Branch-free OR-reduction that vectorizes even on baseline SSE2 (which has no unsigned
    /// 32-bit max): with x = Int32(bitPattern: v), `(limit - 1) - x` is negative exactly when
    /// 0 <= x and v >= limit, and `x` itself is negative when v >= 2^31 (always out of range).
    @inline(__always)
    static func anyAtLeast(_ p: UnsafeMutablePointer<UInt32>, _ n: Int, _ limit: UInt32) -> Bool {
        let last = Int32(bitPattern: limit &- 1)
        var acc: Int32 = 0
        for i in 0..<n {
            let x = Int32(bitPattern: p[i])
            acc |= (last &- x) | x
        }
        return acc < 0
    }
}
