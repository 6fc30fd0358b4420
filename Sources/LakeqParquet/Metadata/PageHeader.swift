/// Header of a v1 data page (`DataPageHeader` in parquet.thrift).
public struct DataPageHeader: ThriftStruct, Equatable {
    public var numValues: Int32
    public var encoding: Encoding
    public var definitionLevelEncoding: Encoding
    public var repetitionLevelEncoding: Encoding
    public var statistics: Statistics?

    public init(
        numValues: Int32, encoding: Encoding, definitionLevelEncoding: Encoding,
        repetitionLevelEncoding: Encoding, statistics: Statistics? = nil
    ) {
        self.numValues = numValues
        self.encoding = encoding
        self.definitionLevelEncoding = definitionLevelEncoding
        self.repetitionLevelEncoding = repetitionLevelEncoding
        self.statistics = statistics
    }

    public init(from r: inout ThriftCompactReader) throws {
        var numValues: Int32?, encoding: Encoding?, defEncoding: Encoding?, repEncoding: Encoding?
        var statistics: Statistics?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i32): numValues = try r.readI32()
            case (2, .i32): encoding = Encoding(rawValue: try r.readI32())
            case (3, .i32): defEncoding = Encoding(rawValue: try r.readI32())
            case (4, .i32): repEncoding = Encoding(rawValue: try r.readI32())
            case (5, .struct): statistics = try Statistics(from: &r)
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let numValues else { throw missingField("DataPageHeader.num_values") }
        guard let encoding else { throw missingField("DataPageHeader.encoding") }
        guard let defEncoding else { throw missingField("DataPageHeader.definition_level_encoding") }
        guard let repEncoding else { throw missingField("DataPageHeader.repetition_level_encoding") }
        self.init(
            numValues: numValues, encoding: encoding, definitionLevelEncoding: defEncoding,
            repetitionLevelEncoding: repEncoding, statistics: statistics)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, numValues)
        w.field(2, encoding.rawValue)
        w.field(3, definitionLevelEncoding.rawValue)
        w.field(4, repetitionLevelEncoding.rawValue)
        w.field(5, statistics)
        w.structEnd()
    }
}

/// Header of a v2 data page, whose levels are stored uncompressed ahead of the values.
public struct DataPageHeaderV2: ThriftStruct, Equatable {
    public var numValues: Int32
    public var numNulls: Int32
    public var numRows: Int32
    public var encoding: Encoding
    public var definitionLevelsByteLength: Int32
    public var repetitionLevelsByteLength: Int32
    /// Whether the values section is compressed; the spec's default when absent is true.
    public var isCompressed: Bool
    public var statistics: Statistics?

    public init(
        numValues: Int32, numNulls: Int32, numRows: Int32, encoding: Encoding,
        definitionLevelsByteLength: Int32, repetitionLevelsByteLength: Int32,
        isCompressed: Bool = true, statistics: Statistics? = nil
    ) {
        self.numValues = numValues
        self.numNulls = numNulls
        self.numRows = numRows
        self.encoding = encoding
        self.definitionLevelsByteLength = definitionLevelsByteLength
        self.repetitionLevelsByteLength = repetitionLevelsByteLength
        self.isCompressed = isCompressed
        self.statistics = statistics
    }

    public init(from r: inout ThriftCompactReader) throws {
        var numValues: Int32?, numNulls: Int32?, numRows: Int32?, encoding: Encoding?
        var defLength: Int32?, repLength: Int32?
        var isCompressed = true
        var statistics: Statistics?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i32): numValues = try r.readI32()
            case (2, .i32): numNulls = try r.readI32()
            case (3, .i32): numRows = try r.readI32()
            case (4, .i32): encoding = Encoding(rawValue: try r.readI32())
            case (5, .i32): defLength = try r.readI32()
            case (6, .i32): repLength = try r.readI32()
            case (7, .bool): isCompressed = try r.readBool()
            case (8, .struct): statistics = try Statistics(from: &r)
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let numValues else { throw missingField("DataPageHeaderV2.num_values") }
        guard let numNulls else { throw missingField("DataPageHeaderV2.num_nulls") }
        guard let numRows else { throw missingField("DataPageHeaderV2.num_rows") }
        guard let encoding else { throw missingField("DataPageHeaderV2.encoding") }
        guard let defLength else { throw missingField("DataPageHeaderV2.definition_levels_byte_length") }
        guard let repLength else { throw missingField("DataPageHeaderV2.repetition_levels_byte_length") }
        self.init(
            numValues: numValues, numNulls: numNulls, numRows: numRows, encoding: encoding,
            definitionLevelsByteLength: defLength, repetitionLevelsByteLength: repLength,
            isCompressed: isCompressed, statistics: statistics)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, numValues)
        w.field(2, numNulls)
        w.field(3, numRows)
        w.field(4, encoding.rawValue)
        w.field(5, definitionLevelsByteLength)
        w.field(6, repetitionLevelsByteLength)
        w.field(7, isCompressed)
        w.field(8, statistics)
        w.structEnd()
    }
}

/// Header of a dictionary page.
public struct DictionaryPageHeader: ThriftStruct, Equatable {
    public var numValues: Int32
    public var encoding: Encoding
    public var isSorted: Bool?

    public init(numValues: Int32, encoding: Encoding, isSorted: Bool? = nil) {
        self.numValues = numValues
        self.encoding = encoding
        self.isSorted = isSorted
    }

    public init(from r: inout ThriftCompactReader) throws {
        var numValues: Int32?, encoding: Encoding?, isSorted: Bool?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i32): numValues = try r.readI32()
            case (2, .i32): encoding = Encoding(rawValue: try r.readI32())
            case (3, .bool): isSorted = try r.readBool()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let numValues else { throw missingField("DictionaryPageHeader.num_values") }
        guard let encoding else { throw missingField("DictionaryPageHeader.encoding") }
        self.init(numValues: numValues, encoding: encoding, isSorted: isSorted)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, numValues)
        w.field(2, encoding.rawValue)
        w.field(3, isSorted)
        w.structEnd()
    }
}

/// Header of an index page; the format defines no fields for it.
public struct IndexPageHeader: ThriftStruct, Equatable {
    public init() {}

    public init(from r: inout ThriftCompactReader) throws {
        try r.skipStruct()
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.structEnd()
    }
}

/// The header before every page in a column chunk; `type` says which sub-header is set.
public struct PageHeader: ThriftStruct, Equatable {
    public var type: PageType
    public var uncompressedPageSize: Int32
    public var compressedPageSize: Int32
    public var crc: Int32?
    public var dataPageHeader: DataPageHeader?
    public var indexPageHeader: IndexPageHeader?
    public var dictionaryPageHeader: DictionaryPageHeader?
    public var dataPageHeaderV2: DataPageHeaderV2?

    public init(
        type: PageType, uncompressedPageSize: Int32, compressedPageSize: Int32, crc: Int32? = nil,
        dataPageHeader: DataPageHeader? = nil, indexPageHeader: IndexPageHeader? = nil,
        dictionaryPageHeader: DictionaryPageHeader? = nil, dataPageHeaderV2: DataPageHeaderV2? = nil
    ) {
        self.type = type
        self.uncompressedPageSize = uncompressedPageSize
        self.compressedPageSize = compressedPageSize
        self.crc = crc
        self.dataPageHeader = dataPageHeader
        self.indexPageHeader = indexPageHeader
        self.dictionaryPageHeader = dictionaryPageHeader
        self.dataPageHeaderV2 = dataPageHeaderV2
    }

    public init(from r: inout ThriftCompactReader) throws {
        var type: PageType?, uncompressed: Int32?, compressed: Int32?, crc: Int32?
        var v1: DataPageHeader?, index: IndexPageHeader?, dictionary: DictionaryPageHeader?, v2: DataPageHeaderV2?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i32): type = PageType(rawValue: try r.readI32())
            case (2, .i32): uncompressed = try r.readI32()
            case (3, .i32): compressed = try r.readI32()
            case (4, .i32): crc = try r.readI32()
            case (5, .struct): v1 = try DataPageHeader(from: &r)
            case (6, .struct): index = try IndexPageHeader(from: &r)
            case (7, .struct): dictionary = try DictionaryPageHeader(from: &r)
            case (8, .struct): v2 = try DataPageHeaderV2(from: &r)
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let type else { throw missingField("PageHeader.type") }
        guard let uncompressed else { throw missingField("PageHeader.uncompressed_page_size") }
        guard let compressed else { throw missingField("PageHeader.compressed_page_size") }
        self.init(
            type: type, uncompressedPageSize: uncompressed, compressedPageSize: compressed, crc: crc,
            dataPageHeader: v1, indexPageHeader: index, dictionaryPageHeader: dictionary, dataPageHeaderV2: v2)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, type.rawValue)
        w.field(2, uncompressedPageSize)
        w.field(3, compressedPageSize)
        w.field(4, crc)
        w.field(5, dataPageHeader)
        w.field(6, indexPageHeader)
        w.field(7, dictionaryPageHeader)
        w.field(8, dataPageHeaderV2)
        w.structEnd()
    }
}
