import LakeqColumnar

/// The state of a Delta table at one version: the result of replaying its log up to there.
public struct DeltaSnapshot: Sendable {
    /// The table's root directory.
    public let tablePath: String
    public let version: Int
    public let protocolAction: ProtocolAction
    public let metadata: MetadataAction
    /// Every column of the table, partition columns included, in `schemaString` order.
    public let schema: Schema
    public let partitionColumns: [String]
    /// Live data files (added and not removed since), in the order they were added.
    public let files: [AddFile]
    /// `txn` application id → the last version it committed (idempotent writers check this).
    public let transactions: [String: Int64]
    /// Commit timestamp (ms) of `version`, from its commitInfo or the file's mtime.
    public let timestamp: Int64?
    /// Each column's non-empty `metadata` from `schemaString` (column marks, comments), by name.
    public let columnMetadata: [String: [String: JSONValue]]
    /// The reconciled log state this snapshot was made from (refreshes continue it).
    let state: LogState

    /// Files removed from the table and not re-added (tombstones), each with its deletion
    /// timestamp (a remove recorded without one carries its log file's time). A checkpoint
    /// starts with those still within `delta.deletedFileRetentionDuration` when it was written.
    public var tombstones: [RemoveFile] { state.tombstones.values.sorted { $0.path < $1.path } }

    /// The table's properties (`metaData.configuration`) lakeq acts on, parsed.
    public var properties: TableProperties { TableProperties(metadata.configuration) }

    /// The columns marked as personal data (`"lakeq.pii": true` in their metadata; set from
    /// a schema file's `"pii": true` when the table was created). Services hash them for
    /// callers not entitled to see them.
    public var piiColumns: Set<String> {
        Set(columnMetadata.compactMap { $0.value[DeltaSchema.piiKey]?.boolValue == true ? $0.key : nil })
    }

    /// The partition columns as fields (types from the schema).
    public var partitionFields: [Field] {
        partitionColumns.compactMap { name in schema.fields.first { $0.name == name } }
    }

    /// The columns stored inside data files (the schema minus partition columns).
    public var dataSchema: Schema {
        Schema(schema.fields.filter { !partitionColumns.contains($0.name) })
    }

    /// The file-system path of a data file.
    public func absolutePath(of file: AddFile) -> String {
        let rel = file.relativePath
        return rel.hasPrefix("/") ? rel : tablePath + "/" + rel
    }

    /// Total rows according to the stats (nil if any file lacks them).
    public var numRecords: Int64? {
        var n: Int64 = 0
        for f in files {
            guard let r = f.stats?.numRecords else { return nil }
            n += r
        }
        return n
    }
}

/// One row of `DeltaTable.history()`.
public struct HistoryEntry: Sendable {
    public let version: Int
    /// Milliseconds since the epoch (commitInfo, else the commit file's mtime).
    public let timestamp: Int64?
    public let operation: String?
    public let commitInfo: CommitInfo?
    public let filesAdded: Int
    public let filesRemoved: Int
    /// Rows in the added files according to their stats; nil when some add has no stats.
    public let rowsAdded: Int64?
    public let bytesAdded: Int64
}
