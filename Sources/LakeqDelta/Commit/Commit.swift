import Foundation

extension DeltaTable {
    /// Publishes `actions` as version `expectedVersion + 1`, atomically and put-if-absent.
    ///
    /// `expectedVersion` is the version the caller's actions were computed against (-1 for a
    /// new table). The data files the actions add must already be written and fsynced.
    ///
    /// Steps: write the JSON lines to a uniquely named temp file in `_delta_log/` and fsync
    /// it; `link(2)` it to `%020d.json` (fails with EEXIST if another writer published that
    /// version first: `DeltaError.versionConflict`); unlink the temp name; fsync the log
    /// directory so the new name survives a crash. Readers list only `%020d.json` names, so
    /// they see either the whole commit or none of it.
    ///
    /// After publishing, a checkpoint is written when the new version is a multiple of
    /// `delta.checkpointInterval` (see `checkpoint`); a failure there never fails the commit.
    /// `readSnapshot`, the snapshot the actions were computed against, saves re-reading the
    /// log for that.
    ///
    /// - Returns: the version committed.
    /// - Throws: `DeltaError.versionConflict` when another writer won; the caller decides
    ///   whether its actions are still valid on the new version (see `append`).
    @discardableResult
    public func commit(actions: [Action], expectedVersion: Int, readSnapshot: DeltaSnapshot? = nil) throws -> Int {
        let version = try publish(actions: actions, expectedVersion: expectedVersion)
        checkpointIfDue(committed: version, actions: actions, base: readSnapshot)
        return version
    }

    /// The commit protocol itself (no checkpoint): temp file, put-if-absent link, fsyncs.
    func publish(actions: [Action], expectedVersion: Int) throws -> Int {
        guard expectedVersion >= -1 else { throw DeltaError.invalidArgument("expectedVersion \(expectedVersion) is below -1") }
        // A commit may only follow an existing version: never leave a gap in the log.
        if expectedVersion >= 0, !FileManager.default.fileExists(atPath: commitPath(expectedVersion)) {
            throw DeltaError.invalidArgument("\(path): cannot commit after version \(expectedVersion): it does not exist")
        }
        guard !actions.isEmpty else { throw DeltaError.invalidArgument("a commit needs at least one action") }
        let version = expectedVersion + 1
        let temp = logPath + "/.tmp-" + UUID().uuidString.lowercased() + ".json"
        let target = commitPath(version)
        defer { Posix.unlinkIgnoringMissing(temp) }
        try Posix.writeNewFile(temp, Array(ActionCodec.encode(actions).utf8))
        guard try Posix.linkIfAbsent(temp, target) else { throw DeltaError.versionConflict(version: version) }
        Posix.unlinkIgnoringMissing(temp)
        try Posix.fsyncDirectory(logPath)
        return version
    }

    /// Commits `adds` as a blind append (no file removed, nothing read), retrying on conflict.
    ///
    /// Blind appends commute with one another, so when another writer publishes the version
    /// first, this re-reads the commits it missed and retries on the newest version — up to
    /// `maxAttempts` times, with a short randomized backoff. Retrying is refused (thrown as
    /// `DeltaError.concurrentModification`) if a missed commit changed the schema,
    /// partitioning or protocol, since the files were written for the old ones.
    ///
    /// With `transaction`, the commit also records `txn(appId, version)` and is idempotent:
    /// if the snapshot, or any commit published while retrying, already holds a `txn` for
    /// `appId` at `version` or later, nothing is committed and
    /// `DeltaError.transactionAlreadyCommitted` is thrown (the data is already in the table;
    /// the caller's files are orphans for vacuum).
    ///
    /// - Parameter commitInfo: provenance recorded with the commit (e.g. ingested sources and
    ///   their content hashes); default `operation: "WRITE"`, mode Append.
    /// - Returns: the version committed.
    /// - Parameter transactions: more `txn` actions (other appIds) recorded by the same commit,
    ///   each checked like `transaction` (a commit may carry one `txn` per application).
    /// - Parameter willCommit: called with the version about to be attempted, before every
    ///   attempt; it may place side files named by that version (e.g. the ingest quarantine)
    ///   and throw to abort. After a conflict it is called again with the next version.
    @discardableResult
    public func append(_ adds: [AddFile], transaction: TransactionAction? = nil, transactions more: [TransactionAction] = [],
                       commitInfo: CommitInfo? = nil, maxAttempts: Int = 10,
                       willCommit: ((Int) throws -> Void)? = nil) throws -> Int {
        let all = (transaction.map { [$0] } ?? []) + more
        let snapshot = try snapshot()
        try snapshot.protocolAction.checkWritable()
        let partitionSet = Set(snapshot.partitionColumns)
        for a in adds where Set(a.partitionValues.keys) != partitionSet {
            throw DeltaError.invalidArgument(
                "add \(a.path): partition values for [\(a.partitionValues.keys.sorted().joined(separator: ", "))] but the table is partitioned by [\(snapshot.partitionColumns.joined(separator: ", "))]")
        }
        for t in all {
            if let done = snapshot.transactions[t.appId], done >= t.version {
                throw DeltaError.transactionAlreadyCommitted(appId: t.appId, version: done)
            }
        }
        var readVersion = snapshot.version
        var info = commitInfo ?? CommitInfo(timestamp: Posix.nowMillis(), operation: "WRITE", operationParameters: ["mode": "Append"])
        info.fields["isBlindAppend"] = .bool(true)
        var txns = all
        for attempt in 1...max(1, maxAttempts) {
            info.fields["readVersion"] = .int(Int64(readVersion))
            if commitInfo == nil || info.fields["timestamp"] == nil { info.fields["timestamp"] = .int(Posix.nowMillis()) }
            let now = Posix.nowMillis()
            for k in txns.indices { txns[k].lastUpdated = now }
            var actions: [Action] = [.commitInfo(info)]
            actions += txns.map { .txn($0) }
            actions += adds.map { .add($0) }
            try willCommit?(readVersion + 1)
            do {
                return try commit(actions: actions, expectedVersion: readVersion, readSnapshot: snapshot)
            } catch DeltaError.versionConflict {
                guard attempt < maxAttempts, let latest = try latestVersion(), latest > readVersion else {
                    if attempt >= maxAttempts { break }
                    continue
                }
                // Re-check what the winners did: only additive changes let a blind append through.
                for v in (readVersion + 1)...latest {
                    for a in try self.actions(version: v) {
                        switch a {
                        case .metaData:
                            throw DeltaError.concurrentModification("\(path): version \(v) changed the table's metadata (schema or partitioning) while appending")
                        case .protocol:
                            throw DeltaError.concurrentModification("\(path): version \(v) changed the table's protocol while appending")
                        case .txn(let t) where all.contains(where: { $0.appId == t.appId && t.version >= $0.version }):
                            throw DeltaError.transactionAlreadyCommitted(appId: t.appId, version: t.version)
                        default: continue
                        }
                    }
                }
                readVersion = latest
                // Spread out writers that keep colliding.
                usleep(UInt32.random(in: 1_000...UInt32(min(50_000, 5_000 * attempt))))
            }
        }
        throw DeltaError.concurrentModification("\(path): gave up after \(maxAttempts) attempts: other writers kept committing first")
    }
}
