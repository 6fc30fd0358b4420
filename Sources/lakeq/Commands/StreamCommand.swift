import ArgumentParser
import Foundation
import LakeqDelta
import LakeqIngest
import LakeqKafka
import LakeqParquet
import LakeqStream

/// `lakeq stream`: a Kafka topic into a Delta table, validated, exactly once
/// (spec/stream.md). The logic lives in LakeqStream; this parses options and prints.
struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream", abstract: "Consume a Kafka topic into a Delta table, exactly once, quarantining bad messages.",
        discussion: "Each batch is one Delta commit holding its data files, its quarantine records and one txn per topic-partition; on start and on every assignment each partition resumes after the table's txn version. Runs until SIGINT/SIGTERM (finishing the current batch) or, with --stop-at-end, until every partition's end offset as of start is committed. See spec/stream.md.")

    @Option(help: "Kafka bootstrap brokers, HOST:PORT[,HOST:PORT...].") var brokers: String
    @Option(help: "Topic to consume.") var topic: String
    @Option(help: "Consumer group (processes with the same group share the partitions).") var group: String
    @Option(help: "Table name (a directory under the lake).") var table: String
    @Option(help: "The lake directory (default: $LAKEQ_LAKE, else ./lake).") var lake: String?
    @Option(help: "Schema file with types and quality rules (required to create the table; default: the table's stored rules).") var schema: String?
    @Option(help: "Partition column(s), comma-separated (when creating the table).") var partitionBy: String?
    @Option(help: "Message format: json (one object per message) or csv (one record per message, fields in schema order).") var format: String = "json"
    @Option(help: "Close a batch at this many messages (default 500000).") var maxBatchRows: Int = 500_000
    @Option(help: "Close a batch at this many message bytes; K/M/G suffixes (default 128M).") var maxBatchBytes: String = "128M"
    @Option(help: "Close a batch this long after its first message: 500ms, 1s, 2m (default 5s).") var maxLatency: String = "5s"
    @Option(help: "Quarantine messages larger than this, unparsed; K/M/G suffixes (default 1M).") var maxMessageBytes: String = "1M"
    @Option(name: .customLong("kafka-option"), help: "A librdkafka setting KEY=VALUE (repeatable), e.g. session.timeout.ms=10000.") var kafkaOptions: [String] = []
    @Flag(help: "Consume up to each partition's end offset as of start, commit, and exit.") var stopAtEnd = false
    @Flag(help: "Status lines (stderr) and the summary (stdout) as JSON.") var json = false
    @Option(help: "Seconds between status lines (default 5).") var statusInterval: Double = 5
    @Option(help: "Threads for parsing and writing (default: $LAKEQ_THREADS, else all cores).") var threads: Int?
    @Option(help: "Compression: none, snappy, zstd, gzip, lz4, brotli.") var compression: String = "lz4"

    func validate() throws {
        guard !table.isEmpty, !table.contains("/"), !table.hasPrefix("_"), !table.hasPrefix(".") else {
            throw ValidationError("--table must be a plain name (no '/', not starting with '_' or '.')")
        }
        guard ["json", "jsonl", "csv"].contains(format.lowercased()) else { throw ValidationError("--format must be json or csv") }
        guard maxBatchRows >= 1 else { throw ValidationError("--max-batch-rows must be at least 1") }
        guard let b = parseBytes(maxBatchBytes), b >= 1 else { throw ValidationError("--max-batch-bytes: expected a size like 64M") }
        guard let m = parseBytes(maxMessageBytes), m >= 1 else { throw ValidationError("--max-message-bytes: expected a size like 1M") }
        _ = (b, m)
        guard let l = parseDuration(maxLatency), l > 0 else { throw ValidationError("--max-latency: expected a duration like 1s or 500ms") }
        _ = l
        guard statusInterval > 0 else { throw ValidationError("--status-interval must be positive") }
        guard !brokers.isEmpty, !topic.isEmpty, !group.isEmpty else { throw ValidationError("--brokers, --topic and --group must not be empty") }
        guard parseCodec(compression) != nil else { throw ValidationError("unknown --compression \(compression)") }
        for o in kafkaOptions where !o.contains("=") { throw ValidationError("--kafka-option \(o): expected KEY=VALUE") }
    }

    func run() throws {
        let dir = lake ?? ProcessInfo.processInfo.environment["LAKEQ_LAKE"] ?? "./lake"
        var o = StreamOptions(brokers: brokers, topic: topic, group: group, lake: dir, table: table)
        o.partitionBy = partitionBy.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        o.format = format.lowercased() == "csv" ? .csv : .jsonl
        o.maxBatchRows = maxBatchRows
        o.maxBatchBytes = parseBytes(maxBatchBytes) ?? o.maxBatchBytes
        o.maxMessageBytes = parseBytes(maxMessageBytes) ?? o.maxMessageBytes
        o.maxLatencySeconds = parseDuration(maxLatency) ?? o.maxLatencySeconds
        o.stopAtEnd = stopAtEnd
        o.json = json
        o.statusInterval = statusInterval
        o.kafkaOptions = kafkaOptions
        o.threads = resolveThreads(threads)
        o.writer.compression = parseCodec(compression) ?? .lz4Raw
        let stop = StopSignal()
        stop.install()
        try reportingErrors {
            if let schema { o.schema = try IngestSchema.load(path: schema) }
            let pipeline = StreamPipeline(options: o, stop: stop) { line in printError(line) }
            let s = try pipeline.run()
            let st = s.status
            if json {
                let obj: [String: Any] = [
                    "table": dir + "/" + table, "created": s.createdTable, "versions": s.versions, "messages": st.messages,
                    "rows_committed": st.rowsCommitted, "quarantined": st.quarantined, "commits": st.commits,
                    "seconds": st.seconds, "messages_per_second": s.messagesPerSecond, "stale_batches": s.staleBatches,
                    "first_message_seconds": st.firstMessageSeconds ?? NSNull(),
                ]
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("stream: table=\(dir)/\(table) messages=\(st.messages) committed=\(st.rowsCommitted) quarantined=\(st.quarantined) commits=\(st.commits) last_version=\(s.versions.last.map(String.init) ?? "-") secs=\(String(format: "%.2f", st.seconds)) msgs_per_s=\(String(format: "%.0f", s.messagesPerSecond))")
            }
        }
    }
}

/// `lakeq produce`: sample viewing events as JSON messages (spec/stream.md).
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce", abstract: "Publish sample viewing events (the rows lakeq gen makes) as JSON messages keyed by user_id.",
        discussion: "Creates the topic when missing. --bad-rate spoils that fraction of messages (malformed JSON, wrong type, out of range, not allowed, broken rule). Each partition ends with a one-message batch. SIGINT/SIGTERM stop early (still ending each partition that way).")

    @Option(help: "Kafka bootstrap brokers, HOST:PORT[,HOST:PORT...].") var brokers: String
    @Option(help: "Topic to publish to.") var topic: String
    @Option(help: "Partitions when the topic is created (default 4).") var partitions: Int = 4
    @Option(help: "Messages to publish (default 1000000).") var rows: Int = 1_000_000
    @Option(help: "Messages per second (default: as fast as possible).") var rate: Double?
    @Option(help: "Fraction of messages that are bad (default 0).") var badRate: Double = 0
    @Option(help: "Random seed (same rows and seed give the same messages).") var seed: UInt64 = 1
    @Option(name: .customLong("kafka-option"), help: "A librdkafka setting KEY=VALUE (repeatable).") var kafkaOptions: [String] = []
    @Flag(help: "Progress lines (stderr, every second) and the summary (stdout) as JSON.") var json = false

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must not be negative") }
        guard partitions >= 1 else { throw ValidationError("--partitions must be at least 1") }
        guard badRate >= 0 && badRate <= 1 else { throw ValidationError("--bad-rate must be within 0...1") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be positive") }
        for o in kafkaOptions where !o.contains("=") { throw ValidationError("--kafka-option \(o): expected KEY=VALUE") }
    }

    func run() throws {
        var o = ProduceOptions(brokers: brokers, topic: topic)
        o.partitions = partitions
        o.rows = rows
        o.rate = rate
        o.badRate = badRate
        o.seed = seed
        o.kafkaOptions = kafkaOptions
        let stop = StopSignal()
        stop.install()
        let json = self.json
        try reportingErrors {
            let s = try EventProducer(options: o).run(stop: stop) { sent, secs in
                if json {
                    printError("{\"sent\":\(sent),\"seconds\":\(String(format: "%.3f", secs)),\"time\":\(String(format: "%.3f", Date().timeIntervalSince1970))}")
                }
            }
            let per = s.perPartition.keys.sorted().map { "\($0):\(s.perPartition[$0] ?? 0)" }.joined(separator: ",")
            if json {
                print("{\"messages\":\(s.messages),\"bad\":\(s.bad),\"partitions\":\(s.partitions),\"created_topic\":\(s.createdTopic),\"seconds\":\(String(format: "%.3f", s.seconds)),\"per_partition\":{\(s.perPartition.keys.sorted().map { "\"\($0)\":\(s.perPartition[$0] ?? 0)" }.joined(separator: ","))}}")
            } else {
                print("produce: topic=\(topic) messages=\(s.messages) bad=\(s.bad) partitions=\(s.partitions)\(s.createdTopic ? " (created)" : "") per_partition=\(per) secs=\(String(format: "%.2f", s.seconds)) msgs_per_s=\(String(format: "%.0f", s.seconds > 0 ? Double(s.messages) / s.seconds : 0))")
            }
        }
    }
}


/// `123`, `64K`, `128M`, `1G` (powers of 1024).
func parseBytes(_ s: String) -> Int? {
    let t = s.trimmingCharacters(in: .whitespaces).uppercased().replacingOccurrences(of: "B", with: "").replacingOccurrences(of: "I", with: "")
    guard let last = t.last else { return nil }
    let shifts: [Character: Int] = ["K": 10, "M": 20, "G": 30]
    if let sh = shifts[last] { return Int(t.dropLast()).map { $0 << sh } }
    return Int(t)
}

/// `500ms`, `1s`, `1.5s`, `2m`, or plain seconds.
func parseDuration(_ s: String) -> Double? {
    let t = s.trimmingCharacters(in: .whitespaces).lowercased()
    if t.hasSuffix("ms") { return Double(t.dropLast(2)).map { $0 / 1000 } }
    if t.hasSuffix("s") { return Double(t.dropLast()) }
    if t.hasSuffix("m") { return Double(t.dropLast()).map { $0 * 60 } }
    return Double(t)
}
