import CRdkafka
import Foundation

/// A group consumer. Partition assignment goes through `onAssign`, which returns where each
/// assigned partition starts (the stream seeks to its table's txn version + 1 there), and
/// `onRevoke`, called before partitions are taken away (the stream finishes its batch).
/// Both run on the thread calling `consume`, inside that call.
///
/// Offsets are never committed automatically (`enable.auto.commit=false`); `commit` does it
/// (the stream commits after its Delta commit, for lag monitoring only).
public final class KafkaConsumer: KafkaClient, @unchecked Sendable {
    private var queue: OpaquePointer?
    private let rebalance: RebalanceBox
    private var buffer: [UnsafeMutablePointer<rd_kafka_message_t>?]
    private var closed = false

    /// Creates a consumer of group `group`. Defaults (overridable through `config`):
    /// auto commit off, `auto.offset.reset=earliest`, partition EOF events off.
    public init(config: KafkaConfig, group: String) throws {
        var c = config
        let given = Set(config.settings.map(\.key))
        c.set("group.id", group)
        for (k, v) in [("enable.auto.commit", "false"), ("auto.offset.reset", "earliest"), ("enable.partition.eof", "false"),
                       ("enable.auto.offset.store", "false")] where !given.contains(k) {
            c.set(k, v)
        }
        let box = RebalanceBox()
        rebalance = box
        buffer = Array(repeating: nil, count: 4096)
        try super.init(type: RD_KAFKA_CONSUMER, config: c) { conf in
            rd_kafka_conf_set_rebalance_cb(conf) { rk, err, list, _ in
                // The opaque is the error sink; the callbacks are found by handle.
                guard let rk else { return }
                RebalanceBox.registry(rk)?.handle(rk, err, list)
            }
        }
        box.consumer = self
        RebalanceBox.register(handle, box)
        rd_kafka_poll_set_consumer(handle)
        guard let q = rd_kafka_queue_get_consumer(handle) else { throw KafkaError(message: "cannot get the consumer queue") }
        queue = q
    }

    deinit {
        if !closed { rd_kafka_consumer_close(handle) }
        if let queue { rd_kafka_queue_destroy(queue) }
        RebalanceBox.unregister(handle)
    }

    /// Called with newly assigned partitions (offsets as librdkafka proposes, usually
    /// `offsetInvalid`); returns them with the offsets to start from.
    public var onAssign: (([TopicPartition]) -> [TopicPartition])? {
        get { rebalance.onAssign }
        set { rebalance.onAssign = newValue }
    }

    /// Called before partitions are revoked (or lost).
    public var onRevoke: (([TopicPartition]) -> Void)? {
        get { rebalance.onRevoke }
        set { rebalance.onRevoke = newValue }
    }

    /// Joins the group for `topics`.
    public func subscribe(_ topics: [String]) throws {
        let list = makePartitionList(topics.map { TopicPartition(topic: $0, partition: Int32(RD_KAFKA_PARTITION_UA)) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_subscribe(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, "subscribe to \(topics.joined(separator: ","))") }
    }

    /// Consumes up to `max` messages, waiting up to `timeoutMs` for the first; `body` sees
    /// each message (borrowed: copy what must outlive the call). Message-level errors go to
    /// `onError`. Rebalance callbacks run inside this call. Returns the messages handed to `body`.
    @discardableResult
    public func consume(max: Int = 4096, timeoutMs: Int32, _ body: (KafkaMessage) -> Void) -> Int {
        let n = Swift.min(max, buffer.count)
        guard let queue else { return 0 }
        let got = buffer.withUnsafeMutableBufferPointer { buf in
            rd_kafka_consume_batch_queue(queue, timeoutMs, buf.baseAddress, n)
        }
        guard got > 0 else { return 0 }
        var delivered = 0
        for i in 0..<got {
            guard let m = buffer[i] else { continue }
            if m.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                if m.pointee.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    let text = m.pointee.payload.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: m.pointee.len), as: UTF8.self) }
                    errors.report(KafkaError(message: text ?? KafkaError.text(m.pointee.err.rawValue), code: m.pointee.err.rawValue))
                }
            } else {
                body(KafkaMessage(m))
                delivered += 1
            }
            rd_kafka_message_destroy(m)
            buffer[i] = nil
        }
        return delivered
    }

    /// Moves the fetch position of assigned partitions to their `offset`s.
    public func seek(_ parts: [TopicPartition], timeoutMs: Int32 = 10_000) throws {
        guard !parts.isEmpty else { return }
        let list = makePartitionList(parts)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let e = rd_kafka_seek_partitions(handle, list, timeoutMs) {
            let err = KafkaError(message: "seek: \(String(cString: rd_kafka_error_string(e)))", code: rd_kafka_error_code(e).rawValue)
            rd_kafka_error_destroy(e)
            throw err
        }
    }

    /// Assigns partitions directly (no group management); their `offset`s are the starts.
    public func assign(_ parts: [TopicPartition]) throws {
        let list = makePartitionList(parts)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, "assign") }
    }

    /// The partitions currently assigned.
    public func assignment() throws -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(handle, &list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, "assignment") }
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        return partitions(of: list)
    }

    /// The next offset to fetch of each given partition (`offsetInvalid` when unknown).
    public func position(_ parts: [TopicPartition]) throws -> [TopicPartition] {
        guard !parts.isEmpty else { return [] }
        let list = makePartitionList(parts)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_position(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, "position") }
        return partitions(of: list)
    }

    /// Commits `offsets` (each the next offset to consume) to the group; `async` returns at once.
    public func commit(_ offsets: [TopicPartition], async: Bool = true) throws {
        guard !offsets.isEmpty else { return }
        let list = makePartitionList(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_commit(handle, list, async ? 1 : 0)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, "commit offsets") }
    }

    /// The group's committed offsets of `parts` (`offsetInvalid` where none).
    public func committed(_ parts: [TopicPartition], timeoutMs: Int32 = 10_000) throws -> [TopicPartition] {
        guard !parts.isEmpty else { return [] }
        let list = makePartitionList(parts)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_committed(handle, list, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, "committed offsets") }
        return partitions(of: list)
    }

    /// The low and high watermarks librdkafka last saw for the partition (no request; the high
    /// one is updated by every fetch). nil when not known yet.
    public func cachedWatermarks(topic: String, partition: Int32) -> (low: Int64, high: Int64)? {
        var low: Int64 = 0, high: Int64 = 0
        let err = rd_kafka_get_watermark_offsets(handle, topic, partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }

    /// Leaves the group (revoking partitions through `onRevoke`) and stops fetching.
    public func close() {
        guard !closed else { return }
        closed = true
        rd_kafka_consumer_close(handle)
    }
}

/// The rebalance callbacks of one consumer, found by its handle (librdkafka's opaque holds
/// the error sink).
final class RebalanceBox: @unchecked Sendable {
    weak var consumer: KafkaConsumer?
    var onAssign: (([TopicPartition]) -> [TopicPartition])?
    var onRevoke: (([TopicPartition]) -> Void)?

    nonisolated(unsafe) private static var boxes: [OpaquePointer: RebalanceBox] = [:]
    private static let lock = NSLock()

    static func register(_ rk: OpaquePointer, _ box: RebalanceBox) { lock.lock(); boxes[rk] = box; lock.unlock() }
    static func unregister(_ rk: OpaquePointer) { lock.lock(); boxes[rk] = nil; lock.unlock() }
    static func registry(_ rk: OpaquePointer) -> RebalanceBox? { lock.lock(); defer { lock.unlock() }; return boxes[rk] }

    func handle(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let parts = partitions(of: list)
        if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            let starts = onAssign?(parts) ?? parts
            let assigned = makePartitionList(starts)
            defer { rd_kafka_topic_partition_list_destroy(assigned) }
            if cooperative {
                if let e = rd_kafka_incremental_assign(rk, assigned) { rd_kafka_error_destroy(e) }
            } else {
                rd_kafka_assign(rk, assigned)
            }
        } else {
            onRevoke?(parts)
            if cooperative {
                if let e = rd_kafka_incremental_unassign(rk, list) { rd_kafka_error_destroy(e) }
            } else {
                rd_kafka_assign(rk, nil)
            }
        }
    }
}
