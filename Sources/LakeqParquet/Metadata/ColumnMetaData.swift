/// A key/value metadata pair.
public struct KeyValue: ThriftStruct, Equatable {
    public var key: String
    public var value: String?

    public init(key: String, value: String? = nil) {
        self.key = key
        self.value = value
    }

    public init(from r: inout ThriftCompactReader) throws {
        var key: String?, value: String?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .binary): key = try r.readString()
            case (2, .binary): value = try r.readString()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let key else { throw missingField("KeyValue.key") }
        self.init(key: key, value: value)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, key)
        w.field(2, value)
        w.structEnd()
    }
}

/// How many pages of one type used one encoding in a column chunk.
public struct PageEncodingStats: ThriftStruct, Equatable {
    public var pageType: PageType
    public var encoding: Encoding
    public var count: Int32

    public init(pageType: PageType, encoding: Encoding, count: Int32) {
        self.pageType = pageType
        self.encoding = encoding
        self.count = count
    }

    public init(from r: inout ThriftCompactReader) throws {
        var pageType: PageType?, encoding: Encoding?, count: Int32?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i32): pageType = PageType(rawValue: try r.readI32())
            case (2, .i32): encoding = Encoding(rawValue: try r.readI32())
            case (3, .i32): count = try r.readI32()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let pageType else { throw missingField("PageEncodingStats.page_type") }
        guard let encoding else { throw missingField("PageEncodingStats.encoding") }
        guard let count else { throw missingField("PageEncodingStats.count") }
        self.init(pageType: pageType, encoding: encoding, count: count)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, pageType.rawValue)
        w.field(2, encoding.rawValue)
        w.field(3, count)
        w.structEnd()
    }
}

/// Metadata of one column chunk. Size statistics and geospatial statistics are not modelled and
/// are skipped on read.
public struct ColumnMetaData: ThriftStruct, Equatable {
    public var type: PhysicalType
    public var encodings: [Encoding]
    public var pathInSchema: [String]
    public var codec: CompressionCodec
    public var numValues: Int64
    public var totalUncompressedSize: Int64
    public var totalCompressedSize: Int64
    public var keyValueMetadata: [KeyValue]?
    public var dataPageOffset: Int64
    public var indexPageOffset: Int64?
    public var dictionaryPageOffset: Int64?
    public var statistics: Statistics?
    public var encodingStats: [PageEncodingStats]?
    public var bloomFilterOffset: Int64?
    public var bloomFilterLength: Int32?

    public init(
        type: PhysicalType, encodings: [Encoding], pathInSchema: [String], codec: CompressionCodec,
        numValues: Int64, totalUncompressedSize: Int64, totalCompressedSize: Int64,
        keyValueMetadata: [KeyValue]? = nil, dataPageOffset: Int64, indexPageOffset: Int64? = nil,
        dictionaryPageOffset: Int64? = nil, statistics: Statistics? = nil,
        encodingStats: [PageEncodingStats]? = nil, bloomFilterOffset: Int64? = nil, bloomFilterLength: Int32? = nil
    ) {
        self.type = type
        self.encodings = encodings
        self.pathInSchema = pathInSchema
        self.codec = codec
        self.numValues = numValues
        self.totalUncompressedSize = totalUncompressedSize
        self.totalCompressedSize = totalCompressedSize
        self.keyValueMetadata = keyValueMetadata
        self.dataPageOffset = dataPageOffset
        self.indexPageOffset = indexPageOffset
        self.dictionaryPageOffset = dictionaryPageOffset
        self.statistics = statistics
        self.encodingStats = encodingStats
        self.bloomFilterOffset = bloomFilterOffset
        self.bloomFilterLength = bloomFilterLength
    }

    public init(from r: inout ThriftCompactReader) throws {
        var type: PhysicalType?, encodings: [Encoding]?, path: [String]?, codec: CompressionCodec?
        var numValues: Int64?, uncompressed: Int64?, compressed: Int64?, dataPageOffset: Int64?
        var kv: [KeyValue]?, indexPageOffset: Int64?, dictionaryPageOffset: Int64?, statistics: Statistics?
        var encodingStats: [PageEncodingStats]?, bloomOffset: Int64?, bloomLength: Int32?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i32):
                let raw = try r.readI32()
                guard let t = PhysicalType(rawValue: raw) else { throw ParquetError.corrupt("unknown physical type \(raw)") }
                type = t
            case (2, .list): encodings = try r.readList(of: .i32) { Encoding(rawValue: try $0.readI32()) }
            case (3, .list): path = try r.readStringList()
            case (4, .i32): codec = CompressionCodec(rawValue: try r.readI32())
            case (5, .i64): numValues = try r.readI64()
            case (6, .i64): uncompressed = try r.readI64()
            case (7, .i64): compressed = try r.readI64()
            case (8, .list): kv = try r.readStructList()
            case (9, .i64): dataPageOffset = try r.readI64()
            case (10, .i64): indexPageOffset = try r.readI64()
            case (11, .i64): dictionaryPageOffset = try r.readI64()
            case (12, .struct): statistics = try Statistics(from: &r)
            case (13, .list): encodingStats = try r.readStructList()
            case (14, .i64): bloomOffset = try r.readI64()
            case (15, .i32): bloomLength = try r.readI32()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let type else { throw missingField("ColumnMetaData.type") }
        guard let encodings else { throw missingField("ColumnMetaData.encodings") }
        guard let path else { throw missingField("ColumnMetaData.path_in_schema") }
        guard let codec else { throw missingField("ColumnMetaData.codec") }
        guard let numValues else { throw missingField("ColumnMetaData.num_values") }
        guard let uncompressed else { throw missingField("ColumnMetaData.total_uncompressed_size") }
        guard let compressed else { throw missingField("ColumnMetaData.total_compressed_size") }
        guard let dataPageOffset else { throw missingField("ColumnMetaData.data_page_offset") }
        self.init(
            type: type, encodings: encodings, pathInSchema: path, codec: codec, numValues: numValues,
            totalUncompressedSize: uncompressed, totalCompressedSize: compressed, keyValueMetadata: kv,
            dataPageOffset: dataPageOffset, indexPageOffset: indexPageOffset,
            dictionaryPageOffset: dictionaryPageOffset, statistics: statistics, encodingStats: encodingStats,
            bloomFilterOffset: bloomOffset, bloomFilterLength: bloomLength)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, type.rawValue)
        w.writeFieldHeader(id: 2, type: .list)
        w.writeList(.i32, encodings) { w, e in w.writeI32(e.rawValue) }
        w.field(3, pathInSchema)
        w.field(4, codec.rawValue)
        w.field(5, numValues)
        w.field(6, totalUncompressedSize)
        w.field(7, totalCompressedSize)
        w.field(8, keyValueMetadata)
        w.field(9, dataPageOffset)
        w.field(10, indexPageOffset)
        w.field(11, dictionaryPageOffset)
        w.field(12, statistics)
        w.field(13, encodingStats)
        w.field(14, bloomFilterOffset)
        w.field(15, bloomFilterLength)
        w.structEnd()
    }
}
