import Foundation
import Testing
import LakeqColumnar
import LakeqParquet
@testable import LakeqDelta

@Suite struct DeltaTableTests {
    /// Creates a table partitioned by `day` and appends `batches` (one commit each).
    func makeTable(_ dir: String, batches: [RecordBatch]) throws -> (DeltaTable, [[AddFile]]) {
        let table = try DeltaTable.create(at: dir, schema: viewsSchema, partitionColumns: ["day"])
        var commits: [[AddFile]] = []
        for b in batches {
            let writer = DataFileWriter(snapshot: try table.snapshot())
            let adds = try writer.writePartitioned(b)
            try table.append(adds)
            commits.append(adds)
        }
        return (table, commits)
    }

    @Test func snapshotReplaysAddsAndRemoves() throws {
        let dir = try makeTempDir("replay")
        defer { cleanup(dir) }
        let (table, commits) = try makeTable(dir, batches: [viewsBatch(start: 0, count: 30), viewsBatch(start: 30, count: 9)])
        #expect(commits[0].count == 3)
        var snap = try table.snapshot()
        #expect(snap.version == 2)
        #expect(snap.files.count == 6)
        #expect(snap.numRecords == 39)
        #expect(snap.partitionColumns == ["day"])
        #expect(snap.schema == viewsSchema)
        #expect(snap.dataSchema.fields.map(\.name) == ["user_id", "title", "seconds", "at"])

        // Stats come from the footer.
        let first = try #require(commits[0].first?.stats)
        #expect(first.numRecords == 10)
        #expect(first.minValues["user_id"] == .int(0))
        #expect(first.maxValues["user_id"] == .int(27))
        #expect(first.nullCount["title"] == 0)
        #expect(first.minValues["at"] == .string("2023-11-14T22:13:20.000Z"))

        // Remove the first commit's files.
        let removes = commits[0].map { Action.remove(RemoveFile(path: $0.path, deletionTimestamp: 1, dataChange: true)) }
        try table.commit(actions: [.commitInfo(CommitInfo(timestamp: 1, operation: "DELETE"))] + removes, expectedVersion: 2)
        snap = try table.snapshot()
        #expect(snap.version == 3)
        #expect(snap.files.map(\.path) == commits[1].map(\.path))
        #expect(snap.numRecords == 9)

        // Each live file is readable and holds its rows.
        var rows = 0
        for f in snap.files { rows += try ParquetFile(path: snap.absolutePath(of: f)).rowCount }
        #expect(rows == 9)
        #expect(snap.files.allSatisfy { FileManager.default.fileExists(atPath: dir + "/" + $0.relativePath) })
    }

    @Test func timeTravel() throws {
        let dir = try makeTempDir("tt")
        defer { cleanup(dir) }
        let (table, commits) = try makeTable(dir, batches: [viewsBatch(start: 0, count: 3), viewsBatch(start: 3, count: 3)])
        #expect(try table.snapshot(version: 0).files.isEmpty)
        #expect(Set(try table.snapshot(version: 1).files.map(\.path)) == Set(commits[0].map(\.path)))
        #expect(try table.snapshot(version: 2).files.count == 6)
        #expect(throws: DeltaError.self) { try table.snapshot(version: 3) }
        let history = try table.history()
        #expect(history.map(\.version) == [2, 1, 0])
        #expect(history[0].operation == "WRITE")
        #expect(history[0].filesAdded == 3)
        #expect(history[0].rowsAdded == 3)
        #expect(history[2].operation == "CREATE TABLE")
    }

    @Test func putIfAbsentRaceHasOneWinner() throws {
        let dir = try makeTempDir("race")
        defer { cleanup(dir) }
        let table = try DeltaTable.create(at: dir, schema: viewsSchema, partitionColumns: [])
        for round in 0..<20 {
            let wins = Locked(0), conflicts = Locked(0)
            DispatchQueue.concurrentPerform(iterations: 4) { i in
                let info = CommitInfo(timestamp: Int64(i), operation: "WRITE", extra: ["writer": .int(Int64(i))])
                do {
                    _ = try table.commit(actions: [.commitInfo(info)], expectedVersion: round)
                    wins.update { $0 += 1 }
                } catch DeltaError.versionConflict(let v) {
                    if v == round + 1 { conflicts.update { $0 += 1 } }
                } catch {}
            }
            #expect(wins.value == 1)
            #expect(conflicts.value == 3)
        }
        #expect(try table.latestVersion() == 20)
        // No temp files are left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/_delta_log").filter { $0.hasPrefix(".tmp") }
        #expect(leftovers.isEmpty)
        // A commit may not skip a version.
        #expect(throws: DeltaError.self) { try table.commit(actions: [.commitInfo(CommitInfo(fields: [:]))], expectedVersion: 25) }
    }

    @Test func concurrentBlindAppendsAllLand() throws {
        let dir = try makeTempDir("appends")
        defer { cleanup(dir) }
        let table = try DeltaTable.create(at: dir, schema: viewsSchema, partitionColumns: ["day"])
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            for k in 0..<4 {
                do {
                    let writer = DataFileWriter(tablePath: dir, schema: viewsSchema, partitionColumns: ["day"])
                    let adds = try writer.writePartitioned(viewsBatch(start: (t * 4 + k) * 10, count: 10))
                    try table.append(adds, maxAttempts: 50)
                } catch { failures.update { $0 += 1 } }
            }
        }
        #expect(failures.value == 0)
        let snap = try table.snapshot()
        #expect(snap.version == 16)
        #expect(snap.numRecords == 160)
    }

    @Test func transactionsAreIdempotent() throws {
        let dir = try makeTempDir("txn")
        defer { cleanup(dir) }
        let table = try DeltaTable.create(at: dir, schema: viewsSchema, partitionColumns: ["day"])
        let writer = DataFileWriter(snapshot: try table.snapshot())
        try table.append(try writer.writePartitioned(viewsBatch(start: 0, count: 5)), transaction: TransactionAction(appId: "ingest-a", version: 1))
        #expect(try table.snapshot().transactions["ingest-a"] == 1)
        #expect(throws: DeltaError.transactionAlreadyCommitted(appId: "ingest-a", version: 1)) {
            try table.append(try writer.writePartitioned(viewsBatch(start: 0, count: 5)), transaction: TransactionAction(appId: "ingest-a", version: 1))
        }
        try table.append(try writer.writePartitioned(viewsBatch(start: 5, count: 5)), transaction: TransactionAction(appId: "ingest-a", version: 2))
        #expect(try table.snapshot().numRecords == 10)
        // Partition values must match the table's partitioning.
        let bad = AddFile(path: "x.parquet", partitionValues: [:], size: 1, modificationTime: 1)
        #expect(throws: DeltaError.self) { try table.append([bad]) }
    }

    @Test func createRefusesExistingTableAndBadPartitions() throws {
        let dir = try makeTempDir("create")
        defer { cleanup(dir) }
        try DeltaTable.create(at: dir, schema: viewsSchema, partitionColumns: ["day"])
        #expect(throws: DeltaError.self) { try DeltaTable.create(at: dir, schema: viewsSchema, partitionColumns: ["day"]) }
        #expect(throws: DeltaError.self) { try DeltaTable.create(at: dir + "/x", schema: viewsSchema, partitionColumns: ["nope"]) }
        #expect(throws: DeltaError.self) { try DeltaTable(path: dir + "/nothing") }
    }

    @Test func unreadableCheckpointIsAClearError() throws {
        let dir = try makeTempDir("cp")
        defer { cleanup(dir) }
        let (table, _) = try makeTable(dir, batches: [viewsBatch(start: 0, count: 3), viewsBatch(start: 3, count: 3)])
        FileManager.default.createFile(atPath: dir + "/_delta_log/00000000000000000001.checkpoint.parquet", contents: Data())
        #expect(try table.snapshot().version == 2)  // JSON commits complete: the checkpoint is not needed
        try FileManager.default.removeItem(atPath: dir + "/_delta_log/00000000000000000000.json")
        do {
            _ = try table.snapshot()
            Issue.record("expected an error")
        } catch let e as DeltaError {
            guard case .corrupt(let m) = e else { Issue.record("unexpected \(e)"); return }
            #expect(m.contains("checkpoint"), "\(m)")
        }
        // Without any checkpoint covering the gap: the missing commit is named.
        try FileManager.default.removeItem(atPath: dir + "/_delta_log/00000000000000000001.checkpoint.parquet")
        #expect(throws: DeltaError.self) { try table.snapshot() }
    }

    @Test func vacuumKeepsReferencedFiles() throws {
        let dir = try makeTempDir("vacuum")
        defer { cleanup(dir) }
        let (table, commits) = try makeTable(dir, batches: [viewsBatch(start: 0, count: 3), viewsBatch(start: 3, count: 3)])
        // Remove one file of the first commit long ago, another just now.
        let old = commits[0][0], recent = commits[0][1]
        try table.commit(actions: [
            .commitInfo(CommitInfo(timestamp: Posix.nowMillis(), operation: "DELETE")),
            .remove(RemoveFile(path: old.path, deletionTimestamp: Posix.nowMillis() - 30 * 86_400_000)),
            .remove(RemoveFile(path: recent.path, deletionTimestamp: Posix.nowMillis())),
        ], expectedVersion: 2)
        // An orphan of a crashed writer, and a file of a writer still in flight.
        let orphan = dir + "/day=2023-12-09/part-orphan.parquet"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: orphan))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -30 * 86_400)], ofItemAtPath: orphan)
        let inflight = dir + "/day=2023-12-09/part-inflight.parquet"
        try Data([1]).write(to: URL(fileURLWithPath: inflight))
        // Data files are all older than the window for this test.
        for f in commits.flatMap({ $0 }) {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -30 * 86_400)], ofItemAtPath: dir + "/" + f.relativePath)
        }

        #expect(throws: DeltaError.self) { try table.vacuum(retentionHours: 0) }
        // Absurd retentions are refused or keep everything; they never overflow.
        #expect(throws: DeltaError.self) { try table.vacuum(retentionHours: .infinity) }
        #expect(throws: DeltaError.self) { try table.vacuum(retentionHours: .nan) }
        #expect(try table.vacuum(retentionHours: 1e300, dryRun: true).files.isEmpty)
        let dry = try table.vacuum(dryRun: true)
        #expect(Set(dry.files) == Set([old.relativePath, "day=2023-12-09/part-orphan.parquet"]))
        #expect(FileManager.default.fileExists(atPath: orphan))
        let done = try table.vacuum()
        #expect(done.files == dry.files)
        #expect(!FileManager.default.fileExists(atPath: orphan))
        #expect(FileManager.default.fileExists(atPath: inflight))
        #expect(FileManager.default.fileExists(atPath: dir + "/" + recent.relativePath))
        let snap = try table.snapshot()
        for f in snap.files { #expect(FileManager.default.fileExists(atPath: snap.absolutePath(of: f))) }
        // Retention 0 with the override also deletes the recently removed file and the in-flight one.
        let zero = try table.vacuum(retentionHours: 0, allowShortRetention: true)
        #expect(Set(zero.files) == Set([recent.relativePath, "day=2023-12-09/part-inflight.parquet"]))
        for f in snap.files { #expect(FileManager.default.fileExists(atPath: snap.absolutePath(of: f))) }
        #expect(try table.latestVersion() == 3)
    }
}

/// A value guarded by a lock, for counting across threads.
final class Locked<T>: @unchecked Sendable {
    private var v: T
    private let lock = NSLock()
    init(_ v: T) { self.v = v }
    var value: T { lock.lock(); defer { lock.unlock() }; return v }
    func update(_ f: (inout T) -> Void) { lock.lock(); f(&v); lock.unlock() }
}
