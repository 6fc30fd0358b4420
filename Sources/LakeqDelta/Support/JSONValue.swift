import LakeqColumnar
import Foundation

/// A JSON document as a value: the Delta log's actions, stats and commit info are JSON.
///
/// lakeq parses and prints JSON itself rather than through `JSONSerialization` because on
/// Linux Foundation a `true` and a `1` both come back as `NSNumber`, and large integers
/// (file sizes, timestamps, versions) must round-trip exactly.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }
    /// Integers, and doubles that hold an exact integer.
    public var intValue: Int64? {
        switch self {
        case .int(let v): return v
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e18: return Int64(d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let d): return d
        default: return nil
        }
    }

    // MARK: printing

    /// Compact JSON text; object keys sorted so the same value always prints the same bytes.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let v): out += String(v)
        case .double(let d):
            // JSON has no NaN or infinities.
            if d.isFinite { out += d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) + ".0" : "\(d)" } else { out += "null" }
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                Self.writeString(k, to: &out)
                out += ":"
                o[k]?.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += JSONText.quoted(s)
    }

    // MARK: parsing

    /// Parses one JSON document; trailing whitespace is allowed, anything else is an error.
    public static func parse(_ text: String) throws -> JSONValue {
        try parse(utf8: text.utf8)
    }

    /// Parses JSON from UTF-8 bytes (a line of a larger text parses without a String of its own).
    public static func parse(utf8: some Sequence<UInt8>) throws -> JSONValue {
        var p = JSONParser(bytes: Array(utf8))
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.pos == p.bytes.count else { throw p.error("trailing characters") }
        return v
    }
}

/// A recursive-descent JSON parser over UTF-8 bytes with a nesting limit.
struct JSONParser {
    let bytes: [UInt8]
    var pos = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func error(_ what: String) -> DeltaError { .corrupt("invalid JSON at byte \(pos): \(what)") }

    mutating func skipSpace() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x09 { pos += 1 }
    }

    mutating func literal(_ word: StaticString, _ v: JSONValue) throws -> JSONValue {
        let n = word.utf8CodeUnitCount
        guard pos + n <= bytes.count else { throw error("unexpected token") }
        let w = word.utf8Start
        for i in 0..<n where bytes[pos + i] != w[i] { throw error("unexpected token") }
        pos += n
        return v
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 128 else { throw error("nesting too deep") }
        skipSpace()
        guard pos < bytes.count else { throw error("unexpected end") }
        switch bytes[pos] {
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["):
            pos += 1
            var a: [JSONValue] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(a) }
            while true {
                a.append(try value(depth: depth + 1))
                skipSpace()
                guard pos < bytes.count else { throw error("unterminated array") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(a) }
                throw error("expected , or ]")
            }
        case UInt8(ascii: "{"):
            pos += 1
            var o: [String: JSONValue] = [:]
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(o) }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw error("expected a key") }
                let k = try string()
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw error("expected :") }
                pos += 1
                o[k] = try value(depth: depth + 1)
                skipSpace()
                guard pos < bytes.count else { throw error("unterminated object") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(o) }
                throw error("expected , or }")
            }
        default: return try number()
        }
    }

    mutating func number() throws -> JSONValue {
        let start = pos
        var isInteger = true
        while pos < bytes.count {
            let c = bytes[pos]
            if (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { pos += 1 }
            else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { isInteger = false; pos += 1 }
            else { break }
        }
        guard pos > start else { throw error("unexpected character") }
        // Plain integers of up to 18 digits (every count, size and timestamp of a log) are
        // read in place; anything else goes through the standard library's parsers.
        if isInteger, let v = Self.smallInteger(bytes, start..<pos) { return .int(v) }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if isInteger, let v = Int64(text) { return .int(v) }
        guard let d = Double(text) else { throw error("bad number \(text)") }
        return .double(d)
    }

    /// `-?[0-9]{1,18}` without a leading zero (other than "0" itself), else nil.
    static func smallInteger(_ bytes: [UInt8], _ range: Range<Int>) -> Int64? {
        var i = range.lowerBound
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let digits = range.upperBound - i
        guard digits >= 1, digits <= 18, digits == 1 || bytes[i] != UInt8(ascii: "0") else { return nil }
        var v: Int64 = 0
        while i < range.upperBound {
            let d = bytes[i] &- 0x30
            guard d <= 9 else { return nil }
            v = v * 10 + Int64(d)
            i += 1
        }
        return negative ? -v : v
    }

    mutating func string() throws -> String {
        pos += 1  // opening quote
        let start = pos
        var escaped = false
        // Find the closing quote (an escape always spans the next byte), then decode the span.
        while true {
            guard pos < bytes.count else { throw error("unterminated string") }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") { escaped = true; pos += 2 } else { pos += 1 }
        }
        let end = pos
        pos += 1  // closing quote
        if !escaped { return String(decoding: bytes[start..<end], as: UTF8.self) }
        var out: [UInt8] = []
        let ok = bytes.withUnsafeBytes { JSONText.unescape(UnsafeRawBufferPointer(rebasing: $0[start..<end]), into: &out) }
        guard ok else { throw error("bad escape in string") }
        return String(decoding: out, as: UTF8.self)
    }
}
