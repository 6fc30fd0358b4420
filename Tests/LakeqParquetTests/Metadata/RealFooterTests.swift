import Foundation
import Testing
@testable import LakeqParquet

/// The parquet-testing corpus in `../shared` beside the package root.
private let corpus = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/parquet-testing")

private struct ManifestEntry {
    var file: String
    var numRows: Int64
    var metadataReadable: Bool
}

/// `files[]` of the corpus manifest, `data/` files only.
private func manifest() throws -> [ManifestEntry] {
    let data = try Data(contentsOf: corpus.appendingPathComponent("manifest.json"))
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let files = try #require(root["files"] as? [[String: Any]])
    return files.compactMap { f in
        guard let file = f["file"] as? String, file.hasPrefix("data/"),
              let rows = (f["num_rows"] as? NSNumber)?.int64Value else { return nil }
        return ManifestEntry(file: file, numRows: rows, metadataReadable: f["pyarrow_metadata_error"] is NSNull)
    }
}

/// The footer's Thrift bytes: the length word and "PAR1" are the last 8 bytes.
private func footer(of fileBytes: [UInt8]) throws -> [UInt8] {
    let n = fileBytes.count
    try #require(n >= 12 && Array(fileBytes[(n - 4)...]) == Array("PAR1".utf8))
    let length = fileBytes[(n - 8)..<(n - 4)].reversed().reduce(0) { $0 << 8 | Int($1) }
    try #require(length <= n - 12)
    return Array(fileBytes[(n - 8 - length)..<(n - 8)])
}

private func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: corpus.appendingPathComponent(path)))
}

/// Decodes and reports whether it succeeded; any error other than `ParquetError` is a failure.
private func survives<T: ThriftStruct>(_: T.Type, _ bytes: [UInt8]) -> Bool {
    do {
        let (value, _) = try T.decode(bytes)
        _ = value.serialized()
        return true
    } catch is ParquetError {
        return false
    } catch {
        Issue.record("unexpected error type: \(error)")
        return false
    }
}

// SplitMix64 and `below` come from Encodings/EncodingTestSupport.swift.

@Suite(.enabled(if: FileManager.default.fileExists(atPath: corpus.path)))
struct RealFooterTests {
    @Test func everyFooterDecodesWithManifestRowCount() throws {
        let entries = try manifest()
        #expect(entries.count >= 60)
        for entry in entries where entry.metadataReadable {
            let bytes = try readFile(entry.file)
            let footerBytes = try footer(of: bytes)
            let (meta, used) = try FileMetaData.decode(footerBytes)
            #expect(meta.numRows == entry.numRows, "\(entry.file)")
            #expect(meta.rowGroups.reduce(0) { $0 + $1.numRows } == entry.numRows, "\(entry.file)")
            #expect(used == footerBytes.count, "\(entry.file)")
            // Our own encoding of it decodes to the same value.
            #expect(try FileMetaData.decode(meta.serialized()).value == meta, "\(entry.file)")

            // The first page header of every chunk decodes too.
            for rowGroup in meta.rowGroups {
                for chunk in rowGroup.columns {
                    let m = try #require(chunk.metaData, "\(entry.file)")
                    let start = (m.dictionaryPageOffset ?? 0) > 0 ? m.dictionaryPageOffset! : m.dataPageOffset
                    guard start >= 4, start < Int64(bytes.count) else { continue }
                    let header = try Array(bytes[Int(start)...]).withUnsafeBytes { try PageHeader.decode($0) }
                    #expect((0...3).contains(header.value.type.rawValue), "\(entry.file)")
                    #expect(header.value.compressedPageSize >= 0, "\(entry.file)")
                }
            }
        }
    }

    @Test func pageIndexDecodes() throws {
        let bytes = try readFile("data/alltypes_tiny_pages.parquet")
        let meta = try FileMetaData.decode(try footer(of: bytes)).value
        var checked = 0
        for chunk in meta.rowGroups.flatMap(\.columns) {
            guard let ciOffset = chunk.columnIndexOffset, let ciLength = chunk.columnIndexLength,
                  let oiOffset = chunk.offsetIndexOffset, let oiLength = chunk.offsetIndexLength
            else { continue }
            let ci = Array(bytes[Int(ciOffset)..<Int(ciOffset) + Int(ciLength)])
            let oi = Array(bytes[Int(oiOffset)..<Int(oiOffset) + Int(oiLength)])
            let (columnIndex, ciRead) = try ColumnIndex.decode(ci)
            let (offsetIndex, oiRead) = try OffsetIndex.decode(oi)
            #expect(ciRead == ci.count && oiRead == oi.count)
            #expect(columnIndex.nullPages.count == offsetIndex.pageLocations.count)
            #expect(columnIndex.minValues.count == columnIndex.nullPages.count)
            #expect(offsetIndex.pageLocations.first?.firstRowIndex == 0)
            #expect(try ColumnIndex.decode(columnIndex.serialized()).value == columnIndex)
            #expect(try OffsetIndex.decode(offsetIndex.serialized()).value == offsetIndex)
            checked += 1
        }
        // 13 columns; parquet-mr writes no column index for the INT96 one.
        #expect(checked == 12)
    }

    @Test(arguments: ["data/binary_truncated_min_max.parquet", "data/data_index_bloom_encoding_stats.parquet"])
    func everyTruncationThrows(file: String) throws {
        let footerBytes = try footer(of: try readFile(file))
        // A strict prefix always lacks the final STOP, so every one must fail, and cleanly.
        for n in 0..<footerBytes.count {
            #expect(!survives(FileMetaData.self, Array(footerBytes.prefix(n))), "prefix \(n)")
        }
        #expect(survives(FileMetaData.self, footerBytes))
    }

    @Test func randomMutationsNeverTrap() throws {
        let footerBytes = try footer(of: try readFile("data/alltypes_tiny_pages.parquet"))
        var rng = SplitMix64(seed: 0x1a4e_0)
        var succeeded = 0
        for _ in 0..<400 {
            var mutated = footerBytes
            for _ in 0...rng.below(3) {
                let i = rng.below(mutated.count)
                if rng.below(2) == 0 {
                    mutated[i] ^= UInt8(1) << UInt8(rng.below(8))
                } else {
                    // Bytes that are likely to be read as huge sizes, types or field ids.
                    let interesting: [UInt8] = [0x00, 0xff, 0x7f, 0x80, 0xf9, 0xfc, 0x1c, 0x0c]
                    mutated[i] = rng.below(2) == 0 ? interesting[rng.below(interesting.count)] : UInt8(rng.below(256))
                }
            }
            if survives(FileMetaData.self, mutated) { succeeded += 1 }
            _ = survives(PageHeader.self, mutated)
            _ = survives(ColumnIndex.self, mutated)
            _ = survives(OffsetIndex.self, mutated)
        }
        // Some flips land in values (names, statistics) and still decode.
        #expect(succeeded > 0)
    }
}
