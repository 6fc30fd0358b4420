/// One column's chunk within a row group. Encryption fields are not modelled and are skipped.
public struct ColumnChunk: ThriftStruct, Equatable {
    public var filePath: String?
    /// Deprecated; the IDL gives it a default of 0, so a missing value decodes as 0.
    public var fileOffset: Int64
    public var metaData: ColumnMetaData?
    public var offsetIndexOffset: Int64?
    public var offsetIndexLength: Int32?
    public var columnIndexOffset: Int64?
    public var columnIndexLength: Int32?
    /// How the chunk is encrypted (footer key or its own key), if it is.
    public var cryptoMetadata: ColumnCryptoMetaData?
    /// The chunk's ColumnMetaData encrypted with its key (a module with length, nonce and tag).
    public var encryptedColumnMetadata: [UInt8]?

    public init(
        filePath: String? = nil, fileOffset: Int64 = 0, metaData: ColumnMetaData? = nil,
        offsetIndexOffset: Int64? = nil, offsetIndexLength: Int32? = nil,
        columnIndexOffset: Int64? = nil, columnIndexLength: Int32? = nil
    ) {
        self.filePath = filePath
        self.fileOffset = fileOffset
        self.metaData = metaData
        self.offsetIndexOffset = offsetIndexOffset
        self.offsetIndexLength = offsetIndexLength
        self.columnIndexOffset = columnIndexOffset
        self.columnIndexLength = columnIndexLength
    }

    public init(from r: inout ThriftCompactReader) throws {
        self.init()
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .binary): filePath = try r.readString()
            case (2, .i64): fileOffset = try r.readI64()
            case (3, .struct): metaData = try ColumnMetaData(from: &r)
            case (4, .i64): offsetIndexOffset = try r.readI64()
            case (5, .i32): offsetIndexLength = try r.readI32()
            case (6, .i64): columnIndexOffset = try r.readI64()
            case (7, .i32): columnIndexLength = try r.readI32()
            case (8, .struct): cryptoMetadata = try ColumnCryptoMetaData(from: &r)
            case (9, .binary): encryptedColumnMetadata = try r.readBinary()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, filePath)
        w.field(2, fileOffset)
        w.field(3, metaData)
        w.field(4, offsetIndexOffset)
        w.field(5, offsetIndexLength)
        w.field(6, columnIndexOffset)
        w.field(7, columnIndexLength)
        w.field(8, cryptoMetadata)
        w.field(9, encryptedColumnMetadata)
        w.structEnd()
    }
}

/// A sort order that a row group's rows follow.
public struct SortingColumn: ThriftStruct, Equatable {
    public var columnIdx: Int32
    public var descending: Bool
    public var nullsFirst: Bool

    public init(columnIdx: Int32, descending: Bool, nullsFirst: Bool) {
        self.columnIdx = columnIdx
        self.descending = descending
        self.nullsFirst = nullsFirst
    }

    public init(from r: inout ThriftCompactReader) throws {
        var columnIdx: Int32?, descending: Bool?, nullsFirst: Bool?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i32): columnIdx = try r.readI32()
            case (2, .bool): descending = try r.readBool()
            case (3, .bool): nullsFirst = try r.readBool()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let columnIdx else { throw missingField("SortingColumn.column_idx") }
        guard let descending else { throw missingField("SortingColumn.descending") }
        guard let nullsFirst else { throw missingField("SortingColumn.nulls_first") }
        self.init(columnIdx: columnIdx, descending: descending, nullsFirst: nullsFirst)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, columnIdx)
        w.field(2, descending)
        w.field(3, nullsFirst)
        w.structEnd()
    }
}

/// A horizontal slice of the file: one chunk per leaf column.
public struct RowGroup: ThriftStruct, Equatable {
    public var columns: [ColumnChunk]
    public var totalByteSize: Int64
    public var numRows: Int64
    public var sortingColumns: [SortingColumn]?
    public var fileOffset: Int64?
    public var totalCompressedSize: Int64?
    public var ordinal: Int16?

    public init(
        columns: [ColumnChunk], totalByteSize: Int64, numRows: Int64, sortingColumns: [SortingColumn]? = nil,
        fileOffset: Int64? = nil, totalCompressedSize: Int64? = nil, ordinal: Int16? = nil
    ) {
        self.columns = columns
        self.totalByteSize = totalByteSize
        self.numRows = numRows
        self.sortingColumns = sortingColumns
        self.fileOffset = fileOffset
        self.totalCompressedSize = totalCompressedSize
        self.ordinal = ordinal
    }

    public init(from r: inout ThriftCompactReader) throws {
        var columns: [ColumnChunk]?, totalByteSize: Int64?, numRows: Int64?
        var sorting: [SortingColumn]?, fileOffset: Int64?, totalCompressed: Int64?, ordinal: Int16?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .list): columns = try r.readStructList()
            case (2, .i64): totalByteSize = try r.readI64()
            case (3, .i64): numRows = try r.readI64()
            case (4, .list): sorting = try r.readStructList()
            case (5, .i64): fileOffset = try r.readI64()
            case (6, .i64): totalCompressed = try r.readI64()
            case (7, .i16): ordinal = try r.readI16()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let columns else { throw missingField("RowGroup.columns") }
        guard let totalByteSize else { throw missingField("RowGroup.total_byte_size") }
        guard let numRows else { throw missingField("RowGroup.num_rows") }
        self.init(
            columns: columns, totalByteSize: totalByteSize, numRows: numRows, sortingColumns: sorting,
            fileOffset: fileOffset, totalCompressedSize: totalCompressed, ordinal: ordinal)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, columns)
        w.field(2, totalByteSize)
        w.field(3, numRows)
        w.field(4, sortingColumns)
        w.field(5, fileOffset)
        w.field(6, totalCompressedSize)
        w.field(7, ordinal)
        w.structEnd()
    }
}
