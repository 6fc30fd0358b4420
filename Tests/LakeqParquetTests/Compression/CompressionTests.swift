import CLZ4
import CZstd
import Testing
@testable import LakeqParquet

// All test data is generated here from fixed seeds, so failures reproduce exactly.

/// Incompressible bytes from SplitMix64 (Encodings/EncodingTestSupport.swift).
struct SeededBytes {
    private var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { rng.next() }
    mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count + 8)
        while out.count < count {
            withUnsafeBytes(of: next().littleEndian) { out.append(contentsOf: $0) }
        }
        out.removeLast(out.count - count)
        return out
    }
}

enum Samples {
    static let mib = 1 << 20
    static let empty: [UInt8] = []
    static let oneByte: [UInt8] = [0x2A]
    static let random: [UInt8] = { var g = SeededBytes(seed: 1); return g.bytes(mib) }()
    /// Long runs plus a repeating phrase: what a dictionary-index or level page looks like.
    static let repetitive: [UInt8] = {
        let phrase = Array("lakeq parquet page 0123456789 ".utf8)
        return (0..<mib).map { i in i % 4096 < 2048 ? 7 : phrase[i % phrase.count] }
    }()
    /// A mix of both, small enough to truncate at many offsets quickly.
    static let mixed: [UInt8] = {
        var g = SeededBytes(seed: 2)
        return Array(repetitive.prefix(40_000)) + g.bytes(24_000)
    }()

    static let named: [(String, [UInt8])] = [
        ("empty", empty), ("1 byte", oneByte), ("random 1 MiB", random), ("repetitive 1 MiB", repetitive),
    ]
}

/// Codecs `Compression.compress` supports.
let writableCodecs: [CompressionCodec] = [.uncompressed, .snappy, .gzip, .zstd, .lz4Raw, .brotli]

func compress(_ codec: CompressionCodec, _ data: [UInt8], level: Int? = nil) throws -> [UInt8] {
    try data.withUnsafeBytes { try Compression.compress(codec, $0, level: level) }
}

func decompress(_ codec: CompressionCodec, _ data: [UInt8], size: Int, using decompressor: Decompressor? = nil) throws -> [UInt8] {
    var out = [UInt8](repeating: 0xEE, count: size)
    try data.withUnsafeBytes { input in
        try out.withUnsafeMutableBytes { output in
            if let decompressor {
                try decompressor.decompress(codec, input, into: output)
            } else {
                try Compression.decompress(codec, input, into: output)
            }
        }
    }
    return out
}

/// True when `body` throws `ParquetError.corrupt` whose message names `codec`.
func throwsCorrupt(_ codec: CompressionCodec, _ body: () throws -> Void) -> Bool {
    do {
        try body()
        return false
    } catch let ParquetError.corrupt(message) {
        return message.contains(codec.description)
    } catch {
        return false
    }
}

/// Hadoop LZ4 framing of `blocks`: each is `[u32 BE raw size][u32 BE compressed size][raw block]`.
func hadoopFrame(_ blocks: [[UInt8]]) -> [UInt8] {
    var out: [UInt8] = []
    for block in blocks {
        let compressed = lz4Block(block)
        for size in [UInt32(block.count), UInt32(compressed.count)] {
            out += [UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
        }
        out += compressed
    }
    return out
}

/// A raw LZ4 block straight from liblz4, independent of our encoder.
func lz4Block(_ data: [UInt8]) -> [UInt8] {
    let bound = Int(LZ4_compressBound(Int32(data.count)))
    var out = [UInt8](repeating: 0, count: bound)
    let used = data.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in
            LZ4_compress_default(
                src.baseAddress.map { $0.assumingMemoryBound(to: CChar.self) } ?? nil,
                dst.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(data.count), Int32(bound))
        }
    }
    precondition(used > 0)
    return Array(out.prefix(Int(used)))
}

@Suite("Compression")
struct CompressionTests {
    // MARK: Round trips

    @Test("round trip", arguments: writableCodecs)
    func roundTrip(codec: CompressionCodec) throws {
        let reused = Decompressor()
        for (name, data) in Samples.named {
            let packed = try compress(codec, data)
            #expect(try decompress(codec, packed, size: data.count) == data, "\(codec) \(name)")
            #expect(try decompress(codec, packed, size: data.count, using: reused) == data, "\(codec) \(name), reused")
        }
        if codec != .uncompressed {
            let packed = try compress(codec, Samples.repetitive)
            #expect(packed.count < Samples.repetitive.count / 20, "\(codec) should shrink repetitive data")
        }
    }

    @Test("levels round trip and out-of-range levels are rejected")
    func levels() throws {
        for (codec, levels) in [(CompressionCodec.gzip, [0, 1, 9]), (.zstd, [-5, 1, 19]), (.brotli, [0, 5, 11])] {
            for level in levels {
                let packed = try compress(codec, Samples.mixed, level: level)
                #expect(try decompress(codec, packed, size: Samples.mixed.count) == Samples.mixed, "\(codec) level \(level)")
            }
        }
        for (codec, level) in [(CompressionCodec.gzip, 10), (.gzip, -2), (.zstd, 1000), (.brotli, 12), (.brotli, -1)] {
            #expect(throws: ParquetError.self) { try compress(codec, Samples.oneByte, level: level) }
        }
    }

    @Test("empty input with empty output succeeds for every codec")
    func emptyPage() throws {
        for raw in Int32(0)...7 {
            #expect(try decompress(CompressionCodec(rawValue: raw), [], size: 0) == [])
        }
    }

    @Test("LZO, unknown codecs and writing Hadoop LZ4 are unsupported")
    func unsupported() {
        for codec in [CompressionCodec.lzo, CompressionCodec(rawValue: 42)] {
            #expect(throws: ParquetError.self) { try decompress(codec, [1, 2, 3], size: 3) }
            #expect(throws: ParquetError.self) { try compress(codec, [1, 2, 3]) }
        }
        #expect(throws: ParquetError.self) { try compress(.lz4, [1, 2, 3]) }
    }

    // MARK: Codec quirks

    @Test("GZIP: concatenated members decode to the concatenation")
    func gzipConcatenatedMembers() throws {
        let first = Array(Samples.repetitive.prefix(100_000))
        let second = Array(Samples.random.prefix(50_000))
        let packed = try compress(.gzip, first) + compress(.gzip, second, level: 1)
        let reused = Decompressor()
        for _ in 0..<2 {
            #expect(try decompress(.gzip, packed, size: first.count + second.count, using: reused) == first + second)
        }
        // An empty member in the middle must not stop decoding.
        let withEmpty = try compress(.gzip, first) + compress(.gzip, []) + compress(.gzip, second)
        #expect(try decompress(.gzip, withEmpty, size: first.count + second.count) == first + second)
    }

    @Test("ZSTD: frames without content size, and concatenated frames")
    func zstdFrames() throws {
        let data = Array(Samples.mixed)
        // Streaming writers may omit the frame content size.
        let context = try #require(ZSTD_createCCtx())
        defer { ZSTD_freeCCtx(context) }
        #expect(ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0)) == 0)
        var frame = [UInt8](repeating: 0, count: ZSTD_compressBound(data.count))
        let used = data.withUnsafeBytes { src in
            frame.withUnsafeMutableBytes { dst in
                ZSTD_compress2(context, dst.baseAddress, dst.count, src.baseAddress, src.count)
            }
        }
        #expect(ZSTD_isError(used) == 0)
        frame.removeLast(frame.count - used)
        #expect(ZSTD_getFrameContentSize(frame, frame.count) == ZSTD_CONTENTSIZE_UNKNOWN)
        #expect(try decompress(.zstd, frame, size: data.count) == data)
        #expect(throws: ParquetError.self) { try decompress(.zstd, frame, size: data.count + 1) }
        #expect(throws: ParquetError.self) { try decompress(.zstd, frame, size: data.count - 1) }

        let two = try compress(.zstd, data) + frame
        #expect(try decompress(.zstd, two, size: data.count * 2) == data + data)
    }

    @Test("LZ4: Hadoop framing with two blocks decodes")
    func lz4HadoopFraming() throws {
        let first = Array(Samples.repetitive.prefix(70_000))
        let second = Array(Samples.random.prefix(30_000))
        let framed = hadoopFrame([first, second])
        #expect(try decompress(.lz4, framed, size: first.count + second.count) == first + second)
        #expect(try decompress(.lz4, hadoopFrame([[]]), size: 0) == [])
        // The framed layout is not a valid raw block, so it only decodes as Hadoop.
        #expect(throws: ParquetError.self) { try decompress(.lz4Raw, framed, size: first.count + second.count) }
    }

    @Test("LZ4: a raw block under the Hadoop codec falls back to raw decoding")
    func lz4RawFallback() throws {
        for data in [Samples.oneByte, Samples.mixed, Samples.repetitive] {
            let raw = lz4Block(data)
            #expect(try decompress(.lz4, raw, size: data.count) == data)
        }
    }

    @Test("BROTLI: decodes a buffer encoded with the library's own settings")
    func brotliDecode() throws {
        let text = Array(String(repeating: "brotli lakeq page; ", count: 5000).utf8)
        for quality in [1, 8, 11] {
            let packed = try compress(.brotli, text, level: quality)
            #expect(packed.count < text.count / 50)
            #expect(try decompress(.brotli, packed, size: text.count) == text)
        }
        // Bytes after the end of the stream are rejected, not ignored.
        let padded = try compress(.brotli, text) + [0, 1, 2]
        #expect(throwsCorrupt(.brotli) { _ = try decompress(.brotli, padded, size: text.count) })
    }

    // MARK: Corrupt input: always an error, never a trap

    /// Every codec that can be read, including Hadoop LZ4.
    static let readableCodecs: [CompressionCodec] = [.uncompressed, .snappy, .gzip, .zstd, .lz4, .lz4Raw, .brotli]

    /// A valid stream of `Samples.mixed` for `codec`.
    static func validStream(_ codec: CompressionCodec) throws -> [UInt8] {
        codec == .lz4
            ? hadoopFrame([Array(Samples.mixed.prefix(30_000)), Array(Samples.mixed.dropFirst(30_000))])
            : try compress(codec, Samples.mixed)
    }

    @Test("corrupt: random bytes", arguments: readableCodecs.filter { $0 != .uncompressed })
    func randomBytes(codec: CompressionCodec) {
        var g = SeededBytes(seed: 99 + UInt64(codec.rawValue))
        for length in [1, 7, 8, 100, 4096] {
            let garbage = g.bytes(length)
            for size in [0, 1, length, 10_000] {
                #expect(throwsCorrupt(codec) { _ = try decompress(codec, garbage, size: size) }, "\(codec) \(length) -> \(size)")
            }
        }
    }

    @Test("corrupt: truncated valid streams", arguments: readableCodecs)
    func truncated(codec: CompressionCodec) throws {
        let stream = try Self.validStream(codec)
        let n = stream.count
        for cut in Set([0, 1, 2, 5, 9, n / 3, n / 2, n - 5, n - 1]) where cut >= 0 && cut < n {
            let prefix = Array(stream.prefix(cut))
            #expect(throwsCorrupt(codec) { _ = try decompress(codec, prefix, size: Samples.mixed.count) }, "\(codec) cut at \(cut) of \(n)")
        }
    }

    @Test("corrupt: wrong expected size", arguments: readableCodecs)
    func wrongSize(codec: CompressionCodec) throws {
        let stream = try Self.validStream(codec)
        let reused = Decompressor()
        for size in [0, 1, Samples.mixed.count - 1, Samples.mixed.count + 1, Samples.mixed.count * 2] {
            #expect(throwsCorrupt(codec) { _ = try decompress(codec, stream, size: size, using: reused) }, "\(codec) size \(size)")
        }
        // The reused context still works after the failures.
        #expect(try decompress(codec, stream, size: Samples.mixed.count, using: reused) == Samples.mixed)
    }

    @Test("corrupt: flipped bytes in the middle of a stream", arguments: [CompressionCodec.snappy, .gzip, .zstd, .lz4Raw, .brotli])
    func flippedBytes(codec: CompressionCodec) throws {
        let stream = try compress(codec, Samples.mixed)
        var g = SeededBytes(seed: 7)
        for _ in 0..<50 {
            var damaged = stream
            let at = Int(g.next() % UInt64(damaged.count))
            damaged[at] ^= UInt8(truncatingIfNeeded: g.next() | 1)
            // Some flips still decode (e.g. inside a literal run); the point is no trap, and
            // any error is a ParquetError.
            do {
                _ = try decompress(codec, damaged, size: Samples.mixed.count)
            } catch {
                #expect(error is ParquetError)
            }
        }
    }
}
