import Foundation
import LakeqColumnar

/// One field of a parsed record: a byte range of the input, or null.
public struct RawField {
    public var start: Int
    public var end: Int
    /// CSV: the field was quoted and holds doubled quotes; JSON: the string holds escapes.
    public var escaped: Bool
    public var isNull: Bool
    /// JSON only: the token kind (strings, numbers and literals infer differently).
    public var kind: Kind = .text

    /// `jsonNested`: a JSON array or object (the range spans its brackets), for LIST, STRUCT
    /// and MAP columns.
    public enum Kind { case text, jsonString, jsonNumber, jsonLiteral, jsonNested }

    public init(start: Int, end: Int, escaped: Bool, isNull: Bool, kind: Kind = .text) {
        self.start = start
        self.end = end
        self.escaped = escaped
        self.isNull = isNull
        self.kind = kind
    }

    public static let null = RawField(start: 0, end: 0, escaped: false, isNull: true)
}

/// An input file mapped into memory (the page cache holds it, not the heap).
public final class InputFile {
    public let data: Data
    public init(path: String) throws {
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw FormatError.io("\(path): cannot read: \(error.localizedDescription)")
        }
    }
}

public enum FormatError: Error, CustomStringConvertible {
    case io(String)
    case usage(String)
    case badRows(Int)
    public var description: String {
        switch self {
        case .io(let m), .usage(let m): return m
        case .badRows(let n): return "\(n) bad row\(n == 1 ? "" : "s"); nothing written (use --skip-bad to write the good rows)"
        }
    }
}

/// RFC 4180 CSV: comma-separated, fields optionally in double quotes with `""` for a quote,
/// `\n` or `\r\n` line ends (also inside quotes). An empty unquoted field is null; `""` is
/// the empty string. Blank lines are skipped.
public struct CSVScanner {
    public let bytes: UnsafeRawBufferPointer
    public var pos = 0
    /// 1-based line number of the next record's first line.
    public var line = 1

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        // Skip a UTF-8 byte order mark.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { pos = 3 }
    }

    /// Parses the next record into `fields`; returns its line number, or nil at the end.
    /// A malformed record sets `error` and is consumed up to its end.
    public mutating func next(into fields: inout [RawField], error: inout String?) -> Int? {
        fields.removeAll(keepingCapacity: true)
        error = nil
        let n = bytes.count
        // Skip blank lines.
        while pos < n && (bytes[pos] == 0x0A || (bytes[pos] == 0x0D && pos + 1 < n && bytes[pos + 1] == 0x0A)) {
            pos += bytes[pos] == 0x0D ? 2 : 1
            line += 1
        }
        guard pos < n else { return nil }
        let startLine = line
        while true {
            if pos < n && bytes[pos] == UInt8(ascii: "\"") {
                // Quoted field.
                let start = pos + 1
                var i = start
                var escaped = false
                var closed = false
                while i < n {
                    let b = bytes[i]
                    if b == UInt8(ascii: "\"") {
                        if i + 1 < n && bytes[i + 1] == UInt8(ascii: "\"") { escaped = true; i += 2; continue }
                        closed = true
                        break
                    }
                    if b == 0x0A { line += 1 }
                    i += 1
                }
                if !closed {
                    error = error ?? "unterminated quoted field"
                    pos = n
                    fields.append(RawField(start: start, end: n, escaped: escaped, isNull: false))
                    line += 1
                    return startLine
                }
                fields.append(RawField(start: start, end: i, escaped: escaped, isNull: false))
                pos = i + 1
                if pos < n, bytes[pos] != UInt8(ascii: ","), bytes[pos] != 0x0A, bytes[pos] != 0x0D {
                    error = error ?? "unexpected character after a closing quote in field \(fields.count)"
                    while pos < n, bytes[pos] != UInt8(ascii: ","), bytes[pos] != 0x0A { pos += 1 }
                }
            } else {
                let start = pos
                let i = Self.fieldEnd(bytes, from: pos)
                fields.append(RawField(start: start, end: i, escaped: false, isNull: i == start))
                pos = i
            }
            // Separator or end of record.
            if pos >= n { line += 1; return startLine }
            let b = bytes[pos]
            if b == UInt8(ascii: ",") { pos += 1; continue }
            if b == 0x0D {
                pos += 1
                if pos < n && bytes[pos] == 0x0A { pos += 1 }
            } else {
                pos += 1
            }
            line += 1
            return startLine
        }
    }

    /// The first `,`, `\n` or `\r` at or after `from` (or the end): eight bytes at a time.
    @inline(__always)
    static func fieldEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        let n = bytes.count
        guard let base = bytes.baseAddress else { return n }
        var i = from
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= n {
            let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let c = w ^ (ones &* 0x2C), l = w ^ (ones &* 0x0A), r = w ^ (ones &* 0x0D)
            let hit = ((c &- ones) & ~c | (l &- ones) & ~l | (r &- ones) & ~r) & highs
            if hit != 0 { return i + hit.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            if b == UInt8(ascii: ",") || b == 0x0A || b == 0x0D { break }
            i += 1
        }
        return i
    }

    /// Splits one line (no line end) that holds no `"` and no `\r` at its commas, as `next`
    /// would, eight bytes at a time: the first `fields.count` fields are stored, and the number
    /// of fields is returned. nil for an empty line or one with a quote or CR (then `next`
    /// parses it).
    public static func splitPlain(_ line: UnsafeRawBufferPointer, into fields: UnsafeMutableBufferPointer<RawField>) -> Int? {
        let n = line.count
        guard n > 0, let base = line.baseAddress else { return nil }
        let ones: UInt64 = 0x0101_0101_0101_0101, low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        // High bit of each byte that is zero, exactly (no borrow between bytes).
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { ~(((x & low7) &+ low7) | x | low7) }
        let room = fields.count
        var count = 0, start = 0, i = 0
        @inline(__always) func field(_ end: Int) {
            if count < room { fields[count] = RawField(start: start, end: end, escaped: false, isNull: end == start) }
            count += 1
            start = end + 1
        }
        while i + 8 <= n {
            let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            if zeroBytes(w ^ (ones &* 0x22)) | zeroBytes(w ^ (ones &* 0x0D)) != 0 { return nil }
            var commas = zeroBytes(w ^ (ones &* 0x2C))
            while commas != 0 {
                field(i + commas.trailingZeroBitCount >> 3)
                commas &= commas &- 1
            }
            i += 8
        }
        while i < n {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            if b == 0x22 || b == 0x0D { return nil }
            if b == 0x2C { field(i) }
            i += 1
        }
        field(n)
        return count
    }

    /// The field's text: a slice of `bytes`, or (doubled quotes undone) `scratch`'s memory.
    @inlinable
    public static func text(_ bytes: UnsafeRawBufferPointer, _ f: RawField, scratch: TextScratch) -> UnsafeRawBufferPointer {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[f.start..<f.end])
        guard f.escaped else { return raw }
        return unescape(raw, scratch: scratch)
    }

    /// `raw` with doubled quotes undone, in `scratch`'s memory.
    public static func unescape(_ raw: UnsafeRawBufferPointer, scratch: TextScratch) -> UnsafeRawBufferPointer {
        scratch.reset()
        var i = 0
        while i < raw.count {
            scratch.append(raw[i])
            if raw[i] == UInt8(ascii: "\"") { i += 1 }  // skip the doubling quote
            i += 1
        }
        return scratch.bytes
    }
}

/// JSON Lines: one object per line. Values are strings, numbers, true/false or null; nested
/// arrays/objects make the row bad unless `acceptsNested` (then they are `jsonNested`
/// fields, parsed by the column they go to).
public struct JSONLScanner {
    public let bytes: UnsafeRawBufferPointer
    public var pos = 0
    public var line = 0
    public var acceptsNested = false

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { pos = 3 }
    }

    /// Next non-blank line as (keys, values); returns its line number or nil at the end.
    public mutating func next(keys: inout [RawField], values: inout [RawField], error: inout String?) -> Int? {
        keys.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        error = nil
        let n = bytes.count
        while pos < n {
            var end = n
            if let base = bytes.baseAddress, let hit = memchr(base + pos, 0x0A, n - pos) {
                end = base.distance(to: UnsafeRawPointer(hit))
            }
            line += 1
            let lineStart = pos
            pos = end + 1
            var e = end
            if e > lineStart && bytes[e - 1] == 0x0D { e -= 1 }
            var i = lineStart
            skipSpace(&i, e)
            if i == e { continue }  // blank line
            parseObject(&i, e, &keys, &values, &error)
            return line
        }
        return nil
    }

    private func skipSpace(_ i: inout Int, _ e: Int) {
        while i < e, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
    }

    private func parseObject(_ i: inout Int, _ e: Int, _ keys: inout [RawField], _ values: inout [RawField], _ error: inout String?) {
        guard bytes[i] == UInt8(ascii: "{") else { error = "not a JSON object"; return }
        i += 1
        skipSpace(&i, e)
        if i < e && bytes[i] == UInt8(ascii: "}") { i += 1; return finish(&i, e, &error) }
        while true {
            skipSpace(&i, e)
            guard i < e, bytes[i] == UInt8(ascii: "\""), let k = string(&i, e) else { error = "expected a quoted key"; return }
            keys.append(k)
            skipSpace(&i, e)
            guard i < e, bytes[i] == UInt8(ascii: ":") else { error = "expected ':' after a key"; return }
            i += 1
            skipSpace(&i, e)
            guard i < e else { error = "truncated object"; return }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                guard let v = string(&i, e) else { error = "unterminated string"; return }
                values.append(v)
            } else if acceptsNested && (b == UInt8(ascii: "{") || b == UInt8(ascii: "[")) {
                let start = i
                guard skipNested(&i, e) else { error = "unterminated nested value"; return }
                values.append(RawField(start: start, end: i, escaped: false, isNull: false, kind: .jsonNested))
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                error = "nested \(b == UInt8(ascii: "{") ? "object" : "array") for key \(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[k.start..<k.end]), as: UTF8.self))"
                return
            } else {
                let start = i
                while i < e, bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: "}"), bytes[i] != 0x20, bytes[i] != 0x09 { i += 1 }
                let tok = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
                // Literals by length and bytes: the generic elementsEqual against a String's
                // UTF-8 view costs more than the rest of the token's parsing.
                if tok.count == 4 && tok[0] == 0x6E && tok[1] == 0x75 && tok[2] == 0x6C && tok[3] == 0x6C { values.append(.null) }  // null
                else if (tok.count == 4 && tok[0] == 0x74 && tok[1] == 0x72 && tok[2] == 0x75 && tok[3] == 0x65)  // true
                        || (tok.count == 5 && tok[0] == 0x66 && tok[1] == 0x61 && tok[2] == 0x6C && tok[3] == 0x73 && tok[4] == 0x65) {  // false
                    values.append(RawField(start: start, end: i, escaped: false, isNull: false, kind: .jsonLiteral))
                } else if ValueParse.isNumberSyntax(tok) {
                    values.append(RawField(start: start, end: i, escaped: false, isNull: false, kind: .jsonNumber))
                } else {
                    error = "invalid JSON value \(String(decoding: tok.prefix(40), as: UTF8.self))"
                    return
                }
            }
            skipSpace(&i, e)
            guard i < e else { error = "truncated object"; return }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return finish(&i, e, &error) }
            error = "expected ',' or '}'"
            return
        }
    }

    /// Moves past a JSON array or object (brackets balanced outside strings); false when the
    /// line ends first. Its contents are checked by the column that parses it.
    private func skipNested(_ i: inout Int, _ e: Int) -> Bool {
        var depth = 0
        while i < e {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                while i < e, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                guard i < e else { return false }
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                depth += 1
            } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { i += 1; return true }
            }
            i += 1
        }
        return false
    }

    private func finish(_ i: inout Int, _ e: Int, _ error: inout String?) {
        skipSpace(&i, e)
        if i != e { error = "text after the object" }
    }

    /// A JSON string starting at the opening quote; the range excludes the quotes.
    private func string(_ i: inout Int, _ e: Int) -> RawField? {
        let start = i + 1
        var k = start
        var escaped = false
        // Eight bytes at a time to the first quote or backslash (exact zero-byte masks).
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101, low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            while k + 8 <= e {
                let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: k, as: UInt64.self))
                let q = w ^ (ones &* 0x22), b = w ^ (ones &* 0x5C)
                let hit = ~(((q & low7) &+ low7) | q | low7) | ~(((b & low7) &+ low7) | b | low7)
                if hit != 0 { k += hit.trailingZeroBitCount >> 3; break }
                k += 8
            }
        }
        while k < e {
            let b = bytes[k]
            if b == UInt8(ascii: "\\") { escaped = true; k += 2; continue }
            if b == UInt8(ascii: "\"") {
                i = k + 1
                return RawField(start: start, end: k, escaped: escaped, isNull: false, kind: .jsonString)
            }
            k += 1
        }
        return nil
    }

    /// The unescaped bytes of a JSON string field; nil for a bad escape.
    /// The string's text: a slice of `bytes`, or (escapes decoded) `scratch`'s memory; nil
    /// for a bad escape.
    public static func text(_ bytes: UnsafeRawBufferPointer, _ f: RawField, scratch: TextScratch) -> UnsafeRawBufferPointer? {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[f.start..<f.end])
        guard f.escaped else { return raw }
        var decoded: [UInt8] = []
        guard JSONText.unescape(raw, into: &decoded) else { return nil }
        scratch.reset()
        decoded.withUnsafeBytes { scratch.append(bytes: $0) }
        return scratch.bytes
    }
}
