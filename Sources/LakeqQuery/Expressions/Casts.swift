import Foundation
import LakeqColumnar

/// CAST semantics and the text forms of values.
enum Casts {
    /// A column as `type`: typed loops for widening numbers and dates, a dictionary's entries
    /// cast once, other conversions value by value.
    static func column(_ c: Column, to type: DataType) throws -> Column {
        if c.type == type { return c }
        let n = c.count
        switch (c.values, c.type, type) {
        case (.int32(let v), .int32, .int64):
            return Column(type: type, values: .int64(v.map { Int64($0) }), validity: c.validity)
        case (.int32(let v), .int32, .float64):
            return Column(type: type, values: .float64(v.map { Double($0) }), validity: c.validity)
        case (.int64(let v), .int64, .float64):
            return Column(type: type, values: .float64(v.map { Double($0) }), validity: c.validity)
        case (.int32(let v), .date32, .timestamp):
            return Column(type: type, values: .int64(v.map { Int64($0) &* 86_400_000_000 }), validity: c.validity)
        case (.int64(let v), .decimal(_, let sc), .float64):
            let f = SQLType.pow10(sc)
            return Column(type: type, values: .float64(v.map { Double($0) / f }), validity: c.validity)
        case (.dictionary(let d, let idx), _, _):
            let entries = try column(Column(type: c.type, values: d), to: type)
            return Column(type: type, values: entries.values.gather(idx),
                          validity: Bitmap.and(c.validity, entries.validity.map { v in Bitmap(idx.map { v[Int($0)] }) }))
        default:
            var out: [Scalar] = []
            out.reserveCapacity(n)
            for i in 0..<n { out.append(try cast(Scalar.from(c, row: i), to: type)) }
            return ColumnFactory.fromScalars(out, type: type)
        }
    }

    static func cast(_ v: Scalar, to type: DataType) throws -> Scalar {
        if v.isNull { return .null }
        switch (v, type) {
        case (.list, .list), (.structure, .structure), (.map, .map): return v  // same type: the binder checked it
        default: break
        }
        switch type {
        case .boolean:
            switch v {
            case .bool: return v
            case .int(let i): return .bool(i != 0)
            case .string(let s):
                switch s.lowercased() {
                case "true", "t", "1", "yes": return .bool(true)
                case "false", "f", "0", "no": return .bool(false)
                default: throw QueryError.execution("cannot cast '\(s)' to BOOLEAN")
                }
            default: break
            }
        case .int32, .int64:
            let i: Int64
            switch v {
            case .int(let x): i = x
            case .bool(let b): i = b ? 1 : 0
            case .double(let d):
                // Half to even, as DuckDB (2.5 → 2, 3.5 → 4).
                let r = d.rounded(.toNearestOrEven)
                guard let x = Int64(exactly: r) else { throw QueryError.execution("cannot cast \(d) to \(SQLType.name(type)): out of range") }
                i = x
            case .decimal(let x, let s):
                let f = Int64(SQLType.pow10(s))
                let q = x / f, rem = x % f
                i = q + (Swift.abs(rem) * 2 >= f ? (x < 0 ? -1 : 1) : 0)
            case .string(let s):
                guard let x = Int64(s.trimmingCharacters(in: .whitespaces)) else { throw QueryError.execution("cannot cast '\(s)' to \(SQLType.name(type))") }
                i = x
            default: throw QueryError.execution("cannot cast \(text(v)) to \(SQLType.name(type))")
            }
            if case .int32 = type, Int32(exactly: i) == nil { throw QueryError.execution("cannot cast \(i) to INTEGER: out of range") }
            return .int(i)
        case .float64:
            switch v {
            case .bool(let b): return .double(b ? 1 : 0)
            case .string(let s):
                guard let d = Double(s.trimmingCharacters(in: .whitespaces)) else { throw QueryError.execution("cannot cast '\(s)' to DOUBLE") }
                return .double(d)
            default:
                if let d = v.asDouble { return .double(d) }
            }
        case .decimal(_, let scale):
            switch v {
            case .decimal(let x, let s) where s == scale: return v
            default:
                guard let d = (try? cast(v, to: .float64))?.asDouble else { break }
                let scaled = (d * SQLType.pow10(scale)).rounded(.toNearestOrAwayFromZero)
                guard let x = Int64(exactly: scaled) else { throw QueryError.execution("cannot cast \(d) to \(SQLType.name(type)): out of range") }
                return .decimal(x, scale)
            }
        case .string:
            return .string(text(v))
        case .date32:
            switch v {
            case .date: return v
            case .timestamp(let t): return .date(Int32(t.floorDiv(86_400_000_000)))
            case .string(let s):
                if let d = PartitionTyping.parseDate(s) { return .date(d) }
                if let t = TimestampText.parse(s) { return .date(Int32(t.floorDiv(86_400_000_000))) }
                throw QueryError.execution("cannot cast '\(s)' to DATE")
            default: break
            }
        case .timestamp:
            switch v {
            case .timestamp: return v
            case .date(let d): return .timestamp(Int64(d) * 86_400_000_000)
            case .string(let s):
                guard let t = TimestampText.parse(s) else { throw QueryError.execution("cannot cast '\(s)' to TIMESTAMP") }
                return .timestamp(t)
            default: break
            }
        default: break
        }
        throw QueryError.execution("cannot cast \(text(v)) to \(SQLType.name(type))")
    }

    /// The text of a value, as CAST(x AS VARCHAR) and the CSV output print it.
    static func text(_ v: Scalar) -> String {
        switch v {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return DoubleText.format(d)
        case .string(let s): return s
        case .date(let d): return TimestampText.date(Int64(d))
        case .timestamp(let t): return TimestampText.timestamp(t)
        case .decimal(let x, let s): return DecimalText.format(unscaled: x, scale: s)
        case .list(let l): return "[" + l.map(nestedText).joined(separator: ", ") + "]"
        case .structure(let names, let values):
            return "{" + zip(names, values).map { "'\($0)': \(nestedText($1))" }.joined(separator: ", ") + "}"
        case .map(let keys, let values): return "{" + zip(keys, values).map { "\(nestedText($0))=\(nestedText($1))" }.joined(separator: ", ") + "}"
        }
    }

    /// A value inside a nested one, as DuckDB casts nested values to VARCHAR: NULL spelled
    /// out, strings bare (the empty string as '').
    private static func nestedText(_ v: Scalar) -> String {
        if v.isNull { return "NULL" }
        if case .string("") = v { return "''" }
        return text(v)
    }
}

/// Shortest round-trip text of doubles, SQL style (`inf`, `nan` spelled out).
public enum DoubleText {
    public static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return d.description
    }
}

/// ISO-8601 text for dates and timestamps (microseconds, UTC).
public enum TimestampText {
    public static func date(_ days: Int64) -> String {
        let (y, m, d) = CivilDate.civilFromDays(Int(days))
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }

    public static func timestamp(_ micros: Int64) -> String {
        let day = micros.floorDiv(86_400_000_000)
        let inDay = micros.floorMod(86_400_000_000)
        let secs = inDay / 1_000_000, frac = inDay % 1_000_000
        var s = date(day) + "T" + pad(Int(secs / 3600), 2) + ":" + pad(Int(secs / 60 % 60), 2) + ":" + pad(Int(secs % 60), 2)
        if frac != 0 {
            var f = pad(Int(frac), 6)
            while f.hasSuffix("0") { f.removeLast() }
            s += "." + f
        }
        return s + "Z"
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(Swift.abs(v))
        return (v < 0 ? "-" : "") + (s.count < width ? String(repeating: "0", count: width - s.count) + s : s)
    }

    /// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|±HH[:MM]]` to UTC microseconds.
    public static func parse(_ text: String) -> Int64? {
        let u = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard u.count >= 10, let days = PartitionTyping.parseDate(String(decoding: u[0..<10], as: UTF8.self)) else { return nil }
        var micros = Int64(days) * 86_400_000_000
        var i = 10
        func digits(_ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard u[k] >= 48 && u[k] <= 57 else { return nil }
                v = v * 10 + Int(u[k] - 48)
            }
            i += n
            return v
        }
        if i < u.count && (u[i] == UInt8(ascii: "T") || u[i] == UInt8(ascii: " ")) {
            i += 1
            guard let h = digits(2), h < 24, i < u.count, u[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            guard let m = digits(2), m < 60 else { return nil }
            var s = 0
            if i < u.count && u[i] == UInt8(ascii: ":") {
                i += 1
                guard let sv = digits(2), sv < 60 else { return nil }
                s = sv
            }
            var frac: Int64 = 0
            if i < u.count && u[i] == UInt8(ascii: ".") {
                i += 1
                var scale: Int64 = 100_000
                var any = false
                while i < u.count && u[i] >= 48 && u[i] <= 57 {
                    frac += Int64(u[i] - 48) * scale
                    scale /= 10
                    i += 1
                    any = true
                }
                guard any else { return nil }
            }
            micros += Int64(h * 3600 + m * 60 + s) * 1_000_000 + frac
        }
        if i < u.count {
            if u[i] == UInt8(ascii: "Z") { i += 1 } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
                let sign: Int64 = u[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return nil }
                var om = 0
                if i < u.count && u[i] == UInt8(ascii: ":") { i += 1 }
                if i < u.count { guard let v = digits(2) else { return nil }; om = v }
                micros -= sign * Int64(oh * 3600 + om * 60) * 1_000_000
            }
        }
        return i == u.count ? micros : nil
    }
}
