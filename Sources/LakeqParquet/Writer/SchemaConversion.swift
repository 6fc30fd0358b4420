import LakeqColumnar

/// How a column's values are held in memory (the `ColumnValues` case, dictionary unwrapped).
enum StorageKind: Hashable, Sendable {
    case boolean, int32, int64, float32, float64, bytes
    /// Lists, maps and structs (written leaf by leaf, not as one buffer).
    case nested
    case fixed(width: Int)

    init(_ values: ColumnValues) {
        switch values {
        case .boolean: self = .boolean
        case .int32: self = .int32
        case .int64: self = .int64
        case .float32: self = .float32
        case .float64: self = .float64
        case .bytes: self = .bytes
        case .fixed(let f): self = .fixed(width: f.width)
        case .dictionary(let d, _): self = StorageKind(d)
        case .list, .structure: self = .nested
        }
    }

    var name: String {
        switch self {
        case .boolean: return "boolean"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float32: return "float32"
        case .float64: return "float64"
        case .bytes: return "bytes"
        case .fixed(let w): return "fixed(\(w))"
        case .nested: return "nested"
        }
    }
}

/// Maps lakeq `DataType`s to Parquet leaf schema elements: physical type, LogicalType and the
/// legacy ConvertedType (set wherever one exists, so readers predating LogicalType cope).
enum SchemaConversion {
    /// Smallest FIXED_LEN_BYTE_ARRAY width holding every decimal of `precision` digits.
    static func decimalByteWidth(precision: Int) -> Int {
        // Bits for 10^p - 1, plus the sign bit; log2(10) ≈ 3.3219.
        let bits = Int((Double(precision) * 3.321928094887362).rounded(.up)) + 1
        return max(1, (bits + 7) / 8)
    }

    /// The storage a column of `type` is expected to have when the writer has not seen one.
    static func defaultStorage(for type: DataType) -> StorageKind {
        switch type {
        case .boolean: return .boolean
        case .int8, .int16, .int32, .uint8, .uint16, .uint32, .date32: return .int32
        case .int64, .uint64, .timestamp: return .int64
        case .time(let unit, _): return unit == .millis ? .int32 : .int64
        case .float32: return .float32
        case .float64: return .float64
        case .string, .binary, .json: return .bytes
        case .fixedBinary(let w): return .fixed(width: w)
        case .float16: return .fixed(width: 2)
        case .int96: return .fixed(width: 12)
        case .uuid: return .fixed(width: 16)
        case .list, .structure, .map: return .nested
        case .decimal(let p, _):
            if p <= 9 { return .int32 }
            if p <= 18 { return .int64 }
            return .fixed(width: decimalByteWidth(precision: p))
        }
    }

    /// Whether `storage` is acceptable for `type` (only decimals have a choice).
    static func accepts(_ type: DataType, _ storage: StorageKind) -> Bool {
        if case .decimal(let p, _) = type {
            switch storage {
            case .int32: return p <= 9
            case .int64: return p <= 18
            case .bytes: return true
            case .fixed(let w): return w >= decimalByteWidth(precision: p)
            default: return false
            }
        }
        return storage == defaultStorage(for: type)
    }

    /// The schema element of one flat leaf.
    static func element(for field: Field, storage: StorageKind) throws -> SchemaElement {
        let repetition: FieldRepetitionType = field.nullable ? .optional : .required
        var e = SchemaElement(repetitionType: repetition, name: field.name)
        func intType(_ bits: Int8, _ signed: Bool, _ ct: ConvertedType) {
            e.logicalType = .integer(bitWidth: bits, isSigned: signed)
            e.convertedType = ct
        }
        switch field.type {
        case .boolean: e.type = .boolean
        case .int8: e.type = .int32; intType(8, true, .int8)
        case .int16: e.type = .int32; intType(16, true, .int16)
        case .int32: e.type = .int32
        case .int64: e.type = .int64
        case .uint8: e.type = .int32; intType(8, false, .uint8)
        case .uint16: e.type = .int32; intType(16, false, .uint16)
        case .uint32: e.type = .int32; intType(32, false, .uint32)
        case .uint64: e.type = .int64; intType(64, false, .uint64)
        case .float16:
            e.type = .fixedLenByteArray; e.typeLength = 2; e.logicalType = .float16
        case .float32: e.type = .float
        case .float64: e.type = .double
        case .string: e.type = .byteArray; e.logicalType = .string; e.convertedType = .utf8
        case .json: e.type = .byteArray; e.logicalType = .json; e.convertedType = .json
        case .binary: e.type = .byteArray
        case .fixedBinary(let w):
            guard w >= 1, w <= Int(Int32.max) else { throw ParquetError.invalidArgument("column \(field.name): fixed width \(w) out of range") }
            e.type = .fixedLenByteArray; e.typeLength = Int32(w)
        case .date32: e.type = .int32; e.logicalType = .date; e.convertedType = .date
        case .time(let unit, let utc):
            e.type = unit == .millis ? .int32 : .int64
            e.logicalType = .time(isAdjustedToUTC: utc, unit: unit.logical)
            // The legacy TIME_* types mean UTC-adjusted; there is none for nanoseconds.
            if utc { e.convertedType = unit == .millis ? .timeMillis : unit == .micros ? .timeMicros : nil }
        case .timestamp(let unit, let utc):
            e.type = .int64
            e.logicalType = .timestamp(isAdjustedToUTC: utc, unit: unit.logical)
            if utc { e.convertedType = unit == .millis ? .timestampMillis : unit == .micros ? .timestampMicros : nil }
        case .decimal(let p, let s):
            guard p >= 1, s >= 0, s <= p else {
                throw ParquetError.invalidArgument("column \(field.name): decimal(\(p), \(s)) needs 1 <= precision and 0 <= scale <= precision")
            }
            switch storage {
            case .int32: e.type = .int32
            case .int64: e.type = .int64
            case .bytes: e.type = .byteArray
            case .fixed(let w): e.type = .fixedLenByteArray; e.typeLength = Int32(w)
            default: throw ParquetError.invalidArgument("column \(field.name): decimal held as \(storage.name)")
            }
            e.logicalType = .decimal(scale: Int32(s), precision: Int32(p))
            e.convertedType = .decimal
            e.scale = Int32(s)
            e.precision = Int32(p)
        case .int96: e.type = .int96
        case .uuid: e.type = .fixedLenByteArray; e.typeLength = 16; e.logicalType = .uuid
        case .list, .structure, .map:
            throw ParquetError.invalidArgument("column \(field.name): \(field.type) is nested; nested columns are not written as one leaf")
        }
        return e
    }
}

extension TimeUnit {
    var logical: LogicalTimeUnit {
        switch self {
        case .millis: return .millis
        case .micros: return .micros
        case .nanos: return .nanos
        }
    }
}
