import Foundation

/// `protocol`: the reader and writer versions (and, from 3/7, features) a client needs.
public struct ProtocolAction: Hashable, Sendable {
    public var minReaderVersion: Int
    public var minWriterVersion: Int
    public var readerFeatures: [String]?
    public var writerFeatures: [String]?

    public init(minReaderVersion: Int = DeltaProtocol.minReaderVersion, minWriterVersion: Int = DeltaProtocol.minWriterVersion,
                readerFeatures: [String]? = nil, writerFeatures: [String]? = nil) {
        self.minReaderVersion = minReaderVersion
        self.minWriterVersion = minWriterVersion
        self.readerFeatures = readerFeatures
        self.writerFeatures = writerFeatures
    }

    /// Throws unless lakeq can read tables of this protocol.
    public func checkReadable() throws {
        if minReaderVersion <= 1 { return }
        if minReaderVersion == 3 {
            let unknown = Set(readerFeatures ?? []).subtracting(DeltaProtocol.supportedReaderFeatures)
            if unknown.isEmpty { return }
            throw DeltaError.unsupported("the table needs reader features \(unknown.sorted().joined(separator: ", "))")
        }
        throw DeltaError.unsupported("the table needs Delta reader version \(minReaderVersion) (lakeq reads 1, and 3 with timestampNtz)")
    }

    /// Throws unless lakeq may write (append to, vacuum) tables of this protocol.
    public func checkWritable() throws {
        try checkReadable()
        if minWriterVersion <= 2 { return }
        if minWriterVersion == 7 {
            let unknown = Set(writerFeatures ?? []).subtracting(DeltaProtocol.supportedWriterFeatures)
            if unknown.isEmpty { return }
            throw DeltaError.unsupported("the table needs writer features \(unknown.sorted().joined(separator: ", "))")
        }
        throw DeltaError.unsupported("the table needs Delta writer version \(minWriterVersion) (lakeq writes 2, and 7 with timestampNtz)")
    }
}

/// `metaData`: the table's identity, schema and partitioning.
public struct MetadataAction: Hashable, Sendable {
    public var id: String
    public var name: String?
    public var description: String?
    /// Always `parquet`.
    public var formatProvider: String
    public var formatOptions: [String: String]
    /// The Delta JSON schema (a `struct` type) as text.
    public var schemaString: String
    public var partitionColumns: [String]
    public var configuration: [String: String]
    /// Milliseconds since the epoch.
    public var createdTime: Int64?

    public init(id: String = UUID().uuidString.lowercased(), name: String? = nil, description: String? = nil,
                formatProvider: String = "parquet", formatOptions: [String: String] = [:], schemaString: String,
                partitionColumns: [String], configuration: [String: String] = [:], createdTime: Int64? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.formatProvider = formatProvider
        self.formatOptions = formatOptions
        self.schemaString = schemaString
        self.partitionColumns = partitionColumns
        self.configuration = configuration
        self.createdTime = createdTime
    }
}

/// `add`: a data file becomes part of the table.
public struct AddFile: Hashable, Sendable {
    /// Relative path from the table root as stored in the log: a URI, percent-encoded.
    public var path: String
    /// Partition column → raw value (Delta's partition value serialization); nil is NULL.
    public var partitionValues: [String: String?]
    /// Bytes.
    public var size: Int64
    /// Milliseconds since the epoch.
    public var modificationTime: Int64
    /// False for rearrangements (compaction) that do not change the table's rows.
    public var dataChange: Bool
    /// The `stats` JSON text as stored (kept verbatim so it round-trips).
    public let statsJSON: String?
    /// `statsJSON` parsed once; nil when absent or unreadable (stats are an optimization:
    /// a reader must work without them).
    public let stats: FileStats?
    public var tags: [String: String]?

    public init(path: String, partitionValues: [String: String?], size: Int64, modificationTime: Int64,
                dataChange: Bool = true, statsJSON: String? = nil, tags: [String: String]? = nil) {
        self.path = path
        self.partitionValues = partitionValues
        self.size = size
        self.modificationTime = modificationTime
        self.dataChange = dataChange
        self.statsJSON = statsJSON
        self.stats = statsJSON.flatMap { try? FileStats(json: $0) }
        self.tags = tags
    }

    /// `path` decoded to a file-system path relative to the table root.
    public var relativePath: String { DeltaPath.percentDecoded(path) ?? path }

    /// Number of rows, if the stats say.
    public var numRecords: Int64? { stats?.numRecords }
}

/// `remove`: a data file stops being part of the table (it is deleted later by vacuum).
public struct RemoveFile: Hashable, Sendable {
    public var path: String
    /// Milliseconds since the epoch; vacuum's retention window counts from here.
    public var deletionTimestamp: Int64?
    public var dataChange: Bool
    public var partitionValues: [String: String?]?
    public var size: Int64?
    public var extendedFileMetadata: Bool?

    public init(path: String, deletionTimestamp: Int64?, dataChange: Bool = true, partitionValues: [String: String?]? = nil,
                size: Int64? = nil, extendedFileMetadata: Bool? = nil) {
        self.path = path
        self.deletionTimestamp = deletionTimestamp
        self.dataChange = dataChange
        self.partitionValues = partitionValues
        self.size = size
        self.extendedFileMetadata = extendedFileMetadata
    }
}

/// `txn`: an application's idempotency marker: `appId` has committed up to `version`.
public struct TransactionAction: Hashable, Sendable {
    public var appId: String
    public var version: Int64
    public var lastUpdated: Int64?

    public init(appId: String, version: Int64, lastUpdated: Int64? = nil) {
        self.appId = appId
        self.version = version
        self.lastUpdated = lastUpdated
    }
}

/// `commitInfo`: provenance of a commit. Free-form in the protocol; lakeq reads the common
/// fields and keeps the whole object in `fields`.
public struct CommitInfo: Hashable, Sendable {
    /// Every field of the action, including ones lakeq does not interpret.
    public var fields: [String: JSONValue]

    public init(fields: [String: JSONValue]) { self.fields = fields }

    /// A commit info with the usual fields; `extra` adds any more (e.g. ingested sources' hashes).
    public init(timestamp: Int64, operation: String, operationParameters: [String: String] = [:],
                extra: [String: JSONValue] = [:]) {
        var f = extra
        f["timestamp"] = .int(timestamp)
        f["operation"] = .string(operation)
        f["operationParameters"] = .object(operationParameters.mapValues { .string($0) })
        f["engineInfo"] = .string("lakeq")
        f["clientVersion"] = .string("lakeq")
        self.fields = f
    }

    public var timestamp: Int64? { fields["timestamp"]?.intValue }
    public var operation: String? { fields["operation"]?.stringValue }
    public var operationParameters: [String: JSONValue] { fields["operationParameters"]?.objectValue ?? [:] }
}

/// One line of a commit file.
public enum Action: Hashable, Sendable {
    case `protocol`(ProtocolAction)
    case metaData(MetadataAction)
    case add(AddFile)
    case remove(RemoveFile)
    case txn(TransactionAction)
    case commitInfo(CommitInfo)
    /// An action lakeq does not know (`cdc`, `domainMetadata`, …), kept as is.
    case other(key: String, value: JSONValue)
}
