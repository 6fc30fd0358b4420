// LakeqKafka: a small Swift layer over librdkafka (the CRdkafka system library). No Kafka
// protocol is written here; librdkafka speaks it.
//
//   KafkaConfig.swift    librdkafka settings (`bootstrap.servers`, `group.id`, pass-through keys)
//   KafkaError.swift     errors with librdkafka's code and text
//   KafkaClient.swift    what every handle can do: metadata, watermark offsets, topic creation (admin API)
//   KafkaConsumer.swift  group consumer: subscribe, rebalance callbacks with start offsets,
//                        batch consume, seek, assignment, offset commits
//   KafkaProducer.swift  producer with delivery-error counting and flush
//   KafkaMessage.swift   a borrowed view of one consumed message
