import LakeqColumnar

/// PLAIN decoding: fixed-width little-endian values back to back, booleans bit-packed LSB
/// first, byte arrays as a 4-byte length then the bytes.
public enum PlainDecoder {
    /// Appends `n` fixed-width values; the bytes are copied in one go.
    static func appendFixedWidth<T: BitwiseCopyable & ExpressibleByIntegerLiteral>(
        _ data: UnsafeRawBufferPointer, count n: Int, to out: inout [T], column: String
    ) throws {
        let size = MemoryLayout<T>.size
        guard n >= 0, n <= data.count / size else {
            throw ParquetError.corrupt("column \(column): page holds \(data.count) bytes, too few for \(n) PLAIN values")
        }
        out.appendRaw(UnsafeRawBufferPointer(rebasing: data[0..<(n * size)]), count: n)
    }

    static func appendBooleans(_ data: UnsafeRawBufferPointer, count n: Int, to out: inout [Bool], column: String) throws {
        guard n >= 0, (n + 7) / 8 <= data.count else {
            throw ParquetError.corrupt("column \(column): page too short for \(n) PLAIN booleans")
        }
        out.reserveCapacity(out.count + n)
        for i in 0..<n { out.append((data[i >> 3] >> UInt8(i & 7)) & 1 == 1) }
    }

    /// Appends `n` length-prefixed byte arrays; returns the bytes consumed.
    @discardableResult
    public static func appendByteArrays(_ data: UnsafeRawBufferPointer, count n: Int, to out: inout ByteArrays, column: String) throws -> Int {
        guard n >= 0, n <= data.count / 4 else {
            throw ParquetError.corrupt("column \(column): page too short for \(n) PLAIN byte arrays")
        }
        out.offsets.reserveCapacity(out.offsets.count + n)
        out.data.reserveCapacity(out.data.count + data.count - 4 * n)
        var pos = 0
        let end = data.count
        for _ in 0..<n {
            guard end - pos >= 4 else { throw ParquetError.corrupt("column \(column): byte array length past end of page") }
            let len = Int(data.loadUnaligned(fromByteOffset: pos, as: UInt32.self).littleEndian)
            pos += 4
            guard len <= end - pos else {
                throw ParquetError.corrupt("column \(column): byte array of \(len) bytes runs past end of page")
            }
            out.data.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[pos..<(pos + len)]))
            guard out.data.count <= Int(Int32.max) else {
                throw ParquetError.unsupported("column \(column): more than 2 GiB of byte arrays in one row group")
            }
            out.offsets.append(Int32(truncatingIfNeeded: out.data.count))
            pos += len
        }
        return pos
    }

    static func appendFixedBytes(_ data: UnsafeRawBufferPointer, count n: Int, to out: inout FixedBytes, column: String) throws {
        let w = out.width
        guard n >= 0, w == 0 || n <= data.count / w else {
            throw ParquetError.corrupt("column \(column): page too short for \(n) values of \(w) bytes")
        }
        out.data.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[0..<(n * w)]))
    }
}
