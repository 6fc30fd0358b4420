/// The table state reconciled from log actions, applied one version at a time: what a
/// snapshot is built from, what an incremental refresh continues, what a checkpoint writes.
struct LogState: Sendable {
    var protocolAction: ProtocolAction?
    var metadata: MetadataAction?
    /// Live files by decoded relative path (writers differ in which characters they encode).
    var files: [String: AddFile] = [:]
    /// The order files were added in (a re-added path moves to the end).
    var order: [String: Int] = [:]
    var sequence = 0
    var transactions: [String: TransactionAction] = [:]
    /// Removed files by decoded path, with a deletion timestamp (a remove without one gets its
    /// log file's time), until re-added. Vacuum and checkpoints keep them within retention.
    var tombstones: [String: RemoveFile] = [:]
    /// The version the state is at (-1 before any).
    var version = -1
    /// Commit timestamp (ms) of `version`.
    var timestamp: Int64?

    /// Applies the actions of one version (or a whole checkpoint) at `version`; `fileTime` is
    /// the log file's modification time, used for removes and commits without timestamps.
    mutating func apply(_ actions: [Action], version: Int, fileTime: Int64?) {
        var commitTime: Int64?
        for a in actions {
            switch a {
            case .protocol(let p): protocolAction = p
            case .metaData(let m): metadata = m
            case .add(let f):
                let key = f.relativePath
                files[key] = f
                order[key] = sequence
                sequence += 1
                tombstones[key] = nil
            case .remove(var r):
                let key = DeltaPath.percentDecoded(r.path) ?? r.path
                files[key] = nil
                order[key] = nil
                if r.deletionTimestamp == nil { r.deletionTimestamp = fileTime ?? Int64.max }
                tombstones[key] = r
            case .txn(let t): transactions[t.appId] = t
            case .commitInfo(let c): commitTime = c.timestamp
            case .other: break
            }
        }
        self.version = version
        timestamp = commitTime ?? fileTime
    }

    /// The snapshot of this state, validated: a protocol lakeq reads, a parquet metaData whose
    /// schema and partition columns are consistent.
    func snapshot(tablePath: String) throws -> DeltaSnapshot {
        guard let proto = protocolAction else { throw DeltaError.corrupt("\(tablePath): no protocol action up to version \(version)") }
        try proto.checkReadable()
        guard let meta = metadata else { throw DeltaError.corrupt("\(tablePath): no metaData action up to version \(version)") }
        guard meta.formatProvider == "parquet" else { throw DeltaError.unsupported("data format \(meta.formatProvider)") }
        let schema = try DeltaSchema.schema(from: meta.schemaString)
        for p in meta.partitionColumns where !schema.fields.contains(where: { $0.name == p }) {
            throw DeltaError.corrupt("\(tablePath): partition column \(p) is not in the schema")
        }
        // Sort the (small) order entries, not the files themselves.
        let live = order.sorted { $0.value < $1.value }.compactMap { files[$0.key] }
        return DeltaSnapshot(tablePath: tablePath, version: version, protocolAction: proto, metadata: meta, schema: schema,
                             partitionColumns: meta.partitionColumns, files: live, transactions: transactions.mapValues(\.version),
                             timestamp: timestamp, columnMetadata: try DeltaSchema.columnMetadata(from: meta.schemaString), state: self)
    }
}
