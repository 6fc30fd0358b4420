import LakeqColumnar
import Testing

@Suite struct HashingTests {
    /// Every byte of a string counts, whatever its length (the tail is read in wide loads).
    @Test func everyByteChangesTheHash() {
        for n in 0...24 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) }
            let base = bytes.withUnsafeBytes { Hashing.bytes($0) }
            for i in 0..<n {
                var changed = bytes
                changed[i] ^= 0x20
                let h = changed.withUnsafeBytes { Hashing.bytes($0) }
                #expect(h != base, "length \(n), byte \(i)")
            }
            // A string and its extension by a zero byte differ (the length is hashed).
            let longer = (bytes + [0]).withUnsafeBytes { Hashing.bytes($0) }
            #expect(longer != base, "length \(n) vs \(n + 1)")
        }
    }
}
