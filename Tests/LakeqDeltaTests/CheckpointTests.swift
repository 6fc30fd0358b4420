import Foundation
import LakeqColumnar
import LakeqParquet
import LakeqTestSupport
import Testing
@testable import LakeqDelta

/// Checkpoints lakeq writes (every `delta.checkpointInterval` commits), snapshots that start
/// from them, incremental refresh, expired-log cleanup.
@Suite struct CheckpointTests {
    /// A table partitioned by `day` with `commits` appends of 3 rows each (files in three
    /// partitions); every fourth commit also removes the oldest live file; odd commits carry a txn.
    static func makeTable(_ dir: String, commits: Int, configuration: [String: String] = [:]) throws -> DeltaTable {
        let table = try DeltaTable.create(at: dir, schema: viewsSchema, partitionColumns: ["day"], configuration: configuration)
        for i in 0..<commits {
            let snap = try table.snapshot()
            let adds = try DataFileWriter(snapshot: snap).writePartitioned(viewsBatch(start: i * 3, count: 3))
            if i % 4 == 3, let oldest = snap.files.first {
                let remove = RemoveFile(path: oldest.path, deletionTimestamp: Int64(Date().timeIntervalSince1970 * 1000), dataChange: true,
                                        partitionValues: oldest.partitionValues, size: oldest.size, extendedFileMetadata: true)
                try table.commit(actions: [.commitInfo(CommitInfo(timestamp: 1, operation: "DELETE")), .remove(remove)] + adds.map { .add($0) },
                                 expectedVersion: snap.version, readSnapshot: snap)
            } else {
                try table.append(adds, transaction: i % 2 == 1 ? TransactionAction(appId: "app-\(i % 3)", version: Int64(i)) : nil)
            }
        }
        return table
    }

    /// The state at `version` from JSON commits only (the reference a checkpoint must equal).
    static func jsonReplay(_ table: DeltaTable, _ version: Int) throws -> LogState {
        var state = LogState()
        for v in 0...version { state.apply(try table.actions(version: v), version: v, fileTime: nil) }
        return state
    }

    static func logNames(_ table: DeltaTable) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: table.logPath)) ?? []).sorted()
    }

    @Test func checkpointsEveryIntervalAndReadsBackTheSameState() throws {
        let dir = try TemporaryDirectory("cp-every")
        defer { dir.remove() }
        let table = try Self.makeTable(dir.file("t"), commits: 25)
        let names = Self.logNames(table)
        #expect(names.filter { $0.hasSuffix(".checkpoint.parquet") } == ["00000000000000000010.checkpoint.parquet", "00000000000000000020.checkpoint.parquet"])
        #expect(LastCheckpoint.read(logPath: table.logPath)?.version == 20)
        #expect(!names.contains { $0.hasPrefix(".tmp-") })
        for cp in [10, 20] {
            let actions = try CheckpointReader.actions(paths: [table.logPath + "/" + DeltaTable.checkpointFileName(cp)])
            var fromCheckpoint = LogState()
            fromCheckpoint.apply(actions, version: cp, fileTime: nil)
            let reference = try Self.jsonReplay(table, cp)
            #expect(fromCheckpoint.files == reference.files, "checkpoint \(cp)")
            #expect(fromCheckpoint.transactions == reference.transactions)
            #expect(fromCheckpoint.metadata == reference.metadata)
            #expect(fromCheckpoint.protocolAction == reference.protocolAction)
            #expect(fromCheckpoint.tombstones == reference.tombstones)
            #expect(!reference.tombstones.isEmpty)
        }
        // The latest snapshot starts from checkpoint 20 and equals the JSON replay.
        #expect(try table.replayPlan(upTo: nil) == DeltaTable.ReplayPlan(checkpoint: 20, versions: [21, 22, 23, 24, 25]))
        let snap = try table.snapshot()
        let reference = try Self.jsonReplay(table, 25).snapshot(tablePath: table.path)
        #expect(snap.version == 25)
        #expect(snap.files == reference.files)
        #expect(snap.transactions == reference.transactions)
        #expect(try table.snapshot(version: 15).files == (try Self.jsonReplay(table, 15).snapshot(tablePath: table.path)).files)
    }

    @Test func snapshotsStartFromTheCheckpointEvenWithEveryCommitPresent() throws {
        let dir = try TemporaryDirectory("cp-start")
        defer { dir.remove() }
        let table = try Self.makeTable(dir.file("t"), commits: 12)
        let before = try table.snapshot()
        // Damage a commit the checkpoint covers: a snapshot that replayed it would fail.
        try Data("not json\n".utf8).write(to: URL(fileURLWithPath: table.logPath + "/" + DeltaTable.commitFileName(3)))
        let after = try table.snapshot()
        #expect(after.files == before.files)
        #expect(after.version == 12)
        #expect(throws: DeltaError.self) { try table.snapshot(version: 5) }  // before the checkpoint: replays commit 3
        // Without _last_checkpoint the listing finds the same checkpoint.
        try FileManager.default.removeItem(atPath: table.logPath + "/_last_checkpoint")
        #expect(try table.snapshot().files == before.files)
        #expect(try table.latestVersion() == 12)
    }

    @Test func aDamagedOrHalfWrittenCheckpointIsNeverTrusted() throws {
        let dir = try TemporaryDirectory("cp-damaged")
        defer { dir.remove() }
        let table = try Self.makeTable(dir.file("t"), commits: 21)
        let reference = try Self.jsonReplay(table, 21).snapshot(tablePath: table.path)
        // A truncated checkpoint 20 (what a non-atomic writer could leave) and a stray temp file.
        let cp20 = table.logPath + "/" + DeltaTable.checkpointFileName(20)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cp20))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cp20))
        try Data("partial".utf8).write(to: URL(fileURLWithPath: table.logPath + "/.tmp-x.checkpoint.parquet"))
        let snap = try table.snapshot()
        #expect(snap.files == reference.files)
        #expect(snap.version == 21)
    }

    @Test func aFailedCheckpointNeverFailsTheCommit() throws {
        let dir = try TemporaryDirectory("cp-fail")
        defer { dir.remove() }
        let table = try Self.makeTable(dir.file("t"), commits: 9)
        // A directory where checkpoint 10 must go: the rename onto it fails.
        try FileManager.default.createDirectory(atPath: table.logPath + "/" + DeltaTable.checkpointFileName(10), withIntermediateDirectories: false)
        let snap = try table.snapshot()
        let adds = try DataFileWriter(snapshot: snap).writePartitioned(viewsBatch(start: 100, count: 3))
        #expect(try table.append(adds) == 10)
        #expect(LastCheckpoint.read(logPath: table.logPath) == nil)
        #expect(try table.snapshot().files.count == snap.files.count + adds.count)
    }

    @Test func checkpointIntervalIsATableProperty() throws {
        let dir = try TemporaryDirectory("cp-interval")
        defer { dir.remove() }
        let table = try Self.makeTable(dir.file("t"), commits: 7, configuration: ["delta.checkpointInterval": "3"])
        #expect(Self.logNames(table).filter { $0.hasSuffix(".checkpoint.parquet") }.count == 2)  // 3 and 6
        #expect(LastCheckpoint.read(logPath: table.logPath)?.version == 6)
    }

    @Test func refreshReadsOnlyTheNewCommits() throws {
        let dir = try TemporaryDirectory("refresh")
        defer { dir.remove() }
        let table = try Self.makeTable(dir.file("t"), commits: 8)
        let old = try table.snapshot()
        #expect(try table.refresh(old).version == old.version)  // nothing new
        let other = try Self.makeTable(dir.file("u"), commits: 1)
        #expect(throws: DeltaError.self) { try other.refresh(old) }
        for i in 0..<5 {
            try table.append(try DataFileWriter(snapshot: old).writePartitioned(viewsBatch(start: 1000 + i * 3, count: 3)))
        }
        let fresh = try table.refresh(old)
        let full = try table.snapshot()
        #expect(fresh.version == 13 && full.version == 13)
        #expect(fresh.files == full.files)
        #expect(fresh.transactions == full.transactions)
        #expect(fresh.tombstones == full.tombstones)
        #expect(try table.refresh(old, to: 10).files == (try table.snapshot(version: 10)).files)
        #expect(try table.refresh(fresh, to: 9).version == 9)  // backwards: a full snapshot
        #expect(throws: DeltaError.self) { try table.refresh(fresh, to: 99) }
        // Reading the commits after the snapshot must not need the older ones.
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: table.logPath + "/" + DeltaTable.commitFileName(2)))
        #expect(try table.refresh(old).files == full.files)
    }

    @Test func expiredLogFilesGoOnceACheckpointCoversThem() throws {
        let dir = try TemporaryDirectory("cleanup")
        defer { dir.remove() }
        let table = try Self.makeTable(dir.file("t"), commits: 23)
        let now = Date()
        let old = now.addingTimeInterval(-40 * 86_400)
        // Commits 0...14 (and checkpoint 10) are 40 days old; the rest are new.
        for name in Self.logNames(table) {
            guard let v = Int(name.prefix(20)), v <= 14 else { continue }
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: table.logPath + "/" + name)
        }
        try Data("x".utf8).write(to: URL(fileURLWithPath: table.logPath + "/.tmp-dead.json"))
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: table.logPath + "/.tmp-dead.json")
        let reference = try table.snapshot()
        let deleted = try table.cleanUpExpiredLog(retentionMillis: TableProperties.defaultLogRetentionMillis, now: now)
        // The newest checkpoint at or before 15 is 10: everything below 10 goes, 10...14 stay.
        #expect(deleted == ([".tmp-dead.json"] + (0..<10).map { DeltaTable.commitFileName($0) }))
        #expect(try table.snapshot().files == reference.files)
        #expect(try table.snapshot(version: 12).version == 12)
        #expect(throws: DeltaError.self) { try table.snapshot(version: 9) }
        // Nothing is expired by a longer retention; the next checkpoint's cleanup runs the same rule.
        #expect(try table.cleanUpExpiredLog(retentionMillis: 60 * 86_400_000, now: now).isEmpty)
        let more = try table.checkpoint(now: now)
        #expect(more.version == 23)
        #expect(more.cleanedUp.isEmpty)  // commits 15...23 are young
    }

    @Test func vacuumTakesTombstonesFromTheCheckpoint() throws {
        let dir = try TemporaryDirectory("cp-vacuum")
        defer { dir.remove() }
        let table = try Self.makeTable(dir.file("t"), commits: 10)
        let snap = try table.snapshot()
        #expect(snap.tombstones.count == 2)  // commits 3 and 7 each removed a file
        try FileManager.default.removeItem(atPath: table.logPath + "/" + DeltaTable.commitFileName(3))
        // The removed files are old on disk, but their removal is within the retention: kept,
        // though only the checkpoint knows about it now.
        for t in snap.tombstones {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-10 * 86_400)],
                                                  ofItemAtPath: table.path + "/" + (t.path.removingPercentEncoding ?? t.path))
        }
        let r = try table.vacuum(retentionHours: 1, dryRun: true, allowShortRetention: true, now: Date().addingTimeInterval(60))
        #expect(r.files.isEmpty)
        let later = try table.vacuum(retentionHours: 1, dryRun: true, allowShortRetention: true, now: Date().addingTimeInterval(7200))
        #expect(Set(later.files) == Set(snap.tombstones.map { $0.path.removingPercentEncoding ?? $0.path }))
    }

    @Test func tablePropertiesParse() {
        #expect(TableProperties.intervalMillis("interval 30 days") == Int64(2_592_000_000))
        #expect(TableProperties.intervalMillis("INTERVAL 1 week") == 604_800_000)
        #expect(TableProperties.intervalMillis("interval 2 hours 30 minutes") == 9_000_000)
        #expect(TableProperties.intervalMillis("30 days") == nil)
        #expect(TableProperties.intervalMillis("interval 3 months") == nil)
        #expect(TableProperties.intervalMillis("interval x days") == nil)
        let p = TableProperties(["delta.checkpointInterval": "0", "delta.logRetentionDuration": "interval 2 days",
                                 "delta.enableExpiredLogCleanup": "false", "delta.targetFileSize": "1024"])
        #expect(p.checkpointInterval == 10)
        #expect(p.logRetentionMillis == 2 * 86_400_000)
        #expect(!p.expiredLogCleanup)
        #expect(p.targetFileSize == 1024)
        #expect(TableProperties([:]) == TableProperties(["delta.logRetentionDuration": "bogus"]))
    }
}

/// delta-rs reads the checkpoints lakeq writes, with the early JSON commits gone.
@Suite(.enabled(if: Requirements.deltaRS, "needs python3 with deltalake and pyarrow"))
struct CheckpointInteropTests {
    @Test func deltaRsOpensACheckpointedTableAfterLogCleanup() throws {
        let dir = try TemporaryDirectory("cp-rs")
        defer { dir.remove() }
        let table = try CheckpointTests.makeTable(dir.file("t"), commits: 24)
        let snap = try table.snapshot()
        for v in 0..<20 { try FileManager.default.removeItem(atPath: table.logPath + "/" + DeltaTable.commitFileName(v)) }
        let script = """
        import sys, json
        from deltalake import DeltaTable
        t = DeltaTable(sys.argv[1])
        a = t.to_pyarrow_table()
        files = sorted(f.split(sys.argv[1] + "/")[-1] for f in t.file_uris())
        print(json.dumps({"version": t.version(), "rows": a.num_rows, "files": files,
                          "ids": sorted(a.column("user_id").to_pylist()),
                          "app1": t.transaction_version("app-1") if hasattr(t, "transaction_version") else None}))
        """
        let r = try TestEnvironment.runPython(script, [table.path])
        #expect(r.status == 0, "\(r.err)")
        let v = try JSONValue.parse(r.out)
        #expect(v["version"]?.intValue == 24)
        #expect(v["files"]?.arrayValue?.compactMap(\.stringValue) == snap.files.map(\.relativePath).sorted())
        #expect(v["rows"]?.intValue == snap.numRecords)
        var ids: [Int64] = []
        for f in snap.files {
            let pf = try ParquetFile(path: snap.absolutePath(of: f))
            for g in 0..<pf.rowGroupCount {
                if case .int64(let x) = try pf.readColumn(rowGroup: g, column: 0).values { ids += x }
            }
        }
        #expect(v["ids"]?.arrayValue?.compactMap(\.intValue) == ids.sorted())
        if let app = v["app1"], !app.isNull { #expect(app.intValue == snap.transactions["app-1"]) }
        // And lakeq reads what delta-rs checkpoints.
        let cp = try TestEnvironment.runPython("import sys\nfrom deltalake import DeltaTable\nDeltaTable(sys.argv[1]).create_checkpoint()", [table.path])
        #expect(cp.status == 0, "\(cp.err)")
        #expect(LastCheckpoint.read(logPath: table.logPath)?.version == 24)
        let after = try table.snapshot()
        #expect(Set(after.files.map(\.path)) == Set(snap.files.map(\.path)))
        let before = Dictionary(uniqueKeysWithValues: snap.files.map { ($0.path, $0) })
        for f in after.files { #expect(f == before[f.path], "\(f) vs \(String(describing: before[f.path]))") }
    }
}
