import LakeqColumnar

/// The query layer's types and how Parquet types map onto them.
///
/// Inside the engine a column of SQL type T always has one storage:
/// BOOLEAN `.boolean`; INTEGER `.int32`; BIGINT `.int64`; DOUBLE `.float64`; DECIMAL(p ≤ 18, s)
/// `.int64` unscaled; VARCHAR `.bytes` or `.dictionary(.bytes)`; DATE `.int32` days;
/// TIMESTAMP `.int64` microseconds since the epoch (UTC).
public enum SQLType {
    /// The engine type a Parquet column decodes to.
    public static func normalize(_ t: DataType) -> DataType {
        switch t {
        case .boolean: return .boolean
        case .int8, .int16, .int32, .uint8, .uint16: return .int32
        case .int64, .uint32, .uint64: return .int64
        case .float16, .float32, .float64: return .float64
        case .string, .binary, .json, .uuid, .fixedBinary: return .string
        case .date32: return .date32
        case .time: return .int64
        case .timestamp(_, let utc): return .timestamp(.micros, utc: utc)
        case .int96: return .timestamp(.micros, utc: false)
        case .decimal(let p, let s): return p <= 18 ? .decimal(precision: p, scale: s) : .float64
        // Children in a canonical form: list elements are `element`, map entries `key` and
        // `value`, every child nullable. Writers name them differently (pyarrow's legacy `item`,
        // Spark's `array`) and the engine never relies on a child being non-null, so files of
        // one table unify and types compare equal whoever wrote them.
        case .list(let e): return .list(element: Field(name: "element", type: normalize(e.type), nullable: true))
        case .structure(let fields): return .structure(fields: fields.map { Field(name: $0.name, type: normalize($0.type), nullable: true) })
        case .map(let k, let v):
            return .map(key: Field(name: "key", type: normalize(k.type), nullable: false), value: Field(name: "value", type: normalize(v.type), nullable: true))
        }
    }

    /// SQL spelling of an engine type.
    public static func name(_ t: DataType) -> String {
        switch t {
        case .boolean: return "BOOLEAN"
        case .int32: return "INTEGER"
        case .int64: return "BIGINT"
        case .float64: return "DOUBLE"
        case .decimal(let p, let s): return "DECIMAL(\(p),\(s))"
        case .string: return "VARCHAR"
        case .date32: return "DATE"
        case .timestamp: return "TIMESTAMP"
        case .list(let e): return name(e.type) + "[]"
        case .structure(let fields): return "STRUCT(" + fields.map { quoteIdentifier($0.name) + " " + name($0.type) }.joined(separator: ", ") + ")"
        case .map(let k, let v): return "MAP(\(name(k.type)), \(name(v.type)))"
        default: return "\(t)"
        }
    }

    public static func isNumeric(_ t: DataType) -> Bool {
        switch t {
        case .int32, .int64, .float64, .decimal: return true
        default: return false
        }
    }

    /// Converts a decoded Parquet column to its engine storage (nested columns child by child).
    public static func normalize(_ c: Column) -> Column {
        let target = normalize(c.type)
        switch (c.type, c.values) {
        case (.list, .list(let l)), (.map, .list(let l)):
            return Column(type: target, values: .list(ListValues(offsets: l.offsets, entries: normalize(l.entries))), validity: c.validity)
        case (.structure, .structure(let s)):
            return Column(type: target, values: .structure(StructValues(children: s.children.map { normalize($0) }, count: s.count)), validity: c.validity)
        case (.uint32, .int32(let v)):
            return Column(type: target, values: .int64(v.map { Int64(UInt32(bitPattern: $0)) }), validity: c.validity)
        case (.float32, .float32(let v)):
            return Column(type: target, values: .float64(v.map { Double($0) }), validity: c.validity)
        case (.float16, .fixed(let f)):
            var out = [Double](repeating: 0, count: f.count)
            for i in 0..<f.count {
                let b = f[i]
                out[i] = Double(HalfFloat.toFloat(UInt16(b[b.startIndex]) | UInt16(b[b.startIndex + 1]) << 8))
            }
            return Column(type: target, values: .float64(out), validity: c.validity)
        case (.timestamp(let unit, _), .int64(let v)):
            switch unit {
            case .micros: return Column(type: target, values: c.values, validity: c.validity)
            case .millis: return Column(type: target, values: .int64(v.map { $0 &* 1000 }), validity: c.validity)
            case .nanos: return Column(type: target, values: .int64(v.map { $0.floorDiv(1000) }), validity: c.validity)
            }
        case (.int96, .fixed(let f)):
            var out = [Int64](repeating: 0, count: f.count)
            f.data.withUnsafeBytes { raw in
                for i in 0..<f.count {
                    let nanos = Int64(bitPattern: raw.loadUnaligned(fromByteOffset: i * 12, as: UInt64.self))
                    let day = Int64(Int32(bitPattern: raw.loadUnaligned(fromByteOffset: i * 12 + 8, as: UInt32.self)))
                    out[i] = (day &- 2_440_588) &* 86_400_000_000 &+ nanos / 1000
                }
            }
            return Column(type: target, values: .int64(out), validity: c.validity)
        case (.decimal(let p, let s), .int32(let v)) where p <= 18:
            return Column(type: .decimal(precision: p, scale: s), values: .int64(v.map { Int64($0) }), validity: c.validity)
        case (.decimal(let p, let s), .fixed(let f)) where p <= 18:
            return Column(type: .decimal(precision: p, scale: s), values: .int64((0..<f.count).map { bigEndianInt64(f[$0]) }), validity: c.validity)
        case (.decimal(let p, let s), .bytes(let b)) where p <= 18:
            return Column(type: .decimal(precision: p, scale: s), values: .int64((0..<b.count).map { bigEndianInt64(b[$0]) }), validity: c.validity)
        case (.decimal(_, let s), .fixed(let f)):
            return Column(type: .float64, values: .float64((0..<f.count).map { bigEndianDouble(f[$0], scale: s) }), validity: c.validity)
        case (.decimal(_, let s), .bytes(let b)):
            return Column(type: .float64, values: .float64((0..<b.count).map { bigEndianDouble(b[$0], scale: s) }), validity: c.validity)
        case (.fixedBinary, .fixed(let f)), (.uuid, .fixed(let f)):
            var b = ByteArrays()
            for i in 0..<f.count { b.append(f[i]) }
            return Column(type: .string, values: .bytes(b), validity: c.validity)
        default:
            return Column(type: target, values: c.values, validity: c.validity)
        }
    }

    static func bigEndianInt64(_ b: ArraySlice<UInt8>) -> Int64 {
        var v: Int64 = (b.first ?? 0) & 0x80 != 0 ? -1 : 0
        for byte in b { v = (v << 8) | Int64(byte) }
        return v
    }

    static func bigEndianDouble(_ b: ArraySlice<UInt8>, scale: Int) -> Double {
        var v: Double = 0
        let negative = (b.first ?? 0) & 0x80 != 0
        for byte in b { v = v * 256 + Double(negative ? ~byte : byte) }
        if negative { v = -(v + 1) }
        return v / pow10(scale)
    }

    static func pow10(_ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<max(0, n) { r *= 10 }
        return r
    }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    @inlinable func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
