// Inputs shared by the benchmark executables (Kernels, ParquetDecoding).

/// Deterministic pseudo-random values (SplitMix64).
public struct SplitMix64 {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// `count` random values of `bitWidth` bits (1...64), bit-packed LSB first, plus 8 bytes of
/// slack so unpacking kernels may read a whole word past the last value.
public func packed(bitWidth: Int, count: Int) -> [UInt8] {
    var rng = SplitMix64(state: UInt64(bitWidth))
    var out = [UInt8](repeating: 0, count: count * bitWidth / 8 + 8)
    let mask: UInt64 = bitWidth == 64 ? ~0 : (1 << UInt64(bitWidth)) - 1
    var bit = 0
    for _ in 0..<count {
        let v = rng.next() & mask
        for b in 0..<bitWidth where (v >> UInt64(b)) & 1 == 1 {
            out[(bit + b) >> 3] |= 1 << UInt8((bit + b) & 7)
        }
        bit += bitWidth
    }
    return out
}
