import Foundation
@preconcurrency import LakeqColumnar
@preconcurrency import LakeqDelta
@preconcurrency import LakeqIngest
@preconcurrency import LakeqParquet

/// What one batch's commit did.
struct BatchOutcome {
    enum Result {
        /// Committed as this version.
        case committed(Int)
        /// Another consumer committed for one of the batch's partitions since the batch began
        /// (it took the partition over): nothing of this batch was committed.
        case stale(String)
        /// The batch had no message.
        case empty
    }
    var result: Result
    var messages = 0
    var rows = 0
    var quarantined = 0
    /// Per partition, the next offset to consume after this batch (for Kafka's lag monitoring).
    var nextOffsets: [Int32: Int64] = [:]
}

/// Turns a closed batch into one Delta commit: parse and validate with ingest's parser, write
/// the good rows as data files (one per partition value), stage the bad ones in the
/// quarantine, then commit data files + quarantine + one `txn` per topic-partition together.
/// Runs on one background queue (batches commit in order).
final class BatchWriter: @unchecked Sendable {
    let options: StreamOptions
    let table: DeltaTable
    let schema: IngestSchema
    let parser: RecordParser
    let files: PartitionedFiles
    let quarantine: Quarantine
    let tracker: TxnTracker

    init(options: StreamOptions, table: DeltaTable, schema: IngestSchema, tracker: TxnTracker) throws {
        self.options = options
        self.table = table
        self.schema = schema
        self.tracker = tracker
        parser = RecordParser(schema: schema, format: options.format)
        let snap = try table.snapshot()
        for p in snap.partitionColumns where !schema.columns.contains(where: { $0.name == p }) {
            throw StreamError.schema("partition column \(p) is not in the schema")
        }
        files = PartitionedFiles(writer: DataFileWriter(snapshot: snap, options: options.writer), threads: options.threads)
        quarantine = Quarantine(lake: options.lake, table: options.table)
    }

    /// The `txn` application id of a topic-partition for this group.
    static func appId(group: String, topic: String, partition: Int32) -> String {
        "lakeq-stream:\(group):\(topic):\(partition)"
    }

    func appId(_ partition: Int32) -> String { Self.appId(group: options.group, topic: options.topic, partition: partition) }

    func write(_ batch: MessageBatch) throws -> BatchOutcome {
        var outcome = BatchOutcome(result: .empty)
        guard !batch.isEmpty else { return outcome }
        outcome.messages = batch.count
        let t0 = DispatchTime.now()
        func ms(_ t: DispatchTime) -> Int { Int((DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1_000_000) }
        // Parse and validate.
        let parsed = parser.parse(batch.data.bytes, chunks: batch.chunks(pieces: max(1, options.threads) * 4), threads: options.threads)
        var bad = batch.setAside
        do {
            let bytes = batch.data.bytes
            for b in parsed.bad {
                guard let meta = batch.message(atLine: b.line) else { continue }
                bad.append(QuarantineRow(message: batch.origin(meta), raw: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[b.start..<b.end]), as: UTF8.self),
                                         reasons: b.reasons, kind: b.kind))
            }
        }
        bad.sort { ($0.message?.partition ?? 0, $0.message?.offset ?? 0) < ($1.message?.partition ?? 0, $1.message?.offset ?? 0) }
        outcome.rows = parsed.rows
        outcome.quarantined = bad.count
        // Data files (fsynced; orphans if the commit does not happen).
        let tParsed = ms(t0)
        let adds = try files.write(parsed.batches)
        let tWritten = ms(t0)
        defer { if ProcessInfo.processInfo.environment["LAKEQ_STREAM_TIMING"] != nil { FileHandle.standardError.write(Data("timing: parse \(tParsed) ms, files \(tWritten - tParsed) ms, total \(ms(t0)) ms, \(adds.count) files\n".utf8)) } }
        var staged: Quarantine.Staged?
        do {
            staged = bad.isEmpty ? nil : try quarantine.stage(bad)
            let partitions = batch.ranges.keys.sorted()
            let txns = partitions.compactMap { p in batch.ranges[p].map { TransactionAction(appId: appId(p), version: $0.last) } }
            var perPartition: [JSONValue] = []
            for p in partitions {
                guard let r = batch.ranges[p] else { continue }
                perPartition.append(.object(["partition": .int(Int64(p)), "firstOffset": .int(r.first), "lastOffset": .int(r.last)]))
                outcome.nextOffsets[p] = r.last + 1
            }
            var info = CommitInfo(timestamp: Int64(Date().timeIntervalSince1970 * 1000), operation: "STREAMING UPDATE",
                                  operationParameters: ["outputMode": "Append", "epochId": String(tracker.version + 1)],
                                  extra: ["lakeqStream": .object(["group": .string(options.group), "topic": .string(options.topic),
                                                                  "partitions": .array(perPartition), "messages": .int(Int64(batch.count)),
                                                                  "rows": .int(Int64(parsed.rows)), "quarantineRows": .int(Int64(bad.count))])])
            info.fields["engineInfo"] = .string("lakeq stream")
            try quarantine.lock()
            defer { quarantine.unlock() }
            // Files a crashed writer placed for a version it never committed (cheap: versions
            // already found valid are not read again).
            try quarantine.removeStale(table: table)
            let version = try table.append(adds, transactions: txns, commitInfo: info) { [self] v in
                // Every commit before v must leave each partition's txn where this batch began:
                // otherwise another consumer took the partition over and committed past it.
                try tracker.catchUp(upTo: v - 1)
                for p in partitions {
                    let expected = batch.expectedPrevious[p] ?? -1
                    let now = tracker.txn(appId(p))
                    if now != expected {
                        throw StaleBatch(reason: "\(options.topic)[\(p)]: the table holds offsets up to \(now), the batch expected \(expected)")
                    }
                }
                if let staged { try quarantine.place(staged, version: v) }
            }
            tracker.recordOwn(version: version, txns: txns)
            outcome.result = .committed(version)
            return outcome
        } catch let stale as StaleBatch {
            discard(adds, staged)
            outcome.result = .stale(stale.reason)
            return outcome
        } catch DeltaError.transactionAlreadyCommitted(let appId, let v) {
            discard(adds, staged)
            outcome.result = .stale("\(appId) is already at \(v)")
            return outcome
        } catch {
            discard(adds, staged)
            throw error
        }
    }

    private func discard(_ adds: [AddFile], _ staged: Quarantine.Staged?) {
        if let staged { quarantine.discard(staged) }
        for a in adds { unlink(table.path + "/" + a.relativePath) }
    }
}

/// Thrown inside the commit when the batch no longer follows the table's txn versions.
struct StaleBatch: Error {
    var reason: String
}
