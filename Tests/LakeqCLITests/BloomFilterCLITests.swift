import Foundation
import LakeqParquet
import LakeqTestSupport
import Testing

/// Bloom filters through the command line: `gen` writes them on user_id and event_id,
/// `convert --bloom-filter` on the columns named, and EXPLAIN reports the row groups they skip.
@Suite(.enabled(if: TestEnvironment.binaryBuilt, "build the binary first: swift build --build-tests"))
struct BloomFilterCLITests {
    @Test func genWritesFiltersAndExplainReportsTheSkips() throws {
        let dir = try TemporaryDirectory("bloom-cli")
        defer { dir.remove() }
        let gen = try TestEnvironment.lakeq(["gen", "--rows", "30000", "--out", dir.path, "--threads", "1"])
        try #require(gen.status == 0, "\(gen.output)")
        // A user_id that exists: the one row group holding it is kept, the others skipped.
        let first = try TestEnvironment.lakeq(["query", "--lake", dir.path, "--format", "csv", "select user_id from events where date = DATE '2026-01-03' limit 1"])
        try #require(first.status == 0, "\(first.output)")
        let user = try #require(first.out.split(separator: "\n").last.map(String.init))
        // Bloom filters are probed as row groups are about to be read: EXPLAIN ANALYZE reports them.
        let explain = try TestEnvironment.lakeq(["explain", "--analyze", "--lake", dir.path, "select count(*) from events where user_id = \(user)"])
        #expect(explain.status == 0, "\(explain.output)")
        let skipped = explain.out.range(of: #"(\d+) skipped by bloom filter"#, options: .regularExpression).map { String(explain.out[$0]) } ?? ""
        #expect(Int(skipped.split(separator: " ").first ?? "") ?? 0 >= 20, "\(explain.out)")
        let none = try TestEnvironment.lakeq(["explain", "--analyze", "--lake", dir.path, "select count(*) from events where user_id in (-1, -2)"])
        #expect(none.out.contains("rows: 0 scanned"), "\(none.out)")
        // Results are unchanged by the pruning.
        let count = try TestEnvironment.lakeq(["query", "--lake", dir.path, "--format", "csv", "select count(*) from events where user_id = \(user)"])
        #expect(count.status == 0 && !count.out.contains("\n0\n"), "\(count.output)")
    }

    @Test func convertWritesFiltersOnTheNamedColumns() throws {
        let dir = try TemporaryDirectory("bloom-cli")
        defer { dir.remove() }
        let csv = try dir.write("in.csv", "id,name\n" + (0..<2000).map { "\($0),n\($0 % 97)" }.joined(separator: "\n") + "\n")
        let out = dir.file("out.parquet")
        let r = try TestEnvironment.lakeq(["convert", csv, out, "--bloom-filter", "id", "--bloom-fpp", "0.001"])
        try #require(r.status == 0, "\(r.output)")
        let pf = try ParquetFile(path: out)
        let id = try #require(pf.schema.columnIndex(named: "id")), name = try #require(pf.schema.columnIndex(named: "name"))
        #expect(try pf.bloomFilter(rowGroup: 0, column: id) != nil)
        #expect(try pf.bloomFilter(rowGroup: 0, column: name) == nil)
        #expect(try pf.bloomFilterMayContain(rowGroup: 0, column: id, values: [.int(1234)]))
        #expect(try !pf.bloomFilterMayContain(rowGroup: 0, column: id, values: [.int(987_654)]))
        let bad = try TestEnvironment.lakeq(["convert", csv, dir.file("bad.parquet"), "--bloom-filter", "nope"])
        #expect(bad.status == 1 && bad.output.contains("nope"), "\(bad.output)")
    }
}
