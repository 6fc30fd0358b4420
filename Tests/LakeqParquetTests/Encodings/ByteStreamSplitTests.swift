import Testing
@testable import LakeqParquet

@Suite struct ByteStreamSplitTests {
    @Test func specExample() throws {
        let encoded: [UInt8] = [0xAA, 0x00, 0xA3, 0xBB, 0x11, 0xB4, 0xCC, 0x22, 0xC5, 0xDD, 0x33, 0xD6]
        let plain: [UInt8] = [0xAA, 0xBB, 0xCC, 0xDD, 0x00, 0x11, 0x22, 0x33, 0xA3, 0xB4, 0xC5, 0xD6]
        #expect(try withGuardedBytes(encoded) { try ByteStreamSplit.decode($0, count: 3, width: 4) } == plain)
        var out: [UInt8] = []
        plain.withUnsafeBytes { ByteStreamSplit.encode($0, width: 4, into: &out) }
        #expect(out == encoded)
    }

    @Test(arguments: 1...16)
    func roundTripAnyWidth(width: Int) throws {
        var rng = SplitMix64(seed: UInt64(width))
        for count in [0, 1, 2, 7, 100, 1001] {
            let plain = (0..<(count * width)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var enc: [UInt8] = []
            plain.withUnsafeBytes { ByteStreamSplit.encode($0, width: width, into: &enc) }
            #expect(enc.count == plain.count)
            #expect(try withGuardedBytes(enc) { try ByteStreamSplit.decode($0, count: count, width: width) } == plain)
        }
    }

    @Test func typedFastPaths() throws {
        var rng = SplitMix64(seed: 77)
        for _ in 0..<100 {
            let count = Int(rng.next() % 500)
            let floats = (0..<count).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
            let doubles = (0..<count).map { _ in Double(bitPattern: rng.next()) }
            let ints = (0..<count).map { _ in Int64(bitPattern: rng.next()) }
            var ef: [UInt8] = [], ed: [UInt8] = [], ei: [UInt8] = []
            floats.withUnsafeBytes { ByteStreamSplit.encode($0, width: 4, into: &ef) }
            doubles.withUnsafeBytes { ByteStreamSplit.encode($0, width: 8, into: &ed) }
            ints.withUnsafeBytes { ByteStreamSplit.encode($0, width: 8, into: &ei) }
            // Compare bit patterns (NaN payloads must survive).
            let df = try withGuardedBytes(ef) { try ByteStreamSplit.decode($0, count: count, as: Float.self) }
            #expect(df.map(\.bitPattern) == floats.map(\.bitPattern))
            let dd = try withGuardedBytes(ed) { try ByteStreamSplit.decode($0, count: count, as: Double.self) }
            #expect(dd.map(\.bitPattern) == doubles.map(\.bitPattern))
            #expect(try withGuardedBytes(ei) { try ByteStreamSplit.decode($0, count: count, as: Int64.self) } == ints)
            let i32 = try withGuardedBytes(ef) { try ByteStreamSplit.decode($0, count: count, as: UInt32.self) }
            #expect(i32 == floats.map(\.bitPattern))
        }
    }

    @Test func hostileInputs() {
        let five: [UInt8] = [1, 2, 3, 4, 5]
        #expect(throwsCorrupt { _ = try withGuardedBytes(five) { try ByteStreamSplit.decode($0, count: 2, width: 4) } })
        #expect(throwsCorrupt { _ = try withGuardedBytes(five) { try ByteStreamSplit.decode($0, count: 1, width: 0) } })
        #expect(throwsCorrupt { _ = try withGuardedBytes(five) { try ByteStreamSplit.decode($0, count: -1, width: 4) } })
        #expect(throwsCorrupt { _ = try withGuardedBytes(five) { try ByteStreamSplit.decode($0, count: Int.max / 2, width: 4) } })
        #expect(throwsCorrupt { _ = try withGuardedBytes(five) { try ByteStreamSplit.decode($0, count: 2, as: Double.self) } })
    }
}
