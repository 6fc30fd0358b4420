import LakeqColumnar

/// How min/max statistics of a column compare (parquet-format's ColumnOrder / SortOrder).
public enum SortOrder: Sendable {
    case signed
    case unsigned
    /// No defined order (INT96, intervals): statistics must not be used.
    case undefined
}

/// A leaf column of a Parquet schema, with everything a reader needs to decode it.
public struct ColumnDescriptor: Sendable {
    /// Index among the leaf columns.
    public let index: Int
    /// The leaf's name; for flat schemas this is the column name.
    public let name: String
    /// Names from the root's child down to the leaf.
    public let path: [String]
    public let physicalType: PhysicalType
    /// Byte width of FIXED_LEN_BYTE_ARRAY values (0 otherwise).
    public let typeLength: Int
    public let maxDefinitionLevel: Int
    public let maxRepetitionLevel: Int
    public let element: SchemaElement
    /// The logical type the column decodes to.
    public let dataType: DataType
    public let sortOrder: SortOrder

    /// True when the leaf sits directly under the root without repetition.
    public var isFlat: Bool { path.count == 1 && maxRepetitionLevel == 0 }
    public var isNullable: Bool { maxDefinitionLevel > 0 }
}

extension ColumnDescriptor {
    /// Maps a leaf's physical type and annotations to a `DataType`, preferring the
    /// LogicalType over the legacy ConvertedType.
    static func dataType(for e: SchemaElement, physical: PhysicalType, typeLength: Int) -> DataType {
        let decimalFromConverted: DataType? = e.convertedType == .decimal
            ? .decimal(precision: Int(e.precision ?? 0), scale: Int(e.scale ?? 0)) : nil
        switch physical {
        case .boolean: return .boolean
        case .int32:
            switch e.logicalType {
            case .integer(let bits, let signed)?:
                switch (bits, signed) {
                case (8, true): return .int8
                case (16, true): return .int16
                case (8, false): return .uint8
                case (16, false): return .uint16
                case (32, false): return .uint32
                default: return .int32
                }
            case .date?: return .date32
            case .time(let utc, .millis)?: return .time(.millis, utc: utc)
            case .decimal(let scale, let precision)?: return .decimal(precision: Int(precision), scale: Int(scale))
            default: break
            }
            switch e.convertedType {
            case .int8?: return .int8
            case .int16?: return .int16
            case .uint8?: return .uint8
            case .uint16?: return .uint16
            case .uint32?: return .uint32
            case .date?: return .date32
            case .timeMillis?: return .time(.millis, utc: true)
            default: return decimalFromConverted ?? .int32
            }
        case .int64:
            switch e.logicalType {
            case .integer(let bits, let signed)?: return (bits == 64 && !signed) ? .uint64 : .int64
            case .timestamp(let utc, let unit)?: return .timestamp(TimeUnit(unit), utc: utc)
            case .time(let utc, let unit)?: return .time(TimeUnit(unit), utc: utc)
            case .decimal(let scale, let precision)?: return .decimal(precision: Int(precision), scale: Int(scale))
            default: break
            }
            switch e.convertedType {
            case .uint64?: return .uint64
            case .timestampMillis?: return .timestamp(.millis, utc: true)
            case .timestampMicros?: return .timestamp(.micros, utc: true)
            case .timeMicros?: return .time(.micros, utc: true)
            default: return decimalFromConverted ?? .int64
            }
        case .int96: return .int96
        case .float: return .float32
        case .double: return .float64
        case .byteArray:
            switch e.logicalType {
            case .string?, .enum_?: return .string
            case .json?: return .json
            case .decimal(let scale, let precision)?: return .decimal(precision: Int(precision), scale: Int(scale))
            case .bson?, .uuid?: return .binary
            default: break
            }
            switch e.convertedType {
            case .utf8?, .enum_?: return .string
            case .json?: return .json
            default: return decimalFromConverted ?? .binary
            }
        case .fixedLenByteArray:
            switch e.logicalType {
            case .decimal(let scale, let precision)?: return .decimal(precision: Int(precision), scale: Int(scale))
            case .uuid?: return .uuid
            case .float16?: return .float16
            default: return decimalFromConverted ?? .fixedBinary(width: typeLength)
            }
        }
    }

    /// The order statistics follow, given the file declares TYPE_DEFINED_ORDER.
    static func sortOrder(for type: DataType, physical: PhysicalType) -> SortOrder {
        switch type {
        case .uint8, .uint16, .uint32, .uint64: return .unsigned
        case .string, .binary, .json, .uuid, .fixedBinary: return .unsigned
        case .int96: return .undefined
        case .decimal: return physical == .int32 || physical == .int64 ? .signed : .signed
        default: return physical == .byteArray || physical == .fixedLenByteArray ? .unsigned : .signed
        }
    }
}

extension TimeUnit {
    init(_ unit: LogicalTimeUnit) {
        switch unit {
        case .millis: self = .millis
        case .micros: self = .micros
        case .nanos: self = .nanos
        }
    }
}
