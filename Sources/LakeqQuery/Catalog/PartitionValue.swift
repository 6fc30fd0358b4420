import Foundation
import LakeqColumnar

/// Typing of Hive partition values (`key=value` folder names).
///
/// A partition column's type is decided from all of its values, so it never depends on which
/// files a query happens to touch: every value an ISO date (`YYYY-MM-DD`) → DATE; every value
/// an integer without a superfluous leading zero that fits Int64 → BIGINT; otherwise VARCHAR.
/// `__HIVE_DEFAULT_PARTITION__` and the empty string are NULL.
public enum PartitionTyping {
    public static func isNull(_ raw: String) -> Bool { raw.isEmpty || raw == "__HIVE_DEFAULT_PARTITION__" }

    public static func type(of values: [String]) -> DataType {
        let present = values.filter { !isNull($0) }
        if present.isEmpty { return .string }
        if present.allSatisfy({ parseDate($0) != nil }) { return .date32 }
        if present.allSatisfy({ parseInteger($0) != nil }) { return .int64 }
        return .string
    }

    /// Days since the epoch of `YYYY-MM-DD`, or nil.
    public static func parseDate(_ s: String) -> Int32? {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard u[i] >= 48 && u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), (1...12).contains(m), d >= 1,
              d <= CivilDate.daysInMonth(year: y, month: m) else { return nil }
        return Int32(CivilDate.daysFromCivil(year: y, month: m, day: d))
    }

    /// An integer with no sign other than `-`, no leading zero (except `0`), within Int64.
    public static func parseInteger(_ s: String) -> Int64? {
        let digits = s.hasPrefix("-") ? s.dropFirst() : Substring(s)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        if digits.count > 1 && digits.hasPrefix("0") { return nil }
        return Int64(s)
    }
}

extension PartitionTyping {
    /// The value of a raw partition string for a partition column of engine type `type`
    /// (Delta serialization: integers in decimal, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.ffffff]`
    /// timestamps, `true`/`false`). NULL for the null spellings and for unparsable values.
    public static func scalar(_ raw: String?, type: DataType) -> Scalar {
        guard let raw, !isNull(raw) else { return .null }
        switch type {
        case .date32: return parseDate(raw).map { .date($0) } ?? .null
        case .int64, .int32: return Int64(raw).map { .int($0) } ?? .null
        case .boolean:
            switch raw.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return .null
            }
        case .float64: return Double(raw).map { .double($0) } ?? .null
        case .timestamp: return parseTimestamp(raw).map { .timestamp($0) } ?? .null
        case .decimal(_, let s):
            guard let d = Decimal(string: raw) else { return .null }
            var scaled = d * pow(Decimal(10), s)
            var rounded = Decimal()
            NSDecimalRound(&rounded, &scaled, 0, .plain)
            return Int64(exactly: NSDecimalNumber(decimal: rounded).int64Value).map { .decimal($0, s) } ?? .null
        default: return .string(raw)
        }
    }

    /// Microseconds since the epoch of `YYYY-MM-DD[ T]HH:MM:SS[.f…][Z]`, or nil.
    public static func parseTimestamp(_ s: String) -> Int64? {
        var text = Substring(s)
        if text.hasSuffix("Z") { text = text.dropLast() }
        if text.hasSuffix("+00:00") { text = text.dropLast(6) }
        guard text.count >= 19, let days = parseDate(String(text.prefix(10))) else { return nil }
        let u = Array(text.utf8)
        guard u[10] == UInt8(ascii: " ") || u[10] == UInt8(ascii: "T"), u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":") else { return nil }
        func num(_ r: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in r {
                guard u[i] >= 48 && u[i] <= 57 else { return nil }
                v = v * 10 + Int64(u[i] - 48)
            }
            return v
        }
        guard let h = num(11..<13), let m = num(14..<16), let sec = num(17..<19), h < 24, m < 60, sec < 61 else { return nil }
        var micros: Int64 = 0
        if u.count > 19 {
            guard u[19] == UInt8(ascii: "."), u.count > 20, u.count <= 29 else { return nil }
            guard let frac = num(20..<u.count) else { return nil }
            var f = frac
            for _ in 0..<max(0, 6 - (u.count - 20)) { f *= 10 }
            for _ in 0..<max(0, (u.count - 20) - 6) { f /= 10 }
            micros = f
        }
        return Int64(days) * 86_400_000_000 + ((h * 60 + m) * 60 + sec) * 1_000_000 + micros
    }
}
