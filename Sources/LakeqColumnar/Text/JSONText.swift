/// JSON string literals (RFC 8259 escapes; other characters kept as UTF-8). One escaper for
/// every layer that writes JSON: the Delta log, the quarantine, query results and `dump`.
public enum JSONText {
    /// Appends `"…"` for UTF-8 bytes `s` (assumed valid UTF-8).
    @inlinable
    public static func append<C: Collection>(utf8 s: C, to out: inout [UInt8]) where C.Element == UInt8 {
        out.append(UInt8(ascii: "\""))
        for c in s {
            switch c {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(c >> 4)], hex[Int(c & 15)]])
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `"…"` for `s`.
    public static func append(_ s: String, to out: inout [UInt8]) { append(utf8: s.utf8, to: &out) }

    /// `"…"` for `s`.
    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        append(utf8: s.utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
