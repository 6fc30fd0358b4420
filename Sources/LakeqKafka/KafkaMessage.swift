import CRdkafka

/// A consumed message, borrowed for the duration of a `KafkaConsumer.consume` callback: its
/// key and value point into librdkafka's buffer and must be copied to outlive the call.
public struct KafkaMessage {
    let raw: UnsafeMutablePointer<rd_kafka_message_t>

    init(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) { self.raw = raw }

    public var partition: Int32 { raw.pointee.partition }
    public var offset: Int64 { raw.pointee.offset }

    /// The topic's name (a C string conversion: call once per batch, not per message).
    public var topic: String { raw.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "" }

    /// The value's bytes (empty for a null value).
    public var value: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: raw.pointee.payload, count: raw.pointee.payload == nil ? 0 : raw.pointee.len)
    }

    /// True when the message has no value at all (a tombstone), as opposed to an empty one.
    public var valueIsNull: Bool { raw.pointee.payload == nil }

    /// The key's bytes, nil when the message has no key.
    public var key: UnsafeRawBufferPointer? {
        guard let k = raw.pointee.key else { return nil }
        return UnsafeRawBufferPointer(start: k, count: raw.pointee.key_len)
    }

    /// The message timestamp in milliseconds since the epoch (create or log-append time), nil if none.
    public var timestampMillis: Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let t = rd_kafka_message_timestamp(raw, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || t < 0 ? nil : t
    }
}
