import Testing
@testable import LakeqParquet

@Suite struct BitUnpackingTests {
    static let counts = [8, 64, 1024]

    @Test(arguments: 0...32)
    func roundTrip32(width: Int) {
        var rng = SplitMix64(seed: UInt64(width) &* 7919)
        for count in Self.counts {
            let values = (0..<count).map { _ in UInt32(truncatingIfNeeded: rng.next() & mask64(width)) }
            var packed: [UInt8] = []
            values.withUnsafeBufferPointer { BitPacking.pack32($0.baseAddress!, count: count, bitWidth: width, into: &packed) }
            #expect(packed.count == count * width / 8)
            #expect(packed == referencePack(values.map { UInt64($0) }, bitWidth: width))
            var out = [UInt32](repeating: 0xDEAD_BEEF, count: count)
            withGuardedBytes(packed) { src in
                out.withUnsafeMutableBufferPointer {
                    BitUnpacking.unpack32(src.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, bitWidth: width, count: count, into: $0.baseAddress!)
                }
            }
            #expect(out == values)
            #expect(out.map { UInt64($0) } == referenceUnpack(packed, bitWidth: width, count: count))
        }
    }

    @Test(arguments: 0...64)
    func roundTrip64(width: Int) {
        var rng = SplitMix64(seed: UInt64(width) &* 104_729)
        for count in Self.counts {
            let values = (0..<count).map { _ in rng.next() & mask64(width) }
            var packed: [UInt8] = []
            values.withUnsafeBufferPointer { BitPacking.pack64($0.baseAddress!, count: count, bitWidth: width, into: &packed) }
            #expect(packed.count == count * width / 8)
            #expect(packed == referencePack(values, bitWidth: width))
            var out = [UInt64](repeating: 0xDEAD_BEEF, count: count)
            withGuardedBytes(packed) { src in
                out.withUnsafeMutableBufferPointer {
                    BitUnpacking.unpack64(src.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, bitWidth: width, count: count, into: $0.baseAddress!)
                }
            }
            #expect(out == values)
            #expect(out == referenceUnpack(packed, bitWidth: width, count: count))
        }
    }

    /// Random bytes (not produced by our packer) unpack like the reference reader, with the
    /// source ending right at a guard page and with extra readable slack.
    @Test(arguments: 0...64)
    func matchesReferenceOnRandomBytes(width: Int) {
        var rng = SplitMix64(seed: 0xB17 &+ UInt64(width))
        for count in [8, 16, 24, 40, 136] {
            let bytes = (0..<(count * width / 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let expected = referenceUnpack(bytes, bitWidth: width, count: count)
            let slack = bytes + [UInt8](repeating: 0xFF, count: 16)
            for src in [bytes, slack] {
                withGuardedBytes(src) { buf in
                    let p = buf.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!
                    var out64 = [UInt64](repeating: 0, count: count)
                    out64.withUnsafeMutableBufferPointer {
                        BitUnpacking.unpack64(p, bitWidth: width, count: count, readable: buf.count, into: $0.baseAddress!)
                    }
                    #expect(out64 == expected)
                    if width <= 32 {
                        var out32 = [UInt32](repeating: 0, count: count)
                        out32.withUnsafeMutableBufferPointer {
                            BitUnpacking.unpack32(p, bitWidth: width, count: count, readable: buf.count, into: $0.baseAddress!)
                        }
                        #expect(out32.map { UInt64($0) } == expected)
                    }
                }
            }
        }
    }

    /// Packing drops bits above the width and pads the last byte; odd counts are allowed.
    @Test func packMasksAndPads() {
        var packed: [UInt8] = [0xAA]
        let values: [UInt32] = [0xFFFF_FFFF, 0, 5]
        values.withUnsafeBufferPointer { BitPacking.pack32($0.baseAddress!, count: 3, bitWidth: 3, into: &packed) }
        #expect(packed == [0xAA, 0b0100_0111, 0b0000_0001])
    }

    /// Property: random widths, counts and offsets.
    @Test func randomCases() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let width = Int(rng.next() % 65)
            let count = Int(rng.next() % 40) * 8
            let values = (0..<count).map { _ in rng.next() & mask64(width) }
            var packed: [UInt8] = []
            values.withUnsafeBufferPointer { BitPacking.pack64($0.baseAddress!, count: count, bitWidth: width, into: &packed) }
            var out = [UInt64](repeating: 0, count: count)
            withGuardedBytes(packed) { src in
                out.withUnsafeMutableBufferPointer {
                    BitUnpacking.unpack64(src.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, bitWidth: width, count: count, into: $0.baseAddress!)
                }
            }
            #expect(out == values)
        }
    }
}
