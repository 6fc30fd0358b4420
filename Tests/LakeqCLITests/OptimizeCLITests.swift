import Foundation
import LakeqTestSupport
import Testing

/// `lakeq optimize` end to end: many small files from batched ingests become few, the same
/// query gives the same answer, `--where` limits it to partitions, a bad predicate is an error.
@Suite struct OptimizeCLITests {
    static let header = "event_id,user_id,show,show_type,genre,season,episode,event_time,watch,duration,completed,device,country,rating,bitrate_kbps"

    @Test(.enabled(if: TestEnvironment.binaryBuilt, "needs the debug lakeq binary"))
    func optimizeKeepsQueryResults() throws {
        let dir = try TemporaryDirectory("optimize-cli")
        defer { dir.remove() }
        #expect(try TestEnvironment.lakeq(["gen", "--rows", "600", "--out", dir.path]).status == 0)
        // 8 more commits of 20 rows over 4 days: many small files.
        var lines: [String] = [Self.header]
        for i in 0..<160 {
            lines.append("\(900_000 + i),\(i + 1),Show \(i % 7),movie,Drama,,,2026-01-0\(1 + i % 4)T10:00:00Z,\(i % 50),100,false,tv,US,\(1 + i % 5),3000")
        }
        let csv = try dir.write("more.csv", lines.joined(separator: "\n") + "\n")
        let ingest = try TestEnvironment.lakeq(["ingest", csv, "--table", "events", "--lake", dir.path, "--batch-rows", "20"])
        #expect(ingest.status == 0, "\(ingest.output)")
        let query = "select date, count(*), sum(event_id), sum(user_id), sum(rating), round(sum(watch), 6), min(event_time), max(show) from events group by date order by date"
        let before = try TestEnvironment.lakeq(["--lake", dir.path, query])
        #expect(before.status == 0, "\(before.output)")

        let bad = try TestEnvironment.lakeq(["optimize", "events", "--lake", dir.path, "--where", "watch > 3"])
        #expect(bad.status == 1 && bad.err.contains("not a partition column"), "\(bad.output)")

        let some = try TestEnvironment.lakeq(["optimize", "events", "--lake", dir.path, "--where", "date = '2026-01-02'", "--json"])
        #expect(some.status == 0, "\(some.output)")
        #expect(some.out.contains("\"partitions\":1"), "\(some.out)")
        let all = try TestEnvironment.lakeq(["optimize", "events", "--lake", dir.path])
        #expect(all.status == 0 && all.out.contains("partitions=3"), "\(all.output)")
        let after = try TestEnvironment.lakeq(["--lake", dir.path, query])
        #expect(after.out == before.out)
        let describe = try TestEnvironment.lakeq(["describe", "events", "--lake", dir.path, "--json"])
        #expect(describe.out.contains("\"files\":30"), "\(describe.out)")  // one file per day again
        let nothing = try TestEnvironment.lakeq(["optimize", "events", "--lake", dir.path])
        #expect(nothing.out.contains("nothing to compact"), "\(nothing.output)")
    }
}
