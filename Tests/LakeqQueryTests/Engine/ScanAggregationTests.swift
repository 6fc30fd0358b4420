import Foundation
import LakeqColumnar
import Testing
@testable import LakeqParquet
@testable import LakeqQuery

/// `ScanAggregation`: aggregates without GROUP BY over an unfiltered scan answered inside the
/// scan (footer statistics, else column summaries folded while decoding) give the answers of
/// the ordinary path (pruning off), and fall back to it for columns a summary cannot stand
/// in for. (The common aggregates are also checked by Tests/sql, with pruning on and off.)
@Suite struct ScanAggregationTests {
    /// Two files: the first with `big` (BIGINT, sums past Int64.max), `x` (DOUBLE, a NaN, NULLs),
    /// `u` (UINTEGER, read as BIGINT), `n` (INTEGER); the second without `x` (NULL there).
    static func table() throws -> (Table, String) {
        let dir = NSTemporaryDirectory() + "lakeq-scan-aggregation-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let rows = 3000
        var options = WriterOptions()
        options.rowGroupRows = 1000
        options.pageRows = 300
        let full = Schema([
            Field(name: "big", type: .int64, nullable: false),
            Field(name: "x", type: .float64, nullable: true),
            Field(name: "u", type: .uint32, nullable: false),
            Field(name: "n", type: .int32, nullable: false),
        ])
        var w = try ParquetWriter(path: dir + "/part-0.parquet", schema: full, options: options)
        try w.write(RecordBatch(schema: full, columns: [
            Column(type: .int64, values: .int64(Array(repeating: Int64.max / 1000, count: rows))),
            Column(type: .float64, values: .float64((0..<rows).map { $0 == 1234 ? .nan : Double($0 % 97) - 40.5 }),
                   validity: Bitmap(bools: (0..<rows).map { $0 % 4 != 1 })),
            Column(type: .uint32, values: .int32((0..<rows).map { Int32(bitPattern: UInt32(4_000_000_000) + UInt32($0)) })),
            Column(type: .int32, values: .int32((0..<rows).map { Int32($0 % 13) - 6 })),
        ], rowCount: rows))
        _ = try w.close()
        let partial = Schema([full.fields[0], full.fields[2], full.fields[3]])
        w = try ParquetWriter(path: dir + "/part-1.parquet", schema: partial, options: options)
        try w.write(RecordBatch(schema: partial, columns: [
            Column(type: .int64, values: .int64(Array(repeating: 1, count: 10))),
            Column(type: .uint32, values: .int32(Array(repeating: 7, count: 10))),
            Column(type: .int32, values: .int32(Array(repeating: 100, count: 10))),
        ], rowCount: 10))
        _ = try w.close()
        return (try Table(name: "t", paths: [dir], threads: 1), dir)
    }

    /// The CSV answer (or the error) of `sql`, with pruning (and so the scan's aggregation) on or off.
    static func run(_ sql: String, pruning: Bool) throws -> String {
        let (table, dir) = try table()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var engine = QueryEngine(lake: dir, threads: 1)
        engine.options.pruning = pruning
        engine.catalog.tables["t"] = table
        return ResultFormatter.render(try engine.run(sql), as: .csv)
    }

    @Test(arguments: [
        "select count(*), count(x), min(x), max(x), sum(n), avg(n), min(n), max(n) from t",
        "select sum(x), avg(x), count(*) from t",
        "select min(u), max(u), sum(u), count(u) from t",
        "select max(big), min(big), count(big) from t",
    ])
    func sameAnswerAsTheOrdinaryPath(sql: String) throws {
        #expect(try Self.run(sql, pruning: true) == Self.run(sql, pruning: false))
    }

    @Test func nanIsTheMaximumAndNotTheMinimum() throws {
        let answer = try Self.run("select min(x), max(x) from t", pruning: true).split(separator: "\n")[1].lowercased()
        #expect(answer == "-40.5,nan", "\(answer)")
    }

    @Test func anOverflowingSumIsAnErrorAsOnTheOrdinaryPath() throws {
        for pruning in [true, false] {
            #expect(throws: QueryError.self) { try Self.run("select sum(big) from t", pruning: pruning) }
        }
    }

    @Test func explainAnalyzeCountsTheRowGroupsFoldedWhileDecoding() throws {
        let plan = try Self.run("explain analyze select sum(n), max(x) from t", pruning: true)
        #expect(plan.contains("4 row groups aggregated while decoding"), "\(plan)")
    }
}
