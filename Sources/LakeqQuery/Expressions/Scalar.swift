import LakeqColumnar

/// One SQL value. Used for literals, group keys and results; never in per-row hot loops of
/// the common kernels.
public enum Scalar: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case date(Int32)
    /// Microseconds since the epoch, UTC.
    case timestamp(Int64)
    /// Unscaled value and scale.
    case decimal(Int64, Int)
    /// A LIST value.
    indirect case list([Scalar])
    /// A STRUCT value: field names and values.
    indirect case structure([String], [Scalar])
    /// A MAP value: keys and values, in order.
    indirect case map([Scalar], [Scalar])

    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var isString: Bool { if case .string = self { return true } else { return false } }

    /// Numeric value as a double, if numeric.
    public var asDouble: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        case .decimal(let v, let s): return Double(v) / SQLType.pow10(s)
        default: return nil
        }
    }

    /// Reads row `i` of an engine column.
    public static func from(_ c: Column, row i: Int) -> Scalar {
        if c.isNull(i) { return .null }
        return from(c.values, type: c.type, row: i)
    }

    static func from(_ v: ColumnValues, type: DataType, row i: Int) -> Scalar {
        switch v {
        case .boolean(let a): return .bool(a[i])
        case .int32(let a):
            if case .date32 = type { return .date(a[i]) }
            return .int(Int64(a[i]))
        case .int64(let a):
            switch type {
            case .timestamp: return .timestamp(a[i])
            case .decimal(_, let s): return .decimal(a[i], s)
            default: return .int(a[i])
            }
        case .float32(let a): return .double(Double(a[i]))
        case .float64(let a): return .double(a[i])
        case .bytes(let b): return .string(b.string(at: i))
        case .fixed(let f): return .string(String(decoding: f[i], as: UTF8.self))
        case .dictionary(let d, let idx): return from(d, type: type, row: Int(idx[i]))
        case .list(let l):
            let r = l.range(i)
            switch type {
            case .map(let kf, let vf):
                guard case .structure(let kv) = l.entries.values, kv.children.count == 2 else { return .null }
                return .map(r.map { from(kv.children[0], row: $0, as: kf.type) }, r.map { from(kv.children[1], row: $0, as: vf.type) })
            case .list(let e):
                return .list(r.map { from(l.entries, row: $0, as: e.type) })
            default:
                return .list(r.map { from(l.entries, row: $0) })
            }
        case .structure(let s):
            guard case .structure(let fields) = type else { return .null }
            return .structure(fields.map(\.name), zip(fields, s.children).map { f, c in from(c, row: i, as: f.type) })
        }
    }

    /// Row `i` of a child column read as `type` (the parent's declared child type).
    private static func from(_ c: Column, row i: Int, as type: DataType) -> Scalar {
        if c.isNull(i) { return .null }
        return from(c.values, type: type, row: i)
    }

    /// Total order used by ORDER BY and min/max: NULLs compare equal to each other and the
    /// caller places them; numbers compare numerically across int/double/decimal.
    public static func compare(_ a: Scalar, _ b: Scalar) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let x), .string(let y)):
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : (x == y ? 0 : 1)
        case (.date(let x), .date(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.timestamp(let x), .timestamp(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.date(let x), .timestamp(let y)): return compare(.timestamp(Int64(x) * 86_400_000_000), .timestamp(y))
        case (.timestamp(let x), .date(let y)): return compare(.timestamp(x), .timestamp(Int64(y) * 86_400_000_000))
        case (.decimal(let x, let s), .decimal(let y, let t)) where s == t: return x < y ? -1 : (x > y ? 1 : 0)
        case (.list(let x), .list(let y)): return compareElements(x, y)
        case (.structure(_, let x), .structure(_, let y)): return compareElements(x, y)
        case (.map(let xk, let xv), .map(let yk, let yv)):
            let c = compareElements(xk, yk)
            return c != 0 ? c : compareElements(xv, yv)
        default:
            if let x = a.asDouble, let y = b.asDouble {
                if x.isNaN || y.isNaN { return x.isNaN ? (y.isNaN ? 0 : 1) : -1 }
                return x < y ? -1 : (x > y ? 1 : 0)
            }
            return String(describing: a) < String(describing: b) ? -1 : 1
        }
    }

    /// Element by element, then the shorter first (as DuckDB orders lists and structs).
    private static func compareElements(_ x: [Scalar], _ y: [Scalar]) -> Int {
        for (a, b) in zip(x, y) {
            let c = compare(a, b)
            if c != 0 { return c }
        }
        return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
    }
}
