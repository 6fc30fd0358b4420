import Foundation
import LakeqColumnar
import LakeqParquet
import LakeqTestSupport
import Testing
@testable import LakeqDelta

/// `DeltaTable.optimize`: small files compacted per partition, rows unchanged, concurrent
/// appends kept, concurrent removals refused.
@Suite struct OptimizeTests {
    /// A table of `batches` × 3 rows written as one file per partition per batch (three
    /// partitions), committed in one append: 3 × `batches` small files.
    static func smallFiles(_ path: String, batches: Int) throws -> DeltaTable {
        let table = try DeltaTable.create(at: path, schema: viewsSchema, partitionColumns: ["day"])
        let writer = DataFileWriter(snapshot: try table.snapshot())
        var adds: [AddFile] = []
        for b in 0..<batches { adds += try writer.writePartitioned(viewsBatch(start: b * 3, count: 3)) }
        try table.append(adds)
        return table
    }

    /// Every row as text (partition value included), sorted: what a query would see.
    static func rows(_ snap: DeltaSnapshot) throws -> [String] {
        var out: [String] = []
        for f in snap.files {
            let pf = try ParquetFile(path: snap.absolutePath(of: f))
            for g in 0..<pf.rowGroupCount {
                let b = try pf.readRowGroup(g)
                for r in 0..<b.rowCount {
                    out.append(b.columns.map { c in c.isNull(r) ? "null" : "\(Self.cell(c, r))" }.joined(separator: ",")
                               + ",day=" + ((f.partitionValues["day"] ?? nil) ?? "null"))
                }
            }
        }
        return out.sorted()
    }

    static func cell(_ c: Column, _ r: Int) -> String {
        switch c.values {
        case .int64(let v): return String(v[r])
        case .float64(let v): return String(v[r])
        case .bytes(let b): return b.string(at: r)
        case .dictionary(let d, let i):
            if case .bytes(let b) = d { return b.string(at: Int(i[r])) }
            return "?"
        case .int32(let v): return String(v[r])
        default: return "?"
        }
    }

    static func userIDs(_ snap: DeltaSnapshot, _ f: AddFile) throws -> [Int64] {
        let pf = try ParquetFile(path: snap.absolutePath(of: f))
        var ids: [Int64] = []
        for g in 0..<pf.rowGroupCount { if case .int64(let v) = try pf.readColumn(rowGroup: g, column: 0).values { ids += v } }
        return ids
    }

    @Test func compactsEachPartitionToAtMostCeilBytesOverTarget() throws {
        let dir = try TemporaryDirectory("optimize")
        defer { dir.remove() }
        let table = try Self.smallFiles(dir.file("t"), batches: 70)
        let before = try table.snapshot()
        #expect(before.files.count == 210)
        let rowsBefore = try Self.rows(before)
        let average = before.files.reduce(Int64(0)) { $0 + $1.size } / Int64(before.files.count)
        var options = OptimizeOptions()
        options.targetFileBytes = average * 8
        options.threads = 2
        let result = try table.optimize(options)
        #expect(result.version == 2)
        #expect(result.filesRemoved == 210)
        #expect(result.partitionsOptimized == 3)
        #expect(result.rows == 210)
        let after = try table.snapshot()
        #expect(try Self.rows(after) == rowsBefore)
        #expect(after.numRecords == 210)
        for day in Set(before.files.map { $0.partitionValues["day"] ?? nil }) {
            let bytes = before.files.filter { $0.partitionValues["day"] == day }.reduce(Int64(0)) { $0 + $1.size }
            let files = after.files.filter { $0.partitionValues["day"] == day }
            let bound = (bytes + options.targetFileBytes! - 1) / options.targetFileBytes!
            #expect(files.count <= Int(bound) && files.count >= 2, "day \(String(describing: day)): \(files.count) files, bound \(bound)")
            for f in files {
                // Rows keep the order they were added in; stats are fresh.
                let ids = try Self.userIDs(after, f)
                #expect(ids == ids.sorted())
                #expect(f.stats?.numRecords == Int64(ids.count))
                #expect(f.stats?.minValues["user_id"] == .int(ids.first ?? -1))
                #expect(f.stats?.maxValues["user_id"] == .int(ids.last ?? -1))
                #expect(!f.dataChange)
            }
        }
        let commit = try table.actions(version: 2)
        var removes = 0
        for a in commit {
            switch a {
            case .commitInfo(let c): #expect(c.operation == "OPTIMIZE")
            case .remove(let r): removes += 1; #expect(!r.dataChange && r.deletionTimestamp != nil)
            case .add(let f): #expect(!f.dataChange)
            default: break
            }
        }
        #expect(removes == 210)
        // Vacuum removes the compacted files once past retention; the table still reads.
        let vacuumed = try table.vacuum(retentionHours: 0, allowShortRetention: true, now: Date().addingTimeInterval(5))
        #expect(vacuumed.files.count == 210)
        #expect(try Self.rows(try table.snapshot()) == rowsBefore)
    }

    @Test func onlyThePartitionsTheFilterAccepts() throws {
        let dir = try TemporaryDirectory("optimize-where")
        defer { dir.remove() }
        let table = try Self.smallFiles(dir.file("t"), batches: 10)
        let before = try table.snapshot()
        let day = try #require(before.files.first?.partitionValues["day"] ?? nil)
        var options = OptimizeOptions()
        options.partitionFilter = { $0["day"] == .some(day) }
        options.predicateText = "day = '\(day)'"
        let result = try table.optimize(options)
        #expect(result.partitionsOptimized == 1 && result.filesRemoved == 10 && result.filesAdded == 1)
        let after = try table.snapshot()
        #expect(after.files.filter { $0.partitionValues["day"] == .some(day) }.count == 1)
        #expect(after.files.count == 21)
        #expect(try Self.rows(after) == (try Self.rows(before)))
        // Nothing left to do there: no commit.
        #expect(try table.optimize(options).version == nil)
        #expect(try table.latestVersion() == 2)
    }

    @Test func concurrentAppendsCommuteWithIt() throws {
        let dir = try TemporaryDirectory("optimize-concurrent")
        defer { dir.remove() }
        let table = try Self.smallFiles(dir.file("t"), batches: 20)
        let rowsBefore = try Self.rows(try table.snapshot())
        var options = OptimizeOptions()
        let appended = Locked(0)
        // Before its first attempt, three blind appends land: optimize must retry after them.
        options.willCommit = { _ in
            guard appended.value == 0 else { return }
            for k in 0..<3 {
                let snap = try table.snapshot()
                try table.append(try DataFileWriter(snapshot: snap).writePartitioned(viewsBatch(start: 1000 + k * 3, count: 3)))
            }
            appended.update { $0 = 3 }
        }
        let result = try table.optimize(options)
        #expect(result.attempts == 2)
        #expect(result.version == 5)
        let after = try table.snapshot()
        let rows = try Self.rows(after)
        let isAppended = { (row: String) in (Int(row.prefix { $0 != "," }) ?? 0) >= 1000 }
        #expect(rows.filter(isAppended).count == 9)
        #expect(after.numRecords == Int64(69))
        #expect(rows.filter { !isAppended($0) } == rowsBefore)
    }

    @Test func appendsFromAnotherThreadDuringOptimizeAllSurvive() throws {
        let dir = try TemporaryDirectory("optimize-threads")
        defer { dir.remove() }
        let table = try Self.smallFiles(dir.file("t"), batches: 67)  // 201 files
        let rowsBefore = try Self.rows(try table.snapshot())
        let done = Locked(false)
        let appended = Locked(0)
        let appender = Thread {
            var k = 0
            while !done.value || k < 5 {
                do {
                    let snap = try table.snapshot()
                    try table.append(try DataFileWriter(snapshot: snap).writePartitioned(viewsBatch(start: 5000 + k * 3, count: 3)))
                    k += 1
                    appended.update { $0 = k }
                } catch { break }
            }
        }
        appender.start()
        var options = OptimizeOptions()
        options.targetFileBytes = 16 << 10
        options.maxAttempts = 100
        let result = try table.optimize(options)
        done.update { $0 = true }
        while !appender.isFinished { usleep(10_000) }
        #expect(appended.value >= 5)
        #expect(result.version != nil)
        let rows = try Self.rows(try table.snapshot())
        let isAppended = { (row: String) in (Int(row.prefix { $0 != "," }) ?? 0) >= 5000 }
        #expect(rows.filter(isAppended).count == appended.value * 3)
        #expect(Set(rows.filter(isAppended)).count == appended.value * 3)
        #expect(rows.filter { !isAppended($0) } == rowsBefore)
    }

    @Test func aConcurrentRemovalOfARewrittenFileFailsItCleanly() throws {
        let dir = try TemporaryDirectory("optimize-conflict")
        defer { dir.remove() }
        let table = try Self.smallFiles(dir.file("t"), batches: 5)
        let snap = try table.snapshot()
        let victim = try #require(snap.files.first)
        var options = OptimizeOptions()
        options.willCommit = { v in
            guard v == 2 else { return }
            let remove = RemoveFile(path: victim.path, deletionTimestamp: 1, dataChange: true)
            try table.commit(actions: [.commitInfo(CommitInfo(timestamp: 1, operation: "DELETE")), .remove(remove)], expectedVersion: 1)
        }
        #expect(throws: DeltaError.self) { try table.optimize(options) }
        #expect(try table.latestVersion() == 2)
        // The rewritten files were deleted: only the original 15 data files remain on disk.
        let parquet = (FileManager.default.enumerator(atPath: table.path)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".parquet") && !$0.hasPrefix("_") }
        #expect(parquet.count == 15, "\(parquet)")
    }

    @Test func filesPredatingAColumnGetNullsForIt() throws {
        let dir = try TemporaryDirectory("optimize-missing")
        defer { dir.remove() }
        // The table has a nullable `extra` column its files never stored.
        let schema = Schema([Field(name: "id", type: .int64, nullable: false), Field(name: "extra", type: .string, nullable: true)])
        let table = try DeltaTable.create(at: dir.file("t"), schema: schema)
        var adds: [AddFile] = []
        for i in 0..<4 {
            let name = "part-\(i).parquet"
            let w = try ParquetWriter(path: dir.file("t/" + name), schema: Schema([schema.fields[0]]))
            try w.write(RecordBatch(schema: Schema([schema.fields[0]]), columns: [Column(type: .int64, values: .int64([Int64(i)]))], rowCount: 1))
            try w.close()
            let size = (try FileManager.default.attributesOfItem(atPath: dir.file("t/" + name))[.size] as? NSNumber)?.int64Value ?? 0
            adds.append(AddFile(path: name, partitionValues: [:], size: size, modificationTime: 1))
        }
        try table.append(adds)
        let result = try table.optimize()
        #expect(result.filesRemoved == 4 && result.filesAdded == 1)
        let f = try #require(try table.snapshot().files.first)
        let pf = try ParquetFile(path: table.path + "/" + f.relativePath)
        let b = try pf.readRowGroup(0)
        #expect(b.rowCount == 4)
        #expect((0..<4).allSatisfy { b.columns[1].isNull($0) })
    }
}

/// delta-rs reads an optimized table and sees the same rows.
@Suite(.enabled(if: Requirements.deltaRS, "needs python3 with deltalake and pyarrow"))
struct OptimizeInteropTests {
    @Test func deltaRsReadsTheOptimizedTable() throws {
        let dir = try TemporaryDirectory("optimize-rs")
        defer { dir.remove() }
        let table = try OptimizeTests.smallFiles(dir.file("t"), batches: 30)
        let result = try table.optimize()
        #expect(result.filesAdded == 3)
        let script = """
        import sys, json
        from deltalake import DeltaTable
        t = DeltaTable(sys.argv[1])
        a = t.to_pyarrow_table()
        print(json.dumps({"version": t.version(), "files": len(t.file_uris()), "rows": a.num_rows,
                          "ids": sum(a.column("user_id").to_pylist()), "op": t.history(1)[0]["operation"]}))
        """
        let r = try TestEnvironment.runPython(script, [table.path])
        #expect(r.status == 0, "\(r.err)")
        let v = try JSONValue.parse(r.out)
        #expect(v["version"]?.intValue == 2)
        #expect(v["files"]?.intValue == 3)
        #expect(v["rows"]?.intValue == 90)
        #expect(v["ids"]?.intValue == Int64((0..<90).reduce(0, +)))
        #expect(v["op"]?.stringValue == "OPTIMIZE")
    }
}
