import Foundation
import LakeqColumnar
import Testing
@testable import LakeqParquet

@Suite("ParquetWriter")
struct ParquetWriterTests {
    typealias S = WriterTestSupport

    /// Writes `columns`, reads them back and checks every cell.
    @discardableResult
    func roundTrip(_ fields: [Field], _ columns: [Column], rows: Int, options: WriterOptions = .init(), batches: Int = 1) throws -> ParquetFile {
        let path = S.tempPath("rt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try ParquetWriter(path: path, schema: Schema(fields), options: options)
        // Split into `batches` slices to exercise buffering across batches.
        var start = 0
        for k in 0..<batches {
            let end = k == batches - 1 ? rows : min(rows, start + rows / batches)
            let idx = (start..<end).map { Int32($0) }
            try w.write(S.batch(fields, columns.map { $0.gather(idx) }, rows: end - start))
            start = end
        }
        let meta = try w.close()
        #expect(meta.numRows == Int64(rows))
        let (file, got) = try S.readAll(path)
        #expect(file.rowCount == rows)
        for (i, c) in columns.enumerated() {
            let want = S.cells(c)
            #expect(got[i].count == want.count, "column \(fields[i].name)")
            if got[i] != want {
                let first = zip(got[i], want).enumerated().first { $0.element.0 != $0.element.1 }
                Issue.record("column \(fields[i].name) \(fields[i].type): first difference at \(first.map { "\($0.offset): got \($0.element.0) want \($0.element.1)" } ?? "length")")
            }
        }
        return file
    }

    @Test("every DataType, nullable and required, v1 and v2, dictionary on/off", arguments: [1, 2], [true, false])
    func everyType(pageVersion: Int, dictionary: Bool) throws {
        var rng = TestRNG(42)
        var fields: [Field] = [], cols: [Column] = []
        let rows = 3000
        for (k, t) in S.allTypes.enumerated() {
            fields.append(Field(name: "c\(k)", type: t, nullable: false))
            cols.append(S.column(t, rows: rows, nullRate: 0, distinct: 50, rng: &rng))
            fields.append(Field(name: "n\(k)", type: t, nullable: true))
            cols.append(S.column(t, rows: rows, nullRate: 0.3, distinct: 5000, rng: &rng))
        }
        var o = WriterOptions()
        o.pageVersion = pageVersion
        o.dictionary = dictionary
        o.pageRows = 700
        let f = try roundTrip(fields, cols, rows: rows, options: o, batches: 3)
        // Schema annotations survive (the reader maps them back to the same DataType).
        #expect(f.schema.arrowSchema.fields.map(\.type) == fields.map(\.type))
        #expect(f.schema.arrowSchema.fields.map(\.nullable) == fields.map(\.nullable))
        #expect(f.footer.createdBy == "lakeq version 0.1.0")
        #expect(f.footer.columnOrders?.count == fields.count)
    }

    @Test("each codec", arguments: [CompressionCodec.uncompressed, .snappy, .zstd, .gzip, .lz4Raw, .brotli])
    func codecs(codec: CompressionCodec) throws {
        var rng = TestRNG(7)
        let fields = [Field(name: "s", type: .string, nullable: true), Field(name: "i", type: .int64, nullable: false), Field(name: "d", type: .float64, nullable: true)]
        let cols = fields.map { S.column($0.type, rows: 5000, nullRate: $0.nullable ? 0.2 : 0, distinct: 300, rng: &rng) }
        for v in [1, 2] {
            var o = WriterOptions()
            o.compression = codec
            o.pageVersion = v
            o.pageRows = 1000
            if codec == .zstd { o.compressionLevel = 3 }
            let f = try roundTrip(fields, cols, rows: 5000, options: o)
            #expect((try f.columnChunk(rowGroup: 0, column: 0)).metaData?.codec == codec)
        }
    }

    @Test("zero-row and one-row files")
    func tinyFiles() throws {
        let fields = [Field(name: "a", type: .int32, nullable: true), Field(name: "s", type: .string, nullable: false),
                      Field(name: "d", type: .decimal(precision: 20, scale: 2), nullable: true)]
        let path = S.tempPath("zero")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try ParquetWriter(path: path, schema: Schema(fields))
        let meta = try w.close()
        #expect(meta.numRows == 0 && meta.rowGroups.isEmpty)
        let f = try ParquetFile(path: path)
        #expect(f.rowCount == 0)
        #expect(f.schema.arrowSchema.fields.map(\.type) == fields.map(\.type))

        var rng = TestRNG(1)
        let cols = fields.map { S.column($0.type, rows: 1, nullRate: 0, distinct: 3, rng: &rng) }
        try roundTrip(fields, cols, rows: 1)
        var nullCol = cols
        nullCol[0] = Column(type: .int32, values: .int32([0]), validity: Bitmap(count: 1, value: false))
        let f1 = try roundTrip(fields, nullCol, rows: 1)
        let st = try f1.statistics(rowGroup: 0, column: 0)
        #expect(st?.nullCount == 1 && st?.min == nil && st?.max == nil)
    }

    @Test("extremes and their statistics")
    func extremes() throws {
        let ints: [Int64] = [5, .max, -3, .min, 0]
        let doubles: [Double] = [.nan, -.infinity, 1.5, -0.0, .infinity]
        let zeros: [Double] = [0.0, .nan, 0.0]
        let uints: [Int32] = [Int32(bitPattern: 0xFFFF_FFFF), 1, 0, Int32.max]
        let fields = [Field(name: "i", type: .int64, nullable: false), Field(name: "d", type: .float64, nullable: false)]
        for dict in [true, false] {
            var o = WriterOptions()
            o.dictionary = dict
            let f = try roundTrip(fields, [Column(type: .int64, values: .int64(ints)), Column(type: .float64, values: .float64(doubles))], rows: 5, options: o)
            let si = try f.statistics(rowGroup: 0, column: 0)
            #expect(si?.min == .int(.min) && si?.max == .int(.max) && si?.nullCount == 0)
            let sd = try f.statistics(rowGroup: 0, column: 1)
            #expect(sd?.min == .double(-.infinity) && sd?.max == .double(.infinity))
            let z = try roundTrip([Field(name: "z", type: .float64, nullable: false)], [Column(type: .float64, values: .float64(zeros))], rows: 3, options: o)
            let raw = (try z.columnChunk(rowGroup: 0, column: 0)).metaData?.statistics
            #expect(raw?.minValue == StatisticsBuilder.encode(-0.0 as Double))
            #expect(raw?.maxValue == StatisticsBuilder.encode(0.0 as Double))
            let u = try roundTrip([Field(name: "u", type: .uint32, nullable: false)], [Column(type: .uint32, values: .int32(uints))], rows: 4, options: o)
            let su = try u.statistics(rowGroup: 0, column: 0)
            #expect(su?.min == .uint(0) && su?.max == .uint(0xFFFF_FFFF))
            let nan = try roundTrip([Field(name: "n", type: .float32, nullable: true)], [Column(type: .float32, values: .float32([.nan, .nan]))], rows: 2, options: o)
            let rawNaN = (try nan.columnChunk(rowGroup: 0, column: 0)).metaData?.statistics
            #expect(rawNaN?.minValue == nil && rawNaN?.maxValue == nil && rawNaN?.nullCount == 0)
        }
    }

    @Test("dictionary-encoded pages: page index bounds equal the bounds of the page's values")
    func dictionaryPageBounds() throws {
        var rng = SystemRandomNumberGenerator()
        let rows = 4_000
        let doublePool: [Double] = [.nan, -0.0, 0.0, 2.5, -7.25, .infinity, 1e300]
        let int32Pool: [Int32] = [Int32.min, -1, 0, 7, Int32.max]  // also read as uint32
        let int64Pool: [Int64] = [Int64.min, -3, 0, 99, Int64.max]
        let stringPool = ["", "a", "ab", "b", "zz", "é"]
        for _ in 0..<3 {
            let d = (0..<rows).map { _ in doublePool.randomElement(using: &rng)! }
            let i32 = (0..<rows).map { _ in int32Pool.randomElement(using: &rng)! }
            let i64 = (0..<rows).map { _ in int64Pool.randomElement(using: &rng)! }
            var strs = ByteArrays()
            for _ in 0..<rows { strs.append(Array(stringPool.randomElement(using: &rng)!.utf8)) }
            let fields = [Field(name: "d", type: .float64, nullable: false), Field(name: "i", type: .int32, nullable: false),
                          Field(name: "u", type: .uint32, nullable: false), Field(name: "l", type: .int64, nullable: false),
                          Field(name: "s", type: .string, nullable: false)]
            let cols = [Column(type: .float64, values: .float64(d)), Column(type: .int32, values: .int32(i32)),
                        Column(type: .uint32, values: .int32(i32)), Column(type: .int64, values: .int64(i64)),
                        Column(type: .string, values: .bytes(strs))]
            var o = WriterOptions()
            o.pageRows = 37
            o.deltaIntegers = .off
            let f = try roundTrip(fields, cols, rows: rows, options: o)
            for (c, col) in cols.enumerated() {
                let md = try #require((try f.columnChunk(rowGroup: 0, column: c)).metaData)
                #expect(md.encodings.contains(.rleDictionary), "column \(fields[c].name) is dictionary-encoded")
                let ci = try #require(try f.columnIndex(rowGroup: 0, column: c))
                let oi = try #require(try f.offsetIndex(rowGroup: 0, column: c))
                let order = StatOrder.of(fields[c].type, storage: StorageKind(col.values))
                for (p, loc) in oi.pageLocations.enumerated() {
                    let start = Int(loc.firstRowIndex)
                    let end = p + 1 < oi.pageLocations.count ? Int(oi.pageLocations[p + 1].firstRowIndex) : rows
                    let want = StatisticsBuilder.bounds(col.values, start..<end, order)
                    #expect(ci.minValues[p] == (want?.min ?? []), "column \(fields[c].name) page \(p) min")
                    #expect(ci.maxValues[p] == (want?.max ?? []), "column \(fields[c].name) page \(p) max")
                }
            }
        }
    }

    @Test("strings: empty, unicode, long values truncate their bounds")
    func longStrings() throws {
        let long1 = String(repeating: "a", count: 100)
        let long2 = String(repeating: "z", count: 63) + "\u{FF}" + String(repeating: "q", count: 10)
        let allFF = [UInt8](repeating: 0xFF, count: 80)
        var b = ByteArrays(strings: ["", "héllo", "🎬 x", long1, long2])
        b.append(allFF)
        let col = Column(type: .binary, values: .bytes(b))
        for dict in [true, false] {
            var o = WriterOptions()
            o.dictionary = dict
            let f = try roundTrip([Field(name: "s", type: .binary, nullable: false)], [col], rows: 6, options: o)
            let raw = (try f.columnChunk(rowGroup: 0, column: 0)).metaData?.statistics
            #expect(raw?.minValue == [])
            #expect(raw?.isMinValueExact == true)
            // Max is all 0xFF: it cannot be shortened, so it is kept whole and exact.
            #expect(raw?.maxValue == allFF && raw?.isMaxValueExact == true)
            let ci = try f.columnIndex(rowGroup: 0, column: 0)
            #expect(ci?.nullPages == [false])
        }
        // Without the all-0xFF value the max is truncated: 63 'z' then 0xC3 → 0xC4 (UTF-8 of ÿ is C3 BF).
        let c2 = Column(type: .string, values: .bytes(ByteArrays(strings: [long1, long2])))
        let f = try roundTrip([Field(name: "s", type: .string, nullable: false)], [c2], rows: 2)
        let raw = (try f.columnChunk(rowGroup: 0, column: 0)).metaData?.statistics
        #expect(raw?.minValue == Array(long1.utf8.prefix(64)) && raw?.isMinValueExact == false)
        #expect(raw?.maxValue == Array(String(repeating: "z", count: 63).utf8) + [0xC4] && raw?.isMaxValueExact == false)
    }

    @Test("many row groups and tiny pages: page index and offsets")
    func pageIndex() throws {
        let rows = 10_000
        let ids = Column(type: .int64, values: .int64((0..<Int64(rows)).map { $0 }))
        var names = ByteArrays()
        for i in 0..<rows { names.append(Array("name\(i % 17)".utf8)) }
        var validity = Bitmap(count: rows, value: true)
        for i in 0..<rows where i % 3 == 0 || (i >= 2000 && i < 2400) { validity[i] = false }
        let nm = Column(type: .string, values: .bytes(names), validity: validity)
        let fields = [Field(name: "id", type: .int64, nullable: false), Field(name: "name", type: .string, nullable: true)]
        for v in [1, 2] {
            var o = WriterOptions()
            o.rowGroupRows = 3000
            o.pageRows = 100
            o.pageVersion = v
            let f = try roundTrip(fields, [ids, nm], rows: rows, options: o, batches: 7)
            #expect(f.rowGroupCount == 4)
            for g in 0..<f.rowGroupCount {
                let rg = try f.fullMetadata().rowGroups[g]
                #expect(rg.ordinal == Int16(g))
                let ci = try #require(try f.columnIndex(rowGroup: g, column: 0))
                let oi = try #require(try f.offsetIndex(rowGroup: g, column: 0))
                #expect(ci.boundaryOrder == .ascending)
                #expect(oi.pageLocations.count == Int(rg.numRows + 99) / 100)
                #expect(oi.pageLocations.first?.firstRowIndex == 0)
                #expect(oi.pageLocations.first?.offset == rg.columns[0].metaData?.dataPageOffset)
                // ids ascending: DELTA_BINARY_PACKED by default (.auto)
                #expect(rg.columns[0].metaData?.encodings.contains(.deltaBinaryPacked) == true)
                let cn = try #require(try f.columnIndex(rowGroup: g, column: 1))
                #expect(cn.nullPages.count == Int(rg.numRows + 99) / 100)
                #expect(try cn.nullCounts?.reduce(0, +) == f.statistics(rowGroup: g, column: 1)?.nullCount)
                let md = try #require(rg.columns[1].metaData)
                #expect(md.encodings == [.plain, .rle, .rleDictionary])
                #expect(md.encodingStats?.first?.pageType == .dictionaryPage)
                #expect(md.dictionaryPageOffset != nil)
                #expect(try f.statistics(rowGroup: g, column: 0)?.min == .int(Int64(g * 3000)))
            }
            // Pages 20..23 of row group 0 are all null.
            let ci0 = try #require(try f.columnIndex(rowGroup: 0, column: 1))
            #expect(ci0.nullPages[20...23].allSatisfy { $0 })
            #expect(ci0.nullPages[19] == false)
        }
    }

    @Test("dictionary fallback to PLAIN and reuse of input dictionaries")
    func dictionaryFallbackAndReuse() throws {
        var b = ByteArrays()
        for i in 0..<4000 { b.append(Array("value-\(i % 1000)-padding".utf8)) }
        let col = Column(type: .string, values: .bytes(b))
        var o = WriterOptions()
        o.dictionaryPageSizeLimit = 1000
        let f = try roundTrip([Field(name: "s", type: .string, nullable: false)], [col], rows: 4000, options: o)
        let md = try #require((try f.columnChunk(rowGroup: 0, column: 0)).metaData)
        #expect(md.encodings == [.plain, .rle])
        #expect(md.dictionaryPageOffset == nil)
        #expect(md.encodingStats?.allSatisfy { $0.encoding == .plain } == true)

        // Input dictionary with unused entries (and an out-of-range index in a null slot).
        let dict = ColumnValues.bytes(ByteArrays(strings: ["unused", "b", "a", "c", "unused2"]))
        let idx: [Int32] = [1, 2, 3, 2, 1, -7, 3]
        var valid = Bitmap(count: 7, value: true)
        valid[5] = false
        let dc = Column(type: .string, values: .dictionary(dictionary: dict, indices: idx), validity: valid)
        let f2 = try roundTrip([Field(name: "s", type: .string, nullable: true)], [dc], rows: 7, batches: 2)
        let md2 = try #require((try f2.columnChunk(rowGroup: 0, column: 0)).metaData)
        #expect(md2.encodings.contains(.rleDictionary))
        let headers = try f2.pageHeaders(rowGroup: 0, column: 0)
        #expect(headers.first?.dictionaryPageHeader?.numValues == 3)
        let st = try f2.statistics(rowGroup: 0, column: 0)
        #expect(st?.min == .bytes(Array("a".utf8)) && st?.max == .bytes(Array("c".utf8)) && st?.nullCount == 1)
    }

    @Test("bad input throws instead of trapping")
    func badInput() throws {
        let path = S.tempPath("bad")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fields = [Field(name: "s", type: .string, nullable: false)]
        func attempt(_ c: Column, rows: Int) -> Bool {
            guard let w = try? ParquetWriter(path: path, schema: Schema(fields)) else { return false }
            do { try w.write(S.batch(fields, [c], rows: rows)); return false } catch { return true }
        }
        #expect(attempt(Column(type: .string, values: .bytes(ByteArrays(offsets: [0, 5], data: [1]))), rows: 1))
        #expect(attempt(Column(type: .string, values: .bytes(ByteArrays(offsets: [0, 3, 1], data: [1, 2, 3]))), rows: 2))
        #expect(attempt(Column(type: .string, values: .bytes(ByteArrays(strings: ["a"])), validity: Bitmap(count: 1, value: false)), rows: 1))
        #expect(attempt(Column(type: .string, values: .dictionary(dictionary: .bytes(ByteArrays(strings: ["a"])), indices: [3])), rows: 1))
        #expect(attempt(Column(type: .string, values: .int32([1])), rows: 1))
        #expect(attempt(Column(type: .string, values: .bytes(ByteArrays(strings: ["a"]))), rows: 2))
        #expect(throws: ParquetError.self) { try ParquetWriter(path: path, schema: Schema(fields + fields)) }
        var o = WriterOptions()
        o.pageVersion = 3
        #expect(throws: ParquetError.self) { try ParquetWriter(path: path, schema: Schema(fields), options: o) }
    }

    @Test("seeded random schemas and data round-trip", arguments: 0..<30)
    func randomized(seed: Int) throws {
        var rng = TestRNG(UInt64(seed) &* 7919 &+ 13)
        let ncols = 1 + rng.int(6)
        let rows = [0, 1, 2, 17, 500, 3000][rng.int(6)]
        var fields: [Field] = [], cols: [Column] = []
        for k in 0..<ncols {
            let t = S.allTypes[rng.int(S.allTypes.count)]
            let nullable = rng.chance(0.5)
            fields.append(Field(name: "c\(k)", type: t, nullable: nullable))
            cols.append(S.column(t, rows: rows, nullRate: nullable ? [0, 0.1, 0.9, 1][rng.int(4)] : 0, distinct: [1, 10, 1000][rng.int(3)], rng: &rng))
        }
        var o = WriterOptions()
        o.pageVersion = 1 + rng.int(2)
        o.dictionary = rng.chance(0.7)
        o.pageRows = [1, 7, 100, 20_000][rng.int(4)]
        o.pageBytes = [64, 1 << 20][rng.int(2)]
        o.rowGroupRows = [1, 333, 1 << 20][rng.int(3)]
        o.compression = [.uncompressed, .snappy, .zstd, .gzip][rng.int(4)]
        o.deltaIntegers = [.off, .on, .auto][rng.int(3)]
        o.threads = 1 + rng.int(2)
        if rows > 600 && o.rowGroupRows == 1 { o.rowGroupRows = 333 }
        try roundTrip(fields, cols, rows: rows, options: o, batches: 1 + rng.int(3))
    }
}
