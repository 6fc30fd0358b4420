import Foundation
import LakeqColumnar
import Testing
@testable import LakeqParquet

/// The reader's dictionary hook (`readColumn(…dictionaries:dictionaryReused:)`): what it keeps
/// is exactly what decoding gives, a page that fails to decode is never kept, and a file
/// rewritten at the same path is a new key.
struct DictionaryPageCacheTests {
    /// The simplest cache: every insert kept, lookups counted.
    final class KeepAll: DictionaryPageCache, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var kept: [DictionaryPageKey: ColumnValues] = [:]
        private(set) var lookups = 0

        func dictionary(_ key: DictionaryPageKey) -> ColumnValues? {
            lock.withLock {
                lookups += 1
                return kept[key]
            }
        }

        func insert(_ values: ColumnValues, for key: DictionaryPageKey) { lock.withLock { kept[key] = values } }
    }

    static let schema = Schema([Field(name: "watch", type: .float64, nullable: true), Field(name: "show", type: .string, nullable: false)])

    /// A file of `rows` rows in two row groups: `watch` with repeats and nulls, `show` strings;
    /// `salt` changes the values but not the file's size.
    static func write(_ path: String, rows: Int = 1000, salt: Int = 0, compression: CompressionCodec = .snappy) throws {
        var options = WriterOptions()
        options.rowGroupRows = rows / 2
        options.compression = compression
        let writer = try ParquetWriter(path: path, schema: schema, options: options)
        let validity = Bitmap(bools: (0..<rows).map { $0 % 7 != 0 })
        let watch = Column(type: .float64, values: .float64((0..<rows).map { Double(($0 * 37 + salt) % 113) / 4 }), validity: validity)
        let show = Column(type: .string, values: .bytes(ByteArrays(strings: (0..<rows).map { "show-\(($0 + salt) % 17 + 10)" })))
        try writer.write(RecordBatch(schema: schema, columns: [watch, show], rowCount: rows))
        _ = try writer.close()
    }

    static func read(_ file: ParquetFile, _ cache: KeepAll?, rows: RowRanges? = nil) throws -> (columns: [[Cell]], reused: Int) {
        var out: [[Cell]] = [], reused = 0
        for g in 0..<file.rowGroupCount {
            for c in 0..<file.schema.columns.count {
                var hit = false
                let column = try file.readColumn(rowGroup: g, column: c, decompressor: Decompressor(), rows: rows,
                                                 dictionaries: cache, dictionaryReused: &hit)
                out.append(WriterTestSupport.cells(column))
                reused += hit ? 1 : 0
            }
        }
        return (out, reused)
    }

    @Test func keptDictionariesGiveWhatDecodingGives() throws {
        let path = WriterTestSupport.tempPath("dict-cache")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.write(path)
        let file = try ParquetFile(path: path)
        let plain = try Self.read(file, nil)
        let cache = KeepAll()
        let first = try Self.read(file, cache)
        #expect(first.reused == 0)
        #expect(cache.kept.count == 4)  // 2 row groups x 2 columns, all dictionary-encoded
        let second = try Self.read(file, cache)
        #expect(second.reused == 4)
        #expect(first.columns == plain.columns && second.columns == plain.columns)
        // Row ranges (page skipping) and dictionary pruning use the same entries.
        let some = RowRanges([3..<9, 200..<201])
        #expect(try Self.read(file, cache, rows: some).columns == Self.read(file, nil, rows: some).columns)
        let dict = try file.dictionaryIfFullyEncoded(rowGroup: 1, column: 1, dictionaries: cache)
        #expect(dict.map { WriterTestSupport.cells(Column(type: .string, values: $0)) }
                == cache.kept[DictionaryPageKey(file: try #require(file.file.identity), rowGroup: 1, column: 1)]
                    .map { WriterTestSupport.cells(Column(type: .string, values: $0)) })
        // Files held in memory have no identity: never looked up.
        let memory = try ParquetFile(bytes: try Data(contentsOf: URL(fileURLWithPath: path)), name: path)
        let lookups = cache.lookups
        #expect(try Self.read(memory, cache).reused == 0)
        #expect(cache.lookups == lookups)
    }

    @Test func fileRewrittenAtTheSamePathIsANewKey() throws {
        let path = WriterTestSupport.tempPath("dict-cache-rewrite")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.write(path, salt: 0)
        let cache = KeepAll()
        let before = try ParquetFile(path: path)
        let old = try Self.read(before, cache)
        // Same path, other values: rewritten in place (same inode; new mtime and size).
        usleep(2000)
        let replacement = WriterTestSupport.tempPath("dict-cache-rewrite-new")
        defer { try? FileManager.default.removeItem(atPath: replacement) }
        try Self.write(replacement, salt: 5)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: replacement))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: bytes)
        try handle.close()
        let after = try ParquetFile(path: path)
        #expect(after.file.identity != before.file.identity)
        let new = try Self.read(after, cache)
        #expect(new.reused == 0)
        #expect(new.columns == (try Self.read(after, nil)).columns)
        #expect(new.columns != old.columns)
    }

    @Test func corruptDictionaryPageThrowsAndIsNotKept() throws {
        let path = WriterTestSupport.tempPath("dict-cache-corrupt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.write(path, compression: .uncompressed)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The `show` chunk of row group 0 starts with its dictionary page: PLAIN byte arrays,
        // each a 4-byte length and the bytes. A first length far past the page is corrupt.
        let file = try ParquetFile(path: path)
        let (offset, _) = try file.chunkRange(rowGroup: 0, column: 1)
        let (header, headerSize) = try PageHeader.decode(UnsafeRawBufferPointer(rebasing: file.file.bytes[Int(offset)...]))
        #expect(header.type == .dictionaryPage)
        let body = Int(offset) + headerSize
        for k in 0..<4 { bytes[body + k] = 0x7f }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let corrupt = try ParquetFile(path: path)
        let cache = KeepAll()
        for _ in 0..<2 {
            var hit = false
            #expect(throws: ParquetError.self) {
                _ = try corrupt.readColumn(rowGroup: 0, column: 1, decompressor: Decompressor(), rows: nil, dictionaries: cache, dictionaryReused: &hit)
            }
            #expect(!hit)
            #expect(cache.kept.isEmpty)
        }
        // The other chunks still read, and are kept.
        var hit = false
        _ = try corrupt.readColumn(rowGroup: 1, column: 1, decompressor: Decompressor(), rows: nil, dictionaries: cache, dictionaryReused: &hit)
        #expect(cache.kept.count == 1)
    }
}
