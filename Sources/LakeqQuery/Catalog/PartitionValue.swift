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
