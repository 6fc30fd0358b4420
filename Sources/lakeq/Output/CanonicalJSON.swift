import LakeqColumnar
import LakeqParquet

/// Writes values in the canonical JSON form of the parquet-testing corpus (see
/// ../shared/parquet-testing/README.md): exact integers, shortest round-trip doubles,
/// tagged dates/times/timestamps, decimals as plain strings, other binary as `hex:`.
enum CanonicalJSON {
    static func writeValue(_ column: Column, row: Int, into out: inout OutputBuffer) {
        if column.isNull(row) {
            out.write("null")
            return
        }
        switch column.values {
        case .dictionary(let dictionary, let indices):
            let inner = Column(type: column.type, values: dictionary)
            writeValue(inner, row: Int(indices[row]), into: &out)
        case .list(let list):
            // Lists as arrays; maps as arrays of {"key": k, "value": v} in file order.
            out.write(byte: UInt8(ascii: "["))
            var first = true
            for e in list.range(row) {
                if !first { out.write(byte: UInt8(ascii: ",")) }
                first = false
                if case .map = column.type, case .structure(let kv) = list.entries.values, kv.children.count == 2, !list.entries.isNull(e) {
                    out.write("{\"key\":")
                    writeValue(kv.children[0], row: e, into: &out)
                    out.write(",\"value\":")
                    writeValue(kv.children[1], row: e, into: &out)
                    out.write(byte: UInt8(ascii: "}"))
                } else {
                    writeValue(list.entries, row: e, into: &out)
                }
            }
            out.write(byte: UInt8(ascii: "]"))
        case .structure(let s):
            guard case .structure(let fields) = column.type else { out.write("null"); return }
            out.write(byte: UInt8(ascii: "{"))
            for (k, child) in s.children.enumerated() {
                if k > 0 { out.write(byte: UInt8(ascii: ",")) }
                out.writeJSONString(utf8: (k < fields.count ? fields[k].name : "f\(k)").utf8)
                out.write(byte: UInt8(ascii: ":"))
                writeValue(child, row: row, into: &out)
            }
            out.write(byte: UInt8(ascii: "}"))
        case .boolean(let v):
            out.write(v[row] ? "true" : "false")
        case .int32(let v):
            writeInt32(v[row], type: column.type, into: &out)
        case .int64(let v):
            writeInt64(v[row], type: column.type, into: &out)
        case .float32(let v):
            writeDouble(Double(v[row]), into: &out)
        case .float64(let v):
            writeDouble(v[row], into: &out)
        case .bytes(let v):
            let bytes = v[row]
            switch column.type {
            case .string, .json: out.writeJSONString(text: bytes)
            case .decimal(_, let scale): out.writeJSONString(utf8: DecimalText.format(bigEndian: bytes, scale: scale).utf8)
            default: writeHex(bytes, into: &out)
            }
        case .fixed(let v):
            let bytes = v[row]
            switch column.type {
            case .decimal(_, let scale): out.writeJSONString(utf8: DecimalText.format(bigEndian: bytes, scale: scale).utf8)
            case .float16:
                let bits = UInt16(bytes[bytes.startIndex]) | UInt16(bytes[bytes.startIndex + 1]) << 8
                writeDouble(Double(HalfFloat.toFloat(bits)), into: &out)
            case .int96:
                let b = Array(bytes)
                // Nanoseconds of day are read signed: overflowed Spark values store negatives.
                var nanos: UInt64 = 0
                for i in 0..<8 { nanos |= UInt64(b[i]) << UInt64(8 * i) }
                var day: UInt32 = 0
                for i in 0..<4 { day |= UInt32(b[8 + i]) << UInt32(8 * i) }
                let ns = (Int128(Int32(bitPattern: day)) - 2_440_588) * 86_400_000_000_000 + Int128(Int64(bitPattern: nanos))
                out.write("{\"timestamp\":\(ns),\"unit\":\"ns\"}")
            default: writeHex(bytes, into: &out)
            }
        }
    }

    private static func unitName(_ u: TimeUnit) -> String {
        switch u {
        case .millis: return "ms"
        case .micros: return "us"
        case .nanos: return "ns"
        }
    }

    private static func writeInt32(_ v: Int32, type: DataType, into out: inout OutputBuffer) {
        switch type {
        case .uint8, .uint16, .uint32: out.write(String(UInt32(bitPattern: v)))
        case .date32: out.write("{\"date\":\(v)}")
        case .time(let unit, _): out.write("{\"time\":\(v),\"unit\":\"\(unitName(unit))\"}")
        case .decimal(_, let scale): out.writeJSONString(utf8: DecimalText.format(unscaled: Int64(v), scale: scale).utf8)
        default: out.write(String(v))
        }
    }

    private static func writeInt64(_ v: Int64, type: DataType, into out: inout OutputBuffer) {
        switch type {
        case .uint64: out.write(String(UInt64(bitPattern: v)))
        case .timestamp(let unit, _): out.write("{\"timestamp\":\(v),\"unit\":\"\(unitName(unit))\"}")
        case .time(let unit, _): out.write("{\"time\":\(v),\"unit\":\"\(unitName(unit))\"}")
        case .decimal(_, let scale): out.writeJSONString(utf8: DecimalText.format(unscaled: v, scale: scale).utf8)
        default: out.write(String(v))
        }
    }

    static func writeDouble(_ d: Double, into out: inout OutputBuffer) {
        if d.isNaN { out.write("\"NaN\"") } else if d == .infinity { out.write("\"Infinity\"") } else if d == -.infinity {
            out.write("\"-Infinity\"")
        } else {
            out.write(d.description)
        }
    }

    private static func writeHex(_ bytes: ArraySlice<UInt8>, into out: inout OutputBuffer) {
        let hex = Array("0123456789abcdef".utf8)
        out.write("\"hex:")
        for b in bytes {
            out.write(byte: hex[Int(b >> 4)])
            out.write(byte: hex[Int(b & 15)])
        }
        out.write("\"")
    }
}
