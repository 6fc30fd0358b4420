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
}
