import LakeqColumnar

/// Parquet's split-block bloom filter (parquet-format `BloomFilter.md`): 256-bit blocks of
/// eight 32-bit words; a value's xxHash64 picks a block with its high 32 bits and sets one bit
/// in each word with its low 32 bits times eight salts. No false negatives; the false-positive
/// rate follows from the size chosen for the expected distinct values.
public struct SplitBlockBloomFilter: Sendable, Equatable {
    /// The bitset, little-endian 32-bit words, 8 per block.
    public private(set) var words: [UInt32]

    static let salt: [UInt32] = [0x47b6_137b, 0x4497_4d91, 0x8824_ad5b, 0xa2b7_289d, 0x7054_95c7, 0x2df1_424b, 0x9efc_4947, 0x5c6b_fb31]
    public static let minimumBytes = 32
    /// As arrow and parquet-mr: larger filters are not written or read.
    public static let maximumBytes = 128 << 20

    /// An empty filter of `bytes` bytes (a multiple of 32, at least 32).
    public init(bytes: Int) {
        let b = max(Self.minimumBytes, min(Self.maximumBytes, bytes)) & ~31
        words = [UInt32](repeating: 0, count: b / 4)
    }

    /// A filter over the bitset bytes of a file (length a multiple of 32, checked by the caller).
    public init(bitset: UnsafeRawBufferPointer) {
        let n = bitset.count / 4
        words = [UInt32](unsafeUninitializedCapacity: n) { out, count in
            for i in 0..<n { out[i] = UInt32(littleEndian: bitset.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
            count = n
        }
    }

    /// The size in bytes for `distinctValues` values at false-positive rate `fpp`: the
    /// formula of the spec (bits = -8 n / ln(1 - p^(1/8))), rounded up to a power of two.
    public static func optimalBytes(distinctValues: Int, falsePositiveRate fpp: Double) -> Int {
        let p = min(max(fpp, 1e-9), 0.5)
        let n = Double(max(distinctValues, 1))
        let bits = -8 * n / log(1 - pow(p, 1.0 / 8))
        var bytes = minimumBytes
        let want = bits / 8
        while Double(bytes) < want && bytes < maximumBytes { bytes <<= 1 }
        return bytes
    }

    public var byteCount: Int { words.count * 4 }
    private var blockCount: UInt64 { UInt64(words.count / 8) }

    @inline(__always)
    private func blockBase(_ hash: UInt64) -> Int { Int(((hash >> 32) &* blockCount) >> 32) * 8 }

    public mutating func insert(hash: UInt64) {
        let base = blockBase(hash)
        let key = UInt32(truncatingIfNeeded: hash)
        words.withUnsafeMutableBufferPointer { w in
            for i in 0..<8 { w[base + i] |= 1 << ((key &* Self.salt[i]) >> 27) }
        }
    }

    /// False only when the value of this hash was never inserted.
    public func mayContain(hash: UInt64) -> Bool {
        let base = blockBase(hash)
        let key = UInt32(truncatingIfNeeded: hash)
        return words.withUnsafeBufferPointer { w in
            for i in 0..<8 where w[base + i] & (1 << ((key &* Self.salt[i]) >> 27)) == 0 { return false }
            return true
        }
    }

    /// The bitset as file bytes.
    public var bitset: [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        out.withUnsafeMutableBytes { raw in
            for (i, w) in words.enumerated() { raw.storeBytes(of: w.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hash of one value as a bloom filter of a column of `physical` type sees it: xxHash64 of
/// its PLAIN encoding without a length prefix. nil when the value cannot be stored in such a
/// column at all (an integer out of INT32 range, a width mismatch) or the type has no filter
/// (BOOLEAN).
public enum BloomHash {
    public static func of(_ value: StatValue, physical: PhysicalType, typeLength: Int = 0) -> UInt64? {
        switch (physical, value) {
        case (.int32, .int(let v)):
            guard let x = Int32(exactly: v) else { return nil }
            return XXHash64.hash(UInt32(bitPattern: x))
        case (.int32, .uint(let v)):
            guard let x = UInt32(exactly: v) else { return nil }
            return XXHash64.hash(x)
        case (.int64, .int(let v)): return XXHash64.hash(UInt64(bitPattern: v))
        case (.int64, .uint(let v)): return XXHash64.hash(v)
        case (.float, .double(let d)):
            let f = Float(d)
            guard Double(f) == d || d.isNaN else { return nil }
            return XXHash64.hash(f.bitPattern)
        case (.double, .double(let d)): return XXHash64.hash(d.bitPattern)
        case (.byteArray, .bytes(let b)): return XXHash64.hash(b)
        case (.fixedLenByteArray, .bytes(let b)), (.int96, .bytes(let b)):
            guard physical == .int96 ? b.count == 12 : b.count == typeLength else { return nil }
            return XXHash64.hash(b)
        default: return nil
        }
    }

    /// Hashes of every value of dense (non-null) `values`, as stored in a column of `physical` type.
    static func hashes(_ values: ColumnValues, into filter: inout SplitBlockBloomFilter) {
        switch values {
        case .int32(let v): for x in v { filter.insert(hash: XXHash64.hash(UInt32(bitPattern: x))) }
        case .int64(let v): for x in v { filter.insert(hash: XXHash64.hash(UInt64(bitPattern: x))) }
        case .float32(let v): for x in v { filter.insert(hash: XXHash64.hash(x.bitPattern)) }
        case .float64(let v): for x in v { filter.insert(hash: XXHash64.hash(x.bitPattern)) }
        case .bytes(let b):
            b.data.withUnsafeBytes { data in
                for i in 0..<b.count { filter.insert(hash: XXHash64.hash(UnsafeRawBufferPointer(rebasing: data[b.range(i)]))) }
            }
        case .fixed(let f):
            let w = f.width
            guard w > 0 else { return }
            f.data.withUnsafeBytes { data in
                for i in 0..<f.count { filter.insert(hash: XXHash64.hash(UnsafeRawBufferPointer(rebasing: data[(i * w)..<((i + 1) * w)]))) }
            }
        case .dictionary(let d, _): hashes(d, into: &filter)
        case .boolean, .list, .structure: break
        }
    }
}
