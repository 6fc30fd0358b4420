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
        guard n > 0 else { return }
        let base = out.count
        out.append(contentsOf: repeatElement(false, count: n))
        // Eight booleans per byte, spread eight at a time without per-element appends.
        guard let src = data.baseAddress else { return }
        out.withUnsafeMutableBytes { o in
            guard let dst = o.baseAddress else { return }
            BitSpreading.expand(src, count: n, into: dst + base)
        }
    }

    /// Appends `n` length-prefixed byte arrays; returns the bytes consumed.
    ///
    /// Two passes: the first walks the length prefixes, checks them and writes the offsets;
    /// the second grows the data buffer once and copies every value through raw pointers
    /// (appending each value to the array separately cost ~20 ns a value).
    @discardableResult
    public static func appendByteArrays(_ data: UnsafeRawBufferPointer, count n: Int, to out: inout ByteArrays, column: String) throws -> Int {
        guard n >= 0, n <= data.count / 4 else {
            throw ParquetError.corrupt("column \(column): page too short for \(n) PLAIN byte arrays")
        }
        guard n > 0, let src = data.baseAddress else { return 0 }
        let dataBase = out.data.count
        let end = data.count
        var pos = 0
        var total = 0
        out.offsets.reserveForAppending(n)
        for _ in 0..<n {
            guard end - pos >= 4 else { throw ParquetError.corrupt("column \(column): byte array length past end of page") }
            let len = Int(src.loadUnaligned(fromByteOffset: pos, as: UInt32.self).littleEndian)
            pos += 4
            guard len <= end - pos else {
                throw ParquetError.corrupt("column \(column): byte array of \(len) bytes runs past end of page")
            }
            pos += len
            total += len
            guard dataBase + total <= Int(Int32.max) else {
                throw ParquetError.unsupported("column \(column): more than 2 GiB of byte arrays in one row group")
            }
            out.offsets.append(Int32(truncatingIfNeeded: dataBase + total))
        }
        // Lengths were all checked above, so this pass only copies.
        out.data.append(contentsOf: repeatElement(0, count: total))
        out.data.withUnsafeMutableBytes { dst in
            guard let d = dst.baseAddress else { return }
            var at = dataBase
            var p = 0
            for _ in 0..<n {
                let len = Int(src.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian)
                (d + at).copyMemory(from: src + p + 4, byteCount: len)
                at += len
                p += 4 + len
            }
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
