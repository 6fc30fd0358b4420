import Foundation
import LakeqColumnar
import LakeqParquet
import LakeqTestSupport
import Testing
@testable import LakeqQuery

/// `DictionaryCache` (decoded dictionary pages shared by the service's queries): the bound,
/// recency order, concurrent use, and the same answers with it on and off.
struct DictionaryCacheTests {
    static func key(_ n: Int, path: String = "/f") -> DictionaryPageKey {
        DictionaryPageKey(file: FileIdentity(path: path, device: 1, inode: 2, size: 3, modified: 4), rowGroup: n, column: 0)
    }

    /// 1,000 doubles: 8,000 bytes of values.
    static func values(_ n: Int) -> ColumnValues { .float64((0..<1000).map { Double($0 + n) }) }

    static let entryBytes = 8000 + DictionaryCache.entryOverhead + 2

    @Test func staysWithinItsBoundDroppingTheLeastRecentlyUsed() {
        let cache = DictionaryCache(capacity: 4 * Self.entryBytes)  // room for 4; an entry may take at most a quarter
        for n in 0..<4 { cache.insert(Self.values(n), for: Self.key(n)) }
        #expect(cache.counts.entries == 4 && cache.counts.bytes == 4 * Self.entryBytes)
        // Touch 0: 1 is now the least recently used, and goes first.
        #expect(cache.dictionary(Self.key(0)) != nil)
        cache.insert(Self.values(4), for: Self.key(4))
        #expect(cache.dictionary(Self.key(1)) == nil)
        for n in [0, 2, 3, 4] { #expect(cache.dictionary(Self.key(n)) != nil) }
        #expect(cache.counts.entries == 4 && cache.counts.evictions == 1)
        #expect(cache.counts.bytes <= cache.capacity)
        // What comes back is what went in.
        if case .float64(let v) = cache.dictionary(Self.key(4)) { #expect(v.first == 4 && v.count == 1000) } else { Issue.record("not kept") }
        // Too large for the bound (more than a quarter): declined, nothing evicted.
        cache.insert(.float64([Double](repeating: 1, count: 5000)), for: Self.key(9))
        #expect(cache.dictionary(Self.key(9)) == nil && cache.counts.entries == 4)
        // A tiny cache keeps nothing, and a zero one neither.
        let tiny = DictionaryCache(capacity: 100)
        tiny.insert(Self.values(0), for: Self.key(0))
        #expect(tiny.counts.entries == 0 && tiny.dictionary(Self.key(0)) == nil)
        let hits = cache.counts.hits, misses = cache.counts.misses
        #expect(hits == 6 && misses == 2)
    }

    @Test func manyThreadsAtOnce() {
        let cache = DictionaryCache(capacity: 20 * Self.entryBytes)
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<2000 {
                let n = (i * 7 + t) % 60
                if let v = cache.dictionary(Self.key(n)) {
                    if case .float64(let d) = v, d.first != Double(n) { Issue.record("entry \(n) holds \(d.first ?? -1)") }
                } else {
                    cache.insert(Self.values(n), for: Self.key(n))
                }
            }
        }
        let c = cache.counts
        #expect(c.hits + c.misses == 16_000)
        #expect(c.bytes <= cache.capacity && c.entries <= 20 && c.entries == c.inserts - c.evictions)
        #expect(c.bytes == c.entries * Self.entryBytes)
    }

    // MARK: through the engine

    static let schema = Schema([Field(name: "show", type: .string, nullable: false), Field(name: "watch", type: .float64, nullable: true)])

    /// A plain Parquet file of `rows` rows in row groups of 500 (`show` and `watch` dictionary-encoded).
    static func writeFile(_ path: String, rows: Int, salt: Int) throws {
        var options = WriterOptions()
        options.rowGroupRows = 500
        let writer = try ParquetWriter(path: path, schema: schema, options: options)
        let show = Column(type: .string, values: .bytes(ByteArrays(strings: (0..<rows).map { "show \(($0 * 13 + salt) % 11)" })))
        let watch = Column(type: .float64, values: .float64((0..<rows).map { Double(($0 * 31 + salt) % 97) / 8 }),
                           validity: Bitmap(bools: (0..<rows).map { $0 % 10 != 3 }))
        try writer.write(RecordBatch(schema: schema, columns: [show, watch], rowCount: rows))
        _ = try writer.close()
    }

    /// A lake whose table `t` is two such files: 2,000 rows (4 row groups) and 1,000 (2).
    static func twoFileLake(_ name: String) throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory(name)
        try FileManager.default.createDirectory(atPath: dir.path + "/t", withIntermediateDirectories: true)
        try writeFile(dir.path + "/t/part-0.parquet", rows: 2000, salt: 0)
        try writeFile(dir.path + "/t/part-1.parquet", rows: 1000, salt: 4)
        return dir
    }

    static let queries = [
        "SELECT show, avg(watch) AS a, count(*) AS n FROM t GROUP BY show ORDER BY a DESC, show",
        "SELECT count(*), sum(watch), min(show), max(watch) FROM t WHERE show = 'show 3'",
        "SELECT show, watch FROM t WHERE watch > 11.5 ORDER BY show, watch LIMIT 20",
    ]

    static func answers(_ engine: QueryEngine) throws -> [String] {
        try queries.map { sql in
            let r = try engine.run(sql)
            return (0..<r.rowCount).map { row in r.columns.map { "\(Scalar.from($0, row: row))" }.joined(separator: "|") }.joined(separator: "\n")
        }
    }

    /// An engine over `lake` without a dictionary cache, and the same engine with a 1 MiB one.
    static func enginesWithoutAndWithCache(_ lake: String, threads: Int) -> (off: QueryEngine, on: QueryEngine, cache: DictionaryCache) {
        let off = QueryEngine(lake: lake, threads: threads)
        var on = off
        let cache = DictionaryCache(capacity: 1 << 20)
        on.options.dictionaryCache = cache
        return (off, on, cache)
    }

    /// Aggregates folded while decoding (`ScanAggregation`) take their dictionaries from the
    /// cache as whole-column reads do.
    @Test func aggregatesFoldedWhileDecodingUseTheCache() throws {
        let dir = try Self.twoFileLake("dict-cache-summary")
        defer { dir.remove() }
        let (off, on, cache) = Self.enginesWithoutAndWithCache(dir.path, threads: 1)
        let sql = "SELECT sum(watch), max(watch), count(watch), count(*) FROM t"
        func answer(_ e: QueryEngine) throws -> String {
            let r = try e.run(sql)
            return r.columns.map { "\(Scalar.from($0, row: 0))" }.joined(separator: "|")
        }
        let expected = try answer(off)
        #expect(try answer(on) == expected)
        #expect(cache.counts.inserts == 6)  // watch's dictionary in each of 6 row groups
        let hits = cache.counts.hits
        #expect(try answer(on) == expected)
        #expect(cache.counts.hits == hits + 6)
    }

    @Test func sameAnswersWithTheCacheOnAndOff() throws {
        let dir = try Self.twoFileLake("dict-cache-engine")
        defer { dir.remove() }
        let (off, on, cache) = Self.enginesWithoutAndWithCache(dir.path, threads: 2)
        let expected = try Self.answers(off)
        #expect(try Self.answers(on) == expected)
        #expect(cache.counts.inserts > 0)
        let hits = cache.counts.hits
        #expect(try Self.answers(on) == expected)  // now from kept dictionaries
        #expect(cache.counts.hits > hits)
        // EXPLAIN ANALYZE says how many dictionary pages were reused.
        let plan = try on.run("EXPLAIN ANALYZE SELECT show, avg(watch) FROM t GROUP BY show")
        let lines = (0..<plan.rowCount).map { "\(Scalar.from(plan.columns[0], row: $0))" }
        #expect(lines.contains { $0.contains("dictionary pages: 12 reused") })  // 6 row groups x 2 columns
        #expect(try off.run("EXPLAIN ANALYZE SELECT show FROM t").columns[0].count > 0)

        // Under a bound too small for them all, answers stay the same (entries come and go).
        var small = off
        let smallCache = DictionaryCache(capacity: 4 * 1024)
        small.options.dictionaryCache = smallCache
        for _ in 0..<2 { #expect(try Self.answers(small) == expected) }
        #expect(smallCache.counts.bytes <= 4 * 1024 && smallCache.counts.evictions > 0)

        // Queries on several threads at once over one cache.
        let results = Collected()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let a = (try? Self.answers(on)) ?? []
            results.add(a)
        }
        #expect(results.all.count == 4 && results.all.allSatisfy { $0 == expected })

        // A Hive file rewritten at the same path: the new values, never the kept dictionary.
        try Self.writeFile(dir.path + "/t/part-1.parquet", rows: 1000, salt: 7)
        let rewritten = try Self.answers(off)
        #expect(rewritten != expected)
        #expect(try Self.answers(on) == rewritten)
    }
}

/// Answers collected from several threads.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [[String]] = []
    func add(_ a: [String]) { lock.withLock { answers.append(a) } }
    var all: [[String]] { lock.withLock { answers } }
}
