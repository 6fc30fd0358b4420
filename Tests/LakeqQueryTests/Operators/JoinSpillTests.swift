import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing
@testable import LakeqQuery

/// Hash joins past `--memory-limit` (grace hash join): the same rows as in memory, the spill
/// files gone when the query ends (also after an error), EXPLAIN ANALYZE's `spilled:` line,
/// and the out-of-memory error of the joins that cannot spill. (Every join kind's answers
/// are in `Tests/sql/join/spill.test`.)
@Suite struct JoinSpillTests {
    static let query = """
        SELECT a.range AS i, b.range AS j, 'k' || CAST(b.range % 977 AS VARCHAR) AS s
        FROM range(60000) a FULL JOIN range(40000) b ON a.range % 30000 = b.range * 2 ORDER BY i, j
        """

    static func engine(_ lake: TemporaryDirectory, _ temp: TemporaryDirectory?, limit: Int?) -> QueryEngine {
        var e = QueryEngine(lake: lake.path, threads: 2)
        e.options.memoryLimit = limit.map { MemoryLimit(bytes: $0) }
        e.options.tempDirectory = temp?.path
        return e
    }

    static func text(_ r: QueryResult) -> String {
        (0..<r.rowCount).map { i in r.columns.map { Casts.text(Scalar.from($0, row: i)) }.joined(separator: ",") }.joined(separator: "\n")
    }

    @Test func spilledJoinGivesTheInMemoryRowsAndRemovesItsFiles() throws {
        let lake = try TemporaryDirectory("join-spill-lake")
        let temp = try TemporaryDirectory("join-spill-temp")
        defer { lake.remove(); temp.remove() }
        let inMemory = try Self.engine(lake, nil, limit: nil).run(Self.query)
        let limited = Self.engine(lake, temp, limit: 64 << 10)
        let spilled = try limited.run(Self.query)
        #expect(spilled.rowCount == inMemory.rowCount)
        #expect(Self.text(spilled) == Self.text(inMemory))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path).isEmpty)
        let plan = try limited.run("EXPLAIN ANALYZE " + Self.query)
        let lines = Self.text(plan).split(separator: "\n")
        let join = try #require(lines.firstIndex { $0.contains("HashJoin full") })
        #expect(lines[join + 1].contains("| spilled: ") && lines[join + 1].contains("64 partitions"), "\(lines[join + 1])")
        #expect(!lines[join + 1].contains("spilled: nothing"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path).isEmpty)
        // Without the limit nothing spills.
        let free = try Self.engine(lake, temp, limit: nil).run("EXPLAIN ANALYZE " + Self.query)
        #expect(Self.text(free).contains("HashJoin full") && Self.text(free).contains("spilled: nothing"))
    }

    @Test func spillFilesAreRemovedWhenTheQueryFails() throws {
        let lake = try TemporaryDirectory("join-spill-lake")
        let temp = try TemporaryDirectory("join-spill-temp")
        defer { lake.remove(); temp.remove() }
        // The join spills, then the projection above it fails on a row of the partition phase.
        let sql = "SELECT CAST(CASE WHEN a.range = 59999 THEN 'x' ELSE '1' END AS INTEGER) FROM range(60000) a JOIN range(60000) b ON a.range = b.range"
        #expect(throws: (any Error).self) { try Self.engine(lake, temp, limit: 64 << 10).run(sql) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path).isEmpty)
    }

    @Test(arguments: [
        "SELECT count(*) FROM range(50000) a WHERE a.range NOT IN (SELECT range * 2 FROM range(40000))",
        "SELECT count(*) FROM range(50000) a JOIN range(40000) b ON a.range < b.range",
    ])
    func joinsThatCannotSpillFailCleanly(sql: String) throws {
        let lake = try TemporaryDirectory("join-spill-lake")
        defer { lake.remove() }
        do {
            _ = try Self.engine(lake, nil, limit: 64 << 10).run(sql)
            Issue.record("expected an out-of-memory error")
        } catch {
            #expect("\(error)".hasPrefix("out of memory: "), "\(error)")
            #expect("\(error)".contains("does not spill"), "\(error)")
            #expect("\(error)".contains("(--memory-limit 64.0 KiB)"), "\(error)")
        }
    }
}
