import LakeqDelta
@preconcurrency import LakeqIngest
import LakeqKafka
@preconcurrency import LakeqParquet

/// What `lakeq stream` was asked to do. Defaults are the documented ones (spec/stream.md).
public struct StreamOptions: Sendable {
    public var brokers: String
    public var topic: String
    public var group: String
    public var lake: String
    public var table: String
    /// From `--schema`; required when the table does not exist. nil: the table's stored rules.
    public var schema: IngestSchema?
    public var partitionBy: [String] = []
    public var format: SourceFormat = .jsonl
    /// A batch closes at this many messages…
    public var maxBatchRows = 500_000
    /// …or this many message bytes…
    public var maxBatchBytes = 128 << 20
    /// …or this long after its first message, whichever comes first.
    public var maxLatencySeconds = 5.0
    /// Larger messages are quarantined unparsed.
    public var maxMessageBytes = 1 << 20
    /// Consume up to each partition's end offset as of start, commit, and stop.
    public var stopAtEnd = false
    /// Status lines as JSON.
    public var json = false
    /// Seconds between status lines.
    public var statusInterval = 5.0
    /// librdkafka settings given with `--kafka-option KEY=VALUE` (they win over lakeq's defaults).
    public var kafkaOptions: [String] = []
    public var threads = 1
    public var writer = WriterOptions.lakeTable

    public init(brokers: String, topic: String, group: String, lake: String, table: String) {
        self.brokers = brokers
        self.topic = topic
        self.group = group
        self.lake = lake
        self.table = table
    }

    /// The consumer's librdkafka settings: lakeq's defaults, then `--kafka-option`s.
    public func kafkaConfig() throws -> KafkaConfig {
        var c = KafkaConfig(brokers: brokers)
        // Larger fetches than librdkafka's defaults: the stream drains backlogs in bulk.
        c.set("max.partition.fetch.bytes", String(8 << 20))
        c.set("fetch.max.bytes", String(64 << 20))
        c.set("queued.max.messages.kbytes", String(256 << 10))
        c.set("client.id", "lakeq-stream")
        // A dead member's partitions move after 10 s (librdkafka's default is 45 s); some
        // brokers (tansu) also wait half of it before the first assignment.
        c.set("session.timeout.ms", "10000")
        c.set("heartbeat.interval.ms", "2000")
        for o in kafkaOptions { try c.set(option: o) }
        return c
    }
}

/// Errors of the stream layer; `description` is the one-line message the CLI prints.
public enum StreamError: Error, CustomStringConvertible {
    case usage(String)
    case schema(String)
    case kafka(String)
    case io(String)

    public var description: String {
        switch self {
        case .usage(let m), .schema(let m), .kafka(let m), .io(let m): return m
        }
    }
}
