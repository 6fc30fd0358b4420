import CZstd

/// ZSTD: one or more zstd frames (the one-shot API decodes concatenated frames and
/// skippable frames); frames need not carry a content size since we know the output size.
enum ZstdCodec {
    static func makeContext() throws -> OpaquePointer {
        guard let context = ZSTD_createDCtx() else {
            throw ParquetError.io("ZSTD: could not allocate a decompression context")
        }
        return context
    }

    static func freeContext(_ context: OpaquePointer) {
        ZSTD_freeDCtx(context)
    }

    static func decompress(_ context: OpaquePointer, _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        // Decoding into a flat buffer of exactly the expected size: zstd reports
        // dstSize_tooSmall if the data holds more, and we check for less below.
        let result = ZSTD_decompressDCtx(context, output.nonNilBase, output.count, input.nonNilBase, input.count)
        if ZSTD_isError(result) != 0 {
            throw ParquetError.corrupt("ZSTD: \(String(cString: ZSTD_getErrorName(result)))")
        }
        try checkDecodedSize(result, output.count, codec: "ZSTD")
    }

    static func compress(_ input: UnsafeRawBufferPointer, level: Int) throws -> [UInt8] {
        let range = Int(ZSTD_minCLevel())...Int(ZSTD_maxCLevel())
        guard range.contains(level) else {
            throw ParquetError.invalidArgument("ZSTD: level \(level) outside \(range)")
        }
        let bound = ZSTD_compressBound(input.count)
        guard ZSTD_isError(bound) == 0 else {
            throw ParquetError.invalidArgument("ZSTD: input of \(input.count) bytes is too large")
        }
        return try makeCompressed(capacity: bound) { out in
            let used = ZSTD_compress(out.nonNilBase, out.count, input.nonNilBase, input.count, Int32(level))
            guard ZSTD_isError(used) == 0 else {
                throw ParquetError.invalidArgument("ZSTD: \(String(cString: ZSTD_getErrorName(used)))")
            }
            return used
        }
    }
}
