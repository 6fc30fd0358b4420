import Foundation
@preconcurrency import LakeqColumnar
import LakeqKafka
@preconcurrency import LakeqSample

/// What `lakeq produce` was asked to do.
public struct ProduceOptions: Sendable {
    public var brokers: String
    public var topic: String
    /// Partitions of a topic created here (an existing topic keeps its own).
    public var partitions = 4
    public var rows = 1_000_000
    /// Messages per second; nil: as fast as the broker takes them.
    public var rate: Double?
    /// Fraction of messages spoiled (malformed JSON, wrong type, out of range, not allowed, broken rule).
    public var badRate = 0.0
    public var seed: UInt64 = 1
    public var kafkaOptions: [String] = []

    public init(brokers: String, topic: String) {
        self.brokers = brokers
        self.topic = topic
    }
}

/// What a produce run did.
public struct ProduceSummary: Sendable {
    public var messages = 0
    public var bad = 0
    public var partitions = 0
    public var createdTopic = false
    public var seconds = 0.0
    /// Per partition, the messages sent.
    public var perPartition: [Int32: Int] = [:]
}

/// Publishes the rows `lakeq gen` makes as JSON messages keyed by user_id, some spoiled at
/// `badRate`. Partitions are chosen here (FNV-1a of the key, so a user stays on one
/// partition) and each partition's last message is sent alone after everything else is
/// delivered: a one-message batch, so that brokers that report a partition's end offset as
/// "first offset of the last batch + 1" (tansu) report it exactly.
public final class EventProducer: @unchecked Sendable {
    public let options: ProduceOptions

    public init(options: ProduceOptions) { self.options = options }

    /// Produces until done or `stop` is requested; `progress(sent, seconds)` about every second.
    public func run(stop: StopSignal, progress: ((Int, Double) -> Void)? = nil) throws -> ProduceSummary {
        let started = DispatchTime.now()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }
        var config = KafkaConfig(brokers: options.brokers)
        config.set("client.id", "lakeq-produce")
        for o in options.kafkaOptions { try config.set(option: o) }
        let producer = try KafkaProducer(config: config)
        var summary = ProduceSummary()
        let partitionCount: Int
        do {
            partitionCount = try producer.metadata(topic: options.topic, timeoutMs: 10_000).partitions.count
        } catch let e as KafkaError where e.isUnknownTopic {
            summary.createdTopic = try producer.createTopic(options.topic, partitions: Int32(options.partitions))
            partitionCount = try waitForPartitions(producer)
        } catch let e as KafkaError {
            throw StreamError.kafka("cannot reach the brokers \(options.brokers): \(e.message)")
        }
        summary.partitions = partitionCount

        let gen = EventsGenerator(rows: options.rows, seed: options.seed)
        var rng = Xoshiro256(seed: options.seed, stream: 0xBAD)
        var held: [Int32: (key: [UInt8], value: [UInt8])] = [:]
        var buffer: [UInt8] = []
        var lastProgress = 0.0
        let perBatch = 65_536
        outer: for day in 0..<EventsGenerator.days {
            let (n, _) = gen.dayRange(day)
            var off = 0, b = 0
            while off < n {
                let c = min(perBatch, n - off)
                let json = EventJSON(gen.batch(day: day, offset: off, count: c, batchIndex: b))
                for row in 0..<c {
                    if stop.isRequested { break outer }
                    var damage: EventJSON.Damage?
                    if options.badRate > 0, rng.unit() < options.badRate {
                        damage = EventJSON.Damage(rawValue: rng.below(EventJSON.Damage.allCases.count))
                        summary.bad += 1
                    }
                    json.encode(row, into: &buffer, damage: damage)
                    let key = Array(String(json.userID(row)).utf8)
                    let p = Self.partition(key, count: partitionCount)
                    if let prev = held[p] { try producer.send(topic: options.topic, partition: p, key: prev.key, value: prev.value) }
                    held[p] = (key, buffer)
                    summary.messages += 1
                    summary.perPartition[p, default: 0] += 1
                    if let rate = options.rate, rate > 0 {
                        let due = Double(summary.messages) / rate
                        let now = elapsed()
                        if due > now { producer.poll(timeoutMs: 0); usleep(UInt32(min(1, due - now) * 1e6)) }
                    } else if summary.messages % 10_000 == 0 {
                        producer.poll(timeoutMs: 0)
                    }
                    let t = elapsed()
                    if t - lastProgress >= 1 { lastProgress = t; progress?(summary.messages - held.count, t) }
                }
                off += c
                b += 1
            }
        }
        try producer.flush()
        // Each partition ends with a batch of one message.
        for p in held.keys.sorted() {
            guard let m = held[p] else { continue }
            try producer.send(topic: options.topic, partition: p, key: m.key, value: m.value)
            try producer.flush()
        }
        summary.seconds = elapsed()
        progress?(summary.messages, summary.seconds)
        return summary
    }

    /// A freshly created topic's partitions (metadata may lag creation for a moment).
    private func waitForPartitions(_ producer: KafkaProducer) throws -> Int {
        var lastError: Error?
        for _ in 0..<50 {
            do { return try producer.metadata(topic: options.topic, timeoutMs: 2_000).partitions.count } catch { lastError = error }
            usleep(100_000)
        }
        throw lastError ?? StreamError.kafka("topic \(options.topic) did not appear after creation")
    }

    /// FNV-1a of the key modulo the partition count.
    public static func partition(_ key: [UInt8], count: Int) -> Int32 {
        var h: UInt32 = 0x811C_9DC5
        for b in key { h = (h ^ UInt32(b)) &* 0x0100_0193 }
        return Int32(h % UInt32(max(1, count)))
    }
}
