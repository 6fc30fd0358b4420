/// Resolution of a time or timestamp value.
public enum TimeUnit: String, Hashable, Sendable {
    case millis, micros, nanos

    /// Units of this resolution per second.
    @inlinable public var perSecond: Int64 {
        switch self {
        case .millis: return 1_000
        case .micros: return 1_000_000
        case .nanos: return 1_000_000_000
        }
    }
}

/// The logical type of a column's values, independent of how they are stored.
///
/// Storage is fixed per type: see `ColumnValues` for which case holds which type.
public enum DataType: Hashable, Sendable {
    case boolean
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    /// IEEE half precision, stored as 2 raw little-endian bytes (`fixed(2)` storage).
    case float16
    case float32, float64
    /// UTF-8 text (also ENUM and JSON annotations).
    case string
    case binary
    case fixedBinary(width: Int)
    /// Days since 1970-01-01.
    case date32
    /// Time of day; int32 storage for millis, int64 otherwise.
    case time(TimeUnit, utc: Bool)
    case timestamp(TimeUnit, utc: Bool)
    /// Decimal stored as int32, int64, or big-endian two's complement bytes.
    case decimal(precision: Int, scale: Int)
    /// Parquet INT96 (nanoseconds of day, then Julian day), 12 raw bytes.
    case int96
    case uuid
    case json
    /// A list of `element` values per slot (Parquet LIST, or a bare repeated field);
    /// `ListValues` storage.
    indirect case list(element: Field)
    /// One value per field per slot (a Parquet group without LIST/MAP annotation);
    /// `StructValues` storage.
    indirect case structure(fields: [Field])
    /// Key/value entries per slot, in file order (Parquet MAP): `ListValues` storage whose
    /// entries are a `structure` of the key and value columns, as Arrow lays maps out.
    indirect case map(key: Field, value: Field)

    /// True for types whose storage is variable-length bytes.
    public var isByteArrayLike: Bool {
        switch self {
        case .string, .binary, .json: return true
        default: return false
        }
    }

    /// True for list, struct and map types (values with child columns).
    public var isNested: Bool {
        switch self {
        case .list, .structure, .map: return true
        default: return false
        }
    }

    /// The entries' struct type of a map (key, value), as held in its `ListValues`.
    public static func mapEntries(key: Field, value: Field) -> DataType {
        .structure(fields: [key, value])
    }
}

/// A named, typed column slot of a schema.
public struct Field: Hashable, Sendable {
    public var name: String
    public var type: DataType
    public var nullable: Bool

    public init(name: String, type: DataType, nullable: Bool) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// An ordered list of fields.
public struct Schema: Hashable, Sendable {
    public var fields: [Field]

    public init(_ fields: [Field]) { self.fields = fields }

    /// Index of the field named `name` (exact match), if any.
    public func index(of name: String) -> Int? { fields.firstIndex { $0.name == name } }
}
