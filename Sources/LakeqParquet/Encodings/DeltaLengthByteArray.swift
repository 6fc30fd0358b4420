// DELTA_LENGTH_BYTE_ARRAY (Encodings.md, encoding 6): the lengths as one DELTA_BINARY_PACKED
// stream, then all value bytes concatenated.

import LakeqColumnar

/// Decoder and encoder for DELTA_LENGTH_BYTE_ARRAY.
public enum DeltaLengthByteArray {
    /// Decodes exactly `count` byte arrays from `data`.
    ///
    /// Throws `corrupt` when the stream holds a different number of lengths, a length is
    /// negative, or the lengths add up to more bytes than follow them. Trailing bytes are ignored.
    public static func decode(_ data: UnsafeRawBufferPointer, count: Int) throws -> ByteArrays {
        try decodeWithSize(data, count: count).values
    }

    /// As `decode`, also returning where the encoded values end.
    static func decodeWithSize(_ data: UnsafeRawBufferPointer, count: Int) throws -> (values: ByteArrays, bytesRead: Int) {
        let (lengths, lenBytes) = try DeltaBinaryPacked.decode(data, maxValues: count, as: Int32.self)
        guard lengths.count == count else {
            throw ParquetError.corrupt("DELTA_LENGTH_BYTE_ARRAY: \(lengths.count) lengths, expected \(count)")
        }
        // Branch-free reductions (vectorized): the minimum catches negatives, the Int64 sum
        // cannot overflow for fewer than 2^32 lengths.
        var minLen: Int32 = 0
        var total: Int64 = 0
        lengths.withUnsafeBufferPointer { l in
            for x in l {
                minLen = min(minLen, x)
                total &+= Int64(x)
            }
        }
        guard minLen >= 0 else { throw ParquetError.corrupt("DELTA_LENGTH_BYTE_ARRAY: negative length") }
        let available = data.count &- lenBytes
        guard total <= Int64(available) else {
            throw ParquetError.corrupt("DELTA_LENGTH_BYTE_ARRAY: lengths add up to \(total) bytes, only \(available) present")
        }
        guard total <= Int64(Int32.max) else {
            throw ParquetError.unsupported("DELTA_LENGTH_BYTE_ARRAY: more than 2 GiB of values in one page")
        }
        let bytes = Int(total)
        let offsets = [Int32](unsafeUninitializedCapacity: count &+ 1) { o, initialized in
            var acc: Int32 = 0
            o[0] = 0
            lengths.withUnsafeBufferPointer { l in
                for i in 0..<count {
                    acc &+= l[i]
                    o[i &+ 1] = acc
                }
            }
            initialized = count &+ 1
        }
        let values = [UInt8](unsafeUninitializedCapacity: bytes) { d, initialized in
            if bytes > 0 {
                UnsafeMutableRawPointer(d.baseAddress!).copyMemory(from: data.baseAddress! + lenBytes, byteCount: bytes)
            }
            initialized = bytes
        }
        return (ByteArrays(offsets: offsets, data: values), lenBytes &+ bytes)
    }

    /// Appends `values` encoded as DELTA_LENGTH_BYTE_ARRAY to `out`.
    public static func encode(_ values: ByteArrays, into out: inout [UInt8]) {
        let n = values.count
        var lengths = [Int32](repeating: 0, count: n)
        values.offsets.withUnsafeBufferPointer { o in
            for i in 0..<n { lengths[i] = o[i + 1] &- o[i] }
        }
        lengths.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &out) }
        if n > 0 {
            out.append(contentsOf: values.data[Int(values.offsets[0])..<Int(values.offsets[n])])
        }
    }
}
