import LakeqColumnar

/// Implicit typing: common types of CASE branches, UNION columns and function arguments,
/// comparability, and how constants are read next to typed columns.
enum TypeRules {
    static func isInteger(_ t: DataType) -> Bool { t == .int32 || t == .int64 }
    static func isTemporal(_ t: DataType) -> Bool { if case .timestamp = t { return true }; return t == .date32 }
    static func isNullLiteral(_ e: BoundExpr) -> Bool { if case .literal(.null) = e.kind { return true }; return false }

    /// The type values of all `types` fit in, or nil when they do not mix.
    static func common(_ a: DataType, _ b: DataType) -> DataType? {
        if a == b { return a }
        if SQLType.isNumeric(a) && SQLType.isNumeric(b) {
            if isInteger(a) && isInteger(b) { return .int64 }
            if case .decimal(_, let s) = a, case .decimal(_, let t) = b { return .decimal(precision: 18, scale: max(s, t)) }
            if case .decimal = a, isInteger(b) { return a }
            if case .decimal = b, isInteger(a) { return b }
            return .float64
        }
        if isTemporal(a) && isTemporal(b) { return .timestamp(.micros, utc: true) }
        return nil
    }

    /// The common type of expressions; NULL literals take any type (so `CASE … ELSE NULL`,
    /// `coalesce(x, NULL)` and `VALUES (NULL), ('a')` work). All NULL: INTEGER.
    static func commonType(_ exprs: [BoundExpr], text: String) throws -> DataType {
        var t: DataType?
        for e in exprs where !isNullLiteral(e) {
            guard let cur = t else { t = e.type; continue }
            guard let next = common(cur, e.type) else {
                throw QueryError.binding("incompatible types \(SQLType.name(cur)) and \(SQLType.name(e.type)) in \(text)")
            }
            t = next
        }
        return t ?? .int32
    }

    /// The expression as `type`: NULL literals retyped, constants converted now, the rest cast.
    static func coerce(_ e: BoundExpr, to type: DataType) throws -> BoundExpr {
        if e.type == type { return e }
        if case .literal(let v) = e.kind {
            return BoundExpr(kind: .literal(try Casts.cast(v, to: type)), type: type, text: e.text)
        }
        return BoundExpr(kind: .cast(e), type: type, text: e.text)
    }

    static func comparable(_ a: DataType, _ b: DataType) -> Bool {
        if a == b { return true }
        if SQLType.isNumeric(a) && SQLType.isNumeric(b) { return true }
        if isTemporal(a) && isTemporal(b) { return true }
        return false
    }

    /// Whether a constant can be compared with values of `type`.
    static func fits(_ v: Scalar, _ type: DataType) -> Bool {
        switch v {
        case .null: return true
        case .int, .double, .decimal: return SQLType.isNumeric(type)
        case .string: return type == .string
        case .bool: return type == .boolean
        case .date, .timestamp: return isTemporal(type)
        case .list, .structure, .map: return false
        }
    }

    /// A constant read as `type` where a comparison puts it next to such a column: a string
    /// next to a date, timestamp or boolean is parsed; numbers next to decimals are scaled.
    static func coerceLiteral(_ v: Scalar, to type: DataType) throws -> Scalar {
        if v.isNull { return v }
        switch (v, type) {
        case (.string, .date32), (.string, .timestamp), (.date, .timestamp), (.string, .boolean):
            return try Casts.cast(v, to: type)
        case (.string(let s), .int32), (.string(let s), .int64), (.string(let s), .float64):
            // DuckDB reads a string next to a number as that number.
            return (try? Casts.cast(v, to: type)) ?? .string(s)
        case (.int(let i), .float64):
            return .double(Double(i))
        case (.int(let i), .decimal(_, let s)):
            let (r, o) = i.multipliedReportingOverflow(by: Int64(SQLType.pow10(s)))
            return o ? .double(Double(i)) : .decimal(r, s)
        case (.double(let d), .decimal(_, let s)):
            let scaled = d * SQLType.pow10(s)
            if scaled == scaled.rounded(), let x = Int64(exactly: scaled) { return .decimal(x, s) }
            return v
        default:
            return v
        }
    }

    /// The engine type of a type name.
    static func engineType(_ t: TypeName) -> DataType {
        switch t {
        case .boolean: return .boolean
        case .tinyint, .smallint, .integer: return .int32
        case .bigint: return .int64
        case .double: return .float64
        case .decimal(let p, let s): return (p ?? 18) <= 18 ? .decimal(precision: p ?? 18, scale: s ?? 3) : .float64
        case .varchar: return .string
        case .date: return .date32
        case .timestamp: return .timestamp(.micros, utc: true)
        }
    }

    /// Whether join keys of these types hash to the same codes (else both are cast to a common type).
    static func sameKeyCodes(_ a: DataType, _ b: DataType) -> Bool {
        if a == b { return true }
        if isInteger(a) && isInteger(b) { return true }
        return false
    }
}

/// "Did you mean" suggestions.
enum Names {
    static func closest(to name: String, in candidates: [String]) -> String? {
        let target = Array(name.lowercased())
        var best: (String, Int)?
        for c in candidates {
            let d = distance(target, Array(c.lowercased()))
            if d <= max(2, target.count / 3), best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}

extension BinaryOperator {
    /// The operator with its operands swapped (a < b ⇔ b > a).
    var flipped: BinaryOperator {
        switch self {
        case .less: return .greater
        case .lessOrEqual: return .greaterOrEqual
        case .greater: return .less
        case .greaterOrEqual: return .lessOrEqual
        default: return self
        }
    }
}
