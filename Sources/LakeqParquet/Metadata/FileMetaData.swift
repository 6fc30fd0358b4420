/// The sort order min/max statistics of a column follow (`ColumnOrder` union).
public enum ColumnOrder: ThriftStruct, Equatable {
    /// Order defined by the logical type, or the physical type when there is none.
    case typeDefinedOrder
    /// Any other order (IEEE 754 total order, INT96 order, or newer); statistics under an order
    /// a reader does not know must be ignored. Written back as an empty union.
    case unknown

    public init(from r: inout ThriftCompactReader) throws {
        self = .unknown
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            if f.id == 1 && f.type == .struct { self = .typeDefinedOrder }
            try r.skip(f.type)
        }
        r.structEnd()
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        if self == .typeDefinedOrder { w.emptyStructField(1) }
        w.structEnd()
    }
}

/// The file footer. The encryption fields are set in files with a plaintext footer whose
/// columns are encrypted (the algorithm, and the key metadata of the footer's signing key).
public struct FileMetaData: ThriftStruct, Equatable {
    public var version: Int32
    /// Depth-first flattened schema; element 0 is the root.
    public var schema: [SchemaElement]
    public var numRows: Int64
    public var rowGroups: [RowGroup]
    public var keyValueMetadata: [KeyValue]?
    public var createdBy: String?
    /// One per leaf column, in schema order.
    public var columnOrders: [ColumnOrder]?
    public var encryptionAlgorithm: EncryptionAlgorithm?
    public var footerSigningKeyMetadata: [UInt8]?

    public init(
        version: Int32, schema: [SchemaElement], numRows: Int64, rowGroups: [RowGroup],
        keyValueMetadata: [KeyValue]? = nil, createdBy: String? = nil, columnOrders: [ColumnOrder]? = nil
    ) {
        self.version = version
        self.schema = schema
        self.numRows = numRows
        self.rowGroups = rowGroups
        self.keyValueMetadata = keyValueMetadata
        self.createdBy = createdBy
        self.columnOrders = columnOrders
    }

    public init(from r: inout ThriftCompactReader) throws {
        let (f, rowGroups) = try FileMetaDataFields.read(&r) { r -> [RowGroup] in try r.readStructList() }
        self.init(
            version: f.version, schema: f.schema, numRows: f.numRows, rowGroups: rowGroups,
            keyValueMetadata: f.keyValueMetadata, createdBy: f.createdBy, columnOrders: f.columnOrders)
        encryptionAlgorithm = f.encryptionAlgorithm
        footerSigningKeyMetadata = f.footerSigningKeyMetadata
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, version)
        w.field(2, schema)
        w.field(3, numRows)
        w.field(4, rowGroups)
        w.field(5, keyValueMetadata)
        w.field(6, createdBy)
        w.field(7, columnOrders)
        w.field(8, encryptionAlgorithm)
        w.field(9, footerSigningKeyMetadata)
        w.structEnd()
    }
}

/// A `FileMetaData`'s fields besides its row groups, read by one loop for the full decoder
/// (`FileMetaData`) and the footer index (`ParquetFooter`), which differ only in how they
/// read the row groups (field 4).
struct FileMetaDataFields {
    var version: Int32
    var schema: [SchemaElement]
    var numRows: Int64
    var keyValueMetadata: [KeyValue]?
    var createdBy: String?
    var columnOrders: [ColumnOrder]?
    var encryptionAlgorithm: EncryptionAlgorithm?
    var footerSigningKeyMetadata: [UInt8]?

    /// Reads a `FileMetaData` struct; `readRowGroups` reads its row_groups list (when the
    /// field repeats, the last one wins). Version, schema, row count and row groups are required.
    /// `readSchema`, if given, reads the schema list in place of the plain decoding.
    static func read<RowGroups>(
        _ r: inout ThriftCompactReader, schema readSchema: ((inout ThriftCompactReader) throws -> [SchemaElement])? = nil,
        rowGroups readRowGroups: (inout ThriftCompactReader) throws -> RowGroups
    ) throws -> (FileMetaDataFields, RowGroups) {
        var version: Int32?, schema: [SchemaElement]?, numRows: Int64?, rowGroups: RowGroups?
        var kv: [KeyValue]?, createdBy: String?, columnOrders: [ColumnOrder]?
        var algorithm: EncryptionAlgorithm?, signingKey: [UInt8]?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i32): version = try r.readI32()
            case (2, .list): schema = try readSchema.map { try $0(&r) } ?? r.readStructList()
            case (3, .i64): numRows = try r.readI64()
            case (4, .list): rowGroups = try readRowGroups(&r)
            case (5, .list): kv = try r.readStructList()
            case (6, .binary): createdBy = try r.readString()
            case (7, .list): columnOrders = try r.readStructList()
            case (8, .struct): algorithm = try EncryptionAlgorithm(from: &r)
            case (9, .binary): signingKey = try r.readBinary()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let version else { throw missingField("FileMetaData.version") }
        guard let schema else { throw missingField("FileMetaData.schema") }
        guard let numRows else { throw missingField("FileMetaData.num_rows") }
        guard let rowGroups else { throw missingField("FileMetaData.row_groups") }
        let fields = FileMetaDataFields(
            version: version, schema: schema, numRows: numRows, keyValueMetadata: kv, createdBy: createdBy,
            columnOrders: columnOrders, encryptionAlgorithm: algorithm, footerSigningKeyMetadata: signingKey)
        return (fields, rowGroups)
    }
}

extension FileMetaDataFields {
    /// The file-level fields of a decoded footer.
    init(_ m: FileMetaData) {
        self.init(
            version: m.version, schema: m.schema, numRows: m.numRows, keyValueMetadata: m.keyValueMetadata,
            createdBy: m.createdBy, columnOrders: m.columnOrders, encryptionAlgorithm: m.encryptionAlgorithm,
            footerSigningKeyMetadata: m.footerSigningKeyMetadata)
    }
}
