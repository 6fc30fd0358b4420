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

    /// Appends the decoded bytes of a JSON string body (between the quotes) to `out`.
    /// Returns false for a bad escape (unknown letter, bad hex, lone surrogate, truncation).
    public static func unescape(_ raw: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= raw.count else { return nil }
            var v: UInt32 = 0
            for k in at..<(at + 4) {
                let c = raw[k]
                let d: UInt8
                switch c {
                case 48...57: d = c - 48
                case 65...70: d = c - 55
                case 97...102: d = c - 87
                default: return nil
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        var i = 0
        while i < raw.count {
            let b = raw[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            guard i + 1 < raw.count else { return false }
            let c = raw[i + 1]
            i += 2
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(c)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "u"):
                guard var cp = hex4(i) else { return false }
                i += 4
                if cp >= 0xD800 && cp < 0xDC00 {
                    guard i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                          let lo = hex4(i + 2), lo >= 0xDC00, lo < 0xE000 else { return false }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    i += 6
                }
                guard let scalar = Unicode.Scalar(cp) else { return false }
                out.append(contentsOf: String(scalar).utf8)
            default: return false
            }
        }
        return true
    }
}
