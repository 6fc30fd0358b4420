import CBrotli

/// BROTLI: a single brotli stream.
enum BrotliCodec {
    static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        // The streaming API rather than one-shot `BrotliDecoderDecompress`, because the latter
        // reports success with input left over: garbage that happens to start with an empty
        // last meta-block would "decode" to zero bytes.
        guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else {
            throw ParquetError.io("BROTLI: could not allocate a decoder")
        }
        defer { BrotliDecoderDestroyInstance(state) }
        var availableIn = input.count
        var nextIn: UnsafePointer<UInt8>? = UnsafePointer(input.nonNilBase.assumingMemoryBound(to: UInt8.self))
        var availableOut = output.count
        var nextOut: UnsafeMutablePointer<UInt8>? = output.nonNilBase.assumingMemoryBound(to: UInt8.self)
        let result = BrotliDecoderDecompressStream(state, &availableIn, &nextIn, &availableOut, &nextOut, nil)
        switch result {
        case BROTLI_DECODER_RESULT_SUCCESS:
            guard availableIn == 0 else {
                throw ParquetError.corrupt("BROTLI: \(availableIn) bytes after the end of the stream")
            }
            try checkDecodedSize(output.count - availableOut, output.count, codec: "BROTLI")
        case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
            throw ParquetError.corrupt("BROTLI: decompresses to more than the \(output.count) bytes the page header says")
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
            throw ParquetError.corrupt("BROTLI: truncated stream")
        default:
            let detail = String(cString: BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state)))
            throw ParquetError.corrupt("BROTLI: \(detail)")
        }
    }

    static func compress(_ input: UnsafeRawBufferPointer, quality: Int) throws -> [UInt8] {
        let range = Int(BROTLI_MIN_QUALITY)...Int(BROTLI_MAX_QUALITY)
        guard range.contains(quality) else {
            throw ParquetError.invalidArgument("BROTLI: quality \(quality) outside \(range)")
        }
        // The bound is 0 when it would overflow size_t; an empty input still needs a byte or two.
        let bound = BrotliEncoderMaxCompressedSize(input.count)
        guard bound > 0 || input.isEmpty else {
            throw ParquetError.invalidArgument("BROTLI: input of \(input.count) bytes is too large")
        }
        return try makeCompressed(capacity: max(bound, 2)) { out in
            var used = out.count
            let ok = BrotliEncoderCompress(
                Int32(quality), BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                input.count, input.nonNilBase.assumingMemoryBound(to: UInt8.self),
                &used, out.nonNilBase.assumingMemoryBound(to: UInt8.self))
            guard ok == BROTLI_TRUE else { throw ParquetError.invalidArgument("BROTLI: compression failed") }
            return used
        }
    }
}
