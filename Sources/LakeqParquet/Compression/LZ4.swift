import CLZ4

/// LZ4_RAW (one raw LZ4 block) and the deprecated LZ4 codec (Hadoop framing).
enum LZ4Codec {
    /// Decodes one raw LZ4 block that must fill `output` exactly.
    static func decompressRaw(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, codec: String) throws {
        // The LZ4 block API takes `int` sizes; a block this large cannot exist.
        guard input.count <= Int(Int32.max), output.count <= Int(Int32.max) else {
            throw ParquetError.corrupt("\(codec): block of \(input.count) bytes decoding to \(output.count) exceeds the LZ4 block limit")
        }
        let produced = LZ4_decompress_safe(
            input.nonNilBase.assumingMemoryBound(to: CChar.self),
            output.nonNilBase.assumingMemoryBound(to: CChar.self),
            Int32(input.count), Int32(output.count))
        guard produced >= 0 else {
            throw ParquetError.corrupt("\(codec): invalid compressed data")
        }
        try checkDecodedSize(Int(produced), output.count, codec: codec)
    }

    /// Codec 5. Hadoop's framing is a sequence of
    /// `[u32 BE uncompressed size][u32 BE compressed size][raw LZ4 block]`. Some writers
    /// (older parquet-cpp) put a bare LZ4 block under this codec id instead, so when the
    /// framing does not account for the input and output exactly, retry as one raw block —
    /// the same fallback Arrow uses.
    static func decompressHadoop(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        if decodeHadoopFrames(input, into: output) { return }
        do {
            try decompressRaw(input, into: output, codec: "LZ4")
        } catch {
            throw ParquetError.corrupt("LZ4: data is neither Hadoop-framed nor a raw LZ4 block of \(output.count) bytes")
        }
    }

    /// Returns false (leaving `output` partly written) unless the frames parse, each block
    /// decodes to its declared size, and together they consume all input and fill all output.
    private static func decodeHadoopFrames(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard input.count >= 8 else { return false }
        var inPos = 0
        var outPos = 0
        while input.count - inPos >= 8 {
            let rawSize = Int(bigEndianUInt32(input, at: inPos))
            let blockSize = Int(bigEndianUInt32(input, at: inPos + 4))
            inPos += 8
            guard blockSize <= input.count - inPos, rawSize <= output.count - outPos,
                  blockSize <= Int(Int32.max), rawSize <= Int(Int32.max)
            else { return false }
            let produced = LZ4_decompress_safe(
                (input.baseAddress! + inPos).assumingMemoryBound(to: CChar.self),
                (output.nonNilBase + outPos).assumingMemoryBound(to: CChar.self),
                Int32(blockSize), Int32(rawSize))
            guard produced >= 0, Int(produced) == rawSize else { return false }
            inPos += blockSize
            outPos += rawSize
        }
        return inPos == input.count && outPos == output.count
    }

    private static func bigEndianUInt32(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(buffer[offset]) << 24 | UInt32(buffer[offset + 1]) << 16
            | UInt32(buffer[offset + 2]) << 8 | UInt32(buffer[offset + 3])
    }

    /// One raw LZ4 block (LZ4_RAW).
    static func compressRaw(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard input.count <= Int(LZ4_MAX_INPUT_SIZE) else {
            throw ParquetError.invalidArgument("LZ4_RAW: input of \(input.count) bytes exceeds the LZ4 block limit")
        }
        let bound = Int(LZ4_compressBound(Int32(input.count)))
        return try makeCompressed(capacity: bound) { out in
            let used = LZ4_compress_default(
                input.nonNilBase.assumingMemoryBound(to: CChar.self),
                out.nonNilBase.assumingMemoryBound(to: CChar.self),
                Int32(input.count), Int32(out.count))
            guard used > 0 else { throw ParquetError.invalidArgument("LZ4_RAW: compression failed") }
            return Int(used)
        }
    }
}
