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
            try table.publish(actions: [.commitInfo(info), .protocol(proto), .metaData(meta)], expectedVersion: -1)
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
        return (commits.sorted(), Array(Set(checkpoints)).sorted())
    }

    /// The newest committed version, or nil when the log has no commit yet. Starts from the
    /// checkpoint `_last_checkpoint` names and probes the commits after it, so it does not
    /// grow with the length of the log; lists the log when there is no usable hint.
    public func latestVersion() throws -> Int? {
        if let hint = LastCheckpoint.read(logPath: logPath), Posix.exists(commitPath(hint.version)) || usableCheckpoint(hint.version) {
            var v = hint.version
            while Posix.exists(commitPath(v + 1)) { v += 1 }
            return v
        }
        let (commits, checkpoints) = try listLog()
        return commits.last ?? checkpoints.last
    }

    /// The actions of commit `version`.
    public func actions(version: Int) throws -> [Action] {
        let p = commitPath(version)
        guard let data = FileManager.default.contents(atPath: p) else {
            throw DeltaError.io("\(p): cannot read commit \(version)")
        }
        return try ActionCodec.decode(String(decoding: data, as: UTF8.self), what: p)
    }

    /// What to replay for a version: a checkpoint's state, then the JSON commits after it.
    struct ReplayPlan: Equatable {
        var checkpoint: Int?
        var versions: [Int]
    }

    /// True when every file of the checkpoint at `version` is there.
    func usableCheckpoint(_ version: Int) -> Bool { (try? checkpointFiles(version)) != nil }

    /// What to replay for `target` (default: the latest version): the newest complete
    /// checkpoint at or before it whose later commits are all present, and those commits; the
    /// JSON commits 0...target only when no checkpoint serves. `_last_checkpoint` finds the
    /// checkpoint without listing the log (the commits after it are probed one by one), so
    /// opening a table does not grow with its number of commits. `excluding` names
    /// checkpoints found unreadable.
    func replayPlan(upTo target: Int?, excluding bad: Set<Int> = []) throws -> ReplayPlan {
        if let target, target < 0 { throw DeltaError.invalidArgument("version \(target) is negative") }
        if let hint = LastCheckpoint.read(logPath: logPath), !bad.contains(hint.version),
           hint.version <= (target ?? Int.max), usableCheckpoint(hint.version) {
            var v = hint.version
            let end = target ?? Int.max
            while v < end, Posix.exists(commitPath(v + 1)) { v += 1 }
            if target == nil || v == target {
                return ReplayPlan(checkpoint: hint.version, versions: v > hint.version ? Array((hint.version + 1)...v) : [])
            }
            // The target is not there: the listing below says so clearly.
        }
        let (commits, checkpoints) = try listLog()
        // The newest commit (a checkpoint alone names a version only when no commit is left).
        guard let latest = commits.last ?? checkpoints.last else {
            throw DeltaError.corrupt("\(logPath) has no commits")
        }
        let v = target ?? latest
        guard v <= latest else { throw DeltaError.invalidArgument("\(path): version \(v) does not exist (latest is \(latest))") }
        let present = Set(commits)
        for cp in checkpoints.reversed() where cp <= v && !bad.contains(cp) && usableCheckpoint(cp) {
            if cp == v || ((cp + 1)...v).allSatisfy(present.contains) {
                return ReplayPlan(checkpoint: cp, versions: cp < v ? Array((cp + 1)...v) : [])
            }
            break  // a commit after it is missing: an older checkpoint would need it too
        }
        guard let missing = (0...v).first(where: { !present.contains($0) }) else { return ReplayPlan(checkpoint: nil, versions: Array(0...v)) }
        throw DeltaError.corrupt("\(path): commit \(missing) is missing from the log and no checkpoint covers it")
    }

    /// The files of the checkpoint at `version`: the single file, or every part of a
    /// multi-part checkpoint (refused when a part is missing).
    func checkpointFiles(_ version: Int) throws -> [String] {
        let prefix = Self.commitFileName(version).dropLast(5) + ".checkpoint"
        if Posix.exists(logPath + "/" + prefix + ".parquet") { return [logPath + "/" + prefix + ".parquet"] }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: logPath)) ?? []).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".parquet") }
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

    /// The table at `version` (default: the latest). Starts from the newest checkpoint at or
    /// before it (see `replayPlan`) and replays the JSON commits after it in order: files are
    /// the adds not removed since; schema and partitioning come from the latest `metaData`.
    /// A checkpoint that cannot be read is skipped for an older one, or the JSON commits.
    public func snapshot(version: Int? = nil) throws -> DeltaSnapshot {
        var bad = Set<Int>()
        var checkpointError: Error?
        while true {
            let plan: ReplayPlan
            do { plan = try replayPlan(upTo: version, excluding: bad) } catch {
                // Without the unreadable checkpoint nothing serves: its error says why.
                throw checkpointError ?? error
            }
            var state = LogState()
            if let cp = plan.checkpoint {
                let files = try checkpointFiles(cp)
                let actions: [Action]
                do { actions = try CheckpointReader.actions(paths: files) } catch {
                    // A damaged (or unsupported) checkpoint: try an older one, or the commits.
                    bad.insert(cp)
                    checkpointError = error
                    continue
                }
                state.apply(actions, version: cp, fileTime: Posix.modificationMillis(commitPath(cp)) ?? Posix.modificationMillis(files[0]))
            }
            for v in plan.versions {
                state.apply(try actions(version: v), version: v, fileTime: Posix.modificationMillis(commitPath(v)))
            }
            return try state.snapshot(tablePath: path)
        }
    }

    /// `snapshot` advanced to `version` (default: the latest) by reading only the commits after
    /// it: what a long-lived reader (the HTTP service's snapshot cache) calls when the log may
    /// have moved. Returns `snapshot` itself when nothing was committed since. Falls back to a
    /// full `snapshot(version:)` for an older version, or when the commits right after
    /// `snapshot` were cleaned up from the log.
    public func refresh(_ snapshot: DeltaSnapshot, to version: Int? = nil) throws -> DeltaSnapshot {
        guard snapshot.tablePath == path else {
            throw DeltaError.invalidArgument("a snapshot of \(snapshot.tablePath) cannot refresh \(path)")
        }
        if let version {
            if version == snapshot.version { return snapshot }
            if version < snapshot.version { return try self.snapshot(version: version) }
        }
        var state = snapshot.state
        var v = snapshot.version
        let end = version ?? Int.max
        while v < end {
            let p = commitPath(v + 1)
            guard let data = FileManager.default.contents(atPath: p) else { break }
            state.apply(try ActionCodec.decode(String(decoding: data, as: UTF8.self), what: p), version: v + 1,
                        fileTime: Posix.modificationMillis(p))
            v += 1
        }
        if let version, v < version { return try self.snapshot(version: version) }  // cleaned up, or missing: a clear answer
        if v == snapshot.version {
            // Nothing after it, unless the log was cleaned past this snapshot.
            if let latest = try latestVersion(), latest > snapshot.version { return try self.snapshot() }
            return snapshot
        }
        return try state.snapshot(tablePath: path)
    }

    func modificationMillis(_ path: String) -> Int64? { Posix.modificationMillis(path) }

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
