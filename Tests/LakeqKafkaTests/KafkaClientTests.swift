import Foundation
import LakeqKafka
import LakeqTestSupport
import Testing

/// The librdkafka wrapper against a real broker (tansu). The test process must load the newer
/// librdkafka (`.ci/run` puts it first on LD_LIBRARY_PATH); otherwise these are skipped.
@Suite(.serialized) struct KafkaClientTests {
    /// Debian's librdkafka 2.0.2 cannot parse tansu's ApiVersions answer.
    static var canTalkToBroker: Bool {
        let parts = KafkaClient.libraryVersion.split(separator: ".").compactMap { Int($0) }
        return KafkaBroker.available && parts.count >= 2 && (parts[0], parts[1]) >= (2, 1)
    }

    func config(_ broker: KafkaBroker) -> KafkaConfig {
        var c = KafkaConfig(brokers: broker.brokers)
        c.set("session.timeout.ms", "6000")
        return c
    }

    @Test(.enabled(if: canTalkToBroker))
    func produceConsumeSeekCommit() throws {
        let broker = try KafkaBroker.start()
        defer { broker.stop() }
        let producer = try KafkaProducer(config: config(broker))
        #expect(try producer.createTopic("t1", partitions: 3))
        #expect(try producer.createTopic("t1", partitions: 3) == false)  // exists already
        #expect(try producer.metadata(topic: "t1").partitions == [0, 1, 2])
        for i in 0..<300 {
            try producer.send(topic: "t1", partition: Int32(i % 3), key: Array("k\(i)".utf8), value: Array("v\(i)".utf8))
        }
        try producer.flush()
        #expect(producer.delivered == 300 && producer.failed == 0)
        // Ending each partition with a one-message batch makes tansu's end offset exact.
        for p in 0..<3 { try producer.send(topic: "t1", partition: Int32(p), key: nil, value: Array("end".utf8)); try producer.flush() }
        for p in Int32(0)..<3 {
            let w = try producer.queryWatermarks(topic: "t1", partition: p)
            #expect(w.high == 101, "partition \(p): \(w)")
        }

        let consumer = try KafkaConsumer(config: config(broker), group: "g1")
        let assigned = Box<[TopicPartition]>([])
        // Partition 0 starts at offset 50 (what the stream does with a txn version of 49).
        consumer.onAssign = { parts in
            assigned.value = parts
            return parts.map { var p = $0; p.offset = p.partition == 0 ? 50 : KafkaClient.offsetBeginning; return p }
        }
        try consumer.subscribe(["t1"])
        var seen: [Int32: [Int64]] = [:]
        var keys = Set<String>()
        let deadline = Date().addingTimeInterval(20)
        while seen.values.reduce(0, { $0 + $1.count }) < 51 + 101 + 101, Date() < deadline {
            consumer.consume(timeoutMs: 200) { m in
                seen[m.partition, default: []].append(m.offset)
                if let k = m.key { keys.insert(String(decoding: k, as: UTF8.self)) }
                #expect(m.topic == "t1")
                #expect(m.timestampMillis != nil)
            }
        }
        #expect(assigned.value.count == 3)
        #expect(seen[0] == Array(50...100))
        #expect(seen[1] == Array(0...100))
        #expect(keys.contains("k1") && !keys.contains("k0"))  // k0 is offset 0 of partition 0, skipped
        #expect(consumer.cachedWatermarks(topic: "t1", partition: 1)?.high == 101)
        try consumer.commit([TopicPartition(topic: "t1", partition: 1, offset: 101)], async: false)
        let committed = try consumer.committed([TopicPartition(topic: "t1", partition: 1)])
        #expect(committed.first?.offset == 101)
        // Seek back within the assignment.
        try consumer.seek([TopicPartition(topic: "t1", partition: 2, offset: 95)])
        var again: [Int64] = []
        let until = Date().addingTimeInterval(10)
        while again.count < 6, Date() < until {
            consumer.consume(timeoutMs: 200) { m in if m.partition == 2 { again.append(m.offset) } }
        }
        #expect(again == Array(95...100))
        consumer.close()
    }

    @Test(.enabled(if: canTalkToBroker))
    func unknownTopicAndBadSettingsAreClearErrors() throws {
        let broker = try KafkaBroker.start()
        defer { broker.stop() }
        let producer = try KafkaProducer(config: config(broker))
        #expect(throws: KafkaError.self) { try producer.metadata(topic: "no-such-topic", timeoutMs: 5_000) }
        do {
            _ = try producer.metadata(topic: "no-such-topic", timeoutMs: 5_000)
        } catch let e as KafkaError {
            #expect(e.isUnknownTopic, "\(e)")
        }
        var bad = KafkaConfig(brokers: broker.brokers)
        bad.set("no.such.setting", "1")
        #expect(throws: KafkaError.self) { try KafkaProducer(config: bad) }
        var opt = KafkaConfig(brokers: broker.brokers)
        #expect(throws: KafkaError.self) { try opt.set(option: "novalue") }
        try opt.set(option: "fetch.max.bytes=1000000")
        #expect(opt["fetch.max.bytes"] == "1000000")
    }

    @Test func unreachableBrokerReportsAnError() throws {
        // Nothing listens on this port: metadata times out with a transport-kind error.
        let port = try KafkaBroker.freePort()
        var c = KafkaConfig(brokers: "127.0.0.1:\(port)")
        c.set("socket.connection.setup.timeout.ms", "1000")
        let producer = try KafkaProducer(config: c)
        do {
            _ = try producer.metadata(topic: "t", timeoutMs: 1_500)
            Issue.record("metadata from a closed port succeeded")
        } catch let e as KafkaError {
            #expect(e.isUnreachable || e.code != 0, "\(e)")
        }
    }
}

/// A mutable value shared with a callback.
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
