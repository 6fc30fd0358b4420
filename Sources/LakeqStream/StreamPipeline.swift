import Dispatch
import Foundation
@preconcurrency import LakeqDelta
@preconcurrency import LakeqIngest
import LakeqKafka

/// What a finished stream run did.
public struct StreamSummary: Sendable {
    public var status = StreamStatus()
    public var versions: [Int] = []
    public var createdTable = false
    public var staleBatches = 0
    public var messagesPerSecond: Double { status.seconds > 0 ? Double(status.messages) / status.seconds : 0 }
}

/// `lakeq stream`: a Kafka topic into a Delta table, exactly once (spec/stream.md).
///
/// The consumer thread fills batches; a closed batch goes to a background queue that parses,
/// validates, writes its files and commits it (at most two batches wait there, bounding
/// memory), while the consumer goes on filling the next one. On every assignment each
/// partition starts at the table's txn version for it + 1. Kafka offsets are committed after
/// the Delta commit, for lag monitoring only.
public final class StreamPipeline: @unchecked Sendable {
    public let options: StreamOptions
    let stop: StopSignal
    /// Where status lines go (stderr in the CLI).
    let report: @Sendable (String) -> Void
    let start = DispatchTime.now()

    // State shared between the consumer thread and the writer queue (under `lock`).
    private let lock = NSLock()
    private var summary = StreamSummary()
    private var failure: Error?
    private var resync = false
    private var lastNote: String?
    /// Recent time from closing a batch to its commit (moving average).
    private var commitSeconds = 0.0

    private let writes = DispatchQueue(label: "lakeq.stream.write")
    private let inFlight = DispatchGroup()
    private let slots = DispatchSemaphore(value: 2)

    public init(options: StreamOptions, stop: StopSignal, report: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.stop = stop
        self.report = report
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    /// Runs until `--stop-at-end` is reached or a stop is requested; returns what was done.
    public func run() throws -> StreamSummary {
        let config = try options.kafkaConfig()
        let consumer = try KafkaConsumer(config: config, group: options.group)
        consumer.onError = { [weak self] e in self?.note(e.isUnreachable ? "brokers unreachable (\(e.message)); librdkafka is retrying" : "kafka: \(e.message)") }
        // Fail early and clearly: the brokers must answer and the topic must exist.
        let partitions = try waitForTopic(consumer)
        let opened = try StreamTable.open(options)
        let table = opened.table
        let tracker = try TxnTracker(table: table)
        let writer = try BatchWriter(options: options, table: table, schema: opened.schema, tracker: tracker)
        lock.lock(); summary.createdTable = opened.created; summary.status.tableVersion = tracker.version; lock.unlock()

        // --stop-at-end: every partition's end offset as of now.
        var ends: [Int32: Int64] = [:]
        if options.stopAtEnd {
            for p in partitions {
                let w = try consumer.queryWatermarks(topic: options.topic, partition: p)
                ends[p] = w.low >= w.high ? -1 : w.high - 1  // the last offset to reach (-1: empty)
            }
        }

        // The consumer thread's view: assigned partitions and, per partition, the last offset
        // handed to a batch (or the txn version it started from).
        var assigned = Set<Int32>()
        var chain: [Int32: Int64] = [:]
        let topic = options.topic
        var batch = newBatch()

        func drain() {
            inFlight.wait()
        }
        func closeBatch() {
            guard !batch.isEmpty else { return }
            for p in batch.ranges.keys {
                batch.expectedPrevious[p] = chain[p] ?? -1
                if let r = batch.ranges[p] { chain[p] = r.last }
            }
            submit(batch, writer, consumer)
            batch = newBatch()
        }
        /// Starts each partition at its txn version + 1 (nothing committed: the beginning).
        func starts(_ parts: [TopicPartition]) -> [TopicPartition] {
            try? tracker.catchUp()
            return parts.map { tp in
                var tp = tp
                let done = tracker.txn(writer.appId(tp.partition))
                tp.offset = done >= 0 ? done + 1 : KafkaClient.offsetBeginning
                chain[tp.partition] = done
                assigned.insert(tp.partition)
                return tp
            }
        }
        consumer.onAssign = { parts in
            let s = starts(parts)
            self.note("assigned \(s.map { "p\($0.partition)@\($0.offset == KafkaClient.offsetBeginning ? "start" : String($0.offset))" }.joined(separator: " "))")
            return s
        }
        consumer.onRevoke = { parts in
            // Finish what was read from these partitions before they move on.
            closeBatch()
            drain()
            for p in parts { assigned.remove(p.partition); chain[p.partition] = nil }
        }
        try consumer.subscribe([topic])

        var lastStatus = elapsed
        var lastMessages = 0
        var lastEndCheck = 0.0
        var firstMessage: Double?
        while true {
            if let f = currentFailure() { consumer.close(); drain(); throw f }
            if stop.isRequested { break }
            if takeResync() {
                // A batch was refused (another consumer committed for its partitions): drop
                // what was read since and start the assigned partitions again from the table.
                batch = newBatch()
                drain()
                let parts = assigned.sorted().map { TopicPartition(topic: topic, partition: $0) }
                let s = starts(parts)
                try? consumer.seek(s)
            }
            let window = closeAfter()
            let deadline = batch.opened.map { Double($0.uptimeNanoseconds) / 1e9 + window }
            let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
            let wait = deadline.map { max(0, min(0.1, $0 - now)) } ?? 0.1
            let room = max(1, min(4096, options.maxBatchRows - batch.count))
            let got = consumer.consume(max: room, timeoutMs: Int32(wait * 1000)) { m in batch.add(m) }
            if got > 0 && firstMessage == nil { firstMessage = elapsed }
            if !batch.isEmpty {
                let age = batch.opened.map { Double(DispatchTime.now().uptimeNanoseconds - $0.uptimeNanoseconds) / 1e9 } ?? 0
                if batch.count >= options.maxBatchRows || batch.bytes >= options.maxBatchBytes || age >= window {
                    closeBatch()
                }
            }
            let t = elapsed
            if options.stopAtEnd && t - lastEndCheck >= 0.2 {
                lastEndCheck = t
                // Close the batch once every assigned partition has reached its end.
                if !batch.isEmpty, assigned.allSatisfy({ p in (batch.ranges[p]?.last ?? chain[p] ?? -1) >= (ends[p] ?? -1) }) { closeBatch() }
                try? tracker.catchUp()
                let reached = ends.allSatisfy { p, last in last < 0 || tracker.txn(writer.appId(p)) >= last }
                if reached && batch.isEmpty {
                    drain()
                    if currentFailure() == nil { break }
                }
            }
            if t - lastStatus >= options.statusInterval {
                // Read so far: the open batch, else what went to earlier batches.
                var read = chain
                for (p, r) in batch.ranges { read[p] = r.last }
                let s = status(consumer, assigned: assigned, read: read, since: t - lastStatus, messagesBefore: lastMessages)
                lastMessages = s.messages
                lastStatus = t
                report(options.json ? s.jsonText : s.text)
            }
        }
        closeBatch()
        drain()
        consumer.close()
        if let f = currentFailure() { throw f }
        lock.lock(); defer { lock.unlock() }
        summary.status.seconds = elapsed
        summary.status.firstMessageSeconds = firstMessage
        summary.status.rate = summary.messagesPerSecond
        summary.status.lag = [:]
        summary.status.note = nil
        return summary
    }

    /// Message buffers of written batches, reused by new ones.
    private var spareBuffers: [MessageBuffer] = []

    private func newBatch() -> MessageBatch {
        lock.lock()
        let spare = spareBuffers.popLast()
        lock.unlock()
        // Room for a full batch: the buffer never grows by copying.
        let buffer = spare ?? MessageBuffer(capacity: options.maxBatchBytes + min(options.maxMessageBytes, options.maxBatchBytes) + options.maxBatchRows)
        return MessageBatch(topic: options.topic, format: options.format, maxMessageBytes: options.maxMessageBytes, buffer: buffer)
    }

    private func recycle(_ batch: MessageBatch) {
        lock.lock()
        if spareBuffers.count < 2 { spareBuffers.append(batch.data) }
        lock.unlock()
    }

    /// How long a batch stays open after its first message: `--max-latency` less the time
    /// recent batches took from closing to committed (so that the first message is committed
    /// about `--max-latency` after it arrived), but at least half of `--max-latency`.
    private func closeAfter() -> Double {
        lock.lock(); defer { lock.unlock() }
        return max(options.maxLatencySeconds / 2, options.maxLatencySeconds - commitSeconds)
    }

    /// Hands a closed batch to the writer queue (waits while two are already waiting).
    private func submit(_ batch: MessageBatch, _ writer: BatchWriter, _ consumer: KafkaConsumer) {
        slots.wait()
        inFlight.enter()
        let closed = DispatchTime.now()
        writes.async { [self] in
            defer { slots.signal(); inFlight.leave() }
            if currentFailure() != nil { return }
            defer { recycle(batch) }
            do {
                let o = try writer.write(batch)
                lock.lock()
                switch o.result {
                case .committed(let v):
                    let took = Double(DispatchTime.now().uptimeNanoseconds - closed.uptimeNanoseconds) / 1e9
                    commitSeconds = commitSeconds == 0 ? took : 0.7 * commitSeconds + 0.3 * took
                    summary.versions.append(v)
                    summary.status.commits += 1
                    summary.status.rowsCommitted += o.rows
                    summary.status.quarantined += o.quarantined
                    summary.status.messages += o.messages
                    summary.status.tableVersion = v
                case .stale(let why):
                    summary.staleBatches += 1
                    resync = true
                    lastNote = "batch dropped: \(why)"
                case .empty:
                    break
                }
                lock.unlock()
                if case .committed = o.result {
                    // For lag monitoring only: the table's txn versions are what restarts use.
                    try? consumer.commit(o.nextOffsets.map { TopicPartition(topic: options.topic, partition: $0.key, offset: $0.value) })
                }
            } catch {
                lock.lock(); failure = failure ?? error; lock.unlock()
            }
        }
    }

    private func currentFailure() -> Error? { lock.lock(); defer { lock.unlock() }; return failure }

    private func takeResync() -> Bool {
        lock.lock(); defer { lock.unlock() }
        let r = resync
        resync = false
        return r
    }

    private func note(_ text: String) {
        lock.lock(); lastNote = text; lock.unlock()
    }

    private func status(_ consumer: KafkaConsumer, assigned: Set<Int32>, read: [Int32: Int64], since: Double, messagesBefore: Int) -> StreamStatus {
        lock.lock()
        var s = summary.status
        s.note = lastNote
        lastNote = nil
        lock.unlock()
        s.seconds = elapsed
        s.rate = since > 0 ? Double(s.messages - messagesBefore) / since : 0
        for p in assigned {
            if let w = consumer.cachedWatermarks(topic: options.topic, partition: p) {
                s.lag[p] = max(0, w.high - ((read[p] ?? -1) + 1))
            }
        }
        return s
    }

    /// The topic's partitions; retries with backoff while no broker answers; an unknown topic
    /// is an error at once.
    private func waitForTopic(_ consumer: KafkaConsumer) throws -> [Int32] {
        var delay = 1.0
        while true {
            do {
                return try consumer.metadata(topic: options.topic, timeoutMs: 5_000).partitions
            } catch let e as KafkaError where e.isUnknownTopic {
                throw StreamError.kafka("topic \(options.topic) does not exist on \(options.brokers) (create it, e.g. with lakeq produce, or check --topic)")
            } catch let e as KafkaError {
                if stop.isRequested { throw StreamError.kafka("stopped before the brokers \(options.brokers) answered (\(e.message))") }
                report("stream: cannot reach the brokers \(options.brokers) (\(e.message)); retrying in \(Int(delay)) s")
                let until = Date().addingTimeInterval(delay)
                while Date() < until && !stop.isRequested { usleep(50_000) }
                delay = min(delay * 2, 30)
            }
        }
    }
}
