import Foundation
import LakeqColumnar

/// A Delta Lake table: a directory of Parquet files plus `_delta_log/`, whose numbered JSON
/// commits are the only source of truth about which files make up each version.
///
/// ```swift
/// let table = try DeltaTable.create(at: "lake/views", schema: schema, partitionColumns: ["date"])
/// let writer = DataFileWriter(snapshot: try table.snapshot())
/// let adds = try writer.writePartitioned(batch)          // Parquet files, fsynced
/// let version = try table.append(adds)                    // one atomic commit
/// let files = try table.snapshot(version: version).files  // time travel
/// ```
///
/// A `DeltaTable` holds no state beyond its path: every call reads the log afresh, so
/// several processes may use the same table concurrently (commits are put-if-absent).
public final class DeltaTable: Sendable {
    public let path: String
    public var logPath: String { path + "/_delta_log" }

    /// Opens the table at `path`; it must have a `_delta_log` directory.
    public init(path: String) throws {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        self.path = p
        guard Self.isDeltaTable(p) else { throw DeltaError.notATable(p) }
    }

    /// True when `path/_delta_log` is a directory.
    public static func isDeltaTable(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path + "/_delta_log", isDirectory: &isDir) && isDir.boolValue
    }

    /// Creates a table: commits version 0 with `protocol` and `metaData`.
    ///
    /// `schema` holds every column, partition columns included (each must exist in it).
    /// `columnMetadata` becomes the fields' `metadata` in `schemaString` (column marks such as
    /// `DeltaSchema.piiKey`, comments). Fails if the table already has a version 0 (including
    /// when another process creates it at the same moment: creation is put-if-absent like
    /// every commit).
    @discardableResult
    public static func create(at path: String, schema: Schema, partitionColumns: [String] = [],
                              configuration: [String: String] = [:], name: String? = nil,
                              columnMetadata: [String: [String: JSONValue]] = [:]) throws -> DeltaTable {
        let schemaString = try DeltaSchema.schemaString(schema, columnMetadata: columnMetadata)
        return try create(at: path, metadata: MetadataAction(name: name, schemaString: schemaString, partitionColumns: partitionColumns,
                                                             configuration: configuration, createdTime: Posix.nowMillis()))
    }

    /// Creates a table whose version 0 holds `metadata` (schema, partitioning, configuration)
    /// and the protocol its schema needs. The schema and partition columns are checked first.
    @discardableResult
    public static func create(at path: String, metadata: MetadataAction) throws -> DeltaTable {
        let schema = try DeltaSchema.schema(from: metadata.schemaString)
        let partitionColumns = metadata.partitionColumns
        var seen = Set<String>()
        for f in schema.fields where !seen.insert(f.name.lowercased()).inserted {
            throw DeltaError.invalidArgument("duplicate column \(f.name) (Delta column names are case-insensitive)")
        }
        for p in partitionColumns where !schema.fields.contains(where: { $0.name == p }) {
            throw DeltaError.invalidArgument("partition column \(p) is not in the schema")
        }
        guard Set(partitionColumns).count == partitionColumns.count else { throw DeltaError.invalidArgument("partition columns repeat") }
        guard schema.fields.count > partitionColumns.count else {
            throw DeltaError.invalidArgument("a table needs at least one column that is not a partition column")
        }
        let ntz = schema.fields.contains { if case .timestamp(_, false) = $0.type { return true } else { return false } }
        // timestamp_ntz is a table feature: it needs the (3, 7) protocol naming it.
        let proto = ntz
            ? ProtocolAction(minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["timestampNtz"], writerFeatures: ["timestampNtz"])
            : ProtocolAction()
        do {
            try FileManager.default.createDirectory(atPath: path + "/_delta_log", withIntermediateDirectories: true)
        } catch {
            throw DeltaError.io("\(path)/_delta_log: cannot create: \(error.localizedDescription)")
        }
        try? Posix.fsyncDirectory(path)
        let table = try DeltaTable(path: path)
        var meta = metadata
        let now = Posix.nowMillis()
        if meta.createdTime == nil { meta.createdTime = now }
        let info = CommitInfo(timestamp: now, operation: "CREATE TABLE",
                              operationParameters: ["partitionBy": JSONValue.array(partitionColumns.map { .string($0) }).serialized])
        do {
            try table.commit(actions: [.commitInfo(info), .protocol(proto), .metaData(meta)], expectedVersion: -1)
        } catch DeltaError.versionConflict {
            throw DeltaError.invalidArgument("\(path) is already a Delta table")
        }
        return table
    }

    // MARK: log files

    /// The log file name of commit `version`.
    public static func commitFileName(_ version: Int) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".json"
    }

    func commitPath(_ version: Int) -> String { logPath + "/" + Self.commitFileName(version) }

    /// The commit versions present as JSON files, ascending, and the checkpoint versions.
    func listLog() throws -> (commits: [Int], checkpoints: [Int]) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: logPath) } catch {
            throw DeltaError.io("\(logPath): cannot list: \(error.localizedDescription)")
        }
        var commits: [Int] = [], checkpoints: [Int] = []
        for n in names {
            let u = Array(n.utf8)
            guard u.count > 20, u[0..<20].allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int(String(n.prefix(20))) else { continue }
            let rest = n.dropFirst(20)
            if rest == ".json" { commits.append(v) }
            else if rest.hasPrefix(".checkpoint") && rest.hasSuffix(".parquet") { checkpoints.append(v) }
        }
        return (commits.sorted(), checkpoints.sorted())
    }

    /// The newest committed version, or nil when the log has no commit yet.
    public func latestVersion() throws -> Int? { try listLog().commits.last }

    /// The actions of commit `version`.
    public func actions(version: Int) throws -> [Action] {
        let p = commitPath(version)
        guard let data = FileManager.default.contents(atPath: p) else {
            throw DeltaError.io("\(p): cannot read commit \(version)")
        }
        return try ActionCodec.decode(String(decoding: data, as: UTF8.self), what: p)
    }

    /// What to replay for `target`: the JSON commits 0...target when they are all there;
    /// otherwise the newest checkpoint at or before `target` whose later commits are all there,
    /// and those commits.
    func replayPlan(upTo target: Int?) throws -> (checkpoint: Int?, versions: [Int]) {
        let (commits, checkpoints) = try listLog()
        guard let latest = commits.last else { throw DeltaError.corrupt("\(logPath) has no commits") }
        let v = target ?? latest
        guard v >= 0 else { throw DeltaError.invalidArgument("version \(v) is negative") }
        guard v <= latest else { throw DeltaError.invalidArgument("\(path): version \(v) does not exist (latest is \(latest))") }
        let present = Set(commits)
        guard let missing = (0...v).first(where: { !present.contains($0) }) else { return (nil, Array(0...v)) }
        for cp in Set(checkpoints).sorted(by: >) where cp <= v {
            if cp == v || ((cp + 1)...v).allSatisfy(present.contains) { return (cp, cp < v ? Array((cp + 1)...v) : []) }
        }
        throw DeltaError.corrupt("\(path): commit \(missing) is missing from the log and no checkpoint covers it")
    }

    /// The files of the checkpoint at `version`: the single file, or every part of a
    /// multi-part checkpoint (refused when a part is missing).
    func checkpointFiles(_ version: Int) throws -> [String] {
        let prefix = Self.commitFileName(version).dropLast(5) + ".checkpoint"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: logPath)) ?? []).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".parquet") }
        if names.contains(String(prefix) + ".parquet") { return [logPath + "/" + prefix + ".parquet"] }
        // V.checkpoint.P.N.parquet: parts 1...N.
        let parts = names.compactMap { n -> (Int, Int)? in
            let f = n.dropFirst(prefix.count + 1).dropLast(8).split(separator: ".")
            guard f.count == 2, let p = Int(f[0]), let n = Int(f[1]) else { return nil }
            return (p, n)
        }
        // The count is checked first: a part number in a file name must not size anything.
        guard let total = parts.first?.1, total > 0, parts.count == total, parts.allSatisfy({ $0.1 == total }),
              Set(parts.map(\.0)) == Set(1...total) else {
            throw DeltaError.unsupported("\(path): checkpoint \(version) is not a classic single- or multi-part checkpoint lakeq can read")
        }
        func padded(_ n: Int) -> String { let d = String(n); return String(repeating: "0", count: max(0, 10 - d.count)) + d }
        return parts.sorted { $0.0 < $1.0 }.map { logPath + "/" + prefix + "." + padded($0.0) + "." + padded($0.1) + ".parquet" }
    }

    // MARK: snapshots

    /// The table at `version` (default: the latest): replays commits 0...version in order.
    /// Files are the adds not removed since; schema and partitioning come from the latest
    /// `metaData` at or before `version`.
    public func snapshot(version: Int? = nil) throws -> DeltaSnapshot {
        let (checkpoint, versions) = try replayPlan(upTo: version)
        var proto: ProtocolAction?
        var meta: MetadataAction?
        var files: [String: AddFile] = [:]
        var order: [String: Int] = [:]
        var txns: [String: Int64] = [:]
        var seq = 0
        var timestamp: Int64?
        // The checkpoint's state first (as the actions of one version), then the commits after it.
        let steps: [Int?] = (checkpoint == nil ? [] : [nil]) + versions.map { Optional($0) }
        for step in steps {
            let actions = try step.map { try self.actions(version: $0) } ?? CheckpointReader.actions(paths: try checkpointFiles(checkpoint ?? 0))
            timestamp = nil
            for a in actions {
                switch a {
                case .protocol(let p): proto = p
                case .metaData(let m): meta = m
                case .add(let f):
                    // Reconcile by decoded path: writers differ in which characters they encode.
                    let key = f.relativePath
                    files[key] = f
                    order[key] = seq
                    seq += 1
                case .remove(let r):
                    let key = r.path.removingPercentEncoding ?? r.path
                    files[key] = nil
                case .txn(let t): txns[t.appId] = t.version
                case .commitInfo(let c): timestamp = c.timestamp
                case .other: break
                }
            }
            if let v = step, v == versions.last, timestamp == nil { timestamp = modificationMillis(commitPath(v)) }
        }
        let snapshotVersion = versions.last ?? checkpoint ?? 0
        if versions.isEmpty, let checkpoint { timestamp = modificationMillis(commitPath(checkpoint)) }
        guard let proto else { throw DeltaError.corrupt("\(path): no protocol action up to version \(snapshotVersion)") }
        try proto.checkReadable()
        guard let meta else { throw DeltaError.corrupt("\(path): no metaData action up to version \(snapshotVersion)") }
        guard meta.formatProvider == "parquet" else { throw DeltaError.unsupported("data format \(meta.formatProvider)") }
        let schema = try DeltaSchema.schema(from: meta.schemaString)
        for p in meta.partitionColumns where !schema.fields.contains(where: { $0.name == p }) {
            throw DeltaError.corrupt("\(path): partition column \(p) is not in the schema")
        }
        let live = files.sorted { (order[$0.key] ?? 0) < (order[$1.key] ?? 0) }.map(\.value)
        return DeltaSnapshot(tablePath: path, version: snapshotVersion, protocolAction: proto, metadata: meta, schema: schema,
                             partitionColumns: meta.partitionColumns, files: live, transactions: txns, timestamp: timestamp,
                             columnMetadata: try DeltaSchema.columnMetadata(from: meta.schemaString))
    }

    func modificationMillis(_ path: String) -> Int64? {
        guard let d = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return nil }
        return Int64(d.timeIntervalSince1970 * 1000)
    }

    /// Every commit, newest first: what it did and how many files and rows it added.
    public func history() throws -> [HistoryEntry] {
        let (commits, _) = try listLog()
        var out: [HistoryEntry] = []
        for v in commits.reversed() {
            let actions = try self.actions(version: v)
            var info: CommitInfo?
            var added = 0, removed = 0
            var rows: Int64? = 0
            var bytes: Int64 = 0
            for a in actions {
                switch a {
                case .commitInfo(let c): info = c
                case .add(let f):
                    added += 1
                    bytes += f.size
                    if let r = f.stats?.numRecords, let sofar = rows { rows = sofar + r } else { rows = nil }
                case .remove: removed += 1
                default: break
                }
            }
            out.append(HistoryEntry(version: v, timestamp: info?.timestamp ?? modificationMillis(commitPath(v)), operation: info?.operation,
                                    commitInfo: info, filesAdded: added, filesRemoved: removed, rowsAdded: rows, bytesAdded: bytes))
        }
        return out
    }
}
