import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing
@testable import LakeqParquet

@Suite struct XXHash64Tests {
    /// Reference values of XXH64 with seed 0 (libxxhash 0.8.1).
    @Test func referenceVectors() {
        #expect(XXHash64.hash(Array("".utf8)) == 0xef46_db37_51d8_e999)
        #expect(XXHash64.hash(Array("a".utf8)) == 0xd24e_c4f1_a98c_6e5b)
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44bc_2cf5_ad77_0999)
        #expect(XXHash64.hash(Array("Nobody inspects the spammish repetition".utf8)) == 0xfbce_a83c_8a37_8bf1)
        #expect(XXHash64.hash((0..<100).map { UInt8($0) }) == 0x6ac1_e580_3216_6597)  // the 32-byte stripe path
        #expect(XXHash64.hash(UInt64(424_242)) == 0x069d_0656_0374_f61c)
        #expect(XXHash64.hash(UInt32(7)) == 0xb7ca_480e_9b96_0d0e)
    }

    /// The word-sized shortcuts equal hashing the little-endian bytes.
    @Test func wordShortcutsMatchBytes() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<1000 {
            let v = rng.next()
            #expect(XXHash64.hash(v) == XXHash64.hash(withUnsafeBytes(of: v.littleEndian) { Array($0) }))
            let w = UInt32(truncatingIfNeeded: v)
            #expect(XXHash64.hash(w) == XXHash64.hash(withUnsafeBytes(of: w.littleEndian) { Array($0) }))
        }
    }
}

@Suite struct SplitBlockBloomFilterTests {
    @Test func noFalseNegativesAndAboutTheAskedRate() {
        let n = 20_000
        var f = SplitBlockBloomFilter(bytes: SplitBlockBloomFilter.optimalBytes(distinctValues: n, falsePositiveRate: 0.01))
        #expect(f.byteCount % 32 == 0 && f.byteCount.nonzeroBitCount == 1)
        for i in 0..<n { f.insert(hash: XXHash64.hash(UInt64(i))) }
        for i in 0..<n { #expect(f.mayContain(hash: XXHash64.hash(UInt64(i)))) }
        var falsePositives = 0
        for i in n..<(n + 100_000) where f.mayContain(hash: XXHash64.hash(UInt64(i))) { falsePositives += 1 }
        #expect(falsePositives < 2_000, "false-positive rate \(Double(falsePositives) / 100_000)")
    }

    @Test func sizing() {
        #expect(SplitBlockBloomFilter.optimalBytes(distinctValues: 1, falsePositiveRate: 0.01) == 32)
        #expect(SplitBlockBloomFilter.optimalBytes(distinctValues: 1 << 40, falsePositiveRate: 0.01) == SplitBlockBloomFilter.maximumBytes)
        let small = SplitBlockBloomFilter.optimalBytes(distinctValues: 10_000, falsePositiveRate: 0.1)
        let large = SplitBlockBloomFilter.optimalBytes(distinctValues: 10_000, falsePositiveRate: 0.001)
        #expect(small < large)
    }

    @Test func headerRoundTrips() throws {
        let h = BloomFilterHeader(numBytes: 1024)
        let back = try BloomFilterHeader.decode(h.serialized()).value
        #expect(back.numBytes == 1024 && back.isSplitBlockXXHashUncompressed)
    }
}

/// Writes ids 0..<rows (int64), names "user-<id % 500>" (string, dictionary-encoded) and a
/// nullable int32 with bloom filters on all three, in row groups of 1,000 rows.
private func writeBloomFile(_ path: String, rows: Int = 4_000) throws {
    let schema = Schema([Field(name: "id", type: .int64, nullable: false), Field(name: "name", type: .string, nullable: false),
                         Field(name: "n", type: .int32, nullable: true)])
    var options = WriterOptions()
    options.rowGroupRows = 1_000
    options.addBloomFilters(["id", "name", "n"])
    let w = try ParquetWriter(path: path, schema: schema, options: options)
    let names = ByteArrays(strings: (0..<rows).map { "user-\($0 % 500)" })
    let validity = Bitmap((0..<rows).map { $0 % 3 != 0 })
    try w.write(RecordBatch(schema: schema, columns: [
        Column(type: .int64, values: .int64((0..<rows).map { Int64($0) })),
        Column(type: .string, values: .bytes(names)),
        Column(type: .int32, values: .int32((0..<rows).map { Int32($0 * 7) }), validity: validity),
    ], rowCount: rows))
    try w.close()
}

@Suite struct BloomFilterFileTests {
    @Test func writerFiltersProbeTrueForEveryValueAndPruneOthers() throws {
        let dir = try TemporaryDirectory("bloom")
        defer { dir.remove() }
        let path = dir.file("b.parquet")
        try writeBloomFile(path)
        let pf = try ParquetFile(path: path)
        #expect(pf.rowGroupCount == 4)
        var pruned = 0
        for g in 0..<4 {
            for id in 0..<4_000 {
                let here = id / 1_000 == g
                let may = try pf.bloomFilterMayContain(rowGroup: g, column: 0, values: [.int(Int64(id))])
                if here { #expect(may, "id \(id) missing from row group \(g)") } else if !may { pruned += 1 }
            }
            #expect(try pf.bloomFilterMayContain(rowGroup: g, column: 1, values: [.bytes(Array("user-7".utf8))]))
            #expect(try !pf.bloomFilterMayContain(rowGroup: g, column: 1, values: [.bytes(Array("nobody".utf8)), .bytes(Array("user-x".utf8))]))
            // IN: one present value is enough.
            #expect(try pf.bloomFilterMayContain(rowGroup: g, column: 1, values: [.bytes(Array("nobody".utf8)), .bytes(Array("user-499".utf8))]))
            // Nulls are not in the filter; values of another kind keep the row group.
            let validRow = g * 1000 + ((g * 1000) % 3 == 0 ? 1 : 0)  // rows divisible by 3 are null
            #expect(try pf.bloomFilterMayContain(rowGroup: g, column: 2, values: [.int(Int64(validRow * 7))]))
            #expect(try pf.bloomFilterMayContain(rowGroup: g, column: 0, values: [.double(1.5)]))
            // An int32 column cannot hold 2^40.
            #expect(try !pf.bloomFilterMayContain(rowGroup: g, column: 2, values: [.int(1 << 40)]))
        }
        #expect(pruned > 11_000, "only \(pruned) of 12000 absent ids pruned")
        #expect((try pf.columnChunk(rowGroup: 0, column: 0)).metaData?.bloomFilterLength != nil)
    }

    @Test func unknownBloomColumnIsRefused() throws {
        var options = WriterOptions()
        options.addBloomFilters(["nope"])
        let dir = try TemporaryDirectory("bloom")
        defer { dir.remove() }
        #expect(throws: ParquetError.self) {
            try ParquetWriter(path: dir.file("x.parquet"), schema: Schema([Field(name: "a", type: .int32, nullable: false)]), options: options)
        }
    }

    /// parquet-testing's file written by parquet-mr with a bloom filter on its string column.
    @Test(.enabled(if: Requirements.parquetTesting)) func readsParquetMrFilter() throws {
        let pf = try ParquetFile(path: TestEnvironment.sharedFile("parquet-testing/data/data_index_bloom_encoding_stats.parquet"))
        let column = try #require(pf.schema.columnIndex(named: "String"))
        #expect(try pf.bloomFilter(rowGroup: 0, column: column) != nil)
        let values = try pf.readColumn(rowGroup: 0, column: column)
        guard case .bytes(let d) = values.values.materialized() else { Issue.record("not a byte-array column"); return }
        for i in 0..<d.count where !values.isNull(i) {
            #expect(try pf.bloomFilterMayContain(rowGroup: 0, column: column, values: [.bytes(Array(d[i]))]))
        }
        #expect(try !pf.bloomFilterMayContain(rowGroup: 0, column: column, values: [.bytes(Array("certainly not there 12345".utf8))]))
    }

    @Test(.enabled(if: Requirements.pyarrowAndDuckDB)) func duckDBFindsLakeqFiltersAndLakeqReadsDuckDBs() throws {
        let dir = try TemporaryDirectory("bloom")
        defer { dir.remove() }
        let ours = dir.file("ours.parquet"), theirs = dir.file("theirs.parquet")
        try writeBloomFile(ours)
        let script = """
        import sys, duckdb
        ours, theirs = sys.argv[1], sys.argv[2]
        con = duckdb.connect()
        def excluded(col, v):
            return [r[2] for r in con.execute(f"SELECT * FROM parquet_bloom_probe(?, '{col}', {v}) ORDER BY row_group_id", [ours]).fetchall()]
        print("present", excluded("id", 1500))
        print("absent", excluded("id", 999999))
        print("name", excluded("name", "'user-3'"))
        con.execute(f"COPY (SELECT 'k' || (range % 300) AS s, range % 50 AS i FROM range(5000)) TO '{theirs}' (FORMAT parquet)")
        """ + TestEnvironment.pythonExitWithoutTeardown
        let out = try TestEnvironment.runPython(script, [ours, theirs])
        try #require(out.status == 0, "\(out.output)")
        #expect(out.out.contains("present [True, False, True, True]"), "\(out.out)")
        #expect(out.out.contains("absent [True, True, True, True]"), "\(out.out)")
        #expect(out.out.contains("name [False, False, False, False]"), "\(out.out)")
        let pf = try ParquetFile(path: theirs)
        let s = try #require(pf.schema.columnIndex(named: "s"))
        #expect(try pf.bloomFilter(rowGroup: 0, column: s) != nil, "DuckDB wrote no filter for s")
        for k in 0..<300 { #expect(try pf.bloomFilterMayContain(rowGroup: 0, column: s, values: [.bytes(Array("k\(k)".utf8))])) }
        var pruned = 0
        for k in 300..<1300 where try !pf.bloomFilterMayContain(rowGroup: 0, column: s, values: [.bytes(Array("k\(k)".utf8))]) { pruned += 1 }
        #expect(pruned > 900, "only \(pruned) of 1000 absent keys pruned by DuckDB's filter")
    }
}
