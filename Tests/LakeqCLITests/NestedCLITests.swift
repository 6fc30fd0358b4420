import Foundation
import LakeqTestSupport
import Testing

/// Nested columns end to end with the debug binary: JSON Lines with arrays and objects
/// ingested into a Delta table by a schema file with list/struct/map columns, queried with
/// `s.field`, `l[i]`, `m[key]` and `unnest`, and read back equal by delta-rs and DuckDB.
@Suite struct NestedCLITests {
    static let schema = """
    {"columns": [
      {"name": "session_id", "type": "int64", "required": true, "min": 1},
      {"name": "segments", "type": "list<struct<start: int64 not null, end: int64, bitrate_kbps: int32>>"},
      {"name": "player", "type": "struct<name: string, version: int32>"},
      {"name": "props", "type": "map<string, string>"},
      {"name": "day", "type": "date", "required": true}
    ]}
    """
    static let input = """
    {"session_id": 1, "segments": [{"start": 0, "end": 10, "bitrate_kbps": 500}, {"start": 10, "end": 25}], "player": {"name": "exo", "version": 3}, "props": {"cdn": "a"}, "day": "2026-01-01"}
    {"session_id": 2, "segments": [], "player": null, "props": {}, "day": "2026-01-01"}
    {"session_id": 3, "segments": [{"end": 4}], "day": "2026-01-02"}
    {"session_id": 4, "segments": [null, {"start": 7, "end": 9, "bitrate_kbps": 800}], "player": {"version": 4}, "day": "2026-01-02"}

    """

    /// Ingests the fixture events (`input`, rules `schema`) into DIR/lake as table `s`, by day.
    static func ingestFixture(into dir: TemporaryDirectory) throws -> TestEnvironment.Outcome {
        try schema.write(toFile: dir.path + "/schema.json", atomically: true, encoding: .utf8)
        try input.write(toFile: dir.path + "/in.jsonl", atomically: true, encoding: .utf8)
        return try TestEnvironment.lakeq(["ingest", dir.path + "/in.jsonl", "--table", "s", "--lake", dir.path + "/lake",
                                          "--schema", dir.path + "/schema.json", "--partition-by", "day"])
    }

    /// A struct or map built in SQL prints exactly as the same value read from Parquet, in
    /// every output format of the command line.
    @Test(.enabled(if: TestEnvironment.binaryBuilt, "needs the debug binary"))
    func constructedValuesPrintAsReadOnes() throws {
        let dir = try TemporaryDirectory("nested-cli-built")
        defer { dir.remove() }
        let ingest = try Self.ingestFixture(into: dir)
        try #require(ingest.status == 0, "\(ingest.output)")
        let sql = """
            select player, struct_pack(name := player.name, version := player.version) as p2,
                   props, map(map_keys(props), map_values(props)) as m2
            from s where player is not null order by session_id
            """
        func run(_ format: String) throws -> String {
            let q = try TestEnvironment.lakeq(["--lake", dir.path + "/lake", "--format", format, sql])
            #expect(q.status == 0, "\(q.output)")
            return q.out
        }
        let csv = try run("csv")
        #expect(csv == "player,p2,props,m2\n\"{'name': exo, 'version': 3}\",\"{'name': exo, 'version': 3}\",{cdn=a},{cdn=a}\n\"{'name': NULL, 'version': 4}\",\"{'name': NULL, 'version': 4}\",,\n", "\(csv)")
        let jsonl = try run("jsonl")
        #expect(jsonl == """
            {"player":{"name":"exo","version":3},"p2":{"name":"exo","version":3},"props":{"cdn":"a"},"m2":{"cdn":"a"}}
            {"player":{"name":null,"version":4},"p2":{"name":null,"version":4},"props":null,"m2":null}

            """, "\(jsonl)")
        #expect(try run("json").contains(#"{"player":{"name":"exo","version":3},"p2":{"name":"exo","version":3},"props":{"cdn":"a"},"m2":{"cdn":"a"}}"#))
        let table = try run("table")
        #expect(table.components(separatedBy: "{'name': exo, 'version': 3}").count == 3, "\(table)")
        #expect(table.components(separatedBy: "{cdn=a}").count == 3, "\(table)")
    }

    @Test(.enabled(if: TestEnvironment.binaryBuilt && Requirements.deltaRS && Requirements.pyarrowAndDuckDB, "needs the debug binary, deltalake, pyarrow and duckdb"))
    func ingestQueryAndReadBack() throws {
        let dir = try TemporaryDirectory("nested-cli")
        defer { dir.remove() }
        let ingest = try Self.ingestFixture(into: dir)
        #expect(ingest.status == 0, "\(ingest.output)")
        #expect(ingest.output.contains("committed=3 quarantined=1"), "\(ingest.output)")

        let q = try TestEnvironment.lakeq(["--lake", dir.path + "/lake", "--format", "csv",
                                           "select session_id, len(segments), segments[-1].end, player.name, props['cdn'] from s order by 1"])
        #expect(q.status == 0, "\(q.output)")
        #expect(q.out == "session_id,len(segments),end,name,props['cdn']\n1,2,25,exo,a\n2,0,,,\n4,2,9,,\n")
        let u = try TestEnvironment.lakeq(["--lake", dir.path + "/lake", "--format", "jsonl",
                                           "select session_id, unnest(segments) as seg from s where player.version >= 3 order by 1"])
        #expect(u.out == """
        {"session_id":1,"seg":{"start":0,"end":10,"bitrate_kbps":500}}
        {"session_id":1,"seg":{"start":10,"end":25,"bitrate_kbps":null}}
        {"session_id":4,"seg":null}
        {"session_id":4,"seg":{"start":7,"end":9,"bitrate_kbps":800}}

        """, "\(u.output)")

        let check = try TestEnvironment.runPython("""
        import sys, deltalake, duckdb
        rows = sorted(deltalake.DeltaTable(sys.argv[1]).to_pyarrow_table().to_pylist(), key=lambda r: r["session_id"])
        assert [r["session_id"] for r in rows] == [1, 2, 4], rows
        assert rows[0]["segments"] == [{"start": 0, "end": 10, "bitrate_kbps": 500}, {"start": 10, "end": 25, "bitrate_kbps": None}], rows[0]
        assert rows[2]["segments"][0] is None and rows[2]["player"] == {"name": None, "version": 4}, rows[2]
        assert rows[0]["props"] == [("cdn", "a")], rows[0]
        n = duckdb.sql(f"select sum(len(segments)) from read_parquet('{sys.argv[1]}/**/*.parquet')").fetchall()[0][0]
        assert n == 4, n
        print("ok")
        """, [dir.path + "/lake/s"])
        #expect(check.status == 0 && check.out.contains("ok"), "\(check.output)")
    }
}
