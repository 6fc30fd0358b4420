// Bit unpacking/packing for the Parquet RLE/bit-packed hybrid and DELTA_BINARY_PACKED.
//
// Values are packed LSB-first: value i occupies bits [i*w, (i+1)*w) of the little-endian bit
// stream. Eight values of width w take exactly w bytes, so the unpackers work on 8-value groups.
//
// Speed comes from specialization: `unpack32`/`unpack64` switch on the width once per call, and
// each case calls an `@inline(__always)` loop with a literal width, so LLVM folds every shift,
// mask and byte offset into constants (measured ~2x faster than a runtime-width loop). Each value
// is read with one unaligned 64-bit load at its byte offset; that load may reach up to 8 bytes
// past the end of its group, so groups too close to the end of the readable bytes are copied into
// a zeroed stack buffer first (the "tail" path) and never over-read.

/// Width-specialized unpacking of LSB-first bit-packed unsigned integers.
public enum BitUnpacking {
    /// Unpacks `count` values of `bitWidth` bits (0...32) from `src` into `dst`.
    ///
    /// `count` must be a multiple of 8; the caller guarantees `count * bitWidth / 8` readable bytes
    /// at `src`. Nothing beyond those bytes is read.
    public static func unpack32(_ src: UnsafeRawPointer, bitWidth: Int, count: Int, into dst: UnsafeMutablePointer<UInt32>) {
        precondition(bitWidth >= 0 && bitWidth <= 32 && count >= 0 && count & 7 == 0, "unpack32: bad width or count")
        unpack32(src, bitWidth: bitWidth, count: count, readable: (count >> 3) * bitWidth, into: dst)
    }

    /// Like `unpack32(_:bitWidth:count:into:)`, but `readable` (at least `count * bitWidth / 8`)
    /// says how many bytes at `src` may be read; more slack lets more groups take the fast path.
    public static func unpack32(_ src: UnsafeRawPointer, bitWidth: Int, count: Int, readable: Int, into dst: UnsafeMutablePointer<UInt32>) {
        precondition(bitWidth >= 0 && bitWidth <= 32 && count >= 0 && count & 7 == 0, "unpack32: bad width or count")
        precondition(readable >= (count >> 3) * bitWidth, "unpack32: source too short")
        let groups = count >> 3
        switch bitWidth {
        case 0: dst.update(repeating: 0, count: count)
        case 1: run32(src, 1, groups, readable, dst)
        case 2: run32(src, 2, groups, readable, dst)
        case 3: run32(src, 3, groups, readable, dst)
        case 4: run32(src, 4, groups, readable, dst)
        case 5: run32(src, 5, groups, readable, dst)
        case 6: run32(src, 6, groups, readable, dst)
        case 7: run32(src, 7, groups, readable, dst)
        case 8: run32(src, 8, groups, readable, dst)
        case 9: run32(src, 9, groups, readable, dst)
        case 10: run32(src, 10, groups, readable, dst)
        case 11: run32(src, 11, groups, readable, dst)
        case 12: run32(src, 12, groups, readable, dst)
        case 13: run32(src, 13, groups, readable, dst)
        case 14: run32(src, 14, groups, readable, dst)
        case 15: run32(src, 15, groups, readable, dst)
        case 16: run32(src, 16, groups, readable, dst)
        case 17: run32(src, 17, groups, readable, dst)
        case 18: run32(src, 18, groups, readable, dst)
        case 19: run32(src, 19, groups, readable, dst)
        case 20: run32(src, 20, groups, readable, dst)
        case 21: run32(src, 21, groups, readable, dst)
        case 22: run32(src, 22, groups, readable, dst)
        case 23: run32(src, 23, groups, readable, dst)
        case 24: run32(src, 24, groups, readable, dst)
        case 25: run32(src, 25, groups, readable, dst)
        case 26: run32(src, 26, groups, readable, dst)
        case 27: run32(src, 27, groups, readable, dst)
        case 28: run32(src, 28, groups, readable, dst)
        case 29: run32(src, 29, groups, readable, dst)
        case 30: run32(src, 30, groups, readable, dst)
        case 31: run32(src, 31, groups, readable, dst)
        default:
            #if _endian(little)
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
            #else
            run32(src, 32, groups, readable, dst)
            #endif
        }
    }

    /// Unpacks `count` values of `bitWidth` bits (0...64) from `src` into `dst`.
    ///
    /// `count` must be a multiple of 8; the caller guarantees `count * bitWidth / 8` readable bytes.
    public static func unpack64(_ src: UnsafeRawPointer, bitWidth: Int, count: Int, into dst: UnsafeMutablePointer<UInt64>) {
        precondition(bitWidth >= 0 && bitWidth <= 64 && count >= 0 && count & 7 == 0, "unpack64: bad width or count")
        unpack64(src, bitWidth: bitWidth, count: count, readable: (count >> 3) * bitWidth, into: dst)
    }

    /// Like `unpack64(_:bitWidth:count:into:)` with an explicit number of readable bytes at `src`.
    public static func unpack64(_ src: UnsafeRawPointer, bitWidth: Int, count: Int, readable: Int, into dst: UnsafeMutablePointer<UInt64>) {
        precondition(bitWidth >= 0 && bitWidth <= 64 && count >= 0 && count & 7 == 0, "unpack64: bad width or count")
        precondition(readable >= (count >> 3) * bitWidth, "unpack64: source too short")
        let groups = count >> 3
        switch bitWidth {
        case 0: dst.update(repeating: 0, count: count)
        case 1: run64(src, 1, groups, readable, dst)
        case 2: run64(src, 2, groups, readable, dst)
        case 3: run64(src, 3, groups, readable, dst)
        case 4: run64(src, 4, groups, readable, dst)
        case 5: run64(src, 5, groups, readable, dst)
        case 6: run64(src, 6, groups, readable, dst)
        case 7: run64(src, 7, groups, readable, dst)
        case 8: run64(src, 8, groups, readable, dst)
        case 9: run64(src, 9, groups, readable, dst)
        case 10: run64(src, 10, groups, readable, dst)
        case 11: run64(src, 11, groups, readable, dst)
        case 12: run64(src, 12, groups, readable, dst)
        case 13: run64(src, 13, groups, readable, dst)
        case 14: run64(src, 14, groups, readable, dst)
        case 15: run64(src, 15, groups, readable, dst)
        case 16: run64(src, 16, groups, readable, dst)
        case 17: run64(src, 17, groups, readable, dst)
        case 18: run64(src, 18, groups, readable, dst)
        case 19: run64(src, 19, groups, readable, dst)
        case 20: run64(src, 20, groups, readable, dst)
        case 21: run64(src, 21, groups, readable, dst)
        case 22: run64(src, 22, groups, readable, dst)
        case 23: run64(src, 23, groups, readable, dst)
        case 24: run64(src, 24, groups, readable, dst)
        case 25: run64(src, 25, groups, readable, dst)
        case 26: run64(src, 26, groups, readable, dst)
        case 27: run64(src, 27, groups, readable, dst)
        case 28: run64(src, 28, groups, readable, dst)
        case 29: run64(src, 29, groups, readable, dst)
        case 30: run64(src, 30, groups, readable, dst)
        case 31: run64(src, 31, groups, readable, dst)
        case 32: run64(src, 32, groups, readable, dst)
        case 33: run64(src, 33, groups, readable, dst)
        case 34: run64(src, 34, groups, readable, dst)
        case 35: run64(src, 35, groups, readable, dst)
        case 36: run64(src, 36, groups, readable, dst)
        case 37: run64(src, 37, groups, readable, dst)
        case 38: run64(src, 38, groups, readable, dst)
        case 39: run64(src, 39, groups, readable, dst)
        case 40: run64(src, 40, groups, readable, dst)
        case 41: run64(src, 41, groups, readable, dst)
        case 42: run64(src, 42, groups, readable, dst)
        case 43: run64(src, 43, groups, readable, dst)
        case 44: run64(src, 44, groups, readable, dst)
        case 45: run64(src, 45, groups, readable, dst)
        case 46: run64(src, 46, groups, readable, dst)
        case 47: run64(src, 47, groups, readable, dst)
        case 48: run64(src, 48, groups, readable, dst)
        case 49: run64(src, 49, groups, readable, dst)
        case 50: run64(src, 50, groups, readable, dst)
        case 51: run64(src, 51, groups, readable, dst)
        case 52: run64(src, 52, groups, readable, dst)
        case 53: run64(src, 53, groups, readable, dst)
        case 54: run64(src, 54, groups, readable, dst)
        case 55: run64(src, 55, groups, readable, dst)
        case 56: run64(src, 56, groups, readable, dst)
        case 57: run64(src, 57, groups, readable, dst)
        case 58: run64(src, 58, groups, readable, dst)
        case 59: run64(src, 59, groups, readable, dst)
        case 60: run64(src, 60, groups, readable, dst)
        case 61: run64(src, 61, groups, readable, dst)
        case 62: run64(src, 62, groups, readable, dst)
        case 63: run64(src, 63, groups, readable, dst)
        default:
            #if _endian(little)
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 8)
            #else
            run64(src, 64, groups, readable, dst)
            #endif
        }
    }

    // MARK: 32-bit outputs

    /// Bytes a group of width `w` may touch, counted from the group's first byte: the last value
    /// starts at byte (7w)/8 and is read with an 8-byte load.
    @inline(__always)
    static func span32(_ w: Int) -> Int { ((7 &* w) &>> 3) &+ 8 }

    @inline(__always)
    static func run32(_ src: UnsafeRawPointer, _ w: Int, _ groups: Int, _ readable: Int, _ dst: UnsafeMutablePointer<UInt32>) {
        let span = span32(w)
        // Groups g with g*w + span <= readable can use the direct loads.
        let fast = readable >= span ? min(groups, (readable &- span) / w &+ 1) : 0
        var g = 0
        var s = src
        var d = dst
        while g < fast {
            group32(s, w, d)
            s += w
            d += 8
            g &+= 1
        }
        if g < groups { tail32(s, w, groups &- g, d) }
    }

    @inline(__always)
    static func value32(_ p: UnsafeRawPointer, _ w: Int, _ i: Int) -> UInt32 {
        let bit = i &* w
        let word = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self))
        let mask: UInt64 = (1 &<< UInt64(w)) &- 1
        return UInt32(truncatingIfNeeded: (word &>> UInt64(bit & 7)) & mask)
    }

    /// One group of 8 values, written out so a literal `w` folds every offset.
    @inline(__always)
    static func group32(_ p: UnsafeRawPointer, _ w: Int, _ d: UnsafeMutablePointer<UInt32>) {
        d[0] = value32(p, w, 0)
        d[1] = value32(p, w, 1)
        d[2] = value32(p, w, 2)
        d[3] = value32(p, w, 3)
        d[4] = value32(p, w, 4)
        d[5] = value32(p, w, 5)
        d[6] = value32(p, w, 6)
        d[7] = value32(p, w, 7)
    }

    /// The last few groups: copy each group's `w` bytes into zeroed scratch so the 8-byte loads
    /// stay inside memory we own.
    @inline(never)
    static func tail32(_ src: UnsafeRawPointer, _ w: Int, _ groups: Int, _ dst: UnsafeMutablePointer<UInt32>) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 12) { tmp in
            let raw = UnsafeMutableRawPointer(tmp.baseAddress!)
            for g in 0..<groups {
                raw.initializeMemory(as: UInt8.self, repeating: 0, count: 96)
                raw.copyMemory(from: src + g &* w, byteCount: w)
                group32(UnsafeRawPointer(raw), w, dst + g &* 8)
            }
        }
    }

    // MARK: 64-bit outputs

    /// For w > 56 a value can straddle 9 bytes; the ninth is read as one extra byte.
    @inline(__always)
    static func span64(_ w: Int) -> Int { ((7 &* w) &>> 3) &+ (w > 56 ? 9 : 8) }

    @inline(__always)
    static func run64(_ src: UnsafeRawPointer, _ w: Int, _ groups: Int, _ readable: Int, _ dst: UnsafeMutablePointer<UInt64>) {
        let span = span64(w)
        let fast = readable >= span ? min(groups, (readable &- span) / w &+ 1) : 0
        var g = 0
        var s = src
        var d = dst
        while g < fast {
            group64(s, w, d)
            s += w
            d += 8
            g &+= 1
        }
        if g < groups { tail64(s, w, groups &- g, d) }
    }

    @inline(__always)
    static func value64(_ p: UnsafeRawPointer, _ w: Int, _ i: Int) -> UInt64 {
        let bit = i &* w
        let byte = bit &>> 3
        let shift = bit & 7
        let mask: UInt64 = w == 64 ? ~0 : (1 &<< UInt64(w)) &- 1
        var v = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: byte, as: UInt64.self)) &>> UInt64(shift)
        if shift &+ w > 64 {
            // The top (shift + w - 64) bits live in the ninth byte.
            let hi = UInt64(p.load(fromByteOffset: byte &+ 8, as: UInt8.self))
            v |= hi &<< UInt64(64 &- shift)
        }
        return v & mask
    }

    @inline(__always)
    static func group64(_ p: UnsafeRawPointer, _ w: Int, _ d: UnsafeMutablePointer<UInt64>) {
        d[0] = value64(p, w, 0)
        d[1] = value64(p, w, 1)
        d[2] = value64(p, w, 2)
        d[3] = value64(p, w, 3)
        d[4] = value64(p, w, 4)
        d[5] = value64(p, w, 5)
        d[6] = value64(p, w, 6)
        d[7] = value64(p, w, 7)
    }

    @inline(never)
    static func tail64(_ src: UnsafeRawPointer, _ w: Int, _ groups: Int, _ dst: UnsafeMutablePointer<UInt64>) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 12) { tmp in
            let raw = UnsafeMutableRawPointer(tmp.baseAddress!)
            for g in 0..<groups {
                raw.initializeMemory(as: UInt8.self, repeating: 0, count: 96)
                raw.copyMemory(from: src + g &* w, byteCount: w)
                group64(UnsafeRawPointer(raw), w, dst + g &* 8)
            }
        }
    }
}

/// LSB-first bit packing, the inverse of `BitUnpacking`.
public enum BitPacking {
    /// Appends `count` values of `bitWidth` bits (0...32) to `out`: `(count * bitWidth + 7) / 8`
    /// bytes, the last byte zero-padded. Bits above `bitWidth` are dropped.
    public static func pack32(_ values: UnsafePointer<UInt32>, count: Int, bitWidth: Int, into out: inout [UInt8]) {
        precondition(bitWidth >= 0 && bitWidth <= 32 && count >= 0, "pack32: bad width or count")
        pack(count: count, bitWidth: bitWidth, into: &out) { UInt64(values[$0]) }
    }

    /// Appends `count` values of `bitWidth` bits (0...64) to `out`, like `pack32`.
    public static func pack64(_ values: UnsafePointer<UInt64>, count: Int, bitWidth: Int, into out: inout [UInt8]) {
        precondition(bitWidth >= 0 && bitWidth <= 64 && count >= 0, "pack64: bad width or count")
        pack(count: count, bitWidth: bitWidth, into: &out) { values[$0] }
    }

    @inline(__always)
    static func pack(count: Int, bitWidth w: Int, into out: inout [UInt8], _ value: (Int) -> UInt64) {
        let nbytes = (count &* w &+ 7) &>> 3
        if nbytes == 0 { return }
        let start = out.count
        // Write whole 64-bit words into zeroed space with 8 bytes of slack, then trim the slack.
        out.append(contentsOf: repeatElement(0, count: nbytes &+ 8))
        let mask: UInt64 = w == 64 ? ~0 : (1 &<< UInt64(w)) &- 1
        out.withUnsafeMutableBytes { buf in
            let p = buf.baseAddress! + start
            var acc: UInt64 = 0
            var nbits = 0
            var o = 0
            for i in 0..<count {
                let v = value(i) & mask
                acc |= v &<< UInt64(nbits)
                let total = nbits &+ w
                if total >= 64 {
                    p.storeBytes(of: acc.littleEndian, toByteOffset: o, as: UInt64.self)
                    o &+= 8
                    // Bits of v that did not fit; none when nbits == 0.
                    acc = nbits == 0 ? 0 : v &>> UInt64(64 &- nbits)
                    nbits = total &- 64
                } else {
                    nbits = total
                }
            }
            if nbits > 0 { p.storeBytes(of: acc.littleEndian, toByteOffset: o, as: UInt64.self) }
        }
        out.removeLast(8)
    }
}
