import Foundation
import Testing
import LakeqTestSupport
@testable import LakeqParquet

/// The parquet-testing corpus in `../shared` beside the package root.
private let dataDir = TestEnvironment.sharedFile("parquet-testing/data")

/// A footer of two INT64 columns in three row groups, as a writer would lay it out; chunk
/// (1, 1) alone is FIXED_LEN_BYTE_ARRAY, which `corrupted` below uses to find it.
private func sampleFooter() -> FileMetaData {
    let schema = [
        SchemaElement(name: "schema", numChildren: 2),
        SchemaElement(type: .int64, repetitionType: .required, name: "a"),
        SchemaElement(type: .int64, repetitionType: .optional, name: "b"),
    ]
    var offset: Int64 = 4
    let rowGroups = (0..<3).map { g in
        let rows = Int64(100 * (g + 1))
        let columns = (0..<2).map { c in
            defer { offset += 800 }
            let stats = Statistics(nullCount: Int64(c), maxValue: [UInt8](repeating: UInt8(g), count: 8), minValue: [UInt8](repeating: 0, count: 8))
            let meta = ColumnMetaData(
                type: g == 1 && c == 1 ? .fixedLenByteArray : .int64, encodings: [.plain, .rle], pathInSchema: [c == 0 ? "a" : "b"],
                codec: .snappy, numValues: rows, totalUncompressedSize: 900, totalCompressedSize: 800,
                dataPageOffset: offset, statistics: stats)
            return ColumnChunk(fileOffset: offset, metaData: meta)
        }
        return RowGroup(columns: columns, totalByteSize: 1800, numRows: rows, ordinal: Int16(g))
    }
    return FileMetaData(version: 2, schema: schema, numRows: 600, rowGroups: rowGroups,
                        keyValueMetadata: [KeyValue(key: "k", value: "v")], createdBy: "test", columnOrders: [.typeDefinedOrder, .typeDefinedOrder])
}

/// `footer` serialized with chunk (1, 1)'s physical type made unknown: the Thrift framing is
/// intact, only that chunk's metadata does not decode.
private func corrupted(_ footer: FileMetaData) throws -> [UInt8] {
    var bytes = footer.serialized()
    // ColumnMetaData field 1 (i32, delta 1) = FIXED_LEN_BYTE_ARRAY (7, zigzag 14).
    let at = bytes.indices.dropLast().filter { bytes[$0] == 0x15 && bytes[$0 + 1] == 0x0e }
    try #require(at.count == 1)
    bytes[at[0] + 1] = 0x7e  // zigzag 126: physical type 63
    return bytes
}

/// A Parquet file holding only `footer` (no pages): enough to open it and read its metadata.
private func fileBytes(footer: [UInt8]) -> [UInt8] {
    let length = UInt32(footer.count)
    return Array("PAR1".utf8) + footer + (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + Array("PAR1".utf8)
}

struct ParquetFooterTests {
    @Test func indexedFooterDecodesChunksOnDemand() throws {
        let meta = sampleFooter()
        let footer = try ParquetFooter(indexing: meta.serialized())
        #expect(footer.rowGroupRows == [100, 200, 300])
        #expect(footer.numRows == 600 && footer.createdBy == "test" && footer.schema == meta.schema)
        #expect(footer.keyValueMetadata == meta.keyValueMetadata && footer.columnOrders == meta.columnOrders)
        #expect(footer.decodedChunkCount == 0)
        #expect(try footer.columnChunk(rowGroup: 2, column: 1) == meta.rowGroups[2].columns[1])
        #expect(footer.decodedChunkCount == 1)
        // Asked again: the kept value, not a second decode.
        #expect(try footer.columnChunk(rowGroup: 2, column: 1) == meta.rowGroups[2].columns[1])
        #expect(footer.decodedChunkCount == 1)
        #expect(try footer.fullMetadata() == meta)
        #expect(throws: ParquetError.self) { try footer.columnChunk(rowGroup: 3, column: 0) }
        #expect(throws: ParquetError.self) { try footer.columnChunk(rowGroup: 0, column: 2) }
        #expect(throws: ParquetError.self) { try footer.columnChunk(rowGroup: -1, column: 0) }
    }

    @Test func corruptChunkIsAnErrorWhenAskedFor() throws {
        let bytes = try corrupted(sampleFooter())
        let footer = try ParquetFooter(indexing: bytes)
        #expect(footer.rowGroupRows == [100, 200, 300])
        _ = try footer.columnChunk(rowGroup: 1, column: 0)
        _ = try footer.columnChunk(rowGroup: 2, column: 1)
        for _ in 0..<2 {  // every time, not only the first
            do {
                _ = try footer.columnChunk(rowGroup: 1, column: 1)
                Issue.record("a corrupt chunk decoded")
            } catch ParquetError.corrupt(let message) {
                #expect(message.contains("row group 1, column 1") && message.contains("unknown physical type 63"), "\(message)")
            }
        }
        #expect(throws: ParquetError.self) { try footer.fullMetadata() }

        // Through a file: the error names it, statistics of the chunk are an error (never
        // "no statistics", which would let pruning read it as unknown bounds).
        let file = try ParquetFile(bytes: fileBytes(footer: bytes), name: "lazy.parquet")
        #expect(file.rowCount == 600 && file.rowCount(rowGroup: 2) == 300)
        #expect(try file.statistics(rowGroup: 0, column: 1)?.nullCount == 1)
        do {
            _ = try file.statistics(rowGroup: 1, column: 1)
            Issue.record("statistics of a corrupt chunk")
        } catch ParquetError.corrupt(let message) {
            #expect(message.hasPrefix("lazy.parquet: footer: row group 1, column 1"), "\(message)")
        }
        #expect(throws: ParquetError.self) { try file.readColumn(rowGroup: 1, column: 1) }
        #expect(throws: ParquetError.self) { try file.fullMetadata() }
    }

    @Test func truncatedFooterFailsWhenOpened() throws {
        let bytes = sampleFooter().serialized()
        // A strict prefix lacks the final STOP (at least): the indexing pass must notice.
        for n in 0..<bytes.count {
            #expect(throws: ParquetError.self, "prefix \(n)") { try ParquetFooter(indexing: Array(bytes.prefix(n))) }
        }
    }

    @Test func rowGroupWithoutColumnsOrRowCountIsRefused() throws {
        var w = ThriftCompactWriter()
        w.structBegin()
        w.field(1, Int32(1))
        w.field(2, [SchemaElement(name: "schema", numChildren: 0)])
        w.field(3, Int64(0))
        w.writeFieldHeader(id: 4, type: .list)
        w.writeList(.struct, [0]) { w, _ in
            w.structBegin()
            w.field(2, Int64(0))  // total_byte_size, but no columns and no num_rows
            w.structEnd()
        }
        w.structEnd()
        #expect(throws: ParquetError.self) { try ParquetFooter(indexing: w.bytes) }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: dataDir)))
    func corpusFootersIndexLikeTheyDecode() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: dataDir).filter { $0.hasSuffix(".parquet") }.sorted()
        var checked = 0
        for name in names {
            guard let file = try? ParquetFile(path: "\(dataDir)/\(name)"), !file.isEncrypted else { continue }
            let meta = try file.fullMetadata()
            #expect(file.footer.rowGroupRows == meta.rowGroups.map(\.numRows), "\(name)")
            #expect(file.footer.schema == meta.schema && file.footer.numRows == meta.numRows, "\(name)")
            for g in meta.rowGroups.indices {
                for c in meta.rowGroups[g].columns.indices {
                    #expect(try file.columnChunk(rowGroup: g, column: c) == meta.rowGroups[g].columns[c], "\(name) \(g) \(c)")
                }
            }
            checked += 1
        }
        #expect(checked >= 40)
    }
}
