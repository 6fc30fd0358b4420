import CSnappy

/// SNAPPY: raw snappy blocks (no framing format), as every Parquet writer emits them.
enum SnappyCodec {
    /// Decodes with `SnappyDecoder` (faster than libsnappy on the dictionary pages pyarrow
    /// writes; libsnappy still compresses).
    static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        // The block starts with its own length; check it against the page header before
        // decoding so a mismatch is reported as such rather than as a generic failure.
        guard let (declared, headerBytes) = SnappyDecoder.declaredLength(input) else {
            throw ParquetError.corrupt("SNAPPY: invalid block header")
        }
        try checkDecodedSize(declared, output.count, codec: "SNAPPY")
        guard SnappyDecoder.decodeBody(input, headerBytes: headerBytes, into: output) else {
            throw ParquetError.corrupt("SNAPPY: invalid compressed data")
        }
    }

    static func compress(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        // The snappy format stores the length as a 32-bit varint.
        guard input.count <= Int(UInt32.max) else {
            throw ParquetError.invalidArgument("SNAPPY: input of \(input.count) bytes exceeds 4 GiB")
        }
        let bound = snappy_max_compressed_length(input.count)
        return try makeCompressed(capacity: bound) { out in
            var used = out.count
            let status = snappy_compress(
                input.nonNilBase.assumingMemoryBound(to: CChar.self), input.count,
                out.nonNilBase.assumingMemoryBound(to: CChar.self), &used)
            guard status == SNAPPY_OK else { throw ParquetError.invalidArgument("SNAPPY: compression failed (\(status.rawValue))") }
            return used
        }
    }
}
