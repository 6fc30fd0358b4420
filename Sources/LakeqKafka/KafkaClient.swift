import CRdkafka
import Foundation

/// A topic's partitions as the cluster reports them.
public struct TopicMetadata: Sendable {
    public var name: String
    public var partitions: [Int32]
}

/// A partition of a topic, with an offset where one is meant (a start position, a commit).
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    /// An offset, or one of librdkafka's logical offsets (`KafkaClient.offsetBeginning`, …).
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64 = KafkaClient.offsetInvalid) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

/// What every librdkafka handle (consumer or producer) offers: cluster metadata, watermark
/// offsets and topic creation through the admin API. Not for concurrent use from several
/// threads except where a method says so.
public class KafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    /// Errors librdkafka reports outside of any call (broker down, authentication, …).
    let errors = ErrorSink()

    public static let offsetBeginning = Int64(RD_KAFKA_OFFSET_BEGINNING)
    public static let offsetEnd = Int64(RD_KAFKA_OFFSET_END)
    public static let offsetStored = Int64(RD_KAFKA_OFFSET_STORED)
    public static let offsetInvalid = Int64(RD_KAFKA_OFFSET_INVALID)

    /// The librdkafka version running (the loaded library, which may be newer than the headers).
    public static var libraryVersion: String {
        guard lakeq_rdkafka_load_error() == nil else { return "not loaded" }
        return String(cString: rd_kafka_version_str())
    }

    /// Loads librdkafka if it is not yet (it is opened on first use, not at process start:
    /// see CRdkafka/shim.h); a clean error when it cannot be. Every client starts here.
    static func requireLibrary() throws {
        if let why = lakeq_rdkafka_load_error() {
            throw KafkaError(message: "librdkafka: cannot be loaded: \(String(cString: why))")
        }
    }

    init(type: rd_kafka_type_t, config: KafkaConfig, configure: (OpaquePointer) -> Void) throws {
        let conf = try config.make()
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(errors).toOpaque())
        rd_kafka_conf_set_error_cb(conf) { _, err, reason, opaque in
            guard let opaque else { return }
            let sink = Unmanaged<ErrorSink>.fromOpaque(opaque).takeUnretainedValue()
            sink.report(KafkaError(message: reason.map { String(cString: $0) } ?? KafkaError.text(err), code: err))
        }
        // librdkafka's own log lines (connection attempts, …) only with LAKEQ_KAFKA_DEBUG set:
        // errors that matter arrive through the error callback and are reported by the caller.
        if ProcessInfo.processInfo.environment["LAKEQ_KAFKA_DEBUG"] == nil {
            rd_kafka_conf_set_log_cb(conf) { _, _, _, _ in }
        }
        configure(conf)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(message: "cannot create a Kafka client: \(String(cString: errstr))")
        }
        handle = rk
    }

    deinit { rd_kafka_destroy(handle) }

    /// Called (on the thread that polls or consumes) for errors librdkafka raises outside any
    /// call; transport errors are retried by librdkafka itself.
    public var onError: (@Sendable (KafkaError) -> Void)? {
        get { errors.handler }
        set { errors.handler = newValue }
    }

    /// The partitions of `topic`, asking the cluster (timeout in milliseconds). Throws an
    /// `isUnknownTopic` error when the topic does not exist.
    public func metadata(topic: String, timeoutMs: Int32 = 10_000) throws -> TopicMetadata {
        guard let rkt = rd_kafka_topic_new(handle, topic, nil) else { throw KafkaError(message: "cannot open topic \(topic)") }
        defer { rd_kafka_topic_destroy(rkt) }
        var md: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 0, rkt, &md, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md else { throw KafkaError(err, "metadata of topic \(topic)") }
        defer { rd_kafka_metadata_destroy(md) }
        for i in 0..<Int(md.pointee.topic_cnt) {
            let t = md.pointee.topics[i]
            guard String(cString: t.topic) == topic else { continue }
            if t.err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(t.err, "topic \(topic)") }
            let parts = (0..<Int(t.partition_cnt)).map { t.partitions[$0].id }.sorted()
            if parts.isEmpty { throw KafkaError(message: "topic \(topic) has no partitions", code: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue) }
            return TopicMetadata(name: topic, partitions: parts)
        }
        throw KafkaError(message: "topic \(topic) is not in the cluster's metadata", code: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue)
    }

    /// The partition's low and high watermark offsets, asking the broker (ListOffsets).
    public func queryWatermarks(topic: String, partition: Int32, timeoutMs: Int32 = 10_000) throws -> (low: Int64, high: Int64) {
        var low: Int64 = 0, high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, "watermark offsets of \(topic)[\(partition)]") }
        return (low, high)
    }

    /// Creates `topic` through the admin API; returns false when it already existed.
    @discardableResult
    public func createTopic(_ topic: String, partitions: Int32, replicationFactor: Int32 = 1, timeoutMs: Int32 = 15_000) throws -> Bool {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(topic, partitions, replicationFactor, &errstr, errstr.count) else {
            throw KafkaError(message: "cannot create topic \(topic): \(String(cString: errstr))")
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        guard let queue = rd_kafka_queue_new(handle) else { throw KafkaError(message: "cannot create an admin queue") }
        defer { rd_kafka_queue_destroy(queue) }
        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(handle, &topics, 1, nil, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMs) else {
            throw KafkaError(message: "creating topic \(topic): no answer within \(timeoutMs) ms", code: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventErr = rd_kafka_event_error(event)
        if eventErr != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(message: "creating topic \(topic): \(String(cString: rd_kafka_event_error_string(event)))", code: eventErr.rawValue)
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(message: "creating topic \(topic): unexpected admin result")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return true }
        for i in 0..<count {
            guard let r = results[i] else { continue }
            let e = rd_kafka_topic_result_error(r)
            if e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { return false }
            if e != RD_KAFKA_RESP_ERR_NO_ERROR {
                let text = rd_kafka_topic_result_error_string(r).map { String(cString: $0) } ?? KafkaError.text(e.rawValue)
                throw KafkaError(message: "creating topic \(topic): \(text)", code: e.rawValue)
            }
        }
        return true
    }

    /// Serves queued callbacks (errors, deliveries) for up to `timeoutMs`.
    public func poll(timeoutMs: Int32 = 0) {
        rd_kafka_poll(handle, timeoutMs)
    }
}

/// Where librdkafka's error callback delivers (the callback gets this object as its opaque).
final class ErrorSink: @unchecked Sendable {
    private let lock = NSLock()
    private var _handler: (@Sendable (KafkaError) -> Void)?
    /// A producer's delivery outcomes (the delivery callback gets the same opaque).
    var deliveries: DeliveryReport?

    var handler: (@Sendable (KafkaError) -> Void)? {
        get { lock.lock(); defer { lock.unlock() }; return _handler }
        set { lock.lock(); _handler = newValue; lock.unlock() }
    }

    func report(_ e: KafkaError) { handler?(e) }
}

/// Builds an `rd_kafka_topic_partition_list_t` (caller destroys it).
func makePartitionList(_ parts: [TopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
    // librdkafka returns nil only when out of memory.
    guard let list = rd_kafka_topic_partition_list_new(Int32(max(1, parts.count))) else { preconditionFailure("librdkafka: out of memory") }
    for p in parts {
        guard let e = rd_kafka_topic_partition_list_add(list, p.topic, p.partition) else { preconditionFailure("librdkafka: out of memory") }
        e.pointee.offset = p.offset
    }
    return list
}

/// The entries of a partition list.
func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartition] {
    guard let list else { return [] }
    return (0..<Int(list.pointee.cnt)).map { i in
        let e = list.pointee.elems[i]
        return TopicPartition(topic: String(cString: e.topic), partition: e.partition, offset: e.offset)
    }
}
