// LakeqStream: Kafka topics into Delta tables, exactly once (spec/stream.md).
//
//   StreamOptions.swift    what `lakeq stream` was asked to do, and the defaults
//   StreamTable.swift      opening/creating the table, its schema check, and the txn versions
//                          of the group's partitions (`TxnTracker`, read incrementally from the log)
//   MessageBatch.swift     a batch being filled: message bytes joined by line feeds for ingest's
//                          parser, per-message origin, messages set aside before parsing
//   MessageBuffer.swift    the raw, reused byte buffer a batch's messages are copied into
//   BatchWriter.swift      parse + validate (LakeqIngest's RecordParser), data files
//                          (PartitionedFiles), quarantine, and the one Delta commit per batch
//                          with one txn per topic-partition
//   StreamPipeline.swift   the consumer loop: assignment → seek to txn + 1, batching by rows,
//                          bytes and latency, background writes, rebalances, --stop-at-end,
//                          signals, status lines
//   StatusLine.swift       the periodic status line (text or JSON)
//   EventProducer.swift    `lakeq produce`: sample events (LakeqSample) as JSON messages
//   StopSignal.swift       SIGINT/SIGTERM → a graceful stop
