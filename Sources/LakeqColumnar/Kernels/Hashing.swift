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
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(p[i]) << shift
                shift += 8
                i += 1
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
