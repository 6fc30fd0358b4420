/// One node of the flattened (depth-first) schema tree (`SchemaElement` in parquet.thrift).
/// Groups have `numChildren` and no `type`; leaves have a `type`.
public struct SchemaElement: ThriftStruct, Equatable {
    public var type: PhysicalType?
    public var typeLength: Int32?
    public var repetitionType: FieldRepetitionType?
    public var name: String
    public var numChildren: Int32?
    public var convertedType: ConvertedType?
    public var scale: Int32?
    public var precision: Int32?
    public var fieldId: Int32?
    public var logicalType: LogicalType?

    public init(
        type: PhysicalType? = nil, typeLength: Int32? = nil, repetitionType: FieldRepetitionType? = nil,
        name: String, numChildren: Int32? = nil, convertedType: ConvertedType? = nil,
        scale: Int32? = nil, precision: Int32? = nil, fieldId: Int32? = nil, logicalType: LogicalType? = nil
    ) {
        self.type = type
        self.typeLength = typeLength
        self.repetitionType = repetitionType
        self.name = name
        self.numChildren = numChildren
        self.convertedType = convertedType
        self.scale = scale
        self.precision = precision
        self.fieldId = fieldId
        self.logicalType = logicalType
    }

    public init(from r: inout ThriftCompactReader) throws {
        var name: String?
        self.init(name: "")
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i32):
                let raw = try r.readI32()
                guard let t = PhysicalType(rawValue: raw) else { throw ParquetError.corrupt("unknown physical type \(raw)") }
                type = t
            case (2, .i32): typeLength = try r.readI32()
            case (3, .i32):
                let raw = try r.readI32()
                guard let t = FieldRepetitionType(rawValue: raw) else {
                    throw ParquetError.corrupt("unknown repetition type \(raw)")
                }
                repetitionType = t
            case (4, .binary): name = try r.readString()
            case (5, .i32): numChildren = try r.readI32()
            case (6, .i32): convertedType = ConvertedType(rawValue: try r.readI32())
            case (7, .i32): scale = try r.readI32()
            case (8, .i32): precision = try r.readI32()
            case (9, .i32): fieldId = try r.readI32()
            case (10, .struct): logicalType = try LogicalType(from: &r)
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let name else { throw missingField("SchemaElement.name") }
        self.name = name
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, type?.rawValue)
        w.field(2, typeLength)
        w.field(3, repetitionType?.rawValue)
        w.field(4, name)
        w.field(5, numChildren)
        w.field(6, convertedType?.rawValue)
        w.field(7, scale)
        w.field(8, precision)
        w.field(9, fieldId)
        w.field(10, logicalType)
        w.structEnd()
    }
}
