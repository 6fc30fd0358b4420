import Foundation
import LakeqTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `lakeq stream` / `lakeq produce` end to end against a real broker (tansu), read back with
/// delta-rs. Small sizes: the full-size runs are Benchmarks/stream_*.sh.
@Suite(.serialized) struct StreamTests {
    @Test(.enabled(if: Requirements.kafkaAndDeltaRS))
    func exactlyOnceWithQuarantineAndDeltaRS() throws {
        let h = try StreamHarness("once")
        defer { h.close() }
        let (total, bad) = try h.produce(rows: 20_000, badRate: 0.01)
        #expect(total == 20_000 && bad > 100)
        let r = try h.lakeq(h.streamArgs(["--stop-at-end", "--json", "--max-batch-rows", "6000"]))
        #expect(r.status == 0, "\(r.output)")
        #expect(r.out.contains("\"messages\":20000"), "\(r.out)")
        let v = try h.verify(total: total, bad: bad)
        #expect(v.status == 0 && v.out.hasPrefix("OK \(total - bad) \(bad)"), "\(v.output)")
        // Batches close at --max-batch-rows: at least 4 commits of at most 6000 messages.
        let history = try h.lakeq(["history", "events", "--lake", h.lake])
        #expect(history.out.components(separatedBy: "STREAMING UPDATE").count - 1 >= 4, "\(history.out)")
        // lakeq's SQL agrees with delta-rs on the count, and the quarantine is queryable.
        let q = try h.lakeq(["--lake", h.lake, "--format", "csv", "select count(*), count(distinct event_id) from events"])
        #expect(q.out.contains("\(total - bad),\(total - bad)"), "\(q.output)")
        let qq = try h.lakeq(["--lake", h.lake + "/_quarantine", "--format", "csv", "select count(*), count(distinct \"offset\") >= 1 from events where topic = 'events'"])
        #expect(qq.status == 0 && qq.out.contains("\(bad),"), "\(qq.output)")
        // A second run finds nothing new and commits nothing.
        let again = try h.lakeq(h.streamArgs(["--stop-at-end", "--json"]))
        #expect(again.status == 0 && again.out.contains("\"commits\":0"), "\(again.output)")
    }

    @Test(.enabled(if: Requirements.kafkaAndDeltaRS))
    func quarantineRecordsNameTheMessage() throws {
        let h = try StreamHarness("quarantine")
        defer { h.close() }
        _ = try h.produce(rows: 200, partitions: 2)
        // Hand-made bad messages with keys: not JSON, too large, a broken rule, a wrong type,
        // an empty one and one with a line break inside a string.
        let script = """
        import sys
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": sys.argv[1]})
        good = '{"event_id":999001,"user_id":5,"show":"A","show_type":"movie","genre":"Drama","season":null,"episode":null,"event_time":"2026-01-05T10:00:00Z","watch":10.0,"duration":100.0,"completed":false,"device":"tv","country":"US","rating":null,"bitrate_kbps":3000}'
        msgs = [("k-json", "{not json"), ("k-big", "x" * 5000), ("k-rule", good.replace('"completed":false', '"completed":true')),
                ("k-type", good.replace('"user_id":5', '"user_id":"five"')), ("k-empty", ""), ("k-nl", good.replace('"show":"A"', '"show":"A\\nB"')),
                ("k-good", good.replace('"event_id":999001', '"event_id":999002').replace('"show":"A"', '"show":\\n"A"'))]
        for k, v in msgs: p.produce("events", value=v.encode(), key=k.encode(), partition=1, timestamp=1767225600123)
        p.flush()
        p.produce("events", value=good.encode(), key=b"k-last", partition=1)
        p.flush()
        """
        let r0 = try TestEnvironment.runPython(script, [h.broker.brokers], environment: h.environment)
        #expect(r0.status == 0, "\(r0.output)")
        let r = try h.lakeq(h.streamArgs(["--stop-at-end", "--max-message-bytes", "4K"]))
        #expect(r.status == 0, "\(r.output)")
        let check = """
        import sys, json, glob
        rows = [json.loads(l) for f in glob.glob(sys.argv[1] + "/_quarantine/events/*.jsonl") for l in open(f)]
        by = {r["key"]: r for r in rows}
        assert set(by) == {"k-json", "k-big", "k-rule", "k-type", "k-empty", "k-nl"}, sorted(by)
        for k, r in by.items():
            assert r["topic"] == "events" and r["partition"] == 1 and r["offset"] >= 1 and r["reasons"], r
            assert r["timestamp"] == "2026-01-01T00:00:00.123Z", r
        assert by["k-big"]["reasons"][0].startswith("message: 5000 bytes"), by["k-big"]
        assert by["k-big"]["raw"] == "x" * 5000
        assert by["k-json"]["raw"] == "{not json" and by["k-json"]["kind"] == "malformed"
        assert by["k-rule"]["kind"] == "rule" and "completed" in by["k-rule"]["reasons"][0], by["k-rule"]
        assert by["k-type"]["kind"] == "wrong_type", by["k-type"]
        assert by["k-empty"]["reasons"] == ["message: empty"], by["k-empty"]
        assert "line break" in by["k-nl"]["reasons"][0], by["k-nl"]
        print("OK", len(rows))
        """
        let c = try TestEnvironment.runPython(check, [h.lake])
        #expect(c.status == 0 && c.out.hasPrefix("OK 6"), "\(c.output)")
        let v = try h.verify(total: 208, bad: 6)
        #expect(v.status == 0, "\(v.output)")
    }

    @Test(.enabled(if: Requirements.kafkaAndDeltaRS))
    func killNineTrialsThenStopAtEndIsExactlyOnce() throws {
        let h = try StreamHarness("kill")
        defer { h.close() }
        let (total, bad) = try h.produce(rows: 30_000, badRate: 0.005)
        for trial in 0..<3 {
            let p = try h.spawn(h.streamArgs(["--max-batch-rows", "1500", "--max-latency", "200ms"]), tag: "trial\(trial)")
            // Kill at a random moment once some commits are in (or after a while regardless).
            let before = h.progress()
            _ = h.waitFor(before + Int.random(in: 1...4) * 1500, seconds: 30)
            usleep(UInt32.random(in: 0...400_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        let r = try h.lakeq(h.streamArgs(["--stop-at-end"]))
        #expect(r.status == 0, "\(r.output)")
        let v = try h.verify(total: total, bad: bad)
        #expect(v.status == 0 && v.out.hasPrefix("OK"), "\(v.output)")
    }

    @Test(.enabled(if: Requirements.kafkaAndDeltaRS))
    func twoConsumersOneKilledTheOtherTakesOver() throws {
        let h = try StreamHarness("group")
        defer { h.close() }
        let (total, bad) = try h.produce(rows: 24_000, badRate: 0.005)
        let a = try h.spawn(h.streamArgs(["--max-batch-rows", "1000", "--max-latency", "300ms"]), tag: "a")
        let b = try h.spawn(h.streamArgs(["--max-batch-rows", "1000", "--max-latency", "300ms"]), tag: "b")
        #expect(h.waitFor(3_000, seconds: 60), "\(h.log("a"))\(h.log("b"))")
        kill(a.processIdentifier, SIGKILL)
        a.waitUntilExit()
        // After the session timeout, b gets a's partitions and finishes everything.
        #expect(h.waitFor(total, seconds: 90), "progress \(h.progress()) of \(total)\n\(h.log("b"))")
        kill(b.processIdentifier, SIGTERM)
        b.waitUntilExit()
        #expect(b.terminationStatus == 0, "\(h.log("b"))")
        #expect(h.log("b").contains("assigned"), "\(h.log("b"))")
        let v = try h.verify(total: total, bad: bad)
        #expect(v.status == 0 && v.out.hasPrefix("OK"), "\(v.output)")
    }

    @Test(.enabled(if: Requirements.kafkaAndDeltaRS))
    func restartResumesFromTxnVersions() throws {
        let h = try StreamHarness("resume")
        defer { h.close() }
        let first = try h.produce(rows: 5_000, partitions: 3, seed: 1)
        let r1 = try h.lakeq(h.streamArgs(["--stop-at-end", "--json"]))
        #expect(r1.status == 0 && r1.out.contains("\"messages\":5000"), "\(r1.output)")
        let second = try h.produce(rows: 3_000, partitions: 3, seed: 2)
        let r2 = try h.lakeq(h.streamArgs(["--stop-at-end", "--json"]))
        // Only the new messages: each partition resumed after its txn version.
        #expect(r2.status == 0 && r2.out.contains("\"messages\":3000"), "\(r2.output)")
        let txns = """
        import sys
        from deltalake import DeltaTable
        dt = DeltaTable(sys.argv[1] + "/events")
        t = dt.to_pyarrow_table(columns=["event_id"])
        print(t.num_rows)
        """
        let c = try TestEnvironment.runPython(txns, [h.lake])
        #expect(c.out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(first.messages + second.messages)", "\(c.output)")
        // event_ids of the second run repeat the first's (same generator, other seed): counted, not deduplicated.
    }

    @Test(.enabled(if: Requirements.kafkaAndDeltaRS))
    func clearErrorsAtStart() throws {
        let h = try StreamHarness("errors")
        defer { h.close() }
        _ = try h.produce(rows: 100)
        let unknown = try h.lakeq(h.streamArgs(topic: "no-such-topic", ["--stop-at-end"]))
        #expect(unknown.status == 1 && unknown.err.contains("topic no-such-topic does not exist"), "\(unknown.output)")
        // A schema that does not match the table.
        let r = try h.lakeq(h.streamArgs(["--stop-at-end"]))
        #expect(r.status == 0, "\(r.output)")
        let other = try h.dir.write("other.schema.json", #"{"columns": [{"name": "event_id", "type": "int64"}, {"name": "date", "type": "date"}]}"#)
        var args = h.streamArgs(["--stop-at-end"])
        if let i = args.firstIndex(of: StreamHarness.schema) { args[i] = other }
        let mismatch = try h.lakeq(args)
        #expect(mismatch.status == 1 && mismatch.err.contains("does not match the table"), "\(mismatch.output)")
        // Without --schema the table's stored rules are used.
        var stored = h.streamArgs(["--stop-at-end"])
        if let i = stored.firstIndex(of: "--schema") { stored.removeSubrange(i...(i + 1)) }
        let s = try h.lakeq(stored)
        #expect(s.status == 0, "\(s.output)")
        // An unreachable broker: retries with a clear message; SIGTERM ends it.
        let port = try KafkaBroker.freePort()
        var down = h.streamArgs(["--stop-at-end"])
        if let i = down.firstIndex(of: h.broker.brokers) { down[i] = "127.0.0.1:\(port)" }
        let p = try h.spawn(down, tag: "down")
        let until = Date().addingTimeInterval(30)
        while Date() < until && !h.log("down").contains("retrying in") { usleep(200_000) }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(h.log("down").contains("cannot reach the brokers 127.0.0.1:\(port)"), "\(h.log("down"))")
        #expect(p.terminationReason == .exit, "a clear stop, never a crash")
    }
}

/// Nested columns through the stream: JSON messages with arrays and objects go into the
/// schema file's list / struct / map columns (ingest's parser), bad nested values into the
/// quarantine; read back with delta-rs.
@Suite(.serialized) struct NestedStreamTests {
    @Test(.enabled(if: Requirements.kafkaAndDeltaRS))
    func nestedMessagesIntoNestedColumns() throws {
        let h = try StreamHarness("nested")
        defer { h.close() }
        let schema = h.dir.file("sessions.schema.json")
        try """
        {"columns": [
          {"name": "session_id", "type": "int64", "required": true},
          {"name": "segments", "type": "list<struct<start: int64 not null, end: int64>>"},
          {"name": "player", "type": "struct<name: string, version: int32>"},
          {"name": "props", "type": "map<string, string>"}
        ]}
        """.write(toFile: schema, atomically: true, encoding: .utf8)
        let produce = """
        import sys
        from confluent_kafka import Producer
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": sys.argv[1]})
        for f in admin.create_topics([NewTopic("sessions", num_partitions=1, replication_factor=1)]).values(): f.result()
        p = Producer({"bootstrap.servers": sys.argv[1]})
        msgs = ['{"session_id": 1, "segments": [{"start": 0, "end": 10}, {"start": 10}], "player": {"name": "exo", "version": 3}, "props": {"cdn": "a"}}',
                '{"session_id": 2, "segments": [],\\n "player": null}',
                '{"session_id": 3, "segments": [{"end": 5}]}',
                '{"session_id": 4, "player": {"name": "exo", "extra": 1}}',
                '{"session_id": 5, "props": {"k": null}}']
        for v in msgs: p.produce("sessions", value=v.encode(), partition=0)
        p.flush()
        """
        let r0 = try TestEnvironment.runPython(produce, [h.broker.brokers], environment: h.environment)
        #expect(r0.status == 0, "\(r0.output)")
        let r = try h.lakeq(["stream", "--brokers", h.broker.brokers, "--topic", "sessions", "--group", "g", "--table", "sessions",
                             "--lake", h.lake, "--schema", schema, "--stop-at-end"])
        #expect(r.status == 0, "\(r.output)")
        let check = """
        import sys, json, glob, deltalake
        rows = sorted(deltalake.DeltaTable(sys.argv[1] + "/sessions").to_pyarrow_table().to_pylist(), key=lambda r: r["session_id"])
        assert [r["session_id"] for r in rows] == [1, 2, 5], rows
        assert rows[0]["segments"] == [{"start": 0, "end": 10}, {"start": 10, "end": None}], rows[0]
        assert rows[0]["player"] == {"name": "exo", "version": 3} and rows[0]["props"] == [("cdn", "a")], rows[0]
        assert rows[1]["segments"] == [] and rows[1]["player"] is None, rows[1]
        assert rows[2]["props"] == [("k", None)], rows[2]
        bad = [json.loads(l) for f in glob.glob(sys.argv[1] + "/_quarantine/sessions/*.jsonl") for l in open(f)]
        reasons = sorted(r["reasons"][0] for r in bad)
        assert reasons == ["player: unknown field \\"extra\\"", "segments[].start: missing in a non-nullable field"], reasons
        print("OK")
        """
        let c = try TestEnvironment.runPython(check, [h.lake])
        #expect(c.status == 0 && c.out.hasPrefix("OK"), "\(c.output)")
    }
}
