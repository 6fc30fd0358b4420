import CSnappy
import Testing
@testable import LakeqParquet

// SnappyDecoder against libsnappy (the reference the decoder replaced) and against a
// byte-by-byte reading of the format, on every tag shape, on both sides of the fast loop's
// bounds, and on corrupt blocks. All data comes from fixed seeds.

/// Blocks written tag by tag, so each shape of tag can be placed exactly.
private struct BlockBuilder {
    var bytes: [UInt8] = []
    var expected: [UInt8] = []

    mutating func literal(_ data: [UInt8]) {
        let n = data.count - 1
        if n < 60 {
            bytes.append(UInt8(n << 2))
        } else {
            let extra = n < 1 << 8 ? 1 : n < 1 << 16 ? 2 : n < 1 << 24 ? 3 : 4
            bytes.append(UInt8((59 + extra) << 2))
            for i in 0..<extra { bytes.append(UInt8(truncatingIfNeeded: n >> (8 * i))) }
        }
        bytes += data
        expected += data
    }

    /// kind 1: length 4–11, offset < 2048; kind 2: length 1–64, offset < 65536; kind 4: length 1–64.
    mutating func copy(length: Int, offset: Int, kind: Int) {
        switch kind {
        case 1:
            bytes += [UInt8(1 | (length - 4) << 2 | (offset >> 8) << 5), UInt8(offset & 0xff)]
        case 2:
            bytes += [UInt8(2 | (length - 1) << 2), UInt8(offset & 0xff), UInt8(offset >> 8)]
        default:
            bytes += [UInt8(3 | (length - 1) << 2)]
            for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: offset >> (8 * i))) }
        }
        for _ in 0..<length { expected.append(expected[expected.count - offset]) }
    }

    /// The block: the output length as a varint, then the tags.
    var block: [UInt8] {
        var header: [UInt8] = []
        var n = expected.count
        while n >= 0x80 { header.append(UInt8(n & 0x7f) | 0x80); n >>= 7 }
        header.append(UInt8(n))
        return header + bytes
    }
}

/// nil when the block is corrupt.
private func decodeWithLakeq(_ block: [UInt8], size: Int) -> [UInt8]? {
    var out = [UInt8](repeating: 0xEE, count: size)
    let ok = block.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in
            guard let (declared, headerBytes) = SnappyDecoder.declaredLength(src), declared == size else { return false }
            return SnappyDecoder.decodeBody(src, headerBytes: headerBytes, into: dst)
        }
    }
    return ok ? out : nil
}

private func decodeWithLibsnappy(_ block: [UInt8], size: Int) -> [UInt8]? {
    var out = [UInt8](repeating: 0xEE, count: size)
    let ok = block.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in
            var declared = 0
            guard snappy_uncompressed_length(src.baseAddress?.assumingMemoryBound(to: CChar.self), src.count, &declared) == SNAPPY_OK,
                  declared == size else { return false }
            var produced = size
            let status = snappy_uncompress(
                src.baseAddress?.assumingMemoryBound(to: CChar.self), src.count, dst.baseAddress!.assumingMemoryBound(to: CChar.self), &produced)
            return status == SNAPPY_OK && produced == size
        }
    }
    return ok ? out : nil
}

private func libsnappyCompress(_ data: [UInt8]) -> [UInt8] {
    data.withUnsafeBytes { try! SnappyCodec.compress($0) }  // SnappyCodec compresses with libsnappy
}

@Suite("SnappyDecoder")
struct SnappyDecoderTests {
    /// Inputs shaped like Parquet pages: what libsnappy's compressor makes of them covers
    /// long and short literals, the three copy kinds and overlapping copies.
    static func samples() -> [(String, [UInt8])] {
        var rng = SplitMix64(seed: 23)
        var out: [(String, [UInt8])] = []
        for size in [0, 1, 2, 3, 15, 16, 17, 20, 21, 22, 63, 64, 65, 66, 100, 1000] {
            out.append(("random \(size)", (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }))
            out.append(("zeros \(size)", [UInt8](repeating: 0, count: size)))
        }
        // A high-cardinality int64 dictionary (ids under 2^20), as pyarrow writes user_id.
        var ids: [UInt8] = []
        for _ in 0..<40_000 { withUnsafeBytes(of: Int64.random(in: 0..<1 << 20, using: &rng).littleEndian) { ids += $0 } }
        out.append(("int64 ids", ids))
        // Doubles with two decimals, as pyarrow writes watch.
        var doubles: [UInt8] = []
        for _ in 0..<30_000 { withUnsafeBytes(of: (Double(Int.random(in: 0..<400_000, using: &rng)) / 100).bitPattern.littleEndian) { doubles += $0 } }
        out.append(("doubles", doubles))
        // Short repeating patterns: copies whose offset is below their length (1 to 20 bytes).
        for period in 1...20 {
            let pattern = (0..<period).map { _ in UInt8.random(in: 0...255, using: &rng) }
            out.append(("period \(period)", (0..<5000).map { pattern[$0 % period] }))
        }
        // Text with repeats at every distance, and a long incompressible run between.
        let words = ["lakeq ", "parquet ", "page ", "dictionary ", "snappy ", "copy ", "literal "]
        var text: [UInt8] = []
        for _ in 0..<20_000 { text += Array(words[Int.random(in: 0..<words.count, using: &rng)].utf8) }
        text += (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        text += text.prefix(50_000)
        out.append(("text, random run, repeat at 70k+", text))
        return out
    }

    @Test("decodes what libsnappy compresses, byte for byte", arguments: samples())
    func libsnappyRoundTrip(name: String, data: [UInt8]) {
        let block = libsnappyCompress(data)
        #expect(decodeWithLakeq(block, size: data.count) == data, "\(name)")
    }

    @Test("every tag shape, in the fast loop and in the careful loop at the end")
    func everyTagShape() {
        var rng = SplitMix64(seed: 5)
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        // Literal lengths across the 1–16 fast case, the 17–60 one-byte tag and 1–3 extra bytes.
        let literalLengths = Array(1...70) + [255, 256, 257, 1000, 65_535, 65_536, 65_537, 70_000]
        // Copies: offsets below, at and above the length and the 8/16 steps of the fast loop.
        let copyShapes: [(length: Int, offset: Int, kind: Int)] =
            (4...11).flatMap { length in [1, 2, 3, 4, 7, 8, 9, 11, 15, 16, 17, 100, 2047].map { (length, $0, 1) } }
            + [1, 2, 5, 8, 15, 16, 17, 31, 32, 33, 48, 49, 63, 64].flatMap { length in
                [1, 2, 7, 8, 12, 15, 16, 17, 31, 32, 33, 64, 65, 300, 65_535].flatMap { offset in [(length, offset, 2), (length, offset, 4)] }
            }
        for tail in [false, true] {
            var builder = BlockBuilder()
            builder.literal(bytes(70_000))  // history for every offset
            for length in literalLengths {
                builder.literal(bytes(length))
                if !tail { builder.literal(bytes(3)) }
            }
            for shape in copyShapes {
                if tail {
                    // Each copy last in its own block: the careful loop decodes it.
                    var last = BlockBuilder()
                    last.literal(bytes(shape.offset + 16))
                    last.copy(length: shape.length, offset: shape.offset, kind: shape.kind)
                    #expect(decodeWithLakeq(last.block, size: last.expected.count) == last.expected, "tail copy \(shape)")
                } else {
                    builder.copy(length: shape.length, offset: shape.offset, kind: shape.kind)
                    builder.literal(bytes(2))
                }
            }
            builder.literal(bytes(100))  // so the copies above ran in the fast loop
            let block = builder.block
            #expect(decodeWithLakeq(block, size: builder.expected.count) == builder.expected, "tail \(tail)")
            #expect(decodeWithLibsnappy(block, size: builder.expected.count) == builder.expected)
        }
    }

    @Test("empty and tiny blocks")
    func tinyBlocks() {
        #expect(decodeWithLakeq([0], size: 0) == [])
        #expect(decodeWithLakeq([1, 0, 0x41], size: 1) == [0x41])
        #expect(decodeWithLakeq([], size: 0) == nil)  // no length at all
        #expect(decodeWithLakeq([0, 0], size: 0) == nil)  // a tag after an empty output
        #expect(decodeWithLakeq([1], size: 1) == nil)  // a length and no tags
        #expect(decodeWithLakeq([2, 0, 0x41, 0x05, 1], size: 2) == nil)  // copy-1 length 5 into 1 byte left
    }

    @Test("declared length: truncated, too long for 32 bits, and the largest allowed")
    func declaredLength() {
        func declared(_ bytes: [UInt8]) -> Int? { bytes.withUnsafeBytes { SnappyDecoder.declaredLength($0)?.length } }
        #expect(declared([]) == nil)
        #expect(declared([0x80]) == nil)
        #expect(declared([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]) == nil)
        #expect(declared([0xff, 0xff, 0xff, 0xff, 0x0f]) == Int(UInt32.max))
        #expect(declared([0xff, 0xff, 0xff, 0xff, 0x1f]) == nil)
        #expect(declared([0xac, 0x02]) == 300)
    }

    @Test("copies that reach before the output's start or past its end are refused")
    func badCopies() {
        for kind in [1, 2, 4] {
            // Offset 0, and an offset one past the bytes written, in both loops.
            for history in [8, 200] {
                for offset in [0, history + 1] {
                    var builder = BlockBuilder()
                    builder.literal([UInt8](repeating: 7, count: history))
                    builder.bytes += kind == 1 ? [UInt8(1 | (offset >> 8) << 5), UInt8(offset & 0xff)]
                        : kind == 2 ? [UInt8(2 | 3 << 2), UInt8(offset & 0xff), UInt8(offset >> 8)]
                        : [UInt8(3 | 3 << 2), UInt8(offset & 0xff), UInt8(offset >> 8), 0, 0]
                    // 50 one-byte literals after it, so that with 200 bytes of history the copy is
                    // decoded by the fast loop (and with 8 by the careful one).
                    builder.bytes += [UInt8](repeating: 0, count: 100)
                    builder.expected = [UInt8](repeating: 0, count: history + 4 + 50)  // the declared length
                    #expect(decodeWithLakeq(builder.block, size: history + 4 + 50) == nil, "kind \(kind) offset \(offset) history \(history)")
                }
            }
        }
    }

    @Test("corrupt blocks: every truncation and 3,000 flipped bytes agree with libsnappy, no trap")
    func corruptBlocksAgreeWithLibsnappy() {
        var rng = SplitMix64(seed: 99)
        let data = Self.samples().first { $0.0 == "text, random run, repeat at 70k+" }!.1.prefix(6_000) + Self.samples().first { $0.0 == "int64 ids" }!.1.prefix(6_000)
        let block = libsnappyCompress(Array(data))
        for cut in 0..<block.count {
            let truncated = Array(block.prefix(cut))
            #expect(decodeWithLakeq(truncated, size: data.count) == nil, "truncated to \(cut)")
        }
        for trial in 0..<3_000 {
            var mutant = block
            for _ in 0..<(1 + trial % 3) {
                let at = Int.random(in: 0..<mutant.count, using: &rng)
                mutant[at] ^= UInt8.random(in: 1...255, using: &rng)
            }
            let ours = decodeWithLakeq(mutant, size: data.count)
            let reference = decodeWithLibsnappy(mutant, size: data.count)
            #expect(ours == reference, "trial \(trial)")
        }
    }
}
