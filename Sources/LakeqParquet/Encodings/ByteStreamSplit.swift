// BYTE_STREAM_SPLIT (Encodings.md, encoding 9): for N values of K bytes, K streams of N bytes;
// stream k holds byte k of every value. Stream k therefore starts at k * N.

/// Decoder and encoder for BYTE_STREAM_SPLIT (FLOAT, DOUBLE, INT32, INT64, FIXED_LEN_BYTE_ARRAY).
public enum ByteStreamSplit {
    /// Decodes `count` values of `width` bytes into value-major bytes at `out`
    /// (`count * width` bytes). Widths 4 and 8 take vectorized fast paths.
    ///
    /// Throws `corrupt` if `data` holds fewer than `count * width` bytes; `width` must be >= 1.
    /// The stream length is taken from `count`, so extra trailing bytes are ignored.
    public static func decode(_ data: UnsafeRawBufferPointer, count: Int, width: Int, into out: UnsafeMutableRawPointer) throws {
        let size = try checkedSize(data, count: count, width: width)
        if size == 0 { return }
        let src = data.baseAddress!
        switch width {
        case 4:
            for i in 0..<count {
                var v = UInt32(src.load(fromByteOffset: i, as: UInt8.self))
                v |= UInt32(src.load(fromByteOffset: count &+ i, as: UInt8.self)) &<< 8
                v |= UInt32(src.load(fromByteOffset: 2 &* count &+ i, as: UInt8.self)) &<< 16
                v |= UInt32(src.load(fromByteOffset: 3 &* count &+ i, as: UInt8.self)) &<< 24
                out.storeBytes(of: v.littleEndian, toByteOffset: i &* 4, as: UInt32.self)
            }
        case 8:
            for i in 0..<count {
                var v: UInt64 = 0
                for k in 0..<8 {
                    v |= UInt64(src.load(fromByteOffset: k &* count &+ i, as: UInt8.self)) &<< UInt64(8 &* k)
                }
                out.storeBytes(of: v.littleEndian, toByteOffset: i &* 8, as: UInt64.self)
            }
        default:
            for k in 0..<width {
                let s = src + k &* count
                for i in 0..<count {
                    out.storeBytes(of: s.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i &* width &+ k, as: UInt8.self)
                }
            }
        }
    }

    /// Decodes `count` values of `width` bytes into a new value-major byte array.
    public static func decode(_ data: UnsafeRawBufferPointer, count: Int, width: Int) throws -> [UInt8] {
        let size = try checkedSize(data, count: count, width: width)
        return try [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
            if size > 0 { try decode(data, count: count, width: width, into: UnsafeMutableRawPointer(buf.baseAddress!)) }
            initialized = size
        }
    }

    /// Decodes `count` values of a fixed-size type (`Float`, `Double`, `Int32`, `Int64`, ...)
    /// straight into a typed array; width is `MemoryLayout<T>.size`.
    public static func decode<T: BitwiseCopyable>(_ data: UnsafeRawBufferPointer, count: Int, as: T.Type) throws -> [T] {
        let width = MemoryLayout<T>.size
        _ = try checkedSize(data, count: count, width: width)
        return try [T](unsafeUninitializedCapacity: count) { buf, initialized in
            if count > 0 { try decode(data, count: count, width: width, into: UnsafeMutableRawPointer(buf.baseAddress!)) }
            initialized = count
        }
    }

    /// Appends `values` (value-major, `width` bytes each) encoded as BYTE_STREAM_SPLIT to `out`.
    public static func encode(_ values: UnsafeRawBufferPointer, width: Int, into out: inout [UInt8]) {
        precondition(width >= 1 && values.count % width == 0, "ByteStreamSplit.encode: bad width")
        let count = values.count / width
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: values.count))
        if count == 0 { return }
        let src = values.baseAddress!
        out.withUnsafeMutableBytes { buf in
            let dst = buf.baseAddress! + start
            for k in 0..<width {
                let d = dst + k &* count
                for i in 0..<count {
                    d.storeBytes(of: src.load(fromByteOffset: i &* width &+ k, as: UInt8.self), toByteOffset: i, as: UInt8.self)
                }
            }
        }
    }

    static func checkedSize(_ data: UnsafeRawBufferPointer, count: Int, width: Int) throws -> Int {
        guard width >= 1 else { throw ParquetError.corrupt("BYTE_STREAM_SPLIT: width \(width)") }
        guard count >= 0 else { throw ParquetError.corrupt("BYTE_STREAM_SPLIT: count \(count)") }
        let (size, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, size <= data.count else {
            throw ParquetError.corrupt("BYTE_STREAM_SPLIT: \(count) values of \(width) bytes need more than the \(data.count) bytes present")
        }
        return size
    }
}
