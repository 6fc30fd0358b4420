import Foundation
import LakeqColumnar
import Testing
@testable import LakeqParquet

/// `summarizeColumn`: a chunk's count, sum and extremes folded page by page while decoding
/// must equal those of the column read whole, whatever the pages are (v1 or v2, dictionary,
/// plain or delta, NULLs, NaN), and refuse the columns it cannot fold.
@Suite("Column chunk summaries")
struct ChunkSummaryTests {
    static let rows = 9_000
    static let schema = Schema([
        Field(name: "small", type: .int32, nullable: true),
        Field(name: "big", type: .int64, nullable: true),
        Field(name: "x", type: .float64, nullable: true),
        Field(name: "name", type: .string, nullable: false),
        Field(name: "huge", type: .int64, nullable: false),
    ])

    /// Pages of 1,000 rows: `small` NULL on every third row, `big` on rows 2,000..<3,000 (a
    /// page of NULLs), `x` NaN on row 4,321 only, `huge` sums past Int64.max.
    static func write(pageVersion: Int, dictionary: Bool, nan: Bool) throws -> String {
        var options = WriterOptions()
        options.pageVersion = pageVersion
        options.dictionary = dictionary
        options.pageRows = 1000
        options.rowGroupRows = rows
        let path = WriterTestSupport.tempPath("chunk-summary")
        let writer = try ParquetWriter(path: path, schema: schema, options: options)
        var rng = SplitMix64(seed: 21)
        let small = Column(type: .int32, values: .int32((0..<rows).map { _ in Int32(Int(rng.next() % 20_001)) - 10_000 }),
                           validity: Bitmap(bools: (0..<rows).map { $0 % 3 != 0 }))
        let big = Column(type: .int64, values: .int64((0..<rows).map { _ in Int64(bitPattern: rng.next()) >> 20 }),
                         validity: Bitmap(bools: (0..<rows).map { !(2000..<3000).contains($0) }))
        let x = Column(type: .float64, values: .float64((0..<rows).map { $0 == 4321 && nan ? .nan : Double(rng.next() % 100_000) / 8 - 5000 }),
                       validity: Bitmap(bools: (0..<rows).map { $0 % 11 != 5 }))
        let name = Column(type: .string, values: .bytes(ByteArrays(strings: (0..<rows).map { "n\($0 % 13)" })))
        let huge = Column(type: .int64, values: .int64((0..<rows).map { _ in Int64.max / 4 }))
        try writer.write(RecordBatch(schema: schema, columns: [small, big, x, name, huge], rowCount: rows))
        _ = try writer.close()
        return path
    }

    /// The non-NULL values of a column read whole.
    static func values(_ file: ParquetFile, column c: Int) throws -> [Double?] {
        let column = try file.readColumn(rowGroup: 0, column: c)
        return (0..<column.count).map { i in
            if let v = column.validity, !v[i] { return nil }
            switch column.values {
            case .int32(let a): return Double(a[i])
            case .int64(let a): return Double(a[i])
            case .float64(let a): return a[i]
            default: return nil
            }
        }
    }

    @Test("equals the whole column's count, sum and extremes", arguments: [(1, true), (1, false), (2, true), (2, false)])
    func matchesWholeRead(pageVersion: Int, dictionary: Bool) throws {
        let path = try Self.write(pageVersion: pageVersion, dictionary: dictionary, nan: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try ParquetFile(path: path)
        let all: ChunkSummary.Wants = [.sum, .min, .max]
        for c in 0..<3 {
            let s = try file.summarizeColumn(rowGroup: 0, column: c, wants: all, decompressor: Decompressor())
            let present = try Self.values(file, column: c).compactMap { $0 }
            #expect(s.rows == Self.rows)
            #expect(s.values == present.count)
            if c == 2 {
                #expect(s.doubleMin == present.min())
                #expect(s.doubleMax == present.max())
                #expect(abs(s.doubleSum - present.reduce(0, +)) < 1e-6 * present.map(abs).reduce(0, +))
                #expect(s.integerMin == nil)
            } else {
                #expect(s.integerMin.map(Double.init) == present.min())
                #expect(s.integerMax.map(Double.init) == present.max())
                let exact = try file.readColumn(rowGroup: 0, column: c)
                var total: Int64 = 0
                for i in 0..<exact.count where exact.validity?[i] ?? true {
                    switch exact.values {
                    case .int32(let a): total += Int64(a[i])
                    case .int64(let a): total += a[i]
                    default: break
                    }
                }
                #expect(s.integerSum == total)
                #expect(s.doubleMin == nil)
            }
        }
    }

    @Test("computes only what is wanted")
    func onlyWanted() throws {
        let path = try Self.write(pageVersion: 1, dictionary: true, nan: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try ParquetFile(path: path)
        let count = try file.summarizeColumn(rowGroup: 0, column: 0, wants: [], decompressor: Decompressor())
        #expect(count.values == 6000)
        #expect(count.integerSum == 0 && count.integerMin == nil && count.integerMax == nil)
        let max = try file.summarizeColumn(rowGroup: 0, column: 2, wants: .max, decompressor: Decompressor())
        #expect(max.doubleMax != nil && max.doubleMin == nil && max.doubleSum == 0)
    }

    @Test("NaN: max finds it, min passes it by")
    func nanOrder() throws {
        let path = try Self.write(pageVersion: 1, dictionary: false, nan: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try ParquetFile(path: path)
        let s = try file.summarizeColumn(rowGroup: 0, column: 2, wants: [.min, .max], decompressor: Decompressor())
        #expect(s.doubleMax?.isNaN == true)
        let numbers = try Self.values(file, column: 2).compactMap { $0 }.filter { !$0.isNaN }
        #expect(s.doubleMin == numbers.min())
    }

    @Test("an overflowing sum is nil, not wrapped")
    func overflow() throws {
        let path = try Self.write(pageVersion: 1, dictionary: true, nan: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try ParquetFile(path: path)
        let s = try file.summarizeColumn(rowGroup: 0, column: 4, wants: [.sum, .max], decompressor: Decompressor())
        #expect(s.integerSum == nil)
        #expect(s.integerMax == Int64.max / 4)
    }

    @Test("byte-array columns are refused")
    func refusesStrings() throws {
        let path = try Self.write(pageVersion: 1, dictionary: true, nan: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try ParquetFile(path: path)
        #expect(throws: ParquetError.self) { try file.summarizeColumn(rowGroup: 0, column: 3, wants: .sum, decompressor: Decompressor()) }
    }
}
