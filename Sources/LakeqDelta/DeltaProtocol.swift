/// Delta Lake protocol versions this module reads and writes.
///
/// Tables lakeq creates are (reader 1, writer 2): no table features. A table whose schema holds
/// a `timestamp_ntz` column needs the `timestampNtz` table feature, i.e. (reader 3, writer 7).
public enum DeltaProtocol {
    public static let minReaderVersion = 1
    public static let minWriterVersion = 2
    /// Reader features lakeq understands when a table uses reader version 3.
    public static let supportedReaderFeatures: Set<String> = ["timestampNtz"]
    /// Writer features lakeq honours when a table uses writer version 7.
    public static let supportedWriterFeatures: Set<String> = ["timestampNtz", "appendOnly", "invariants"]
}

/// Errors of the Delta layer. Messages name the table path and the version concerned.
public enum DeltaError: Error, CustomStringConvertible, Equatable {
    /// A file of the log is malformed.
    case corrupt(String)
    /// The table uses something lakeq does not implement (checkpoint-only history, features).
    case unsupported(String)
    /// Bad input from the caller (schema, partition columns, arguments).
    case invalidArgument(String)
    /// Another writer published `version` first (put-if-absent lost).
    case versionConflict(version: Int)
    /// A concurrent commit makes this one invalid (e.g. the schema changed); do not retry blindly.
    case concurrentModification(String)
    /// The transaction `appId` already committed `version` (idempotent replay detected).
    case transactionAlreadyCommitted(appId: String, version: Int64)
    /// An I/O call failed.
    case io(String)
    /// No table (no `_delta_log`) at the path.
    case notATable(String)

    public var description: String {
        switch self {
        case .corrupt(let m): return "corrupt Delta log: \(m)"
        case .unsupported(let m): return "unsupported: \(m)"
        case .invalidArgument(let m): return m
        case .versionConflict(let v): return "version \(v) was committed by another writer"
        case .concurrentModification(let m): return "concurrent modification: \(m)"
        case .transactionAlreadyCommitted(let app, let v): return "transaction \(app) version \(v) is already committed"
        case .io(let m): return m
        case .notATable(let p): return "\(p) is not a Delta table (no _delta_log directory)"
        }
    }
}
