import CRdkafka
import Foundation

/// A producer. `send` queues a message (copied) and returns; `flush` waits for every
/// queued message to be delivered. Failed deliveries are counted (and the first error kept).
public final class KafkaProducer: KafkaClient, @unchecked Sendable {
    private var topics: [String: OpaquePointer] = [:]
    private let deliveries = DeliveryReport()

    /// Defaults (overridable through `config`): `linger.ms=20`, `acks=all`, no topic
    /// auto-creation.
    public init(config: KafkaConfig) throws {
        var c = config
        let given = Set(config.settings.map(\.key))
        // Topics are created on purpose (`createTopic`), never by a metadata request.
        for (k, v) in [("linger.ms", "20"), ("acks", "all"), ("allow.auto.create.topics", "false")] where !given.contains(k) { c.set(k, v) }
        try super.init(type: RD_KAFKA_PRODUCER, config: c) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let message, let opaque else { return }
                let sink = Unmanaged<ErrorSink>.fromOpaque(opaque).takeUnretainedValue()
                sink.delivered(message.pointee.err)
            }
        }
        errors.deliveries = deliveries
    }

    deinit {
        for (_, t) in topics { rd_kafka_topic_destroy(t) }
    }

    private func topicHandle(_ name: String) throws -> OpaquePointer {
        if let t = topics[name] { return t }
        guard let t = rd_kafka_topic_new(handle, name, nil) else { throw KafkaError(message: "cannot open topic \(name)") }
        topics[name] = t
        return t
    }

    /// Queues a message for `partition` (nil: librdkafka's partitioner by key). Waits (serving
    /// delivery reports) while librdkafka's queue is full.
    public func send(topic: String, partition: Int32? = nil, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer) throws {
        let rkt = try topicHandle(topic)
        let p = partition ?? Int32(RD_KAFKA_PARTITION_UA)
        while true {
            let rc = rd_kafka_produce(rkt, p, RD_KAFKA_MSG_F_COPY, UnsafeMutableRawPointer(mutating: value.baseAddress), value.count,
                                      key?.baseAddress, key?.count ?? 0, nil)
            if rc == 0 { return }
            let err = rd_kafka_last_error()
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_poll(handle, 10)
                continue
            }
            throw KafkaError(err, "produce to \(topic)")
        }
    }

    /// Convenience for byte arrays.
    public func send(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]) throws {
        try value.withUnsafeBytes { v in
            if let key {
                try key.withUnsafeBytes { k in try send(topic: topic, partition: partition, key: k, value: v) }
            } else {
                try send(topic: topic, partition: partition, key: nil, value: v)
            }
        }
    }

    /// Waits until every queued message is delivered (or failed), up to `timeoutMs`.
    public func flush(timeoutMs: Int32 = 60_000) throws {
        let err = rd_kafka_flush(handle, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, "flush") }
        if let first = deliveries.firstError {
            throw KafkaError(message: "\(deliveries.failed) message(s) were not delivered: \(KafkaError.text(first))", code: first)
        }
    }

    /// Messages still queued or in flight.
    public var outstanding: Int { Int(rd_kafka_outq_len(handle)) }

    /// Messages delivered so far, and failed.
    public var delivered: Int { deliveries.ok }
    public var failed: Int { deliveries.failed }
}

/// Delivery outcomes (updated on the thread serving callbacks).
final class DeliveryReport: @unchecked Sendable {
    private let lock = NSLock()
    private var _ok = 0, _failed = 0
    private var _first: Int32?

    func record(_ err: rd_kafka_resp_err_t) {
        lock.lock()
        if err == RD_KAFKA_RESP_ERR_NO_ERROR { _ok += 1 } else { _failed += 1; _first = _first ?? err.rawValue }
        lock.unlock()
    }

    var ok: Int { lock.lock(); defer { lock.unlock() }; return _ok }
    var failed: Int { lock.lock(); defer { lock.unlock() }; return _failed }
    var firstError: Int32? { lock.lock(); defer { lock.unlock() }; return _first }
}

extension ErrorSink {
    func delivered(_ err: rd_kafka_resp_err_t) { deliveries?.record(err) }
}
