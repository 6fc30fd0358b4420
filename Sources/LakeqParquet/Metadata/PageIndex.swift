/// Where one data page lives (`PageLocation`, part of the offset index).
public struct PageLocation: ThriftStruct, Equatable {
    public var offset: Int64
    /// Size of the page including its header.
    public var compressedPageSize: Int32
    public var firstRowIndex: Int64

    public init(offset: Int64, compressedPageSize: Int32, firstRowIndex: Int64) {
        self.offset = offset
        self.compressedPageSize = compressedPageSize
        self.firstRowIndex = firstRowIndex
    }

    public init(from r: inout ThriftCompactReader) throws {
        var offset: Int64?, size: Int32?, firstRow: Int64?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i64): offset = try r.readI64()
            case (2, .i32): size = try r.readI32()
            case (3, .i64): firstRow = try r.readI64()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let offset else { throw missingField("PageLocation.offset") }
        guard let size else { throw missingField("PageLocation.compressed_page_size") }
        guard let firstRow else { throw missingField("PageLocation.first_row_index") }
        self.init(offset: offset, compressedPageSize: size, firstRowIndex: firstRow)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, offset)
        w.field(2, compressedPageSize)
        w.field(3, firstRowIndex)
        w.structEnd()
    }
}

/// Page locations of a column chunk, for seeking to the pages that hold given rows.
public struct OffsetIndex: ThriftStruct, Equatable {
    public var pageLocations: [PageLocation]
    public var unencodedByteArrayDataBytes: [Int64]?

    public init(pageLocations: [PageLocation], unencodedByteArrayDataBytes: [Int64]? = nil) {
        self.pageLocations = pageLocations
        self.unencodedByteArrayDataBytes = unencodedByteArrayDataBytes
    }

    public init(from r: inout ThriftCompactReader) throws {
        var locations: [PageLocation]?, unencoded: [Int64]?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .list): locations = try r.readStructList()
            case (2, .list): unencoded = try r.readI64List()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let locations else { throw missingField("OffsetIndex.page_locations") }
        self.init(pageLocations: locations, unencodedByteArrayDataBytes: unencoded)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, pageLocations)
        w.field(2, unencodedByteArrayDataBytes)
        w.structEnd()
    }
}

/// Per-page min/max bounds of a column chunk, for skipping pages by predicate. Entry i of each
/// list describes page i of the matching `OffsetIndex`; bounds of all-null pages are empty.
public struct ColumnIndex: ThriftStruct, Equatable {
    public var nullPages: [Bool]
    public var minValues: [[UInt8]]
    public var maxValues: [[UInt8]]
    public var boundaryOrder: BoundaryOrder
    public var nullCounts: [Int64]?

    public init(
        nullPages: [Bool], minValues: [[UInt8]], maxValues: [[UInt8]], boundaryOrder: BoundaryOrder,
        nullCounts: [Int64]? = nil
    ) {
        self.nullPages = nullPages
        self.minValues = minValues
        self.maxValues = maxValues
        self.boundaryOrder = boundaryOrder
        self.nullCounts = nullCounts
    }

    public init(from r: inout ThriftCompactReader) throws {
        var nullPages: [Bool]?, minValues: [[UInt8]]?, maxValues: [[UInt8]]?
        var order: BoundaryOrder?, nullCounts: [Int64]?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .list): nullPages = try r.readList(of: .bool) { try $0.readBool() }
            case (2, .list): minValues = try r.readBinaryList()
            case (3, .list): maxValues = try r.readBinaryList()
            case (4, .i32): order = BoundaryOrder(rawValue: try r.readI32())
            case (5, .list): nullCounts = try r.readI64List()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let nullPages else { throw missingField("ColumnIndex.null_pages") }
        guard let minValues else { throw missingField("ColumnIndex.min_values") }
        guard let maxValues else { throw missingField("ColumnIndex.max_values") }
        guard let order else { throw missingField("ColumnIndex.boundary_order") }
        self.init(
            nullPages: nullPages, minValues: minValues, maxValues: maxValues, boundaryOrder: order,
            nullCounts: nullCounts)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, nullPages)
        w.field(2, minValues)
        w.field(3, maxValues)
        w.field(4, boundaryOrder.rawValue)
        w.field(5, nullCounts)
        w.structEnd()
    }
}
