import Foundation
import LakeqColumnar
import Testing
@testable import LakeqParquet
@testable import LakeqQuery

/// A scan decodes the footer metadata of only the column chunks its access plan asks for
/// (`ParquetFooter`): none for a count(*), the filter column's chunks for row-group
/// statistics, and the other columns' chunks only in the row groups it reads.
@Suite struct LazyFooterTests {
    /// One file of four row groups of 100 rows: id 0..<400 ascending, v = id * 2, s a string.
    static func table() throws -> (Table, String) {
        let dir = NSTemporaryDirectory() + "lakeq-lazy-footer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let schema = Schema([
            Field(name: "id", type: .int64, nullable: false),
            Field(name: "v", type: .int64, nullable: false),
            Field(name: "s", type: .string, nullable: false),
        ])
        var options = WriterOptions()
        options.rowGroupRows = 100
        let writer = try ParquetWriter(path: dir + "/part-0.parquet", schema: schema, options: options)
        let ids = (0..<400).map(Int64.init)
        try writer.write(RecordBatch(schema: schema, columns: [
            Column(type: .int64, values: .int64(ids)),
            Column(type: .int64, values: .int64(ids.map { $0 * 2 })),
            Column(type: .string, values: .bytes(ByteArrays(strings: ids.map { "s\($0 % 7)" }))),
        ], rowCount: ids.count))
        _ = try writer.close()
        return (try Table(name: "t", paths: [dir], threads: 1), dir)
    }

    /// Runs `sql` on a fresh table and returns its CSV answer and the chunks its file decoded.
    func run(_ sql: String) throws -> (String, Int) {
        let (table, dir) = try Self.table()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var engine = QueryEngine(lake: dir, threads: 1)
        engine.catalog.tables["t"] = table
        let csv = ResultFormatter.render(try engine.run(sql), as: .csv)
        return (csv, try table.parquetFile(0).footer.decodedChunkCount)
    }

    @Test func countStarDecodesNoChunk() throws {
        let (csv, decoded) = try run("select count(*) from t")
        #expect(csv == "count_star()\n400\n")
        #expect(decoded == 0)
    }

    @Test func statisticsPruningDecodesTheFilterColumnThenWhatIsRead() throws {
        // id's statistics in all 4 row groups; one row group survives; v is read there.
        let (csv, decoded) = try run("select count(*), sum(v) from t where id between 150 and 160")
        #expect(csv == "count_star(),sum(v)\n11,3410\n")
        #expect(decoded == 4 + 1)
    }

    @Test func wholeColumnScanDecodesThatColumnOnly() throws {
        let (csv, decoded) = try run("select sum(v) from t")
        #expect(csv == "sum(v)\n159600\n")
        #expect(decoded == 4)
    }
}
