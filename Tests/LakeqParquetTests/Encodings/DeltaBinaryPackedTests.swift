import Testing
@testable import LakeqParquet

func deltaEncode<T: FixedWidthInteger & SignedInteger>(_ values: [T]) -> [UInt8] {
    var out: [UInt8] = []
    values.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &out) }
    return out
}

func deltaDecode<T: FixedWidthInteger & SignedInteger>(_ bytes: [UInt8], maxValues: Int = 1 << 20, as: T.Type) throws -> (values: [T], bytesRead: Int) {
    try withGuardedBytes(bytes) { try DeltaBinaryPacked.decode($0, maxValues: maxValues, as: T.self) }
}

@Suite struct DeltaBinaryPackedTests {
    static func cases<T: FixedWidthInteger & SignedInteger>(_: T.Type) -> [[T]] {
        var rng = SplitMix64(seed: 1234)
        let alternating = (0..<300).map { $0 % 2 == 0 ? T.min : T.max }
        return [
            [], [T.min], [T.max], [0], [T.max, T.min], [T.min, T.max],
            alternating,
            (0..<1000).map { T(truncatingIfNeeded: $0 * 3 - 77) },            // sorted
            Array(repeating: T(-42), count: 513),                          // constant
            (0..<129).map { _ in T(truncatingIfNeeded: rng.next()) },      // full-range noise
            (0..<257).map { _ in T(truncatingIfNeeded: rng.next() % 1000) },
            (0..<33).map { T(truncatingIfNeeded: $0) } + [T.min] + (0..<100).map { T(truncatingIfNeeded: -$0) },
        ]
    }

    @Test func roundTripInt32() throws {
        for values in Self.cases(Int32.self) {
            let bytes = deltaEncode(values)
            let (decoded, read) = try deltaDecode(bytes, as: Int32.self)
            #expect(decoded == values)
            #expect(read == bytes.count)
        }
    }

    @Test func roundTripInt64() throws {
        for values in Self.cases(Int64.self) {
            let bytes = deltaEncode(values)
            let (decoded, read) = try deltaDecode(bytes, as: Int64.self)
            #expect(decoded == values)
            #expect(read == bytes.count)
        }
    }

    @Test(arguments: [0, 1, 2, 31, 32, 33, 127, 128, 129, 130, 255, 256, 1000])
    func nonMultipleOfBlockCounts(count: Int) throws {
        var rng = SplitMix64(seed: UInt64(count))
        let values = (0..<count).map { _ in Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64) }
        let bytes = deltaEncode(values)
        // Another stream follows directly: bytesRead must land exactly on it.
        let (decoded, read) = try deltaDecode(bytes + [0xAB, 0xCD], as: Int64.self)
        #expect(decoded == values)
        #expect(read == bytes.count)
    }

    /// Encodings.md examples (block size 8, one miniblock).
    @Test func specExamples() throws {
        // 1, 2, 3, 4, 5: header 8, 1, 5, zigzag(1) = 2; block: zigzag(1) = 2, width 0.
        let ex1: [UInt8] = [8, 1, 5, 2, 2, 0]
        #expect(try deltaDecode(ex1, as: Int32.self) == ([1, 2, 3, 4, 5], 6))
        // 7, 5, 3, 1, 2, 3, 4, 5: zigzag(7) = 14; min delta zigzag(-2) = 3, width 2,
        // relative deltas 0,0,0,3,3,3,3,(pad 0) packed LSB-first = 0xC0 0x3F.
        let ex2: [UInt8] = [8, 1, 8, 14, 3, 2, 0xC0, 0x3F]
        #expect(try deltaDecode(ex2, as: Int64.self) == ([7, 5, 3, 1, 2, 3, 4, 5], 8))
    }

    /// Padding miniblocks in the last block may carry any width and have no body.
    @Test func junkWidthsOfUnneededMiniblocks() throws {
        // 128-value block, 4 miniblocks of 32; 3 values => only miniblock 0 is used (width 1,
        // body 4 bytes); the other widths are junk (even > 64) and have no body.
        let bytes: [UInt8] = [0x80, 0x01, 4, 3, 0, /*block*/ 0, 1, 200, 77, 255, 0b10, 0, 0, 0]
        #expect(try deltaDecode(bytes, as: Int32.self) == ([0, 0, 1], bytes.count))
        // The same with the final miniblock's padding cut off by the end of the data.
        #expect(try deltaDecode(Array(bytes.prefix(bytes.count - 3)), as: Int32.self) == ([0, 0, 1], bytes.count - 3))
    }

    @Test func hostileHeaders() {
        #expect(throwsCorrupt { _ = try deltaDecode(deltaEncode([Int32](repeating: 1, count: 10)), maxValues: 9, as: Int32.self) })
        #expect(throwsCorrupt { _ = try deltaDecode([0, 4, 1, 0], as: Int32.self) })            // block size 0
        #expect(throwsCorrupt { _ = try deltaDecode([0x80, 0x01, 0, 1, 0], as: Int32.self) })   // 0 miniblocks
        #expect(throwsCorrupt { _ = try deltaDecode([0x80, 0x01, 3, 1, 0], as: Int32.self) })   // 128 % 3 != 0
        #expect(throwsCorrupt { _ = try deltaDecode([8, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0], as: Int32.self) })  // huge count
        #expect(throwsCorrupt { _ = try deltaDecode([8, 1, 9, 0, 0, 65, 0, 0, 0, 0, 0, 0, 0, 0], as: Int64.self) })  // width 65
        #expect(throwsCorrupt { _ = try deltaDecode([], as: Int32.self) })
        // Values announced, no block follows.
        #expect(throwsCorrupt { _ = try deltaDecode([8, 1, 2, 0], as: Int32.self) })
    }

    @Test func truncationAtEveryOffset() {
        var rng = SplitMix64(seed: 5)
        let values = (0..<400).map { _ in Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64) }
        let bytes = deltaEncode(values)
        for cut in 0..<bytes.count {
            do {
                let (decoded, _) = try deltaDecode(Array(bytes.prefix(cut)), as: Int64.self)
                #expect(decoded == values)  // only if just padding was cut
            } catch let e as ParquetError {
                if case .corrupt = e {} else { Issue.record("unexpected \(e)") }
            } catch { Issue.record("unexpected \(error)") }
        }
        // Random garbage never traps.
        for _ in 0..<500 {
            let garbage = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? deltaDecode(garbage, maxValues: 5000, as: Int32.self)
            _ = try? deltaDecode(garbage, maxValues: 5000, as: Int64.self)
        }
    }

    /// Property: random lengths and value distributions for both widths.
    @Test func randomCases() throws {
        var rng = SplitMix64(seed: 0xDE17A)
        for _ in 0..<300 {
            let count = Int(rng.next() % 700)
            let shift = Int64(rng.next() % 64)
            let base = Int64(bitPattern: rng.next())
            let v64 = (0..<count).map { i in rng.next() % 4 == 0 ? base &+ Int64(i) : Int64(bitPattern: rng.next()) >> shift }
            let b64 = deltaEncode(v64)
            #expect(try deltaDecode(b64, as: Int64.self) == (v64, b64.count))
            let v32 = v64.map { Int32(truncatingIfNeeded: $0) }
            let b32 = deltaEncode(v32)
            #expect(try deltaDecode(b32, as: Int32.self) == (v32, b32.count))
        }
    }
}
