import Foundation
import LakeqColumnar
@testable import LakeqParquet

/// Test data from SplitMix64 (Encodings/EncodingTestSupport.swift); fixed seeds make failures reproduce.
typealias TestRNG = SplitMix64

extension SplitMix64 {
    init(_ seed: UInt64) { self.init(seed: seed) }
    mutating func int(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}

/// A canonical comparable cell.
enum Cell: Hashable, CustomStringConvertible {
    case null
    case int(Int64)
    case bits(UInt64)
    case bytes([UInt8])
    case bool(Bool)
    var description: String {
        switch self {
        case .null: return "null"
        case .int(let v): return "\(v)"
        case .bits(let b): return "bits(\(b))"
        case .bytes(let b): return "\(b.count)b:\(String(decoding: b.prefix(20), as: UTF8.self))"
        case .bool(let b): return "\(b)"
        }
    }
}

enum WriterTestSupport {
    static func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lakeq-writer-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name + "-" + UUID().uuidString + ".parquet").path
    }

    static func cells(_ c: Column) -> [Cell] {
        var v = c.values
        if case .dictionary(let d, let idx) = v {
            // Null slots may hold any index: clamp before gathering.
            v = d.gather(idx.enumerated().map { c.isNull($0.offset) ? 0 : $0.element })
        }
        return (0..<c.count).map { i in
            if c.isNull(i) { return .null }
            switch v {
            case .boolean(let a): return .bool(a[i])
            case .int32(let a): return .int(Int64(a[i]))
            case .int64(let a): return .int(a[i])
            case .float32(let a): return .bits(UInt64(a[i].bitPattern))
            case .float64(let a): return .bits(a[i].bitPattern)
            case .bytes(let b): return .bytes(Array(b[i]))
            case .fixed(let f): return .bytes(Array(f[i]))
            case .dictionary, .list, .structure: return .null
            }
        }
    }

    /// Reads every row group of `path` and returns cells per column.
    static func readAll(_ path: String) throws -> (ParquetFile, [[Cell]]) {
        let f = try ParquetFile(path: path)
        var cols = [[Cell]](repeating: [], count: f.schema.columns.count)
        for g in 0..<f.rowGroupCount {
            let b = try f.readRowGroup(g)
            for (i, c) in b.columns.enumerated() { cols[i] += cells(c) }
        }
        return (f, cols)
    }

    static let allTypes: [DataType] = [
        .boolean, .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64, .float16, .float32, .float64,
        .string, .binary, .fixedBinary(width: 5), .date32, .time(.millis, utc: true), .time(.micros, utc: false),
        .time(.nanos, utc: true), .timestamp(.millis, utc: true), .timestamp(.micros, utc: true),
        .timestamp(.nanos, utc: false), .decimal(precision: 7, scale: 2), .decimal(precision: 15, scale: 3),
        .decimal(precision: 30, scale: 5), .int96, .uuid, .json,
    ]

    /// A random column of `type` with `rows` rows; `distinct` bounds the value variety so
    /// dictionaries get exercised.
    static func column(_ type: DataType, rows: Int, nullRate: Double, distinct: Int, rng: inout TestRNG) -> Column {
        var validity: Bitmap? = nullRate > 0 ? Bitmap(count: rows, value: true) : nil
        if nullRate > 0 { for r in 0..<rows where rng.chance(nullRate) { validity![r] = false } }
        func pick() -> UInt64 { UInt64(rng.int(distinct)) &* 0x9E37_79B9_7F4A_7C15 }
        let values: ColumnValues
        switch type {
        case .boolean: values = .boolean((0..<rows).map { _ in rng.int(2) == 1 })
        case .int8: values = .int32((0..<rows).map { _ in Int32(Int8(truncatingIfNeeded: pick())) })
        case .int16: values = .int32((0..<rows).map { _ in Int32(Int16(truncatingIfNeeded: pick())) })
        case .uint8: values = .int32((0..<rows).map { _ in Int32(UInt8(truncatingIfNeeded: pick())) })
        case .uint16: values = .int32((0..<rows).map { _ in Int32(UInt16(truncatingIfNeeded: pick())) })
        case .int32, .uint32, .date32, .time(.millis, _), .decimal(precision: 7, scale: _):
            var vals = (0..<rows).map { _ in Int32(truncatingIfNeeded: pick()) }
            if case .decimal = type { vals = vals.map { $0 % 9_999_999 } }
            values = .int32(vals)
        case .decimal(let p, _) where p > 18:
            let w = SchemaConversion.decimalByteWidth(precision: p)
            var f = FixedBytes(width: w)
            for _ in 0..<rows {
                let x = pick()
                let neg = x & 1 == 1
                var b = [UInt8](repeating: neg ? 0xFF : 0, count: w)
                for k in 0..<8 { b[w - 1 - k] = UInt8(truncatingIfNeeded: (x >> 1) >> (8 * UInt64(k))) }
                b[w - 8] = neg ? 0xF0 : 0x0F
                f.data += b
            }
            values = .fixed(f)
        case .decimal:
            values = .int64((0..<rows).map { _ in Int64(truncatingIfNeeded: pick()) % 999_999_999_999_999 })
        case .int64, .uint64, .time, .timestamp:
            values = .int64((0..<rows).map { _ in Int64(bitPattern: pick()) })
        case .float32: values = .float32((0..<rows).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: pick())) })
        case .float64: values = .float64((0..<rows).map { _ in Double(bitPattern: pick()) })
        case .string, .json, .binary:
            var b = ByteArrays()
            for _ in 0..<rows {
                let k = rng.int(distinct)
                if type == .binary { b.append((0..<(k % 7)).map { UInt8(truncatingIfNeeded: $0 * 37 + k) }) }
                else { b.append(Array("v\(k)-é\(String(repeating: "x", count: k % 5))".utf8)) }
            }
            values = .bytes(b)
        case .fixedBinary(let w):
            var f = FixedBytes(width: w)
            for _ in 0..<rows { let x = pick(); for k in 0..<w { f.data.append(UInt8(truncatingIfNeeded: x >> UInt64(8 * (k % 8)))) } }
            values = .fixed(f)
        case .float16:
            var f = FixedBytes(width: 2)
            for _ in 0..<rows { let x = UInt16(truncatingIfNeeded: pick()); f.data += [UInt8(x & 0xFF), UInt8(x >> 8)] }
            values = .fixed(f)
        case .int96, .uuid:
            let w = type == .int96 ? 12 : 16
            var f = FixedBytes(width: w)
            for _ in 0..<rows { let x = pick(); for k in 0..<w { f.data.append(UInt8(truncatingIfNeeded: x >> UInt64(8 * (k % 8)))) } }
            values = .fixed(f)
        case .list, .structure, .map:
            values = .int32([])  // flat columns only here
        }
        return Column(type: type, values: values, validity: validity)
    }

    static func batch(_ fields: [Field], _ columns: [Column], rows: Int) -> RecordBatch {
        RecordBatch(schema: Schema(fields), columns: columns, rowCount: rows)
    }
}
