import Foundation
import LakeqTestSupport
import Testing

/// `lakeq ingest` end to end with the debug binary: gen_events.py data (good and bad rows),
/// read-back with deltalake and DuckDB, kill -9 crash trials, concurrent ingests, failures.
@Suite(.serialized) struct IngestCLITests {
    static let schema = TestEnvironment.packageRoot.appendingPathComponent("examples/events.schema.json").path
    static let genScript = TestEnvironment.sharedFile("bench/gen_events.py")

    static var canRun: Bool {
        FileManager.default.fileExists(atPath: TestEnvironment.binary) && FileManager.default.fileExists(atPath: genScript)
            && TestEnvironment.pythonHas("duckdb, deltalake, pyarrow, numpy")
    }

    static func tempDir(_ tag: String) throws -> String {
        let d = NSTemporaryDirectory() + "lakeq-ingest-\(tag)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// gen_events.py data, made once per (rows, bad-rate) and reused.
    static func data(rows: Int, badRate: Double) throws -> String {
        let dir = NSTemporaryDirectory() + "lakeq-ingest-data-\(rows)-\(badRate)"
        if FileManager.default.fileExists(atPath: dir + "/bad_rows.txt") { return dir }
        let python = try #require(TestEnvironment.python)
        let r = try TestEnvironment.run(python, [genScript, "--rows", "\(rows)", "--seed", "1", "--out", dir,
                                                 "--bad-rate", "\(badRate)", "--formats", "csv,jsonl,lake"])
        #expect(r.status == 0, "\(r.output)")
        return dir
    }

    static func lakeq(_ args: [String]) throws -> TestEnvironment.Outcome {
        try TestEnvironment.lakeq(args)
    }

    static func python(_ script: String, _ args: [String]) throws -> TestEnvironment.Outcome {
        try TestEnvironment.runPython(script, args)
    }

    /// Checks a table against the Parquet layout and bad_rows.txt; prints `OK` on success.
    static let verify = """
    import sys, json, glob, os, duckdb
    from deltalake import DeltaTable
    data, lake, table, col = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    dt = DeltaTable(f"{lake}/{table}")
    t = dt.to_pyarrow_table()
    con = duckdb.connect(); con.execute("SET TimeZone='UTC'")
    con.register("t", t)
    q = "select count(*), count(distinct event_id), sum(event_id), sum(user_id), round(sum(watch), 3), count(rating), sum(bitrate_kbps), min(event_time), max(event_time), sum(cast(completed as int)), string_agg(distinct device, ',' order by device) from {}"
    mine = con.execute(q.format("t")).fetchall()
    ref = con.execute(q.format(f"read_parquet('{data}/lake/events/*/*.parquet', hive_partitioning=true)")).fetchall()
    files = [f.replace('file://', '') for f in dt.file_uris()]
    files = [f if f.startswith('/') else f"{lake}/{table}/{f}" for f in files]
    via_files = con.execute(q.format("read_parquet(" + repr(files) + ")")).fetchall()
    # date derived from event_time in every row
    bad_dates = con.execute("select count(*) from t where date <> cast(event_time as date)").fetchone()[0]
    assert mine == ref, (mine, ref)
    assert via_files == ref, (via_files, ref)
    assert bad_dates == 0
    expected = sorted(int(l.split('\\t')[col]) for l in open(f"{data}/bad_rows.txt") if not l.startswith('#'))
    q = []
    for f in glob.glob(f"{lake}/_quarantine/{table}/*.jsonl"):
        for line in open(f):
            r = json.loads(line); assert r["reasons"] and all(isinstance(x, str) and x for x in r["reasons"]); q.append(r["line"])
    assert sorted(q) == expected, (len(q), len(expected))
    print("OK", mine[0][0], len(q))
    """

    @Test(.enabled(if: canRun), arguments: ["csv", "jsonl"])
    func goodRowsOnceBadRowsQuarantined(format: String) throws {
        let data = try Self.data(rows: 20_000, badRate: 0.01)
        let lake = try Self.tempDir("ok")
        defer { try? FileManager.default.removeItem(atPath: lake) }
        let r = try Self.lakeq(["ingest", "\(data)/events.\(format)", "--table", "events", "--lake", lake,
                                "--schema", Self.schema, "--partition-by", "date", "--json"])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("\"rows_committed\":20000"))
        let v = try Self.python(Self.verify, [data, lake, "events", format == "csv" ? "0" : "1"])
        #expect(v.status == 0 && v.output.hasPrefix("OK 20000"), "\(v.output)")
        // The engine reads it too, and the quarantine's Parquet twin is a queryable table.
        let q = try Self.lakeq(["--lake", lake, "select count(*), sum(event_id) from events"])
        #expect(q.output.contains("20000,200010000"), "\(q.output)")
        let qq = try Self.lakeq(["--lake", lake + "/_quarantine", "select count(*) from events"])
        #expect(qq.status == 0 && qq.output.contains("200"), "\(qq.output)")
        // A re-run of the same source is skipped; --force ingests it again.
        let again = try Self.lakeq(["ingest", "\(data)/events.\(format)", "--table", "events", "--lake", lake])
        #expect(again.status == 0 && again.output.contains("skipped=events.\(format)"), "\(again.output)")
        let forced = try Self.lakeq(["ingest", "\(data)/events.\(format)", "--table", "events", "--lake", lake, "--force"])
        #expect(forced.status == 0 && forced.output.contains("committed=20000"), "\(forced.output)")
    }

    @Test(.enabled(if: canRun))
    func batchedCommitsAndResume() throws {
        let data = try Self.data(rows: 20_000, badRate: 0.01)
        let lake = try Self.tempDir("batch")
        defer { try? FileManager.default.removeItem(atPath: lake) }
        let r = try Self.lakeq(["ingest", "\(data)/events.csv", "--table", "events", "--lake", lake, "--schema", Self.schema,
                                "--partition-by", "date", "--batch-rows", "3000", "--json"])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("\"versions\":[1,2,3,4,5,6,7]"), "\(r.output)")
        let v = try Self.python(Self.verify, [data, lake, "events", "0"])
        #expect(v.status == 0, "\(v.output)")
    }

    /// Runs `lakeq ingest` and kills it with SIGKILL after a random delay.
    static func killedIngest(_ args: [String], afterMicros: UInt32) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnvironment.binary)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(afterMicros)
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    static func countAndSum(_ lake: String) throws -> (Int, Int)? {
        guard FileManager.default.fileExists(atPath: lake + "/events/_delta_log/00000000000000000000.json") else { return (0, 0) }
        let r = try lakeq(["--lake", lake, "select count(*), coalesce(sum(event_id), 0) from events"])
        guard r.status == 0, let last = r.output.split(separator: "\n").last else { return nil }
        let parts = last.split(separator: ",").compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    @Test(.enabled(if: canRun))
    func killNineLeavesAllOrNothingAndRerunCompletes() throws {
        let data = try Self.data(rows: 5_000, badRate: 0.01)
        let expectedSum = 5_000 * 5_001 / 2
        var outcomes = [0, 0]  // (nothing, everything) seen after a kill
        for trial in 0..<24 {
            let lake = try Self.tempDir("crash\(trial)")
            defer { try? FileManager.default.removeItem(atPath: lake) }
            let batched = trial % 4 == 3
            var args = ["ingest", "\(data)/events.csv", "--table", "events", "--lake", lake, "--schema", Self.schema, "--partition-by", "date"]
            if batched { args += ["--batch-rows", "1000"] }
            try Self.killedIngest(args, afterMicros: UInt32.random(in: 20_000...900_000))
            let after = try #require(try Self.countAndSum(lake), "queries must work after a kill (trial \(trial))")
            if batched {
                #expect(after.0 <= 5_000, "trial \(trial): whole batches only")
            } else {
                #expect(after.0 == 0 || after == (5_000, expectedSum), "trial \(trial): \(after)")
                outcomes[after.0 == 0 ? 0 : 1] += 1
            }
            let r = try Self.lakeq(args)
            #expect(r.status == 0, "trial \(trial): \(r.output)")
            let done = try #require(try Self.countAndSum(lake))
            #expect(done == (5_000, expectedSum), "trial \(trial): \(done)")
            let v = try Self.python(Self.verifyQuarantine, [data, lake])
            #expect(v.status == 0, "trial \(trial): \(v.output)")
        }
        print("crash trials (single commit): nothing=\(outcomes[0]) all=\(outcomes[1])")
    }

    /// After a re-run, the valid quarantine holds each bad line exactly once.
    static let verifyQuarantine = """
    import sys, json, glob
    data, lake = sys.argv[1], sys.argv[2]
    expected = sorted(int(l.split('\\t')[0]) for l in open(f"{data}/bad_rows.txt") if not l.startswith('#'))
    q = [json.loads(l)["line"] for f in glob.glob(f"{lake}/_quarantine/events/*.jsonl") for l in open(f)]
    assert sorted(q) == expected, (len(q), len(expected))
    print("OK")
    """

    @Test(.enabled(if: canRun))
    func concurrentIngestsOfDifferentFilesBothCommit() throws {
        let data = try Self.data(rows: 20_000, badRate: 0.01)
        let lake = try Self.tempDir("conc")
        defer { try? FileManager.default.removeItem(atPath: lake) }
        // Two halves of the CSV, each with the header.
        let text = try String(contentsOfFile: "\(data)/events.csv", encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        let header = lines[0]
        let mid = lines.count / 2
        try ([header] + lines[1..<mid]).joined(separator: "\n").appending("\n").write(toFile: lake + "/a.csv", atomically: true, encoding: .utf8)
        try ([header] + lines[mid...]).joined(separator: "\n").appending("\n").write(toFile: lake + "/b.csv", atomically: true, encoding: .utf8)
        var procs: [Process] = []
        for f in ["a.csv", "b.csv"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: TestEnvironment.binary)
            p.arguments = ["ingest", lake + "/" + f, "--table", "events", "--lake", lake, "--schema", Self.schema, "--partition-by", "date", "--batch-rows", "2500"]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            procs.append(p)
        }
        for p in procs { p.waitUntilExit(); #expect(p.terminationStatus == 0) }
        let done = try #require(try Self.countAndSum(lake))
        #expect(done == (20_000, 20_000 * 20_001 / 2), "\(done)")
        let q = try Self.python("""
        import sys, json, glob
        q = [json.loads(l) for f in glob.glob(sys.argv[1] + '/_quarantine/events/*.jsonl') for l in open(f)]
        print(len(q), len(set((r['source'], r['line']) for r in q)))
        """, [lake])
        #expect(q.output.hasPrefix("200 200"), "\(q.output)")
    }

    // MARK: failures

    @Test(.enabled(if: canRun))
    func failures() throws {
        let data = try Self.data(rows: 20_000, badRate: 0.01)
        let dir = try Self.tempDir("neg")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lake = dir + "/lake"
        func ingest(_ extra: [String], src: String? = nil) throws -> TestEnvironment.Outcome {
            try Self.lakeq(["ingest", src ?? "\(data)/events.csv", "--table", "events", "--lake", lake, "--partition-by", "date"] + extra)
        }
        // Malformed schema file.
        try "{\"columns\": [".write(toFile: dir + "/broken.json", atomically: true, encoding: .utf8)
        var r = try ingest(["--schema", dir + "/broken.json"])
        #expect(r.status == 1 && r.output.contains("expected {\"columns\""), "\(r.output)")
        // Unknown key, unknown column in a rule, and a schema whose columns the CSV lacks.
        let base = try String(contentsOfFile: Self.schema, encoding: .utf8)
        try base.replacingOccurrences(of: "\"max_column\": \"duration\"", with: "\"max_column\": \"nope\"")
            .write(toFile: dir + "/unknown-ref.json", atomically: true, encoding: .utf8)
        r = try ingest(["--schema", dir + "/unknown-ref.json"])
        #expect(r.status == 1 && r.output.contains("unknown column nope"), "\(r.output)")
        try base.replacingOccurrences(of: "\"required\": true, \"min\": 235", with: "\"requird\": true, \"min\": 235")
            .write(toFile: dir + "/typo.json", atomically: true, encoding: .utf8)
        r = try ingest(["--schema", dir + "/typo.json"])
        #expect(r.status == 1 && r.output.contains("unknown key \"requird\""), "\(r.output)")
        try base.replacingOccurrences(of: "{\"name\": \"genre\",", with: "{\"name\": \"extra\", \"type\": \"string\"},\n  {\"name\": \"genre\",")
            .write(toFile: dir + "/extra.json", atomically: true, encoding: .utf8)
        r = try ingest(["--schema", dir + "/extra.json"])
        #expect(r.status == 1 && r.output.contains("schema column extra is missing from the CSV header"), "\(r.output)")
        // Missing source.
        r = try ingest(["--schema", Self.schema], src: dir + "/nope.csv")
        #expect(r.status == 1 && r.output.contains("nope.csv"), "\(r.output)")
        // All-bad input.
        let bad = (0..<50).map { "x\($0),1,2" }.joined(separator: "\n")
        let header = try #require(try String(contentsOfFile: "\(data)/events.csv", encoding: .utf8).split(separator: "\n").first)
        try (header + "\n" + bad + "\n").write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
        r = try ingest(["--schema", Self.schema], src: dir + "/bad.csv")
        #expect(r.status == 1 && r.output.contains("all 50 rows are bad"), "\(r.output)")
        // --max-bad-fraction exceeded (1% bad > 0.5%): nothing committed, single or batched.
        for extra in [[], ["--batch-rows", "1000"]] {
            r = try ingest(["--schema", Self.schema, "--max-bad-fraction", "0.005"] + extra)
            #expect(r.status == 1 && r.output.contains("nothing committed"), "\(r.output)")
            let log = try FileManager.default.contentsOfDirectory(atPath: lake + "/events/_delta_log").filter { $0.hasSuffix(".json") }
            #expect(log == ["00000000000000000000.json"], "\(log)")
            let q = (try? FileManager.default.contentsOfDirectory(atPath: lake + "/_quarantine/events")) ?? []
            #expect(q.filter { !$0.hasPrefix(".") }.isEmpty, "\(q)")
        }
        // Within the limit it commits; a --schema that disagrees with the table is refused.
        r = try ingest(["--max-bad-fraction", "0.02"])
        #expect(r.status == 0, "\(r.output)")
        r = try ingest(["--schema", dir + "/extra.json"], src: "\(data)/events.jsonl")
        #expect(r.status == 1 && r.output.contains("disagrees"), "\(r.output)")
    }
}
