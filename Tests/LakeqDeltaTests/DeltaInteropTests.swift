import Foundation
import LakeqTestSupport
import Testing
import LakeqColumnar
import LakeqParquet
@testable import LakeqDelta

/// Interoperability with delta-rs (the `deltalake` Python package).
@Suite(.enabled(if: Requirements.deltaRS, "needs python3 with deltalake and pyarrow"))
struct DeltaInteropTests {
    @Test func deltaRsReadsLakeqTable() throws {
        let dir = try makeTempDir("to-rs")
        defer { cleanup(dir) }
        let table = try DeltaTable.create(at: dir, schema: viewsSchema, partitionColumns: ["day"])
        let writer = DataFileWriter(snapshot: try table.snapshot())
        try table.append(try writer.writePartitioned(viewsBatch(start: 0, count: 100)))
        try table.append(try writer.writePartitioned(viewsBatch(start: 100, count: 50)))
        let script = """
        import sys, json
        from deltalake import DeltaTable
        t = DeltaTable(sys.argv[1])
        a = t.to_pyarrow_table()
        print(json.dumps({"version": t.version(), "rows": a.num_rows,
            "ids": sorted(a.column("user_id").to_pylist()),
            "days": sorted(set(str(d) for d in a.column("day").to_pylist())),
            "titles": sorted(set(a.column("title").to_pylist())),
            "seconds": sum(a.column("seconds").to_pylist()),
            "at0": min(a.column("at").to_pylist()).isoformat(),
            "partitions": t.metadata().partition_columns}))
        """
        let r = try runPython(script, [dir])
        #expect(r.status == 0, "\(r.err)")
        let v = try JSONValue.parse(r.out)
        #expect(v["version"]?.intValue == 2)
        #expect(v["rows"]?.intValue == 150)
        #expect(v["ids"]?.arrayValue?.compactMap(\.intValue) == (0..<150).map { Int64($0) })
        #expect(v["days"]?.arrayValue?.compactMap(\.stringValue) == ["2023-12-09", "2023-12-10", "2023-12-11"])
        #expect(v["titles"]?.arrayValue?.count == 7)
        #expect(v["seconds"]?.doubleValue == (0..<150).reduce(0.0) { $0 + Double($1) * 1.5 })
        #expect(v["at0"]?.stringValue == "2023-11-14T22:13:20+00:00")
        #expect(v["partitions"]?.arrayValue?.compactMap(\.stringValue) == ["day"])
    }

    @Test func lakeqReadsDeltaRsTable() throws {
        let dir = try makeTempDir("from-rs")
        defer { cleanup(dir) }
        let script = """
        import sys, datetime
        import pyarrow as pa
        from deltalake import write_deltalake
        t = pa.table({"user_id": pa.array(range(60), pa.int64()),
                      "country": pa.array(["nl", "de", "fr a/b"] * 20),
                      "day": pa.array([datetime.date(2024, 1, 1 + i % 2) for i in range(60)]),
                      "seconds": pa.array([float(i) for i in range(60)])})
        write_deltalake(sys.argv[1], t, partition_by=["country", "day"])
        write_deltalake(sys.argv[1], t.slice(0, 6), partition_by=["country", "day"], mode="append")
        """
        let r = try runPython(script, [dir])
        #expect(r.status == 0, "\(r.err)")
        let table = try DeltaTable(path: dir)
        let snap = try table.snapshot()
        #expect(snap.version == 1)
        #expect(snap.partitionColumns == ["country", "day"])
        #expect(snap.schema.fields.first { $0.name == "day" }?.type == .date32)
        var rows = 0
        var countries = Set<String>()
        for f in snap.files {
            let pf = try ParquetFile(path: snap.absolutePath(of: f))
            rows += pf.rowCount
            if let c = f.partitionValues["country"] ?? nil { countries.insert(c) }
            if let n = f.stats?.numRecords { #expect(Int(n) == pf.rowCount) }
        }
        #expect(rows == 66)
        #expect(countries == ["nl", "de", "fr a/b"])
        #expect(try table.snapshot(version: 0).files.count == 6)
        // lakeq can append to it, and delta-rs reads the result.
        let writer = DataFileWriter(snapshot: snap)
        let batch = RecordBatch(schema: Schema([
            Field(name: "user_id", type: .int64, nullable: true), Field(name: "country", type: .string, nullable: true),
            Field(name: "day", type: .date32, nullable: true), Field(name: "seconds", type: .float64, nullable: true),
        ]), columns: [
            Column(type: .int64, values: .int64([1000])), Column(type: .string, values: .bytes(ByteArrays(strings: ["se"]))),
            Column(type: .date32, values: .int32([19_725])), Column(type: .float64, values: .float64([1])),
        ], rowCount: 1)
        try table.append(try writer.writePartitioned(batch))
        let check = try runPython("import sys\nfrom deltalake import DeltaTable\nprint(DeltaTable(sys.argv[1]).to_pyarrow_table().num_rows)", [dir])
        #expect(check.out.trimmingCharacters(in: .whitespacesAndNewlines) == "67", "\(check.err)")
    }

    @Test func lakeqReadsDeltaRsCheckpointAfterLogCleanup() throws {
        let dir = try makeTempDir("checkpoint")
        defer { cleanup(dir) }
        let script = """
        import sys, datetime
        import pyarrow as pa
        from deltalake import write_deltalake, DeltaTable
        t = pa.table({"user_id": pa.array(range(60), pa.int64()),
                      "country": pa.array(["nl", "de", None] * 20),
                      "day": pa.array([datetime.date(2024, 1, 1 + i % 2) for i in range(60)])})
        write_deltalake(sys.argv[1], t, partition_by=["country", "day"], configuration={"delta.appendOnly": "false"})
        write_deltalake(sys.argv[1], t.slice(0, 6), partition_by=["country", "day"], mode="append")
        DeltaTable(sys.argv[1]).create_checkpoint()
        write_deltalake(sys.argv[1], t.slice(0, 3), partition_by=["country", "day"], mode="append")
        print(DeltaTable(sys.argv[1]).to_pyarrow_table().num_rows)
        """
        let r = try runPython(script, [dir])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == "69")
        // Log cleanup: the commits the checkpoint (version 1) covers are gone.
        for v in [0, 1] { try FileManager.default.removeItem(atPath: dir + "/_delta_log/" + DeltaTable.commitFileName(v)) }
        let table = try DeltaTable(path: dir)
        for (version, rows) in [(2, 69), (1, 66)] {
            let snap = try table.snapshot(version: version)
            #expect(snap.version == version)
            #expect(snap.partitionColumns == ["country", "day"])
            #expect(snap.metadata.configuration["delta.appendOnly"] == "false")
            #expect(snap.schema.fields.map(\.name) == ["user_id", "country", "day"])
            var total = 0
            var countries = Set<String?>()
            for f in snap.files {
                let pf = try ParquetFile(path: snap.absolutePath(of: f))
                total += pf.rowCount
                countries.insert(f.partitionValues["country"] ?? nil)
                #expect(f.size == Int64((try FileManager.default.attributesOfItem(atPath: snap.absolutePath(of: f)))[.size] as? Int ?? -1))
                if let n = f.numRecords { #expect(Int(n) == pf.rowCount) }
            }
            #expect(total == rows, "version \(version)")
            #expect(countries == ["nl", "de", nil])
        }
        #expect(throws: DeltaError.self) { try table.snapshot(version: 0) }
        #expect(try table.vacuum(retentionHours: 168, dryRun: true).files.isEmpty)  // every file is live
        // The same checkpoint as two parts (V.checkpoint.P.N.parquet) reads the same.
        let split = """
        import sys, os, pyarrow.parquet as pq
        log = sys.argv[1] + "/_delta_log/"
        t = pq.read_table(log + "00000000000000000001.checkpoint.parquet")
        half = t.num_rows // 2
        pq.write_table(t.slice(0, half), log + "00000000000000000001.checkpoint.0000000001.0000000002.parquet")
        pq.write_table(t.slice(half), log + "00000000000000000001.checkpoint.0000000002.0000000002.parquet")
        os.remove(log + "00000000000000000001.checkpoint.parquet")
        """
        let s = try runPython(split, [dir])
        #expect(s.status == 0, "\(s.err)")
        let parts = try table.snapshot(version: 1)
        #expect(parts.files.count == (try DeltaTable(path: dir).snapshot(version: 2)).files.count - 3)
        #expect(parts.files.reduce(0) { $0 + Int($1.numRecords ?? 0) } == 66)
        try FileManager.default.removeItem(atPath: dir + "/_delta_log/00000000000000000001.checkpoint.0000000002.0000000002.parquet")
        #expect(throws: DeltaError.self) { try table.snapshot(version: 1) }  // a part is missing
    }

    @Test func vacuumUsesCheckpointTombstones() throws {
        let dir = try makeTempDir("checkpoint-vacuum")
        defer { cleanup(dir) }
        let script = """
        import sys, pyarrow as pa
        from deltalake import write_deltalake, DeltaTable
        t = pa.table({"id": pa.array(range(20), pa.int64())})
        write_deltalake(sys.argv[1], t)                                   # v0
        write_deltalake(sys.argv[1], t.slice(0, 5), mode="overwrite")     # v1: removes v0's file
        DeltaTable(sys.argv[1]).create_checkpoint()                       # tombstone in the checkpoint
        write_deltalake(sys.argv[1], t.slice(0, 1), mode="append")        # v2
        """
        let r = try runPython(script, [dir])
        #expect(r.status == 0, "\(r.err)")
        for v in [0, 1] { try FileManager.default.removeItem(atPath: dir + "/_delta_log/" + DeltaTable.commitFileName(v)) }
        let table = try DeltaTable(path: dir)
        let snap = try table.snapshot()
        #expect(snap.files.reduce(0) { $0 + Int($1.numRecords ?? 0) } == 6)
        // Data files written ten days ago: only the tombstone (removed just now) keeps the
        // removed one from vacuum's default retention.
        let old = Date().addingTimeInterval(-10 * 86_400)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".parquet") {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: dir + "/" + name)
        }
        #expect(try table.vacuum(retentionHours: 168, dryRun: true).files.isEmpty)
        let doomed = try table.vacuum(retentionHours: 0, dryRun: true, allowShortRetention: true).files
        #expect(doomed.count == 1, "\(doomed)")
        #expect(!snap.files.contains { $0.relativePath == doomed.first })
    }
}
