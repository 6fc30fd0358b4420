/// Column chunk or page statistics (`Statistics` in parquet.thrift). Values are PLAIN-encoded
/// without a length prefix; `max`/`min` are the deprecated signed-order fields.
public struct Statistics: ThriftStruct, Equatable {
    public var max: [UInt8]?
    public var min: [UInt8]?
    public var nullCount: Int64?
    public var distinctCount: Int64?
    public var maxValue: [UInt8]?
    public var minValue: [UInt8]?
    public var isMaxValueExact: Bool?
    public var isMinValueExact: Bool?

    public init(
        max: [UInt8]? = nil, min: [UInt8]? = nil, nullCount: Int64? = nil, distinctCount: Int64? = nil,
        maxValue: [UInt8]? = nil, minValue: [UInt8]? = nil,
        isMaxValueExact: Bool? = nil, isMinValueExact: Bool? = nil
    ) {
        self.max = max
        self.min = min
        self.nullCount = nullCount
        self.distinctCount = distinctCount
        self.maxValue = maxValue
        self.minValue = minValue
        self.isMaxValueExact = isMaxValueExact
        self.isMinValueExact = isMinValueExact
    }

    public init(from r: inout ThriftCompactReader) throws {
        self.init()
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .binary): max = try r.readBinary()
            case (2, .binary): min = try r.readBinary()
            case (3, .i64): nullCount = try r.readI64()
            case (4, .i64): distinctCount = try r.readI64()
            case (5, .binary): maxValue = try r.readBinary()
            case (6, .binary): minValue = try r.readBinary()
            case (7, .bool): isMaxValueExact = try r.readBool()
            case (8, .bool): isMinValueExact = try r.readBool()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, max)
        w.field(2, min)
        w.field(3, nullCount)
        w.field(4, distinctCount)
        w.field(5, maxValue)
        w.field(6, minValue)
        w.field(7, isMaxValueExact)
        w.field(8, isMinValueExact)
        w.structEnd()
    }
}
