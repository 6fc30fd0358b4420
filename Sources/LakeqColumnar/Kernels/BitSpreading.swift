/// Bits to Bool bytes: Parquet booleans and validity bitmaps keep one bit per row, the
/// evaluator's truth masks one `Bool` byte per row.
///
/// A per-row loop over bits (`p[i] = p[i] && bit(i)`) compiles to a branch per row, which
/// mispredicts on every other row of a column with scattered NULLs (it was 16% of Q7). These
/// turn eight bits into eight bytes with shifts and masks and move them as one 64-bit word.
/// Bools are stored as bytes of 0 or 1, and every byte written here is 0 or 1.
public enum BitSpreading {
    /// The eight bits of `b` as eight bytes of 0 or 1: bit i in byte i (little-endian order).
    @inlinable @inline(__always)
    public static func spread(_ b: UInt8) -> UInt64 {
        var x = UInt64(b)
        x = (x | x << 28) & 0x0000_000F_0000_000F
        x = (x | x << 14) & 0x0003_0003_0003_0003
        x = (x | x << 7) & 0x0101_0101_0101_0101
        return x
    }

    /// Writes the first `count` bits of `bits` (least significant bit of byte 0 first) to
    /// `dst` as `Bool` bytes. Reads `(count + 7) / 8` bytes, writes `count` bytes.
    @inlinable
    public static func expand(_ bits: UnsafeRawPointer, count: Int, into dst: UnsafeMutableRawPointer) {
        var i = 0
        while i &+ 8 <= count {
            let eight = spread(bits.load(fromByteOffset: i >> 3, as: UInt8.self))
            dst.storeBytes(of: UInt64(littleEndian: eight), toByteOffset: i, as: UInt64.self)
            i &+= 8
        }
        if i < count {
            let last = bits.load(fromByteOffset: i >> 3, as: UInt8.self)
            var k = 0
            while i < count {
                dst.storeBytes(of: (last >> UInt8(k)) & 1, toByteOffset: i, as: UInt8.self)
                i &+= 1
                k &+= 1
            }
        }
    }

    /// Clears every `Bool` byte of `flags` whose bit in `words` is 0 (a NULL is not true);
    /// all-ones words are skipped. `words` must hold at least `flags.count` bits.
    @inlinable
    public static func and(_ flags: UnsafeMutableRawBufferPointer, bits words: UnsafeBufferPointer<UInt64>) {
        let n = flags.count
        guard let dst = flags.baseAddress else { return }
        precondition(words.count >= (n + 63) >> 6, "BitSpreading.and: bitmap shorter than the mask")
        var w = 0
        while w << 6 < n {
            let word = words[w]
            let start = w << 6
            w &+= 1
            if word == ~0 { continue }
            let end = Swift.min(start &+ 64, n)
            var i = start
            var bits = word
            while i &+ 8 <= end {
                let mask = UInt64(littleEndian: spread(UInt8(truncatingIfNeeded: bits)))
                let v = dst.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                dst.storeBytes(of: v & mask, toByteOffset: i, as: UInt64.self)
                bits >>= 8
                i &+= 8
            }
            while i < end {
                let v = dst.load(fromByteOffset: i, as: UInt8.self)
                dst.storeBytes(of: v & UInt8(truncatingIfNeeded: bits & 1), toByteOffset: i, as: UInt8.self)
                bits >>= 1
                i &+= 1
            }
        }
    }
}
