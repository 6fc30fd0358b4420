import LakeqColumnar
import LakeqQuery

/// One value of a result column as JSON or as text, the way the command line's JSON and
/// CSV output write it (`spec/cli.md`): integers and finite doubles as numbers (shortest
/// round-trip text), decimals as exact numbers, non-finite doubles as the strings `"NaN"`,
/// `"Infinity"`, `"-Infinity"`, dates `YYYY-MM-DD`, timestamps ISO-8601 UTC with `Z`, text as
/// JSON strings (bytes that are not UTF-8 replaced). A test keeps it equal to
/// `ResultFormatter`.
///
/// Written per column type, straight into a byte buffer (results can be large).
struct CellText {
    let column: Column
    /// Storage with any dictionary resolved to (dictionary, indices).
    private let values: ColumnValues
    private let indices: [Int32]?

    init(_ column: Column) {
        self.column = column
        if case .dictionary(let d, let idx) = column.values {
            values = d
            indices = idx
        } else {
            values = column.values
            indices = nil
        }
    }

    @inline(__always) private func slot(_ row: Int) -> Int { indices.map { Int($0[row]) } ?? row }

    func isNull(_ row: Int) -> Bool { column.isNull(row) }

    /// Appends the JSON value of `row`.
    func writeJSON(_ row: Int, into out: inout [UInt8]) {
        if column.isNull(row) {
            out.append(contentsOf: "null".utf8)
            return
        }
        let i = slot(row)
        switch (column.type, values) {
        case (.boolean, .boolean(let v)): out.append(contentsOf: (v[i] ? "true" : "false").utf8)
        case (.decimal(_, let s), .int64(let v)): out.append(contentsOf: DecimalText.format(unscaled: v[i], scale: s).utf8)
        case (.decimal(_, let s), .int32(let v)): out.append(contentsOf: DecimalText.format(unscaled: Int64(v[i]), scale: s).utf8)
        case (.date32, .int32(let v)): JSONText.append(TimestampText.date(Int64(v[i])), to: &out)
        case (.timestamp, .int64(let v)): JSONText.append(TimestampText.timestamp(v[i]), to: &out)
        case (_, .int32(let v)): Self.appendInt(Int64(v[i]), into: &out)
        case (_, .int64(let v)): Self.appendInt(v[i], into: &out)
        case (_, .float64(let v)): Self.appendDouble(v[i], into: &out)
        case (_, .float32(let v)): Self.appendDouble(Double(v[i]), into: &out)
        case (_, .bytes(let b)): Self.appendJSONString(b, i, into: &out)
        default: JSONText.append(text(row), to: &out)
        }
    }

    /// The value's text (CSV and masking): what `CAST(x AS VARCHAR)` gives; empty for NULL.
    func text(_ row: Int) -> String {
        if column.isNull(row) { return "" }
        let i = slot(row)
        switch (column.type, values) {
        case (.boolean, .boolean(let v)): return v[i] ? "true" : "false"
        case (.decimal(_, let s), .int64(let v)): return DecimalText.format(unscaled: v[i], scale: s)
        case (.decimal(_, let s), .int32(let v)): return DecimalText.format(unscaled: Int64(v[i]), scale: s)
        case (.date32, .int32(let v)): return TimestampText.date(Int64(v[i]))
        case (.timestamp, .int64(let v)): return TimestampText.timestamp(v[i])
        case (_, .int32(let v)): return String(v[i])
        case (_, .int64(let v)): return String(v[i])
        case (_, .float64(let v)): return DoubleText.format(v[i])
        case (_, .float32(let v)): return DoubleText.format(Double(v[i]))
        case (_, .bytes(let b)): return b.string(at: i)
        case (_, .boolean(let v)): return v[i] ? "true" : "false"
        case (_, .fixed(let f)): return f[i].map { String($0, radix: 16) }.joined()
        case (_, .dictionary): return ""
        case (_, .list), (_, .structure): return ""  // nested values are not SQL values yet (NULL to the engine)
        }
    }

    /// Appends the CSV field of `row` (RFC 4180: quoted when it holds a comma, quote or line
    /// break; NULL is an empty field).
    func writeCSV(_ row: Int, into out: inout [UInt8]) {
        if column.isNull(row) { return }
        let i = slot(row)
        switch (column.type, values) {
        case (.timestamp, _), (.date32, _), (.decimal, _), (.boolean, _): out.append(contentsOf: text(row).utf8)
        case (_, .int32(let v)): Self.appendInt(Int64(v[i]), into: &out)
        case (_, .int64(let v)): Self.appendInt(v[i], into: &out)
        case (_, .bytes(let b)):
            let r = b.range(i)
            var needsQuotes = false
            for k in r where b.data[k] == UInt8(ascii: ",") || b.data[k] == UInt8(ascii: "\"") || b.data[k] == 0x0A || b.data[k] == 0x0D {
                needsQuotes = true
                break
            }
            if !needsQuotes {
                out.append(contentsOf: b.data[r])
                return
            }
            out.append(UInt8(ascii: "\""))
            for k in r {
                out.append(b.data[k])
                if b.data[k] == UInt8(ascii: "\"") { out.append(UInt8(ascii: "\"")) }
            }
            out.append(UInt8(ascii: "\""))
        default: out.append(contentsOf: Self.csvField(text(row)).utf8)
        }
    }

    static func csvField(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    @inline(__always) static func appendInt(_ v: Int64, into out: inout [UInt8]) {
        if v >= 0 && v < 10 {
            out.append(UInt8(48 + v))
            return
        }
        // Digits into a small stack buffer, back to front (no String per value).
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var n = v.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat {
                count += 1
                buf[24 - count] = UInt8(48 + n % 10)
                n /= 10
            } while n > 0
            if v < 0 {
                count += 1
                buf[24 - count] = UInt8(ascii: "-")
            }
            out.append(contentsOf: buf[(24 - count)...])
        }
    }

    static func appendDouble(_ d: Double, into out: inout [UInt8]) {
        if d.isFinite { out.append(contentsOf: d.description.utf8) } else { JSONText.append(DoubleText.format(d), to: &out) }
    }

    static func appendJSONString(_ b: ByteArrays, _ i: Int, into out: inout [UInt8]) {
        let r = b.range(i)
        // The common case: printable ASCII without quotes or backslashes, copied as is.
        var plain = true
        for k in r {
            let c = b.data[k]
            if c < 0x20 || c >= 0x80 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                plain = false
                break
            }
        }
        if plain {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: b.data[r])
            out.append(UInt8(ascii: "\""))
            return
        }
        let s = b.data.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[r]), as: UTF8.self) }
        JSONText.append(s, to: &out)
    }
}
