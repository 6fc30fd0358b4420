import Testing
import LakeqColumnar

@Suite struct BitmapTests {
    /// `append(packedBits:)` at every starting offset within a word and many lengths equals
    /// appending the same bits one by one.
    @Test func packedBitsMatchBitByBit() {
        var state: UInt64 = 12345
        var bytes = [UInt8](repeating: 0, count: 40)
        for i in bytes.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[i] = UInt8(truncatingIfNeeded: state >> 33)
        }
        func bit(_ i: Int) -> Bool { (bytes[i >> 3] >> UInt8(i & 7)) & 1 == 1 }
        for prefix in [0, 1, 7, 31, 63, 64, 65, 100] {
            for n in [0, 1, 5, 8, 63, 64, 65, 130, 200, 320] {
                var expected = Bitmap(count: 0, value: false)
                var actual = Bitmap(count: 0, value: false)
                for i in 0..<prefix {
                    expected.append(i % 3 == 0)
                    actual.append(i % 3 == 0)
                }
                var set = 0
                for i in 0..<n {
                    expected.append(bit(i))
                    if bit(i) { set += 1 }
                }
                let got = bytes.withUnsafeBytes { actual.append(packedBits: $0.baseAddress!, count: n) }
                #expect(got == set, "prefix \(prefix), n \(n)")
                #expect(actual == expected, "prefix \(prefix), n \(n)")
                #expect(actual.setCount(in: prefix, count: n) == set)
            }
        }
    }

    @Test(arguments: [0, 1, 7, 63, 64, 65, 130, 1000])
    func packingBoolsRoundTrips(count: Int) {
        let bools = (0..<count).map { ($0 * 7919) % 3 == 0 }
        let packed = Bitmap(bools: bools)
        #expect(packed.count == count)
        #expect(packed.unpacked() == bools)
        #expect(packed == Bitmap(bools))
        #expect(packed.setCount == bools.filter { $0 }.count)
    }

    /// `append(repeating:)` of either value after every prefix length equals bit-by-bit appends,
    /// and leaves the bits past `count` clear (what `append(packedBits:)` relies on after it).
    @Test func repeatingMatchesBitByBit() {
        for prefix in [0, 1, 7, 63, 64, 65, 100] {
            for n in [1, 5, 57, 63, 64, 65, 130] {
                for value in [true, false] {
                    var expected = Bitmap(count: 0, value: false)
                    var actual = Bitmap(count: 0, value: false)
                    for i in 0..<prefix {
                        expected.append(i % 3 == 0)
                        actual.append(i % 3 == 0)
                    }
                    for _ in 0..<n { expected.append(value) }
                    actual.append(repeating: value, count: n)
                    #expect(actual == expected, "prefix \(prefix), n \(n), \(value)")
                    // A packed run after it lands on clear bits.
                    let tail: [UInt8] = [0b1010_0101, 0b0000_0011]
                    for i in 0..<10 { expected.append((tail[i >> 3] >> UInt8(i & 7)) & 1 == 1) }
                    tail.withUnsafeBytes { _ = actual.append(packedBits: $0.baseAddress!, count: 10) }
                    #expect(actual == expected, "then packed: prefix \(prefix), n \(n), \(value)")
                }
            }
        }
    }
}
