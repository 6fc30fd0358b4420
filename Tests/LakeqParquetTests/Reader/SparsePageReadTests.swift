import Foundation
import LakeqColumnar
import Testing
@testable import LakeqParquet

/// Late materialization's reads of a few rows (`readColumn(rows:)`): a dictionary-encoded page
/// from which at most one row in eight is wanted is decoded for those rows only (definition
/// levels whole, the other indices stepped over). The rows must equal a whole read's.
@Suite("Sparse page reads")
struct SparsePageReadTests {
    static let rows = 30_000
    static let schema = Schema([
        Field(name: "id", type: .int64, nullable: true),
        Field(name: "watch", type: .float64, nullable: false),
        Field(name: "show", type: .string, nullable: true),
        Field(name: "n", type: .int32, nullable: false),
    ])

    /// One row group of 30,000 rows in pages of 4,096, every column dictionary-encoded:
    /// `id` null on every fifth row and on rows 8,192..<12,288 (a page of nulls), `show` null
    /// on every seventh and on the whole first page (a byte-array chunk starting with an
    /// all-NULL page: read whole, it used to be refused as corrupt, its NULLs counted among
    /// plain values and the later pages' among indices).
    static func write(pageVersion: Int, compression: CompressionCodec) throws -> String {
        var options = WriterOptions()
        options.pageVersion = pageVersion
        options.compression = compression
        options.pageRows = 4096
        options.rowGroupRows = rows
        let path = WriterTestSupport.tempPath("sparse-pages")
        let writer = try ParquetWriter(path: path, schema: schema, options: options)
        var rng = SplitMix64(seed: 8)
        let idValid = Bitmap(bools: (0..<rows).map { $0 % 5 != 0 && !(8192..<12_288).contains($0) })
        let id = Column(type: .int64, values: .int64((0..<rows).map { _ in Int64(rng.next() % 3000) }), validity: idValid)
        let watch = Column(type: .float64, values: .float64((0..<rows).map { _ in Double(rng.next() % 700) / 4 }))
        let show = Column(type: .string, values: .bytes(ByteArrays(strings: (0..<rows).map { "show-\(($0 * 31) % 211)" })),
                          validity: Bitmap(bools: (0..<rows).map { $0 % 7 != 0 && $0 >= 4096 }))
        let n = Column(type: .int32, values: .int32((0..<rows).map { Int32($0 % 50) }))
        try writer.write(RecordBatch(schema: schema, columns: [id, watch, show, n], rowCount: rows))
        _ = try writer.close()
        return path
    }

    /// The column read with `wanted`, and how many of its pages were decoded sparsely.
    static func read(_ file: ParquetFile, column c: Int, wanted: RowRanges) throws -> (cells: [Cell], sparsePages: Int) {
        let meta = try file.columnMetaData(rowGroup: 0, column: c)
        let (offset, length) = ParquetFile.pageRange(meta)
        let bytes = try file.file.slice(offset, length, what: "test chunk")
        var reader = ColumnChunkReader(descriptor: file.schema.columns[c], chunk: bytes, codec: meta.codec,
                                       numValues: file.rowCount(rowGroup: 0), location: "test chunk")
        let column = try reader.read(decompressor: Decompressor(), wanted: wanted)
        return (WriterTestSupport.cells(column), reader.pagesReadSparsely)
    }

    static let cases: [(name: String, ranges: [Range<Int>], sparse: Bool)] = [
        ("first row", [0..<1], true),
        ("last row", [29_999..<30_000], true),
        ("page edges", [4095..<4097, 8191..<8193, 12_287..<12_289], true),
        ("every 97th row", stride(from: 3, to: 30_000, by: 97).map { $0..<($0 + 1) }, true),
        ("short runs", [10..<20, 5000..<5030, 9000..<9010, 28_000..<28_050], true),
        ("only null ids", [8200..<8203, 8300..<8301], true),
        ("one dense page, sparse others", [100..<3000, 7000..<7001, 20_000..<20_002], true),
        // Fixed-width dictionaries stay undecoded while pages are read sparsely, and are
        // decoded for the first page read whole, after values were already taken from them.
        ("sparse pages, then a dense one", [5..<6, 4100..<4101, 20_000..<23_000], true),
        ("dense everywhere", [0..<30_000], false),
    ]

    @Test("a few rows of dictionary pages equal a whole read's", arguments: [1, 2], [CompressionCodec.snappy, .uncompressed])
    func fewRowsEqualWholeRead(pageVersion: Int, compression: CompressionCodec) throws {
        let path = try Self.write(pageVersion: pageVersion, compression: compression)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try ParquetFile(path: path)
        for c in 0..<Self.schema.fields.count {
            let whole = WriterTestSupport.cells(try file.readColumn(rowGroup: 0, column: c))
            for (name, ranges, sparse) in Self.cases {
                let wanted = RowRanges(ranges)
                let expected = wanted.ranges.flatMap { $0.map { whole[$0] } }
                let read: (cells: [Cell], sparsePages: Int)
                do {
                    read = try Self.read(file, column: c, wanted: wanted)
                } catch {
                    Issue.record("v\(pageVersion) \(compression) column \(c): \(name): \(error)")
                    continue
                }
                let (cells, sparsePages) = read
                #expect(cells == expected, "v\(pageVersion) \(compression) column \(c): \(name)")
                #expect((sparsePages > 0) == sparse, "v\(pageVersion) \(compression) column \(c): \(name), \(sparsePages) sparse pages")
                // The public entry point reads the same rows.
                #expect(WriterTestSupport.cells(try file.readColumn(rowGroup: 0, column: c, rows: wanted)) == expected)
            }
        }
    }

    @Test("which rows a page decodes alone: at most one in eight")
    func sparseRowsThreshold() {
        #expect(ColumnChunkReader.sparseRows(RowRanges([5..<6]), in: 0..<100) == [5])
        #expect(ColumnChunkReader.sparseRows(RowRanges([100..<101, 150..<152]), in: 100..<200) == [0, 50, 51])
        #expect(ColumnChunkReader.sparseRows(RowRanges([0..<12]), in: 0..<100) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
        #expect(ColumnChunkReader.sparseRows(RowRanges([0..<13]), in: 0..<100) == nil)
        #expect(ColumnChunkReader.sparseRows(RowRanges([200..<300]), in: 0..<100) == nil)
        #expect(ColumnChunkReader.sparseRows(RowRanges([0..<1]), in: 0..<7) == nil)
    }

    @Test("RLE/bit-packed skip lands where decoding would")
    func skipMatchesDecode() throws {
        var rng = SplitMix64(seed: 3)
        for width in [0, 1, 3, 11, 17, 32] {
            // Runs of repeats between bit-packed stretches, so skips cross both kinds of run.
            var values: [UInt32] = []
            while values.count < 5000 {
                let v = width == 0 ? 0 : UInt32(truncatingIfNeeded: rng.next()) & (width == 32 ? ~0 : (1 << UInt32(width)) - 1)
                values += Array(repeating: v, count: rng.next() % 4 == 0 ? Int(rng.next() % 40) + 8 : 1)
            }
            let encoded = values.withUnsafeBufferPointer { RLEHybridEncoder.encode($0, bitWidth: width) }
            for step in [1, 3, 7, 8, 9, 63, 500] {
                try encoded.withUnsafeBytes { raw in
                    var decoder = try RLEHybridDecoder(raw, bitWidth: width)
                    var position = 0
                    var got: [UInt32] = [], expected: [UInt32] = []
                    var one: UInt32 = 0
                    while position + step < values.count {
                        try decoder.skip(step)
                        position += step
                        try decoder.decode(into: &one, count: 1)
                        got.append(one)
                        expected.append(values[position])
                        position += 1
                    }
                    #expect(got == expected, "width \(width), step \(step)")
                    // Past the end throws, never traps.
                    #expect(throws: ParquetError.self) { try decoder.skip(values.count + 100) }
                }
            }
        }
    }
}
