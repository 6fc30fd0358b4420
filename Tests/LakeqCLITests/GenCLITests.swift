import Foundation
import LakeqTestSupport
import Testing

/// `lakeq gen` makes a table that carries the viewing-events rules: a later ingest without
/// `--schema`, run from another directory, validates by them.
@Suite struct GenCLITests {
    @Test(.enabled(if: TestEnvironment.binaryBuilt, "needs the debug lakeq binary"))
    func genStoresTheViewingEventsRules() throws {
        let dir = try TemporaryDirectory("gen-rules")
        defer { dir.remove() }
        let gen = try TestEnvironment.run(TestEnvironment.binary, ["gen", "--rows", "500", "--out", dir.path])
        #expect(gen.status == 0, "\(gen.output)")
        let log = try String(contentsOfFile: dir.file("events/_delta_log/00000000000000000000.json"), encoding: .utf8)
        #expect(log.contains("lakeq.ingest.schema"))
        #expect(log.contains(#"\"lakeq.pii\":true"#), "user_id carries its pii mark in the schemaString")
        // user_id 0 breaks "min": 1; rating 6 breaks "max": 5.
        let csv = try dir.write("more.csv", """
        event_id,user_id,show,show_type,genre,season,episode,event_time,watch,duration,completed,device,country,rating,bitrate_kbps
        9000001,42,Show,movie,Drama,,,2026-01-05T10:00:00Z,10,100,false,tv,US,4,3000
        9000002,0,Show,movie,Drama,,,2026-01-05T10:00:00Z,10,100,false,tv,US,4,3000
        9000003,43,Show,movie,Drama,,,2026-01-05T10:00:00Z,10,100,false,tv,US,6,3000

        """)
        let r = try TestEnvironment.lakeq(["ingest", csv, "--table", "events", "--lake", dir.path, "--json"])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.out.contains("\"rows_committed\":1"), "\(r.out)")
        #expect(r.out.contains("\"rows_quarantined\":2"), "\(r.out)")
    }
}
