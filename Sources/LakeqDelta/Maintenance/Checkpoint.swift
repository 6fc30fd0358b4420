import Foundation

/// What `DeltaTable.checkpoint` wrote.
public struct CheckpointResult: Sendable {
    public var version: Int
    /// Rows (actions) in the checkpoint.
    public var actions: Int
    public var bytes: Int64
    /// Log files deleted afterwards by the expired-log cleanup (names in `_delta_log/`).
    public var cleanedUp: [String]
}

extension DeltaTable {
    /// The checkpoint file of `version`.
    static func checkpointFileName(_ version: Int) -> String { String(commitFileName(version).dropLast(5)) + ".checkpoint.parquet" }

    /// The version of the newest checkpoint as `_last_checkpoint` names it, when that
    /// checkpoint's files are there; nil otherwise.
    public var lastCheckpointVersion: Int? {
        guard let hint = LastCheckpoint.read(logPath: logPath), usableCheckpoint(hint.version) else { return nil }
        return hint.version
    }

    /// Writes a classic checkpoint of `snapshot` (default: the latest version): the table's
    /// state as `V.checkpoint.parquet`, then `_last_checkpoint`, then deletes log files past
    /// `delta.logRetentionDuration` that the checkpoint covers (unless
    /// `delta.enableExpiredLogCleanup` is false).
    ///
    /// Crash safety: the checkpoint is written under a hidden temporary name, fsynced and
    /// renamed (readers only consider `V.checkpoint.parquet` names, and a rename is atomic), and
    /// `_last_checkpoint` is replaced the same way, last. A crash leaves at worst an unused
    /// temporary file or a checkpoint the hint does not name yet; both are harmless.
    @discardableResult
    public func checkpoint(_ snapshot: DeltaSnapshot? = nil, now: Date = Date()) throws -> CheckpointResult {
        let snap = try snapshot ?? self.snapshot()
        guard snap.tablePath == path else { throw DeltaError.invalidArgument("a snapshot of \(snap.tablePath) cannot checkpoint \(path)") }
        try snap.protocolAction.checkWritable()
        let props = snap.properties
        let nowMillis = Int64(now.timeIntervalSince1970 * 1000)
        let actions = CheckpointWriter.actions(of: snap.state, tombstoneCutoff: nowMillis - props.deletedFileRetentionMillis)
        let temp = logPath + "/.tmp-" + UUID().uuidString.lowercased() + ".checkpoint.parquet"
        defer { Posix.unlinkIgnoringMissing(temp) }
        let bytes = try CheckpointWriter.write(actions, to: temp)
        try Posix.renameReplacing(temp, logPath + "/" + Self.checkpointFileName(snap.version))
        try Posix.fsyncDirectory(logPath)
        try LastCheckpoint(version: snap.version, size: Int64(actions.count), parts: nil, sizeInBytes: bytes,
                           numOfAddFiles: Int64(snap.files.count)).write(logPath: logPath)
        var cleaned: [String] = []
        if props.expiredLogCleanup {
            cleaned = try cleanUpExpiredLog(retentionMillis: props.logRetentionMillis, now: now)
        }
        return CheckpointResult(version: snap.version, actions: actions.count, bytes: bytes, cleanedUp: cleaned)
    }

    /// Called after every commit this process publishes: writes a checkpoint when `version` is
    /// a positive multiple of `delta.checkpointInterval`. `base` is a snapshot at or before
    /// `version` the caller already has (the state at `version` is then read incrementally).
    /// Never throws: a failed checkpoint leaves the commit as it is (readers replay JSON
    /// commits instead) and is reported on stderr.
    func checkpointIfDue(committed version: Int, actions: [Action], base: DeltaSnapshot?) {
        guard version > 0 else { return }
        // The interval of the committed version: its own metaData, else the base's.
        var known: TableProperties? = base.map(\.properties)
        for case .metaData(let m) in actions { known = TableProperties(m.configuration) }
        if let known, version % known.checkpointInterval != 0 { return }
        do {
            let snap: DeltaSnapshot
            if let base, base.version <= version { snap = try refresh(base, to: version) } else { snap = try snapshot(version: version) }
            guard version % snap.properties.checkpointInterval == 0 else { return }
            try checkpoint(snap)
        } catch {
            FileHandle.standardError.write(Data("lakeq: warning: \(path): checkpoint at version \(version) failed (the commit stands): \(error)\n".utf8))
        }
    }
}
