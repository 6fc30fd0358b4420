import CRdkafka

/// librdkafka settings, applied in order (a later value for a key wins). Any librdkafka
/// property may be given (`security.protocol`, `session.timeout.ms`, fetch sizes, …); see
/// librdkafka's CONFIGURATION.md.
public struct KafkaConfig: Sendable {
    public private(set) var settings: [(key: String, value: String)] = []

    /// Settings with `bootstrap.servers` = `brokers` (`HOST:PORT[,HOST:PORT…]`).
    public init(brokers: String) {
        set("bootstrap.servers", brokers)
    }

    /// Sets `key` (replacing an earlier value).
    public mutating func set(_ key: String, _ value: String) {
        settings.removeAll { $0.key == key }
        settings.append((key, value))
    }

    public subscript(key: String) -> String? {
        get { settings.last { $0.key == key }?.value }
        set {
            if let newValue { set(key, newValue) } else { settings.removeAll { $0.key == key } }
        }
    }

    /// Parses `KEY=VALUE` (the `--kafka-option` form).
    public mutating func set(option: String) throws {
        guard let eq = option.firstIndex(of: "="), eq != option.startIndex else {
            throw KafkaError(message: "--kafka-option \(option): expected KEY=VALUE")
        }
        set(String(option[..<eq]), String(option[option.index(after: eq)...]))
    }

    /// A new `rd_kafka_conf_t` holding the settings; an unknown key or bad value is an error
    /// naming it. The caller owns the result (rd_kafka_new takes it over).
    func make() throws -> OpaquePointer {
        try KafkaClient.requireLibrary()
        guard let conf = rd_kafka_conf_new() else { throw KafkaError(message: "librdkafka: cannot allocate a configuration") }
        var errstr = [CChar](repeating: 0, count: 512)
        for (k, v) in settings {
            if rd_kafka_conf_set(conf, k, v, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(message: "Kafka setting \(k)=\(v): \(String(cString: errstr))")
            }
        }
        return conf
    }
}
