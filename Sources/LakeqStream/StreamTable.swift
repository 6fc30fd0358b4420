import Foundation
@preconcurrency import LakeqDelta
@preconcurrency import LakeqIngest

/// The stream's table: opened (its schema checked against `--schema` and `--partition-by`) or
/// created from `--schema` carrying its rules, as `lakeq ingest` does. Without `--schema` the
/// table's stored rules validate (`IngestSchema.of`).
public struct StreamTable {
    public let table: DeltaTable
    /// The schema the stream validates with: `--schema` when given, else the table's stored rules.
    public let schema: IngestSchema
    public let created: Bool

    public static func open(_ o: StreamOptions) throws -> StreamTable {
        let path = o.lake + "/" + o.table
        let exists = DeltaTable.isDeltaTable(path) && ((try? DeltaTable(path: path).latestVersion()) ?? nil) != nil
        if !exists {
            guard let schema = o.schema else {
                throw StreamError.usage("\(path) does not exist: the first stream into it needs --schema")
            }
            for p in o.partitionBy where !schema.columns.contains(where: { $0.name == p }) {
                throw StreamError.schema("--partition-by \(p) is not a column of the schema")
            }
            do {
                let t = try schema.createTable(at: path, partitionColumns: o.partitionBy, name: o.table)
                return StreamTable(table: t, schema: schema, created: true)
            } catch DeltaError.invalidArgument(let m) where m.contains("already a Delta table") {
                // Another consumer of the group created it at the same moment: use theirs.
            }
        }
        let table = try DeltaTable(path: path)
        let snap = try table.snapshot()
        // The table carries its rules (or, made by another tool, its columns without rules).
        let stored = try IngestSchema.of(snap)
        if let given = o.schema, let diff = given.structuralDifference(from: stored) {
            throw StreamError.schema("--schema does not match the table \(path): \(diff)")
        }
        if !o.partitionBy.isEmpty && o.partitionBy != snap.partitionColumns {
            throw StreamError.usage("--partition-by \(o.partitionBy.joined(separator: ",")) disagrees with the table's partitioning [\(snap.partitionColumns.joined(separator: ","))]")
        }
        return StreamTable(table: table, schema: o.schema ?? stored, created: false)
    }
}

/// The `txn` versions of a table, kept current by reading only the commits after the last one
/// seen (a full snapshot is read once).
public final class TxnTracker: @unchecked Sendable {
    public let table: DeltaTable
    private let lock = NSLock()
    private var _version: Int
    private var _txns: [String: Int64]

    public init(table: DeltaTable) throws {
        self.table = table
        let snap = try table.snapshot()
        _version = snap.version
        _txns = snap.transactions
    }

    /// The newest version read.
    public var version: Int { lock.lock(); defer { lock.unlock() }; return _version }

    /// The txn version of `appId` as of `version`, -1 when it has none.
    public func txn(_ appId: String) -> Int64 { lock.lock(); defer { lock.unlock() }; return _txns[appId] ?? -1 }

    /// Reads the commits after `version` up to `upTo` (default: the newest).
    public func catchUp(upTo: Int? = nil) throws {
        lock.lock(); defer { lock.unlock() }
        guard let target = try upTo ?? table.latestVersion(), target > _version else { return }
        for v in (_version + 1)...target {
            for case .txn(let t) in try table.actions(version: v) { _txns[t.appId] = t.version }
            _version = v
        }
    }

    /// Records a commit this process made right after `version` (so it need not be read back).
    func recordOwn(version v: Int, txns: [TransactionAction]) {
        lock.lock(); defer { lock.unlock() }
        guard v == _version + 1 else { return }
        for t in txns { _txns[t.appId] = t.version }
        _version = v
    }
}
