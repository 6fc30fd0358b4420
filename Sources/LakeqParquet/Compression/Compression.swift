// Front door for page compression. Each codec lives in its own file as an internal enum;
// this file dispatches on `CompressionCodec` and holds the shared size/pointer helpers.

/// Compresses and decompresses Parquet page bodies.
///
/// Decompression never allocates from the data: the caller sizes `output` from the page
/// header's `uncompressed_page_size` (and caps it), and the codec must fill it exactly.
public enum Compression {
    /// Default levels, chosen to match what pyarrow writes.
    public static let defaultZstdLevel = 1
    /// zlib's own default (pyarrow uses 9, which is much slower for little gain).
    public static let defaultGzipLevel = 6
    /// pyarrow's default brotli quality.
    public static let defaultBrotliQuality = 8

    /// Decompresses `input` into exactly `output.count` bytes.
    ///
    /// - Throws: `ParquetError.corrupt` (naming the codec) if the data is malformed or decodes
    ///   to a different size; `ParquetError.unsupported` for LZO and unknown codecs.
    /// - Note: creates codec contexts per call; use a `Decompressor` when reading many pages.
    public static func decompress(
        _ codec: CompressionCodec, _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws {
        let decompressor = Decompressor()
        try decompressor.decompress(codec, input, into: output)
    }

    /// Compresses `input` with `codec`.
    ///
    /// Supported: UNCOMPRESSED, SNAPPY, GZIP (gzip-wrapped deflate), ZSTD, LZ4_RAW, BROTLI.
    /// `level` applies to GZIP (0...9, default 6), ZSTD (library range, default 1) and
    /// BROTLI (0...11, default 8); it is ignored by the other codecs.
    ///
    /// - Throws: `ParquetError.unsupported` for LZO, Hadoop LZ4 (deprecated by the spec;
    ///   write LZ4_RAW) and unknown codecs; `ParquetError.invalidArgument` for an out-of-range
    ///   level or an input too large for the codec.
    public static func compress(_ codec: CompressionCodec, _ input: UnsafeRawBufferPointer, level: Int? = nil) throws -> [UInt8] {
        switch codec {
        case .uncompressed:
            return [UInt8](input)
        case .snappy:
            return try SnappyCodec.compress(input)
        case .gzip:
            return try GzipCodec.compress(input, level: level ?? defaultGzipLevel)
        case .zstd:
            return try ZstdCodec.compress(input, level: level ?? defaultZstdLevel)
        case .lz4Raw:
            return try LZ4Codec.compressRaw(input)
        case .brotli:
            return try BrotliCodec.compress(input, quality: level ?? defaultBrotliQuality)
        case .lz4:
            throw ParquetError.unsupported("writing LZ4 (Hadoop-framed, deprecated); use LZ4_RAW")
        default:
            throw ParquetError.unsupported("compression codec \(codec)")
        }
    }
}

/// Reusable decompression state for reading many pages: keeps the ZSTD decompression
/// context and the zlib inflate stream alive between calls instead of creating one per page.
///
/// Not safe for concurrent use; give each reading thread its own.
public final class Decompressor {
    private var zstdContext: OpaquePointer?
    private var inflater: GzipCodec.Inflater?

    public init() {}

    deinit {
        if let zstdContext { ZstdCodec.freeContext(zstdContext) }
    }

    /// Decompresses `input` into exactly `output.count` bytes; see `Compression.decompress`.
    public func decompress(
        _ codec: CompressionCodec, _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws {
        // An empty page body (e.g. a v2 page whose values section is empty) has nothing to decode;
        // the libraries disagree on whether zero bytes is a valid stream, so don't ask them.
        if input.isEmpty && output.isEmpty { return }
        switch codec {
        case .uncompressed:
            guard input.count == output.count else {
                throw ParquetError.corrupt("UNCOMPRESSED: page holds \(input.count) bytes, expected \(output.count)")
            }
            output.copyMemory(from: input)
        case .snappy:
            try SnappyCodec.decompress(input, into: output)
        case .gzip:
            if inflater == nil { inflater = try GzipCodec.Inflater() }
            try inflater!.inflate(input, into: output)
        case .zstd:
            if zstdContext == nil { zstdContext = try ZstdCodec.makeContext() }
            try ZstdCodec.decompress(zstdContext!, input, into: output)
        case .lz4:
            try LZ4Codec.decompressHadoop(input, into: output)
        case .lz4Raw:
            try LZ4Codec.decompressRaw(input, into: output, codec: "LZ4_RAW")
        case .brotli:
            try BrotliCodec.decompress(input, into: output)
        default:
            throw ParquetError.unsupported("compression codec \(codec)")
        }
    }
}

// MARK: - Shared helpers

/// A pointer to hand C libraries in place of a nil base address (an empty Swift buffer):
/// several of them reject NULL even when the length is zero. Never written: every use
/// passes a capacity of zero alongside it.
enum Scratch {
    nonisolated(unsafe) static let pointer = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
}

extension UnsafeRawBufferPointer {
    /// Base address, or a valid dummy pointer when empty.
    var nonNilBase: UnsafeRawPointer { baseAddress ?? UnsafeRawPointer(Scratch.pointer) }
}

extension UnsafeMutableRawBufferPointer {
    /// Base address, or a valid dummy pointer when empty.
    var nonNilBase: UnsafeMutableRawPointer { baseAddress ?? Scratch.pointer }
}

/// Throws `.corrupt` naming `codec` unless the decoded size matches the page header.
@inline(__always)
func checkDecodedSize(_ produced: Int, _ expected: Int, codec: String) throws {
    guard produced == expected else {
        throw ParquetError.corrupt("\(codec): decompressed to \(produced) bytes, page header says \(expected)")
    }
}

/// Builds a byte array of at most `capacity` bytes that `body` fills, returning the count used.
/// Capacity comes from the codec's bound for our own input, never from file data.
@inline(__always)
func makeCompressed(capacity: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> [UInt8] {
    try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
        count = 0
        let used = try body(UnsafeMutableRawBufferPointer(buffer))
        precondition(used >= 0 && used <= capacity, "codec wrote past its bound")
        count = used
    }
}
