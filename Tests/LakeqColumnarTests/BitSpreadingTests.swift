import LakeqColumnar
import Testing

@Suite struct BitSpreadingTests {
    /// Lengths around the 8-row step and the 64-row word, so every tail is covered.
    static let lengths = [0, 1, 7, 8, 9, 63, 64, 65, 127, 128, 200]

    /// A deterministic bit pattern with runs and scattered bits (a SplitMix-like mix).
    static func bits(_ n: Int, seed: UInt64) -> [Bool] {
        (0..<n).map { i in
            var z = seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (i / 70) % 3 == 0 ? true : (i / 70) % 3 == 1 ? (z & 1 == 1) : false
        }
    }

    @Test func spreadPutsBitIInByteI() {
        for b in 0...255 {
            let x = BitSpreading.spread(UInt8(b))
            for i in 0..<8 {
                #expect((x >> UInt64(8 * i)) & 0xFF == UInt64((b >> i) & 1))
            }
        }
    }

    @Test(arguments: lengths) func expandMatchesPerBitLoop(n: Int) {
        let want = Self.bits(n, seed: 7)
        let packed = Bitmap(bools: want)
        #expect(packed.unpacked() == want)
        // Straight from bytes, with a guard byte after the output that must stay untouched.
        var bytes = [UInt8](repeating: 0, count: (n + 7) / 8)
        for i in 0..<n where want[i] { bytes[i >> 3] |= 1 << UInt8(i & 7) }
        var out = [UInt8](repeating: 0xAA, count: n + 1)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                if let s = src.baseAddress, let d = dst.baseAddress { BitSpreading.expand(s, count: n, into: d) }
            }
        }
        #expect(out[0..<n].map { $0 == 1 } == want)
        #expect(out[0..<n].allSatisfy { $0 <= 1 })
        #expect(out[n] == 0xAA)
    }

    @Test(arguments: lengths) func andClearsRowsWhoseBitIsZero(n: Int) {
        let flags = Self.bits(n, seed: 1)
        let valid = Self.bits(n, seed: 2)
        var got = flags
        Bitmap(bools: valid).words.withUnsafeBufferPointer { w in
            got.withUnsafeMutableBytes { BitSpreading.and($0, bits: w) }
        }
        #expect(got == zip(flags, valid).map { $0 && $1 })
    }
}
