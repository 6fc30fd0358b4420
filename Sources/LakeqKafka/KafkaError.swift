import CRdkafka

/// A librdkafka failure: its error code and a one-line message naming what was attempted.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// librdkafka's `rd_kafka_resp_err_t` value (negative: local errors; positive: broker errors).
    public let code: Int32
    public let message: String

    public var description: String { message }

    public init(message: String, code: Int32 = -1) {
        self.message = message
        self.code = code
    }

    init(_ err: rd_kafka_resp_err_t, _ context: String) {
        code = err.rawValue
        message = "\(context): \(String(cString: rd_kafka_err2str(err)))"
    }

    /// The topic (or partition) does not exist on the cluster.
    public var isUnknownTopic: Bool {
        code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue || code == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC.rawValue
            || code == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION.rawValue
    }

    /// No broker could be reached (connection refused, timed out, all brokers down).
    public var isUnreachable: Bool {
        code == RD_KAFKA_RESP_ERR__TRANSPORT.rawValue || code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue
            || code == RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue || code == RD_KAFKA_RESP_ERR__RESOLVE.rawValue
    }

    /// The topic already exists (topic creation).
    public var isTopicExists: Bool { code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS.rawValue }

    /// The text of a librdkafka error code.
    public static func text(_ code: Int32) -> String {
        guard lakeq_rdkafka_load_error() == nil else { return "librdkafka error \(code)" }
        return String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(rawValue: code)))
    }
}
