import Testing
@testable import LakeqParquet

/// Decodes `count` values from `bytes` (placed against a guard page), optionally in chunks.
func rleDecode(_ bytes: [UInt8], bitWidth: Int, count: Int, chunks: [Int] = []) throws -> [UInt32] {
    try withGuardedBytes(bytes) { buf in
        var d = try RLEHybridDecoder(buf, bitWidth: bitWidth)
        var out = [UInt32](repeating: 0xDEAD_BEEF, count: count)
        try out.withUnsafeMutableBufferPointer { o in
            var done = 0
            var i = 0
            while done < count {
                let n = chunks.isEmpty ? count - done : min(chunks[i % chunks.count], count - done)
                try d.decode(into: o.baseAddress! + done, count: n)
                done += n
                i += 1
            }
        }
        return out
    }
}

func rleEncode(_ values: [UInt32], bitWidth: Int, bulk: Bool = true) -> [UInt8] {
    var e = RLEHybridEncoder(bitWidth: bitWidth)
    if bulk {
        values.withUnsafeBufferPointer { e.append(contentsOf: $0) }
    } else {
        for v in values { e.append(v) }
    }
    return e.finish()
}

/// Values mixing long runs, short runs and runs with lengths at group boundaries.
func mixedValues(width: Int, count: Int, rng: inout SplitMix64) -> [UInt32] {
    let runLengths = [1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 511, 512, 513, 1000]
    var out: [UInt32] = []
    while out.count < count {
        let v = UInt32(truncatingIfNeeded: rng.next() & mask64(width))
        if rng.next() % 3 == 0 {
            for _ in 0..<Int(rng.next() % 20) {
                out.append(UInt32(truncatingIfNeeded: rng.next() & mask64(width)))
            }
        } else {
            out += Array(repeating: v, count: runLengths[Int(rng.next() % UInt64(runLengths.count))])
        }
    }
    return Array(out.prefix(count))
}

@Suite struct RLEHybridTests {
    @Test(arguments: 0...32)
    func roundTripEveryWidth(width: Int) throws {
        var rng = SplitMix64(seed: 0x5EED &+ UInt64(width))
        for count in [0, 1, 2, 7, 8, 9, 63, 64, 65, 1000, 4099] {
            let values = mixedValues(width: width, count: count, rng: &rng)
            for bulk in [true, false] {
                let bytes = rleEncode(values, bitWidth: width, bulk: bulk)
                #expect(try rleDecode(bytes, bitWidth: width, count: count) == values)
                #expect(try rleDecode(bytes, bitWidth: width, count: count, chunks: [1, 3, 8, 13, 64, 5]) == values)
            }
            // Bulk and per-value appends choose the same runs.
            #expect(rleEncode(values, bitWidth: width, bulk: true) == rleEncode(values, bitWidth: width, bulk: false))
        }
    }

    @Test(arguments: [7, 8, 9, 15, 16, 17, 63, 64, 65, 504, 505])
    func runLengthsAtBoundaries(run: Int) throws {
        for width in [1, 3, 8, 17, 32] {
            for lead in 0..<9 {
                // `lead` distinct values, then a run, then a tail.
                var values = (0..<lead).map { UInt32($0 % 2) }
                values += Array(repeating: UInt32(mask64(width)), count: run)
                values += [0, 1, 0]
                let bytes = rleEncode(values, bitWidth: width)
                #expect(try rleDecode(bytes, bitWidth: width, count: values.count) == values)
            }
        }
    }

    @Test func longRunsBecomeRLE() {
        let values = [UInt32](repeating: 5, count: 100)
        #expect(rleEncode(values, bitWidth: 3) == [0xC8, 0x01, 5])  // varint(200)
        let zeros = [UInt32](repeating: 0, count: 1000)
        #expect(rleEncode(zeros, bitWidth: 0) == [0xD0, 0x0F])  // varint(2000)
    }

    /// Examples from Encodings.md.
    @Test func handBuiltStreams() throws {
        // Bit-packed: 0...7 with width 3 is 0x88 0xC6 0xFA after a 1-group header.
        #expect(try rleDecode([0x03, 0x88, 0xC6, 0xFA], bitWidth: 3, count: 8) == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(rleEncode([0, 1, 2, 3, 4, 5, 6, 7], bitWidth: 3) == [0x03, 0x88, 0xC6, 0xFA])
        // RLE: 300 times 0x1234 with width 13 (2 value bytes), varint header 600 = 0xD8 0x04.
        #expect(try rleDecode([0xD8, 0x04, 0x34, 0x12], bitWidth: 13, count: 300) == Array(repeating: 0x1234, count: 300))
        // RLE then bit-packed: 4 x 1, then 8 values of width 1.
        #expect(try rleDecode([0x08, 0x01, 0x03, 0b1010_0101], bitWidth: 1, count: 12) == [1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1])
        // An RLE value wider than the bit width is masked.
        #expect(try rleDecode([0x04, 0xFF], bitWidth: 3, count: 2) == [7, 7])
        // Zero-length runs are skipped.
        #expect(try rleDecode([0x00, 0x01, 0x01, 0x04, 0x01], bitWidth: 1, count: 2) == [1, 1])
        // Width 0: bit-packed groups take no bytes.
        #expect(try rleDecode([0x05], bitWidth: 0, count: 16) == Array(repeating: 0, count: 16))
    }

    /// A last bit-packed run may claim more groups than the bytes hold; the values present are
    /// usable, asking for more throws.
    @Test func shortLastBitPackedRun() throws {
        // Claims 2 groups of width 3, holds 1 group.
        let oneGroup: [UInt8] = [0x05, 0x88, 0xC6, 0xFA]
        #expect(try rleDecode(oneGroup, bitWidth: 3, count: 8) == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(throwsCorrupt { _ = try rleDecode(oneGroup, bitWidth: 3, count: 9) })
        // Claims 1 group of width 3 (3 bytes), holds 2 bytes = 5 whole values.
        let partial: [UInt8] = [0x03, 0x88, 0xC6]
        #expect(try rleDecode(partial, bitWidth: 3, count: 5) == [0, 1, 2, 3, 4])
        #expect(try rleDecode(partial, bitWidth: 3, count: 5, chunks: [2]) == [0, 1, 2, 3, 4])
        #expect(throwsCorrupt { _ = try rleDecode(partial, bitWidth: 3, count: 6) })
    }

    @Test(arguments: [1, 4, 9, 20, 32])
    func truncatedStreamsThrowOrDecodeCorrectly(width: Int) throws {
        var rng = SplitMix64(seed: UInt64(width))
        let values = mixedValues(width: width, count: 300, rng: &rng)
        let bytes = rleEncode(values, bitWidth: width)
        for cut in 0..<bytes.count {
            let prefix = Array(bytes.prefix(cut))
            do {
                // Only possible when the cut removed nothing but padding.
                #expect(try rleDecode(prefix, bitWidth: width, count: values.count) == values)
            } catch let e as ParquetError {
                guard case .corrupt = e else { Issue.record("unexpected \(e)"); continue }
            }
        }
        #expect(throwsCorrupt { _ = try rleDecode([], bitWidth: width, count: 1) })
        #expect(try rleDecode([], bitWidth: width, count: 0) == [])
    }

    @Test func garbageNeverTraps() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<500 {
            let bytes = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let width = Int(rng.next() % 33)
            let count = Int(rng.next() % 200)
            _ = try? rleDecode(bytes, bitWidth: width, count: count)
            _ = try? rleDecode(bytes, bitWidth: width, count: count, chunks: [3, 9])
        }
    }

    @Test func badBitWidthThrows() {
        #expect(throwsCorrupt { _ = try RLEHybridDecoder(UnsafeRawBufferPointer(start: nil, count: 0), bitWidth: 33) })
        #expect(throwsCorrupt { _ = try RLEHybridDecoder(UnsafeRawBufferPointer(start: nil, count: 0), bitWidth: -1) })
        // A varint header longer than 32 bits is corrupt.
        #expect(throwsCorrupt { _ = try rleDecode([0xFF, 0xFF, 0xFF, 0xFF, 0x7F], bitWidth: 1, count: 1) })
    }

    func decodeIndices(_ bytes: [UInt8], bitWidth: Int, count: Int, dictionaryCount: Int, chunks: Int = .max) throws -> [Int32] {
        try withGuardedBytes(bytes) { buf in
            var d = try RLEHybridDecoder(buf, bitWidth: bitWidth)
            var out = [Int32](repeating: -1, count: count)
            try out.withUnsafeMutableBufferPointer { o in
                var done = 0
                while done < count {
                    let n = min(chunks, count - done)
                    try d.decodeDictionaryIndices(into: o.baseAddress! + done, count: n, dictionaryCount: dictionaryCount)
                    done += n
                }
            }
            return out
        }
    }

    @Test func dictionaryIndices() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let dictCount = Int(rng.next() % 3000) + 1
            let width = 64 - UInt64(dictCount - 1).leadingZeroBitCount
            let count = Int(rng.next() % 3000)
            var values = mixedValues(width: width, count: count, rng: &rng).map { $0 % UInt32(dictCount) }
            let bytes = rleEncode(values, bitWidth: width)
            let chunk = Int(rng.next() % 100) + 1
            #expect(try decodeIndices(bytes, bitWidth: width, count: count, dictionaryCount: dictCount, chunks: chunk) == values.map { Int32($0) })
            // One out-of-range index anywhere is caught.
            if count > 0, UInt64(dictCount) < (UInt64(1) << UInt64(width)) || width == 0 {
                let at = Int(rng.next() % UInt64(count))
                values[at] = UInt32(dictCount)
                let bad = rleEncode(values, bitWidth: max(width, 64 - UInt64(dictCount).leadingZeroBitCount))
                let w = max(width, 64 - UInt64(dictCount).leadingZeroBitCount)
                #expect(throwsCorrupt { _ = try decodeIndices(bad, bitWidth: w, count: count, dictionaryCount: dictCount, chunks: chunk) })
            }
        }
        // Width 32: indices >= 2^31 are never valid Int32 indices, whatever the dictionary size.
        var wide = [UInt32](repeating: 3, count: 64)
        #expect(try decodeIndices(rleEncode(wide.enumerated().map { UInt32($0.offset) }, bitWidth: 32), bitWidth: 32, count: 64, dictionaryCount: 64) == (0..<64).map { Int32($0) })
        wide[17] = 0x8000_0000
        #expect(throwsCorrupt { _ = try decodeIndices(rleEncode(wide, bitWidth: 32), bitWidth: 32, count: 64, dictionaryCount: Int.max) })
        wide[17] = 0x7FFF_FFFF
        #expect(throwsCorrupt { _ = try decodeIndices(rleEncode(wide, bitWidth: 32), bitWidth: 32, count: 64, dictionaryCount: Int.max) })
        wide[17] = 0x7FFF_FFFE
        #expect(try decodeIndices(rleEncode(wide, bitWidth: 32), bitWidth: 32, count: 64, dictionaryCount: Int.max)[17] == 0x7FFF_FFFE)
        // RLE run of an out-of-range index; an empty dictionary rejects any index.
        #expect(throwsCorrupt { _ = try decodeIndices([0x10, 0x05], bitWidth: 3, count: 8, dictionaryCount: 5) })
        #expect(try decodeIndices([0x10, 0x04], bitWidth: 3, count: 8, dictionaryCount: 5) == Array(repeating: 4, count: 8))
        #expect(throwsCorrupt { _ = try decodeIndices([0x10, 0x00], bitWidth: 3, count: 1, dictionaryCount: 0) })
        // Bit-packed group with the bad index in the last lane, decoded whole and split.
        let packed = rleEncode([0, 1, 2, 3, 4, 0, 1, 5], bitWidth: 3)
        #expect(throwsCorrupt { _ = try decodeIndices(packed, bitWidth: 3, count: 8, dictionaryCount: 5) })
        #expect(throwsCorrupt { _ = try decodeIndices(packed, bitWidth: 3, count: 8, dictionaryCount: 5, chunks: 3) })
        #expect(try decodeIndices(packed, bitWidth: 3, count: 7, dictionaryCount: 5) == [0, 1, 2, 3, 4, 0, 1])
    }

    @Test func levels() throws {
        var rng = SplitMix64(seed: 11)
        for width in 0...16 {
            let values = mixedValues(width: width, count: 2000, rng: &rng)
            let bytes = rleEncode(values, bitWidth: width)
            let out = try withGuardedBytes(bytes) { buf -> [UInt16] in
                var d = try RLEHybridDecoder(buf, bitWidth: width)
                var out = [UInt16](repeating: 0, count: values.count)
                try out.withUnsafeMutableBufferPointer { try d.decodeLevels(into: $0.baseAddress!, count: 1500) }
                try out.withUnsafeMutableBufferPointer { try d.decodeLevels(into: $0.baseAddress! + 1500, count: 500) }
                return out
            }
            #expect(out == values.map { UInt16($0) })
        }
        #expect(throwsCorrupt {
            var d = try RLEHybridDecoder(UnsafeRawBufferPointer(start: nil, count: 0), bitWidth: 17)
            var x: UInt16 = 0
            try d.decodeLevels(into: &x, count: 1)
        })
    }

    /// Property: random data, widths and chunkings.
    @Test func randomCases() throws {
        var rng = SplitMix64(seed: 0xC0FFEE)
        for _ in 0..<400 {
            let width = Int(rng.next() % 33)
            let count = Int(rng.next() % 2500)
            let values = mixedValues(width: width, count: count, rng: &rng)
            let bytes = rleEncode(values, bitWidth: width)
            let chunk = Int(rng.next() % 50) + 1
            #expect(try rleDecode(bytes, bitWidth: width, count: count, chunks: [chunk, 8 * chunk]) == values)
        }
    }
}
