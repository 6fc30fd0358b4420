// ULEB128 and zigzag varints, shared by the RLE hybrid and the DELTA_* encodings.

/// A bounds-checked cursor over untrusted bytes. Every read checks the remaining length.
struct ByteCursor {
    let base: UnsafeRawPointer?
    let end: Int
    var pos: Int

    init(_ data: UnsafeRawBufferPointer, at pos: Int = 0) {
        base = data.baseAddress
        end = data.count
        self.pos = pos
    }

    var remaining: Int { end &- pos }

    /// ULEB128 of at most `maxBits` bits (varints longer or larger than that are corrupt).
    @inline(__always)
    mutating func uleb(maxBits: Int = 64, _ what: @autoclosure () -> String) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < end, let b = base?.load(fromByteOffset: pos, as: UInt8.self) else {
                throw ParquetError.corrupt("\(what()): varint runs past the end of the data")
            }
            pos &+= 1
            let payload = UInt64(b & 0x7F)
            if shift >= UInt64(maxBits) || (shift > 0 && payload &>> (UInt64(maxBits) &- shift) != 0) {
                throw ParquetError.corrupt("\(what()): varint too large")
            }
            result |= payload &<< shift
            if b & 0x80 == 0 { return result }
            shift &+= 7
        }
    }

    /// Zigzag ULEB128 as a 64-bit signed value.
    @inline(__always)
    mutating func zigzag(_ what: @autoclosure () -> String) throws -> Int64 {
        let u = try uleb(maxBits: 64, what())
        return Int64(bitPattern: (u &>> 1) ^ (0 &- (u & 1)))
    }
}

enum Varint {
    static func appendULEB(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v &>>= 7
        }
        out.append(UInt8(truncatingIfNeeded: v))
    }

    static func appendZigzag(_ v: Int64, to out: inout [UInt8]) {
        appendULEB(UInt64(bitPattern: (v &<< 1) ^ (v &>> 63)), to: &out)
    }
}
