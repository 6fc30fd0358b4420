import Foundation
import HTTPTypes
import LakeqColumnar
@testable import LakeqQuery
@testable import LakeqServer
import LakeqTestSupport
import NIOCore
import Testing

/// The service's parts on their own: token buckets, the query gate, the result cache, keys,
/// settings, value text.
struct ComponentTests {
    /// The service's own header names are valid HTTP tokens, so their definitions never trap.
    @Test func headerNamesAreTokens() {
        for name in HTTPField.Name.lakeqNames {
            #expect(HTTPField.Name(name.rawName) == name)
            #expect(!name.rawName.isEmpty && name.rawName.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") })
        }
    }

    @Test func tokenBucketRefillsAtItsRateUpToItsBurst() {
        let limiter = RateLimiter(limits: [.reader: .init(rate: 10, burst: 3)])
        let t0 = ContinuousClock.now
        #expect(limiter.take(key: "a", role: .reader, now: t0) == nil)
        #expect(limiter.take(key: "a", role: .reader, now: t0) == nil)
        #expect(limiter.take(key: "a", role: .reader, now: t0) == nil)
        let wait = try? #require(limiter.take(key: "a", role: .reader, now: t0))
        #expect(abs((wait ?? 0) - 0.1) < 1e-9)
        // Another key has its own bucket; admins have none.
        #expect(limiter.take(key: "b", role: .reader, now: t0) == nil)
        for _ in 0..<100 { #expect(limiter.take(key: "c", role: .admin, now: t0) == nil) }
        // 100 ms later one token is back, and only one.
        #expect(limiter.take(key: "a", role: .reader, now: t0 + .milliseconds(100)) == nil)
        #expect(limiter.take(key: "a", role: .reader, now: t0 + .milliseconds(100)) != nil)
        // A long pause refills to the burst, not beyond.
        let later = t0 + .seconds(60)
        for _ in 0..<3 { #expect(limiter.take(key: "a", role: .reader, now: later) == nil) }
        #expect(limiter.take(key: "a", role: .reader, now: later) != nil)
    }

    @Test func queryGateQueuesThenRefuses() async throws {
        let gate = QueryGate(capacity: 1, queueDepth: 1, maxWait: .milliseconds(300))
        try await gate.enter()
        #expect(gate.active == 1)
        // One may wait; the next is refused at once.
        let waiter = Task { try await gate.enter() }
        try await Task.sleep(for: .milliseconds(50))
        await #expect(throws: QueryGate.Overloaded.self) { try await gate.enter() }
        // Leaving hands the slot to the waiter.
        gate.leave()
        try await waiter.value
        #expect(gate.active == 1)
        // A waiter past its wait is refused.
        let start = ContinuousClock.now
        await #expect(throws: QueryGate.Overloaded.self) { try await gate.enter() }
        #expect(ContinuousClock.now - start >= .milliseconds(250))
        gate.leave()
        #expect(gate.active == 0)
    }

    @Test func resultCacheIsBoundedLRU() {
        let cache = ResultCache(capacity: 300, entryLimit: 150)
        func entry(_ n: Int) -> ResultCache.Entry {
            .init(body: ByteBuffer(repeating: 0, count: n), contentType: "x", etag: "e", rows: 1)
        }
        cache.put("a", entry(100))
        cache.put("b", entry(100))
        #expect(cache.get("a") != nil)  // a is now the most recent
        cache.put("c", entry(100))  // evicts b
        #expect(cache.get("b") == nil)
        #expect(cache.get("a") != nil && cache.get("c") != nil)
        cache.put("big", entry(200))  // over the entry limit: not kept
        #expect(cache.get("big") == nil)
        #expect(cache.bytes <= 300)
        #expect(ResultCache.etag(for: "k") == ResultCache.etag(for: "k"))
        #expect(ResultCache.etag(for: "k") != ResultCache.etag(for: "l"))
        #expect(Responses.matches("W/\"x\", \(ResultCache.etag(for: "k"))", ResultCache.etag(for: "k")))
        #expect(Responses.matches("*", "\"q\""))
        #expect(!Responses.matches("\"other\"", "\"q\""))
    }

    @Test func keysAreSaltedHashesCheckedInConstantTime() throws {
        let dir = try TemporaryDirectory("keys")
        defer { dir.remove() }
        let path = dir.file("k.json")
        let a = try KeyStore.add(name: "a", role: .writer, pii: true, path: path)
        let b = try KeyStore.add(name: "b", role: .reader, pii: false, path: path)
        let store = try KeyStore(path: path)
        #expect(store.verify(a) == APIKey(name: "a", role: .writer, pii: true))
        #expect(store.verify(b)?.role == .reader)
        #expect(store.verify(a + "x") == nil)
        #expect(store.verify(String(a.dropLast())) == nil)
        #expect(store.verify("") == nil)
        #expect(store.verify("lq__") == nil)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(String(a.split(separator: "_", maxSplits: 2)[2])))
        #expect(store.piiSecret.count == 32)
        // Same secret text, different salts: different hashes.
        let entries = store.entries
        #expect(entries[0].salt != entries[1].salt)
        #expect(throws: ConfigurationError.self) { try KeyStore.add(name: "a", role: .admin, pii: false, path: path) }
        #expect(throws: ConfigurationError.self) { try KeyStore.add(name: "bad name", role: .admin, pii: false, path: path) }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(APIKey(name: "w", role: .writer, pii: false).roles == [.reader, .writer])
        #expect(KeyStore.constantTimeEqual([1, 2], [1, 2]) && !KeyStore.constantTimeEqual([1, 2], [1, 3]) && !KeyStore.constantTimeEqual([1], [1, 2]))
    }

    @Test func settingsFromFlagsAndConfigFile() throws {
        var c = ServerConfiguration(lake: "x")
        try c.setAddress("0.0.0.0:9000")
        #expect(c.host == "0.0.0.0" && c.port == 9000)
        try c.setAddress(":81")
        #expect(c.host == "0.0.0.0" && c.port == 81)
        try c.setAddress("[::1]:82")
        #expect(c.host == "::1")
        #expect(throws: ConfigurationError.self) { try c.setAddress("nope") }
        #expect(throws: ConfigurationError.self) { try c.setAddress("h:70000") }
        try c.setRateLimit("reader=5")
        #expect(c.rateLimits[.reader] == .init(rate: 5, burst: 10))
        try c.setRateLimit("writer=2:7")
        #expect(c.rateLimits[.writer] == .init(rate: 2, burst: 7))
        try c.setRateLimit("writer=none")
        #expect(c.rateLimits[.writer] == nil)
        for bad in ["king=1", "reader", "reader=-1", "reader=x", "reader=1:0"] {
            #expect(throws: ConfigurationError.self) { try c.setRateLimit(bad) }
        }
        try c.setLogLevel("WARN")
        #expect(c.logLevel == .warning)
        let dir = try TemporaryDirectory("config")
        defer { dir.remove() }
        let file = try dir.write("c.json", """
            {"addr": "127.0.0.1:7000", "max_body_bytes": 1024, "query_timeout": 2.5, "public_metrics": true,
             "rate_limits": {"reader": "10:20", "admin": 3}, "pii_columns": ["a"], "audit_log": "none", "commit_interval": 0.05,
             "dictionary_cache_bytes": 0}
            """)
        #expect(c.dictionaryCacheBytes == 256 << 20)
        try c.apply(configFile: file)
        #expect(c.dictionaryCacheBytes == 0)
        #expect(c.port == 7000 && c.maxBodyBytes == 1024 && c.queryTimeout == .milliseconds(2500) && c.publicMetrics)
        #expect(c.rateLimits[.reader] == .init(rate: 10, burst: 20) && c.rateLimits[.admin] == .init(rate: 3, burst: 6))
        #expect(c.piiColumns == ["a"] && c.auditLog == nil && c.commitInterval == .milliseconds(50))
        for bad in ["{\"max_body_byte\": 1}", "{\"max_body_bytes\": true}", "{\"max_body_bytes\": -1}", "{\"public_metrics\": 1}", "[]", "{"] {
            let f = try dir.write("bad.json", bad)
            #expect(throws: ConfigurationError.self, "\(bad)") { try c.apply(configFile: f) }
        }
        // Spill files: a limit and a temp directory from the file; never a folder inside the lake.
        var spilling = ServerConfiguration(lake: dir.path + "/lake")
        try spilling.apply(configFile: try dir.write("spill.json", "{\"memory_limit\": \"1GiB\", \"temp_directory\": \"\(dir.path)/spill\"}"))
        #expect(spilling.engineOptions.memoryLimit?.bytes == 1 << 30 && spilling.engineOptions.tempDirectory == dir.path + "/spill")
        let inside = try dir.write("inside.json", "{\"temp_directory\": \"\(dir.path)/lake/tmp\"}")
        #expect(throws: ConfigurationError.self) { try spilling.apply(configFile: inside) }
        #expect(spilling.engineOptions.tempDirectory == dir.path + "/spill")
    }

    @Test func cellTextWritesWhatTheCommandLineWrites() throws {
        // The same values through the CLI's formatter and the service's writers.
        let result = QueryResult(
            names: ["b", "i", "l", "d", "s", "dt", "ts", "dec", "n"],
            columns: [
                Column(type: .boolean, values: .boolean([true, false, true]), validity: Bitmap(bools: [true, true, false])),
                Column(type: .int32, values: .int32([1, -7, Int32.min])),
                Column(type: .int64, values: .int64([Int64.max, 0, -42])),
                Column(type: .float64, values: .float64([0.1, .nan, -.infinity])),
                Column(type: .string, values: .bytes(ByteArrays(strings: ["plain", "quote \" and, comma", "naïve\n\\ 🎬"]))),
                Column(type: .date32, values: .int32([0, 20454, -1])),
                Column(type: .timestamp(.micros, utc: true), values: .int64([0, 1_767_225_600_123_456, -1])),
                Column(type: .decimal(precision: 9, scale: 2), values: .int64([12345, -5, 0])),
                Column(type: .int64, values: .int64([1, 2, 3]), validity: Bitmap(bools: [false, true, false])),
            ],
            rowCount: 3, statistics: ScanStatistics())
        let table = ResultTable(result, elapsedMilliseconds: 0)
        let cliJSONL = ResultFormatter.render(result, as: .jsonl)
        #expect(String(decoding: ResultEncoder.jsonl(table, rows: 0..<3), as: UTF8.self) == cliJSONL)
        let cliCSV = ResultFormatter.render(result, as: .csv)
        #expect(String(decoding: ResultEncoder.csvHeader(table) + ResultEncoder.csv(table, rows: 0..<3), as: UTF8.self) == cliCSV)
        // Dictionary columns read the same as plain ones.
        let dict = Column(type: .string, values: .dictionary(dictionary: .bytes(ByteArrays(strings: ["x", "y"])), indices: [1, 0, 1]))
        var out: [UInt8] = []
        for r in 0..<3 { CellText(dict).writeJSON(r, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "\"y\"\"x\"\"y\"")
        for v: Int64 in [0, 9, 10, -1, -10, Int64.max, Int64.min, 1234567890] {
            var o: [UInt8] = []
            CellText.appendInt(v, into: &o)
            #expect(String(decoding: o, as: UTF8.self) == String(v))
        }
    }

    @Test func piiTokensAreKeyedStableAndOpaque() {
        let m = PIIMasker(secret: Array(repeating: 7, count: 32))
        let other = PIIMasker(secret: Array(repeating: 8, count: 32))
        #expect(m.token("424242") == m.token("424242"))
        #expect(m.token("424242") != m.token("424243"))
        #expect(m.token("424242") != other.token("424242"))
        #expect(m.token("1").count == 32)
        let c = Column(type: .int64, values: .int64([5, 6, 5, 0]), validity: Bitmap(bools: [true, true, true, false]))
        let masked = m.mask(c, rows: 4)
        let cell = CellText(masked)
        #expect(cell.text(0) == m.token("5") && cell.text(2) == cell.text(0) && cell.text(1) == m.token("6"))
        #expect(masked.isNull(3))
    }

    @Test func negotiatedFormats() throws {
        #expect(ResultFormat.negotiate(accept: "text/csv") == .some(.csv))
        #expect(ResultFormat.negotiate(accept: "application/vnd.apache.arrow.stream;q=1, application/json") == .some(.arrow))
        #expect(ResultFormat.negotiate(accept: "*/*") == .some(nil))
        #expect(ResultFormat.negotiate(accept: "image/png") == nil)
        #expect(try QueryRoute.format("PARQUET", accept: "text/csv") == .parquet)
        #expect(throws: APIError.self) { try QueryRoute.format(3, accept: nil) }
    }
}
