/// Unit of a TIME or TIMESTAMP logical type (`TimeUnit` union in parquet.thrift).
public enum LogicalTimeUnit: Sendable, Hashable {
    case millis, micros, nanos

    fileprivate var fieldId: Int16 {
        switch self {
        case .millis: return 1
        case .micros: return 2
        case .nanos: return 3
        }
    }
}

/// The `LogicalType` union from parquet.thrift.
///
/// Members lakeq does not model (VARIANT, GEOMETRY, ... or ones newer than this code) decode as
/// `.other(fieldId:)` so a reader can fall back to the physical type instead of failing.
public enum LogicalType: Sendable, Hashable {
    case string
    case map
    case list
    case enum_
    case decimal(scale: Int32, precision: Int32)
    case date
    case time(isAdjustedToUTC: Bool, unit: LogicalTimeUnit)
    case timestamp(isAdjustedToUTC: Bool, unit: LogicalTimeUnit)
    case integer(bitWidth: Int8, isSigned: Bool)
    /// `NullType`: the column only holds nulls.
    case unknown
    case json
    case bson
    case uuid
    case float16
    /// A union member not modelled here; its body is skipped (and written back empty).
    case other(fieldId: Int16)
}

extension LogicalType: ThriftStruct {
    public init(from r: inout ThriftCompactReader) throws {
        try r.structBegin()
        guard let f = try r.readFieldHeader() else { throw ParquetError.corrupt("thrift: empty LogicalType union") }
        switch (f.id, f.type) {
        case (1, .struct): try r.skipStruct(); self = .string
        case (2, .struct): try r.skipStruct(); self = .map
        case (3, .struct): try r.skipStruct(); self = .list
        case (4, .struct): try r.skipStruct(); self = .enum_
        case (5, .struct): self = try Self.readDecimal(&r)
        case (6, .struct): try r.skipStruct(); self = .date
        case (7, .struct):
            let (utc, unit) = try Self.readTime(&r, "TimeType")
            self = unit.map { .time(isAdjustedToUTC: utc, unit: $0) } ?? .other(fieldId: 7)
        case (8, .struct):
            let (utc, unit) = try Self.readTime(&r, "TimestampType")
            self = unit.map { .timestamp(isAdjustedToUTC: utc, unit: $0) } ?? .other(fieldId: 8)
        case (10, .struct): self = try Self.readInteger(&r)
        case (11, .struct): try r.skipStruct(); self = .unknown
        case (12, .struct): try r.skipStruct(); self = .json
        case (13, .struct): try r.skipStruct(); self = .bson
        case (14, .struct): try r.skipStruct(); self = .uuid
        case (15, .struct): try r.skipStruct(); self = .float16
        default: try r.skip(f.type); self = .other(fieldId: f.id)
        }
        // A well-formed union has one member; tolerate (ignore) extras.
        while let extra = try r.readFieldHeader() { try r.skip(extra.type) }
        r.structEnd()
    }

    private static func readDecimal(_ r: inout ThriftCompactReader) throws -> LogicalType {
        var scale: Int32?, precision: Int32?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i32): scale = try r.readI32()
            case (2, .i32): precision = try r.readI32()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let scale else { throw missingField("DecimalType.scale") }
        guard let precision else { throw missingField("DecimalType.precision") }
        return .decimal(scale: scale, precision: precision)
    }

    /// Returns a nil unit for a TimeUnit member newer than this code.
    private static func readTime(_ r: inout ThriftCompactReader, _ name: String) throws -> (Bool, LogicalTimeUnit?) {
        var utc: Bool?, unit: LogicalTimeUnit??
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .bool): utc = try r.readBool()
            case (2, .struct): unit = try readTimeUnit(&r)
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let utc else { throw missingField("\(name).isAdjustedToUTC") }
        guard let unit else { throw missingField("\(name).unit") }
        return (utc, unit)
    }

    private static func readTimeUnit(_ r: inout ThriftCompactReader) throws -> LogicalTimeUnit? {
        var unit: LogicalTimeUnit?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .struct): unit = .millis
            case (2, .struct): unit = .micros
            case (3, .struct): unit = .nanos
            default: break
            }
            try r.skip(f.type)
        }
        r.structEnd()
        return unit
    }

    private static func readInteger(_ r: inout ThriftCompactReader) throws -> LogicalType {
        var bitWidth: Int8?, isSigned: Bool?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i8): bitWidth = try r.readI8()
            case (2, .bool): isSigned = try r.readBool()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let bitWidth else { throw missingField("IntType.bitWidth") }
        guard let isSigned else { throw missingField("IntType.isSigned") }
        return .integer(bitWidth: bitWidth, isSigned: isSigned)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        switch self {
        case .string: w.emptyStructField(1)
        case .map: w.emptyStructField(2)
        case .list: w.emptyStructField(3)
        case .enum_: w.emptyStructField(4)
        case .decimal(let scale, let precision):
            w.writeFieldHeader(id: 5, type: .struct)
            w.structBegin()
            w.field(1, scale)
            w.field(2, precision)
            w.structEnd()
        case .date: w.emptyStructField(6)
        case .time(let utc, let unit): Self.writeTime(&w, id: 7, utc: utc, unit: unit)
        case .timestamp(let utc, let unit): Self.writeTime(&w, id: 8, utc: utc, unit: unit)
        case .integer(let bitWidth, let isSigned):
            w.writeFieldHeader(id: 10, type: .struct)
            w.structBegin()
            w.field(1, bitWidth)
            w.field(2, isSigned)
            w.structEnd()
        case .unknown: w.emptyStructField(11)
        case .json: w.emptyStructField(12)
        case .bson: w.emptyStructField(13)
        case .uuid: w.emptyStructField(14)
        case .float16: w.emptyStructField(15)
        case .other(let id): w.emptyStructField(id)
        }
        w.structEnd()
    }

    private static func writeTime(_ w: inout ThriftCompactWriter, id: Int16, utc: Bool, unit: LogicalTimeUnit) {
        w.writeFieldHeader(id: id, type: .struct)
        w.structBegin()
        w.field(1, utc)
        w.writeFieldHeader(id: 2, type: .struct)
        w.structBegin()
        w.emptyStructField(unit.fieldId)
        w.structEnd()
        w.structEnd()
    }
}
