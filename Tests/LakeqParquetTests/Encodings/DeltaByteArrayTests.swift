import Testing
import LakeqColumnar
@testable import LakeqParquet

func randomByteArrays(_ rng: inout SplitMix64, count: Int) -> ByteArrays {
    var out = ByteArrays()
    var prev: [UInt8] = []
    for _ in 0..<count {
        var v: [UInt8]
        switch rng.next() % 5 {
        case 0: v = []
        case 1: v = (0..<Int(rng.next() % 3000)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }  // long
        case 2: v = Array(prev.prefix(Int(rng.next() % UInt64(prev.count + 1)))) + [UInt8(truncatingIfNeeded: rng.next())]  // shared prefix
        case 3: v = prev  // duplicate
        default: v = (0..<Int(rng.next() % 12)).map { _ in UInt8(truncatingIfNeeded: rng.next() % 4 + 97) }
        }
        out.append(v)
        prev = v
    }
    return out
}

@Suite struct DeltaLengthByteArrayTests {
    func roundTrip(_ values: ByteArrays) throws {
        var bytes: [UInt8] = []
        DeltaLengthByteArray.encode(values, into: &bytes)
        let decoded = try withGuardedBytes(bytes) { try DeltaLengthByteArray.decode($0, count: values.count) }
        #expect(decoded == values)
    }

    @Test func roundTrips() throws {
        try roundTrip(ByteArrays())
        try roundTrip(ByteArrays(strings: [""]))
        try roundTrip(ByteArrays(strings: ["", "", ""]))
        try roundTrip(ByteArrays(strings: ["Hello", "World", "Foobar", "ABCDEF"]))
        try roundTrip(ByteArrays(strings: [String(repeating: "x", count: 100_000), "", "y"]))
        var rng = SplitMix64(seed: 3)
        for _ in 0..<200 { try roundTrip(randomByteArrays(&rng, count: Int(rng.next() % 300))) }
    }

    @Test func specExample() throws {
        var bytes: [UInt8] = []
        [Int32(5), 5, 6, 6].withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &bytes) }
        bytes += Array("HelloWorldFoobarABCDEF".utf8)
        let decoded = try withGuardedBytes(bytes) { try DeltaLengthByteArray.decode($0, count: 4) }
        #expect(decoded == ByteArrays(strings: ["Hello", "World", "Foobar", "ABCDEF"]))
    }

    @Test func hostileInputs() {
        func stream(_ lengths: [Int32], data: String) -> [UInt8] {
            var bytes: [UInt8] = []
            lengths.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &bytes) }
            return bytes + Array(data.utf8)
        }
        func decode(_ b: [UInt8], _ n: Int) throws { _ = try withGuardedBytes(b) { try DeltaLengthByteArray.decode($0, count: n) } }
        #expect(throwsCorrupt { try decode(stream([3, -1, 2], data: "abcd"), 3) })        // negative
        #expect(throwsCorrupt { try decode(stream([3, 5], data: "abcdefg"), 2) })         // past the end
        #expect(throwsCorrupt { try decode(stream([Int32.max, Int32.max], data: "ab"), 2) })
        #expect(throwsCorrupt { try decode(stream([1, 1], data: "ab"), 3) })              // too few lengths
        #expect(throwsCorrupt { try decode(stream([1, 1, 1], data: "abc"), 2) })          // too many
        var rng = SplitMix64(seed: 8)
        for _ in 0..<300 {
            let g = (0..<Int(rng.next() % 48)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? decode(g, Int(rng.next() % 50))
        }
    }
}

@Suite struct DeltaByteArrayTests {
    func roundTrip(_ values: ByteArrays) throws {
        var bytes: [UInt8] = []
        DeltaByteArray.encode(values, into: &bytes)
        let decoded = try withGuardedBytes(bytes) { try DeltaByteArray.decode($0, count: values.count) }
        #expect(decoded == values)
    }

    @Test func roundTrips() throws {
        try roundTrip(ByteArrays())
        try roundTrip(ByteArrays(strings: [""]))
        try roundTrip(ByteArrays(strings: ["axis", "axle", "babble", "babyhood"]))
        try roundTrip(ByteArrays(strings: ["", "a", "", "a", "aa", "aaa", "aa", ""]))
        try roundTrip(ByteArrays(strings: (0..<1000).map { "prefix/shared/path/\($0 / 10)/\($0)" }))
        try roundTrip(ByteArrays(strings: [String(repeating: "z", count: 70_000), String(repeating: "z", count: 70_001)]))
        var rng = SplitMix64(seed: 4)
        for _ in 0..<200 { try roundTrip(randomByteArrays(&rng, count: Int(rng.next() % 300))) }
    }

    @Test func specExample() throws {
        var bytes: [UInt8] = []
        [Int32(0), 2, 0, 3].withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &bytes) }
        [Int32(4), 2, 6, 5].withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &bytes) }
        bytes += Array("axislebabbleyhood".utf8)
        let decoded = try withGuardedBytes(bytes) { try DeltaByteArray.decode($0, count: 4) }
        #expect(decoded == ByteArrays(strings: ["axis", "axle", "babble", "babyhood"]))
    }

    @Test func hostileInputs() throws {
        func stream(_ prefixes: [Int32], _ suffixes: [String]) -> [UInt8] {
            var bytes: [UInt8] = []
            prefixes.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &bytes) }
            DeltaLengthByteArray.encode(ByteArrays(strings: suffixes), into: &bytes)
            return bytes
        }
        func decode(_ b: [UInt8], _ n: Int) throws { _ = try withGuardedBytes(b) { try DeltaByteArray.decode($0, count: n) } }
        #expect(throwsCorrupt { try decode(stream([1], ["a"]), 1) })                   // prefix on first value
        #expect(throwsCorrupt { try decode(stream([0, 3], ["ab", "c"]), 2) })          // prefix > previous length
        #expect(throwsCorrupt { try decode(stream([0, -1], ["ab", "c"]), 2) })         // negative prefix
        #expect(throwsCorrupt { try decode(stream([0, 1], ["ab"]), 2) })               // suffixes missing
        // Prefix lengths are bounded by the previous value, not by the suffix bytes, so this
        // grows: still valid, and decoded exactly.
        let grow = stream([0] + Array(repeating: 3, count: 50), ["abc"] + Array(repeating: "", count: 50))
        #expect(try withGuardedBytes(grow) { try DeltaByteArray.decode($0, count: 51) } == ByteArrays(strings: Array(repeating: "abc", count: 51)))
        var rng = SplitMix64(seed: 9)
        for _ in 0..<300 {
            let g = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? decode(g, Int(rng.next() % 50))
        }
        // Truncation of a valid stream at every offset never traps.
        let valid = stream([0, 2, 0, 3], ["axis", "le", "babble", "yhood"])
        for cut in 0..<valid.count { _ = try? decode(Array(valid.prefix(cut)), 4) }
    }
}
