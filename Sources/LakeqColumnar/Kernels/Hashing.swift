/// Hashing of raw bytes and integers for the engine's hash tables (group, join and string
/// interning tables in LakeqQuery). Inlinable: it sits in every probe loop.
public enum Hashing {
    /// A fast 64-bit hash of bytes: 8 bytes per multiply, well mixed at the end.
    @inlinable @inline(__always)
    public static func bytes(_ p: UnsafeRawBufferPointer) -> UInt64 {
        let n = p.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        var i = 0
        while i + 8 <= n {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        if i < n {
            // The tail in at most two loads instead of a byte loop: the last 8 bytes (they
            // overlap hashed ones) when there are 8; else two overlapping 4-byte loads, or
            // the first, middle and last byte, which together cover every byte of a string
            // of that length (the length is already in `h`).
            let w: UInt64
            if n >= 8 {
                w = p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            } else if n >= 4 {
                w = UInt64(p.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
                    | UInt64(p.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)) << 32
            } else {
                w = UInt64(p[0]) | UInt64(p[n >> 1]) << 8 | UInt64(p[n - 1]) << 16
            }
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
        }
        return finish(h)
    }

    @inlinable @inline(__always)
    public static func finish(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 29
        return h
    }

    /// Mixes one more 64-bit word into a running hash.
    @inlinable @inline(__always)
    public static func combine(_ h: UInt64, _ v: Int64) -> UInt64 {
        var x = (h ^ UInt64(bitPattern: v)) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 31
        return x
    }
}
