import LakeqColumnar

/// Column types `lakeq convert` writes (the `--schema` file's vocabulary).
public enum ValueType: Equatable, CustomStringConvertible {
    case int32, int64, double, boolean, string, date
    case timestamp(TimeUnit)
    case decimal(precision: Int, scale: Int)
    /// `list<T>`: a JSON array (elements nullable).
    indirect case list(ValueType)
    /// `struct<a: T, b: T not null>`: a JSON object with these keys (a missing key is null).
    indirect case structure([NestedField])
    /// `map<string, T>`: a JSON object of any keys, in the order written (values nullable).
    indirect case map(ValueType)

    /// True for list, struct and map.
    public var isNested: Bool {
        switch self {
        case .list, .structure, .map: return true
        default: return false
        }
    }

    public var dataType: DataType {
        switch self {
        case .int32: return .int32
        case .int64: return .int64
        case .double: return .float64
        case .boolean: return .boolean
        case .string: return .string
        case .date: return .date32
        case .timestamp(let u): return .timestamp(u, utc: true)
        case .decimal(let p, let s): return .decimal(precision: p, scale: s)
        case .list(let e): return .list(element: Field(name: "element", type: e.dataType, nullable: true))
        case .structure(let fields): return .structure(fields: fields.map { Field(name: $0.name, type: $0.type.dataType, nullable: $0.nullable) })
        case .map(let v): return .map(key: Field(name: "key", type: .string, nullable: false), value: Field(name: "value", type: v.dataType, nullable: true))
        }
    }

    public var description: String {
        switch self {
        case .int32: return "int32"
        case .int64: return "int64"
        case .double: return "double"
        case .boolean: return "boolean"
        case .string: return "string"
        case .date: return "date"
        case .timestamp(let u): return "timestamp(\(u == .millis ? "ms" : u == .micros ? "us" : "ns"))"
        case .decimal(let p, let s): return "decimal(\(p),\(s))"
        case .list(let e): return "list<\(e)>"
        case .structure(let fields): return "struct<" + fields.map { "\($0.name): \($0.type)" + ($0.nullable ? "" : " not null") }.joined(separator: ", ") + ">"
        case .map(let v): return "map<string, \(v)>"
        }
    }

    /// Parses a schema-file type name; nested types as `list<T>` (or `array<T>`),
    /// `struct<name: T, other: T not null>` and `map<string, T>`.
    public static func parse(_ text: String) -> ValueType? {
        var parser = NestedTypeParser(text)
        guard let t = parser.type(), parser.atEnd else { return nil }
        return t
    }

    /// A type without nesting (`int64`, `decimal(9,2)`, …).
    static func parsePrimitive(_ text: String) -> ValueType? {
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        switch t {
        case "int32", "int": return .int32
        case "int64", "bigint", "long": return .int64
        case "double", "float64": return .double
        case "boolean", "bool": return .boolean
        case "string", "utf8", "text": return .string
        case "date", "date32": return .date
        case "timestamp", "timestamp(us)": return .timestamp(.micros)
        case "timestamp(ms)": return .timestamp(.millis)
        case "timestamp(ns)": return .timestamp(.nanos)
        default: break
        }
        if t.hasPrefix("decimal("), t.hasSuffix(")") {
            let parts = t.dropFirst(8).dropLast().split(separator: ",")
            if parts.count == 2, let p = Int(parts[0]), let s = Int(parts[1]), p >= 1, p <= 38, s >= 0, s <= p {
                return .decimal(precision: p, scale: s)
            }
        }
        return nil
    }
}

/// A field of a `struct<…>` type.
public struct NestedField: Equatable {
    public var name: String
    public var type: ValueType
    public var nullable: Bool

    public init(name: String, type: ValueType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// Recursive descent over a schema-file type: nested types by keyword and angle brackets,
/// anything else handed to `ValueType.parsePrimitive`. Field names keep their case.
struct NestedTypeParser {
    let chars: [Character]
    var i = 0
    var depth = 0

    init(_ text: String) { chars = Array(text) }

    var atEnd: Bool {
        var j = i
        while j < chars.count, chars[j].isWhitespace { j += 1 }
        return j == chars.count
    }

    mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

    mutating func consume(_ c: Character) -> Bool {
        skipSpace()
        guard i < chars.count, chars[i] == c else { return false }
        i += 1
        return true
    }

    /// A word of letters, digits, `_` and `$`.
    mutating func word() -> String {
        skipSpace()
        let start = i
        while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "$" { i += 1 }
        return String(chars[start..<i])
    }

    mutating func type() -> ValueType? {
        depth += 1
        defer { depth -= 1 }
        guard depth < 32 else { return nil }
        skipSpace()
        let save = i
        let keyword = word().lowercased()
        if ["list", "array", "struct", "map"].contains(keyword), consume("<") {
            switch keyword {
            case "list", "array":
                guard let e = type(), consume(">") else { return nil }
                return .list(e)
            case "map":
                guard let k = type(), k == .string, consume(","), let v = type(), consume(">") else { return nil }
                return .map(v)
            default:
                var fields: [NestedField] = []
                repeat {
                    let name = word()
                    guard !name.isEmpty, consume(":"), let t = type() else { return nil }
                    guard !fields.contains(where: { $0.name == name }) else { return nil }
                    var nullable = true
                    let before = i
                    if word().lowercased() == "not", word().lowercased() == "null" { nullable = false } else { i = before }
                    fields.append(NestedField(name: name, type: t, nullable: nullable))
                } while consume(",")
                guard consume(">") else { return nil }
                return .structure(fields)
            }
        }
        // A primitive: up to a ',' or '>' outside parentheses (decimal(9,2) holds a comma).
        i = save
        var parens = 0
        let start = i
        while i < chars.count {
            let c = chars[i]
            if c == "(" { parens += 1 } else if c == ")" { parens -= 1 } else if parens == 0 && (c == "," || c == ">") { break }
            i += 1
        }
        var end = i
        // `not null` after a struct field's type is not part of the type.
        let text = String(chars[start..<end])
        if let r = text.range(of: " not null", options: [.caseInsensitive, .backwards]), r.upperBound == text.endIndex {
            end = start + text.distance(from: text.startIndex, to: r.lowerBound)
            i = end
        }
        return ValueType.parsePrimitive(String(chars[start..<end]))
    }
}

/// A column of the output schema.
public struct ColumnSpec {
    public var name: String
    public var type: ValueType
    public var nullable: Bool

    public init(name: String, type: ValueType, nullable: Bool) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// Byte-level value parsers shared by inference and conversion. Each returns nil when the
/// text is not exactly a value of the type (so nothing is silently lost).
public enum ValueParse {
    @inline(__always) public static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    /// `-?(0|[1-9][0-9]*)`, not `-0`, within Int64.
    public static func int64(_ s: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        let n = s.count
        var neg = false
        if n > 0 && s[0] == UInt8(ascii: "-") { neg = true; i = 1 }
        guard i < n else { return nil }
        if s[i] == UInt8(ascii: "0") && n - i > 1 { return nil }  // leading zero: keep the text
        var v: UInt64 = 0
        while i < n {
            let d = s[i] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = a
            i += 1
        }
        if neg {
            if v == 0 { return nil }  // "-0" would lose its sign as an integer
            if v > UInt64(Int64.max) + 1 { return nil }
            return v == UInt64(Int64.max) + 1 ? Int64.min : -Int64(v)
        }
        return v > UInt64(Int64.max) ? nil : Int64(v)
    }

    /// JSON number grammar: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`.
    public static func isNumberSyntax(_ s: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = s.count
        if i < n && s[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n, isDigit(s[i]) else { return false }
        if s[i] == UInt8(ascii: "0") { i += 1; if i < n && isDigit(s[i]) { return false } } else { while i < n && isDigit(s[i]) { i += 1 } }
        if i < n && s[i] == UInt8(ascii: ".") {
            i += 1
            guard i < n, isDigit(s[i]) else { return false }
            while i < n && isDigit(s[i]) { i += 1 }
        }
        if i < n && (s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < n, isDigit(s[i]) else { return false }
            while i < n && isDigit(s[i]) { i += 1 }
        }
        return i == n
    }

    /// A decimal number to the nearest Double (Swift's parser); `lenient` also takes
    /// nan/inf spellings and a leading `+`.
    public static func double(_ s: UnsafeRawBufferPointer, lenient: Bool) -> Double? {
        if !isNumberSyntax(s) {
            guard lenient, s.count > 0, s.count < 64 else { return nil }
            let t = String(decoding: s, as: UTF8.self).lowercased()
            switch t {
            case "nan": return .nan
            case "inf", "+inf", "infinity", "+infinity": return .infinity
            case "-inf", "-infinity": return -.infinity
            default:
                if t.hasPrefix("+"), isNumberSyntax(UnsafeRawBufferPointer(rebasing: s[1...])) { return Double(String(t.dropFirst())) }
                return nil
            }
        }
        return fastDouble(s) ?? Double(String(decoding: s, as: UTF8.self))
    }

    /// Powers of ten exactly representable as doubles.
    static let exactPowers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { a, _ in a * 10 } }

    /// Clinger's fast path for text already known to be JSON number syntax: when the digits
    /// form an integer below 2^53 and the decimal exponent is within ±22, `m / 10^k` or
    /// `m * 10^k` is one correctly rounded IEEE operation on exact operands, so it equals
    /// the nearest double. Avoids building a String per value (the common case by far);
    /// nil sends everything else to Swift's full parser.
    @inline(__always) static func fastDouble(_ s: UnsafeRawBufferPointer) -> Double? {
        var i = 0
        let n = s.count
        var neg = false
        if n > 0 && s[0] == UInt8(ascii: "-") { neg = true; i = 1 }
        var m: UInt64 = 0
        var digits = 0
        var exp = 0
        while i < n, isDigit(s[i]) {
            m = m &* 10 &+ UInt64(s[i] &- 48); digits += 1; i += 1
        }
        if i < n && s[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, isDigit(s[i]) {
                m = m &* 10 &+ UInt64(s[i] &- 48); digits += 1; exp -= 1; i += 1
            }
        }
        guard i == n, digits <= 15, exp >= -22 else { return nil }  // exponents: full parser
        let v = exp == 0 ? Double(m) : Double(m) / exactPowers[-exp]
        return neg ? -v : v
    }

    public static func bool(_ s: UnsafeRawBufferPointer, lenient: Bool) -> Bool? {
        // Byte compares: the generic elementsEqual against a String's UTF-8 view is slow.
        if s.count == 4, s[0] == 0x74, s[1] == 0x72, s[2] == 0x75, s[3] == 0x65 { return true }
        if s.count == 5, s[0] == 0x66, s[1] == 0x61, s[2] == 0x6C, s[3] == 0x73, s[4] == 0x65 { return false }
        guard lenient, s.count <= 5 else { return nil }
        let t = String(decoding: s, as: UTF8.self).lowercased()
        return t == "true" ? true : (t == "false" ? false : nil)
    }

    @inline(__always) private static func digits(_ s: UnsafeRawBufferPointer, _ at: Int, _ count: Int) -> Int? {
        guard at + count <= s.count else { return nil }
        var v = 0
        for k in at..<(at + count) {
            let d = s[k] &- 48
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DD` at the start of `s`; returns days and whether the whole text was used.
    private static func datePrefix(_ s: UnsafeRawBufferPointer) -> Int? {
        guard s.count >= 10, s[4] == UInt8(ascii: "-"), s[7] == UInt8(ascii: "-"),
              let y = digits(s, 0, 4), let m = digits(s, 5, 2), let d = digits(s, 8, 2),
              m >= 1, m <= 12, d >= 1 else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let mdays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard d <= mdays else { return nil }
        return daysFromCivil(y, m, d)
    }

    public static func date(_ s: UnsafeRawBufferPointer) -> Int32? {
        guard s.count == 10, let d = datePrefix(s) else { return nil }
        return Int32(d)
    }

    /// ISO-8601 `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]` as UTC in `unit`; nil if
    /// malformed or if the fraction has non-zero digits finer than `unit`.
    public static func timestamp(_ s: UnsafeRawBufferPointer, unit: TimeUnit) -> Int64? {
        guard s.count >= 19, let days = datePrefix(s), s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: " "),
              s[13] == UInt8(ascii: ":"), s[16] == UInt8(ascii: ":"),
              let hh = digits(s, 11, 2), let mm = digits(s, 14, 2), let ss = digits(s, 17, 2),
              hh < 24, mm < 60, ss < 60 else { return nil }
        var i = 19
        var frac: Int64 = 0
        let maxDigits = unit == .millis ? 3 : unit == .micros ? 6 : 9
        if i < s.count && s[i] == UInt8(ascii: ".") {
            i += 1
            var nd = 0
            while i < s.count, isDigit(s[i]) {
                let d = Int64(s[i] - 48)
                if nd < maxDigits { frac = frac * 10 + d } else if d != 0 { return nil }
                nd += 1
                i += 1
            }
            guard nd > 0 else { return nil }
            while nd < maxDigits { frac *= 10; nd += 1 }
        }
        var offsetSeconds = 0
        if i < s.count {
            if s[i] == UInt8(ascii: "Z") && i + 1 == s.count {
                i += 1
            } else if s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
                let sign = s[i] == UInt8(ascii: "-") ? -1 : 1
                guard let oh = digits(s, i + 1, 2), oh < 24 else { return nil }
                var om = 0
                if i + 3 < s.count && s[i + 3] == UInt8(ascii: ":") {
                    guard let v = digits(s, i + 4, 2), i + 6 == s.count else { return nil }
                    om = v
                } else if i + 3 == s.count {
                    om = 0
                } else {
                    guard let v = digits(s, i + 3, 2), i + 5 == s.count else { return nil }
                    om = v
                }
                guard om < 60 else { return nil }
                offsetSeconds = sign * (oh * 3600 + om * 60)
                i = s.count
            } else {
                return nil
            }
        }
        guard i == s.count else { return nil }
        let seconds = Int64(days) * 86_400 + Int64(hh * 3600 + mm * 60 + ss) - Int64(offsetSeconds)
        let (scaled, o1) = seconds.multipliedReportingOverflow(by: unit.perSecond)
        let (total, o2) = scaled.addingReportingOverflow(frac)
        return o1 || o2 ? nil : total
    }

    /// Exact decimal text `-?\d+(\.\d+)?` as a big-endian two's complement integer of `width`
    /// bytes scaled by `scale`; nil when it has more digits than the type holds or would need rounding.
    public static func decimal(_ s: UnsafeRawBufferPointer, precision: Int, scale: Int, width: Int) -> [UInt8]? {
        var i = 0
        let n = s.count
        var neg = false
        if i < n && (s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+")) { neg = s[i] == UInt8(ascii: "-"); i += 1 }
        var intDigits: [UInt8] = [], fracDigits: [UInt8] = []
        while i < n, isDigit(s[i]) { intDigits.append(s[i] - 48); i += 1 }
        if i < n && s[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, isDigit(s[i]) { fracDigits.append(s[i] - 48); i += 1 }
        }
        guard i == n, !(intDigits.isEmpty && fracDigits.isEmpty) else { return nil }
        while let f = intDigits.first, f == 0 { intDigits.removeFirst() }
        while fracDigits.count > scale { guard fracDigits.last == 0 else { return nil }; fracDigits.removeLast() }
        while fracDigits.count < scale { fracDigits.append(0) }
        guard intDigits.count <= precision - scale else { return nil }
        var out = [UInt8](repeating: 0, count: width)
        for d in intDigits + fracDigits {
            var carry = Int(d)
            for k in stride(from: width - 1, through: 0, by: -1) {
                let v = Int(out[k]) * 10 + carry
                out[k] = UInt8(v & 0xFF)
                carry = v >> 8
            }
        }
        if neg {
            var carry = 1
            for k in stride(from: width - 1, through: 0, by: -1) {
                let v = Int(~out[k]) + carry
                out[k] = UInt8(v & 0xFF)
                carry = v >> 8
            }
        }
        return out
    }
}
