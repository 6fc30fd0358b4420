import Foundation
import LakeqTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A broker, a lake and the debug `lakeq` binary run with the librdkafka that talks to the
/// broker: what the stream's end-to-end tests share.
final class StreamHarness: @unchecked Sendable {
    let broker: KafkaBroker
    let dir: TemporaryDirectory
    var lake: String { dir.file("lake") }
    static let schema = TestEnvironment.packageRoot.appendingPathComponent("examples/events.schema.json").path

    init(_ tag: String) throws {
        broker = try KafkaBroker.start()
        dir = try TemporaryDirectory("stream-\(tag)")
    }

    func close() {
        broker.stop()
        dir.remove()
    }

    var environment: [String: String] { KafkaBroker.libraryEnvironment }

    @discardableResult
    func lakeq(_ args: [String]) throws -> TestEnvironment.Outcome {
        try TestEnvironment.lakeq(args, environment: environment)
    }

    /// `lakeq produce`; returns (messages, bad).
    func produce(topic: String = "events", rows: Int, badRate: Double = 0, partitions: Int = 4, seed: Int = 1,
                 extra: [String] = []) throws -> (messages: Int, bad: Int) {
        let r = try lakeq(["produce", "--brokers", broker.brokers, "--topic", topic, "--rows", "\(rows)", "--bad-rate", "\(badRate)",
                           "--partitions", "\(partitions)", "--seed", "\(seed)", "--json"] + extra)
        guard r.status == 0, let obj = try? JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any],
              let m = obj["messages"] as? Int, let b = obj["bad"] as? Int else {
            throw TestSupportError("produce failed: \(r.output)")
        }
        return (m, b)
    }

    /// The usual stream arguments.
    func streamArgs(group: String = "g", topic: String = "events", _ extra: [String]) -> [String] {
        ["stream", "--brokers", broker.brokers, "--topic", topic, "--group", group, "--table", "events", "--lake", lake,
         "--schema", Self.schema, "--partition-by", "date", "--kafka-option", "session.timeout.ms=6000",
         "--kafka-option", "heartbeat.interval.ms=1000", "--status-interval", "1"] + extra
    }

    /// Starts `lakeq stream` in the background (output to files).
    func spawn(_ args: [String], tag: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnvironment.binary)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        FileManager.default.createFile(atPath: dir.file("\(tag).out"), contents: nil)
        FileManager.default.createFile(atPath: dir.file("\(tag).err"), contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: dir.file("\(tag).out"))
        p.standardError = FileHandle(forWritingAtPath: dir.file("\(tag).err"))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    func log(_ tag: String) -> String {
        ((try? String(contentsOfFile: dir.file("\(tag).out"), encoding: .utf8)) ?? "") + ((try? String(contentsOfFile: dir.file("\(tag).err"), encoding: .utf8)) ?? "")
    }

    /// Rows in the table plus quarantine records, read the cheap way (the log's stats and the
    /// quarantine JSONL files of committed versions): for waiting, not for checking.
    func progress() -> Int {
        var n = 0
        let log = lake + "/events/_delta_log"
        for f in (try? FileManager.default.contentsOfDirectory(atPath: log)) ?? [] where f.hasSuffix(".json") && !f.hasPrefix(".") {
            guard let text = try? String(contentsOfFile: log + "/" + f, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") where line.contains("\"lakeqStream\"") {
                if let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                   let info = obj["commitInfo"] as? [String: Any], let s = info["lakeqStream"] as? [String: Any],
                   let m = s["messages"] as? Int { n += m }
            }
        }
        return n
    }

    /// Waits until `progress()` reaches `count` (false on timeout).
    func waitFor(_ count: Int, seconds: Double) -> Bool {
        let until = Date().addingTimeInterval(seconds)
        while Date() < until {
            if progress() >= count { return true }
            usleep(200_000)
        }
        return false
    }

    /// delta-rs reads the table; every message is once in the table or once in the quarantine.
    /// Prints `OK rows quarantined`.
    static let verify = """
    import sys, json, glob, os
    from deltalake import DeltaTable
    lake, total, bad = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    dt = DeltaTable(f"{lake}/events")
    t = dt.to_pyarrow_table(columns=["event_id"])
    ids = t.column("event_id").to_pylist()
    assert len(ids) == len(set(ids)), ("duplicate event ids", len(ids), len(set(ids)))
    versions = set()
    for line in open(f"{lake}/events/_delta_log/{dt.version():020d}.json"): pass
    named = set()
    for f in glob.glob(f"{lake}/events/_delta_log/*.json"):
        v = int(os.path.basename(f)[:20])
        for line in open(f):
            a = json.loads(line)
            q = a.get("commitInfo", {}).get("lakeqStream", {}).get("quarantineRows", 0)
            if q: named.add(v)
    q = []
    for f in glob.glob(f"{lake}/_quarantine/events/*.jsonl"):
        v = int(os.path.basename(f).split(".")[0])
        if v not in named: continue
        for line in open(f):
            r = json.loads(line)
            assert r["reasons"] and r["topic"] == "events" and isinstance(r["partition"], int) and isinstance(r["offset"], int), r
            assert "timestamp" in r and "key" in r and "raw" in r, r
            q.append((r["partition"], r["offset"]))
    assert len(q) == len(set(q)), ("duplicate quarantine records", len(q), len(set(q)))
    assert len(ids) + len(q) == total, ("rows + quarantined != messages", len(ids), len(q), total)
    if bad >= 0: assert len(q) == bad, ("quarantined", len(q), "expected", bad)
    print("OK", len(ids), len(q))
    """

    func verify(total: Int, bad: Int) throws -> TestEnvironment.Outcome {
        try TestEnvironment.runPython(Self.verify, [lake, "\(total)", "\(bad)"])
    }
}
