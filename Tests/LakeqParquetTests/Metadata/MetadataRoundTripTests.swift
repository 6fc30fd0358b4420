import Testing
@testable import LakeqParquet

private func roundTrip<T: ThriftStruct & Equatable>(_ value: T) throws {
    let bytes = value.serialized()
    let (back, n) = try T.decode(bytes)
    #expect(back == value)
    #expect(n == bytes.count)
}

private let fullStats = Statistics(
    max: [9], min: [1], nullCount: 3, distinctCount: 7, maxValue: [0xff, 0], minValue: [],
    isMaxValueExact: true, isMinValueExact: false)

/// A footer exercising every modelled field and every LogicalType case.
func sampleFileMetaData() -> FileMetaData {
    let logicalTypes: [LogicalType?] = [
        nil, .string, .map, .list, .enum_, .decimal(scale: 2, precision: 9), .date,
        .time(isAdjustedToUTC: true, unit: .millis), .time(isAdjustedToUTC: false, unit: .nanos),
        .timestamp(isAdjustedToUTC: false, unit: .micros), .timestamp(isAdjustedToUTC: true, unit: .nanos),
        .integer(bitWidth: 8, isSigned: false), .integer(bitWidth: 64, isSigned: true),
        .unknown, .json, .bson, .uuid, .float16, .other(fieldId: 16), .other(fieldId: 300),
    ]
    var schema = [SchemaElement(name: "root", numChildren: Int32(logicalTypes.count))]
    for (i, lt) in logicalTypes.enumerated() {
        schema.append(
            SchemaElement(
                type: PhysicalType.allCases[i % PhysicalType.allCases.count], typeLength: i % 3 == 0 ? 16 : nil,
                repetitionType: [.required, .optional, .repeated][i % 3], name: "c\(i)",
                convertedType: i % 2 == 0 ? ConvertedType(rawValue: Int32(i)) : nil, scale: i == 5 ? 2 : nil,
                precision: i == 5 ? 9 : nil, fieldId: Int32(i) - 3, logicalType: lt))
    }
    let meta = ColumnMetaData(
        type: .byteArray, encodings: [.plain, .rleDictionary, Encoding(rawValue: 99)],
        pathInSchema: ["a", "b"], codec: .zstd, numValues: 1 << 40, totalUncompressedSize: 123_456_789_012,
        totalCompressedSize: 5, keyValueMetadata: [KeyValue(key: "k", value: "v"), KeyValue(key: "only-key")],
        dataPageOffset: 4, indexPageOffset: 100, dictionaryPageOffset: 4, statistics: fullStats,
        encodingStats: [
            PageEncodingStats(pageType: .dictionaryPage, encoding: .plain, count: 1),
            PageEncodingStats(pageType: .dataPage, encoding: .rleDictionary, count: 20),
        ],
        bloomFilterOffset: 9_000, bloomFilterLength: 1024)
    let chunk = ColumnChunk(
        filePath: "other.parquet", fileOffset: 77, metaData: meta, offsetIndexOffset: 1_000,
        offsetIndexLength: 40, columnIndexOffset: 1_040, columnIndexLength: 60)
    let rowGroups = [
        RowGroup(
            columns: [chunk, ColumnChunk(metaData: meta)], totalByteSize: 999, numRows: 10,
            sortingColumns: [
                SortingColumn(columnIdx: 0, descending: true, nullsFirst: false),
                SortingColumn(columnIdx: 1, descending: false, nullsFirst: true),
            ],
            fileOffset: 4, totalCompressedSize: 500, ordinal: 0),
        RowGroup(columns: [], totalByteSize: 0, numRows: 0, ordinal: 1),
    ]
    return FileMetaData(
        version: 2, schema: schema, numRows: 10, rowGroups: rowGroups,
        keyValueMetadata: [KeyValue(key: "ARROW:schema", value: "…")], createdBy: "lakeq tests",
        columnOrders: [.typeDefinedOrder, .unknown])
}

@Suite struct MetadataRoundTripTests {
    @Test func fileMetaData() throws {
        try roundTrip(sampleFileMetaData())
        try roundTrip(FileMetaData(version: 1, schema: [SchemaElement(name: "")], numRows: 0, rowGroups: []))
    }

    @Test func pageHeadersOfEveryType() throws {
        try roundTrip(
            PageHeader(
                type: .dataPage, uncompressedPageSize: 100, compressedPageSize: 80, crc: -12345,
                dataPageHeader: DataPageHeader(
                    numValues: 10, encoding: .plain, definitionLevelEncoding: .rle,
                    repetitionLevelEncoding: .bitPacked, statistics: fullStats)))
        try roundTrip(
            PageHeader(
                type: .dataPage, uncompressedPageSize: 0, compressedPageSize: 0,
                dataPageHeader: DataPageHeader(
                    numValues: 0, encoding: .plain, definitionLevelEncoding: .rle, repetitionLevelEncoding: .rle)))
        try roundTrip(
            PageHeader(type: .indexPage, uncompressedPageSize: 1, compressedPageSize: 1, indexPageHeader: IndexPageHeader()))
        try roundTrip(
            PageHeader(
                type: .dictionaryPage, uncompressedPageSize: 64, compressedPageSize: 32,
                dictionaryPageHeader: DictionaryPageHeader(numValues: 8, encoding: .plainDictionary, isSorted: true)))
        for compressed in [true, false] {
            try roundTrip(
                PageHeader(
                    type: .dataPageV2, uncompressedPageSize: .max, compressedPageSize: 7, crc: .min,
                    dataPageHeaderV2: DataPageHeaderV2(
                        numValues: 5, numNulls: 1, numRows: 5, encoding: .deltaBinaryPacked,
                        definitionLevelsByteLength: 2, repetitionLevelsByteLength: 0, isCompressed: compressed,
                        statistics: Statistics(nullCount: 1))))
        }
        try roundTrip(PageHeader(type: PageType(rawValue: 42), uncompressedPageSize: 1, compressedPageSize: 1))
    }

    @Test func dataPageV2IsCompressedDefaultsToTrue() throws {
        var w = ThriftCompactWriter()
        w.structBegin()
        for id: Int16 in 1...6 {
            w.writeFieldHeader(id: id, type: .i32)
            w.writeI32(0)
        }
        w.structEnd()
        #expect(try DataPageHeaderV2.decode(w.bytes).value.isCompressed)
    }

    @Test func pageIndex() throws {
        try roundTrip(
            ColumnIndex(
                nullPages: [false, true, false] + Array(repeating: false, count: 20),
                minValues: [[1], [], [3]] + Array(repeating: [0xaa], count: 20),
                maxValues: [[2], [], [4]] + Array(repeating: [0xbb, 0xcc], count: 20),
                boundaryOrder: .ascending, nullCounts: [0, 5, 0] + Array(repeating: 0, count: 20)))
        try roundTrip(ColumnIndex(nullPages: [], minValues: [], maxValues: [], boundaryOrder: .unordered))
        try roundTrip(
            OffsetIndex(
                pageLocations: (0..<40).map {
                    PageLocation(offset: Int64($0) * 1_000 + 4, compressedPageSize: 990, firstRowIndex: Int64($0) * 50)
                },
                unencodedByteArrayDataBytes: [1, 2, 3]))
        try roundTrip(OffsetIndex(pageLocations: []))
    }

    @Test func missingRequiredFieldsThrow() throws {
        // An empty struct lacks every required field.
        let empty: [UInt8] = [0]
        #expect(throws: ParquetError.self) { try FileMetaData.decode(empty) }
        #expect(throws: ParquetError.self) { try PageHeader.decode(empty) }
        #expect(throws: ParquetError.self) { try ColumnIndex.decode(empty) }
        #expect(throws: ParquetError.self) { try OffsetIndex.decode(empty) }
        #expect(throws: ParquetError.self) { try SchemaElement.decode(empty) }
        #expect(throws: ParquetError.self) { try LogicalType.decode(empty) }
        // Statistics has no required fields; ColumnChunk's file_offset defaults to 0.
        #expect(try Statistics.decode(empty).value == Statistics())
        #expect(try ColumnChunk.decode(empty).value == ColumnChunk())

        // A physical type outside the closed enum is corrupt.
        var w = ThriftCompactWriter()
        w.structBegin()
        w.field(1, Int32(8))
        w.field(4, "x")
        w.structEnd()
        #expect(throws: ParquetError.self) { try SchemaElement.decode(w.bytes) }
    }

    @Test func unknownUnionMembers() throws {
        // A TimeType with a unit newer than this code becomes .other rather than failing.
        var w = ThriftCompactWriter()
        w.structBegin()
        w.writeFieldHeader(id: 7, type: .struct)
        w.structBegin()
        w.field(1, true)
        w.writeFieldHeader(id: 2, type: .struct)
        w.structBegin()
        w.emptyStructField(9)
        w.structEnd()
        w.structEnd()
        w.structEnd()
        #expect(try LogicalType.decode(w.bytes).value == .other(fieldId: 7))

        // VARIANT with a body is skipped.
        var v = ThriftCompactWriter()
        v.structBegin()
        v.writeFieldHeader(id: 16, type: .struct)
        v.structBegin()
        v.field(1, Int8(1))
        v.structEnd()
        v.structEnd()
        #expect(try LogicalType.decode(v.bytes).value == .other(fieldId: 16))

        // IEEE 754 total order is a ColumnOrder we do not model.
        var c = ThriftCompactWriter()
        c.structBegin()
        c.emptyStructField(2)
        c.structEnd()
        #expect(try ColumnOrder.decode(c.bytes).value == .unknown)
    }

    /// Writes one unknown field of every interesting type, with ids around the known ones.
    private func writeUnknownFields(_ w: inout ThriftCompactWriter, ids: [Int16]) {
        var ids = ids.makeIterator()
        func next() -> Int16 { ids.next()! }
        w.writeFieldHeader(id: next(), type: .struct)
        w.structBegin()
        w.writeFieldHeader(id: 3, type: .list)
        w.writeList(.binary, ["x", "y"]) { w, s in w.writeString(s) }
        w.writeBoolField(id: 4, true)
        w.writeFieldHeader(id: 5, type: .struct)
        w.structBegin()
        w.field(1, Int64.min)
        w.structEnd()
        w.structEnd()
        w.writeFieldHeader(id: next(), type: .list)
        w.writeList(.struct, 0..<3) { w, i in
            w.structBegin()
            w.field(1, Int32(i))
            w.field(2, [UInt8](repeating: 7, count: i))
            w.structEnd()
        }
        w.writeFieldHeader(id: next(), type: .map)
        w.writeMapHeader(key: .binary, value: .struct, count: 2)
        for key in ["a", "b"] {
            w.writeString(key)
            w.structBegin()
            w.writeFieldHeader(id: 1, type: .double)
            w.writeDouble(1.5)
            w.structEnd()
        }
        w.writeFieldHeader(id: next(), type: .binary)
        w.writeBinary([1, 2, 3, 4])
        w.writeFieldHeader(id: next(), type: .double)
        w.writeDouble(-2.5)
        w.writeBoolField(id: next(), false)
        w.writeFieldHeader(id: next(), type: .map)
        w.writeMapHeader(key: .i32, value: .i32, count: 0)
    }

    @Test func unknownFieldsAreSkipped() throws {
        // PageLocation with unknown fields before, between and after its own.
        var w = ThriftCompactWriter()
        w.structBegin()
        writeUnknownFields(&w, ids: [-1, -2, -3, -4, -5, -6, -7])
        w.field(1, Int64(4096))
        writeUnknownFields(&w, ids: [100, 101, 102, 103, 104, 105, 106])
        w.field(2, Int32(512))
        w.field(3, Int64(77))
        writeUnknownFields(&w, ids: [4, 5, 6, 7, 8, 9, 30_000])
        w.structEnd()
        let (location, n) = try PageLocation.decode(w.bytes)
        #expect(location == PageLocation(offset: 4096, compressedPageSize: 512, firstRowIndex: 77))
        #expect(n == w.bytes.count)

        // A known id with an unexpected wire type is skipped too, rather than misread.
        var m = ThriftCompactWriter()
        m.structBegin()
        m.writeFieldHeader(id: 1, type: .binary)
        m.writeBinary([1, 2])
        m.field(1, Int64(8))
        m.field(2, Int32(1))
        m.field(3, Int64(0))
        m.structEnd()
        #expect(try PageLocation.decode(m.bytes).value.offset == 8)

        // FileMetaData followed by fields a newer writer might add (encryption, etc.).
        let meta = sampleFileMetaData()
        var f = ThriftCompactWriter()
        var body = meta.serialized()
        body.removeLast()  // drop STOP so more fields can follow field 7
        f.bytes = body
        // This writer never saw field 7, so use descending ids, which are always long form and
        // therefore independent of the previous field id.
        f.structBegin()
        writeUnknownFields(&f, ids: [100, 99, 98, 97, 96, 95, 94])
        f.structEnd()
        let (decoded, read) = try FileMetaData.decode(f.bytes)
        #expect(decoded == meta)
        #expect(read == f.bytes.count)
    }
}
