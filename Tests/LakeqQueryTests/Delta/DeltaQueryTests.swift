import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqTestSupport
import Testing
@testable import LakeqQuery

/// SQL over Delta tables written by delta-rs (the `deltalake` Python package).
@Suite(.enabled(if: Requirements.deltaRS, "needs python3 with deltalake and pyarrow"))
struct DeltaQueryTests {
    /// Runs a Python script with the lake directory as its argument; true when it succeeded.
    func python(_ script: String, _ dir: String) throws -> Bool {
        let r = try TestEnvironment.runPython(script, [dir])
        #expect(r.status == 0, "\(r.output)")
        return r.status == 0
    }

    func int(_ r: QueryResult, row: Int = 0, column: Int = 0) -> Int64? {
        switch r.columns[column].values {
        case .int64(let v): return v[row]
        case .int32(let v): return Int64(v[row])
        default: return nil
        }
    }

    @Test func countsLiveFilesAtEachVersion() throws {
        let dir = NSTemporaryDirectory() + "lakeq-delta-query-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = """
        import sys, datetime
        import pyarrow as pa
        from deltalake import write_deltalake, DeltaTable
        path = sys.argv[1] + "/views"
        t = pa.table({"user_id": pa.array(range(60), pa.int64()),
                      "country": ["nl", "de", "fr"] * 20,
                      "n": pa.array([i % 5 for i in range(60)], pa.int32()),
                      "day": [datetime.date(2024, 1, 1 + i % 2) for i in range(60)],
                      "seconds": [float(i) for i in range(60)]})
        write_deltalake(path, t, partition_by=["country", "n"])
        write_deltalake(path, t.slice(0, 6), partition_by=["country", "n"], mode="append")
        DeltaTable(path).delete("country = 'nl'")
        """
        try #require(try python(script, dir))
        let engine = QueryEngine(lake: dir, threads: 2)
        // Latest: the delete rewrote/removed the nl files.
        #expect(int(try engine.run("select count(*) from views")) == 44)
        #expect(int(try engine.run("select count(*) from views where country = 'nl'")) == 0)
        // Time travel: before the delete, and the first write only.
        #expect(int(try engine.run("select count(*) from views version as of 1")) == 66)
        #expect(int(try engine.run("select count(*) from views version as of 0")) == 60)
        // Partition values are typed from the Delta schema: n is INTEGER (not a guessed BIGINT).
        let r = try engine.run("select n, count(*) from views version as of 0 where n >= 3 group by n order by n")
        #expect(r.columns[0].type == .int32)
        #expect(r.rowCount == 2)
        #expect(int(r, row: 0, column: 1) == 12)
        // The catalog's default version (lakeq query --version N).
        var pinned = QueryEngine(lake: dir, threads: 2)
        pinned.catalog.version = 0
        #expect(int(try pinned.run("select count(*) from views")) == 60)
        #expect(throws: (any Error).self) { try engine.run("select count(*) from views version as of 9") }
    }

    @Test func statsPruningIsSound() throws {
        let stats = try FileStats(json: #"{"numRecords":3,"minValues":{"a":5,"t":"2024-01-01T00:00:00.000Z"},"maxValues":{"a":9,"t":"2024-01-01T00:00:01.000Z"},"nullCount":{"a":0,"b":3}}"#)
        let f = DataFile(path: "x", partitionValues: [], stats: stats)
        let a = Field(name: "a", type: .int64, nullable: true)
        #expect(DeltaStatsPruning.fileMayMatch(f, column: a, Pruning.ColumnPredicate(column: 0, test: .compare(.equal, .int(7)))))
        #expect(!DeltaStatsPruning.fileMayMatch(f, column: a, Pruning.ColumnPredicate(column: 0, test: .compare(.equal, .int(10)))))
        #expect(!DeltaStatsPruning.fileMayMatch(f, column: a, Pruning.ColumnPredicate(column: 0, test: .compare(.less, .int(5)))))
        #expect(DeltaStatsPruning.fileMayMatch(f, column: a, Pruning.ColumnPredicate(column: 0, test: .compare(.lessOrEqual, .int(5)))))
        #expect(!DeltaStatsPruning.fileMayMatch(f, column: a, Pruning.ColumnPredicate(column: 0, test: .compare(.greater, .int(9)))))
        #expect(!DeltaStatsPruning.fileMayMatch(f, column: Field(name: "b", type: .int64, nullable: true), Pruning.ColumnPredicate(column: 0, test: .compare(.equal, .int(1)))))
        #expect(DeltaStatsPruning.fileMayMatch(f, column: Field(name: "c", type: .int64, nullable: true), Pruning.ColumnPredicate(column: 0, test: .compare(.equal, .int(1)))))
        let t = Field(name: "t", type: .timestamp(.micros, utc: true), nullable: true)
        // 00:00:01.000500 is inside the max's millisecond: kept.
        #expect(DeltaStatsPruning.fileMayMatch(f, column: t, Pruning.ColumnPredicate(column: 0, test: .compare(.equal, .timestamp(1_704_067_201_000_500)))))
        #expect(!DeltaStatsPruning.fileMayMatch(f, column: t, Pruning.ColumnPredicate(column: 0, test: .compare(.equal, .timestamp(1_704_067_202_000_000)))))
    }
}
