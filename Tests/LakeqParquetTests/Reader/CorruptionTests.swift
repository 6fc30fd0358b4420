import Foundation
import Testing
import LakeqTestSupport
@testable import LakeqParquet
import LakeqColumnar

#if canImport(Glibc)
import Glibc
#endif

// Robustness of the whole read path against damaged files: every mutant of a real file must
// either decode or throw `ParquetError` — never trap, hang, or allocate without bound. A trap
// kills the test process, so a failure shows up as a crash whose backtrace names the culprit;
// `LAKEQ_FUZZ_TRACE=1` prints each mutant before it is read to find which one it was.

/// The parquet-testing corpus in `../shared` beside the package root.
private let dataDir = TestEnvironment.sharedFile("parquet-testing/data")

/// Bytes likely to be read as huge sizes, negative counts, odd types or field ids.
private let interesting: [UInt8] = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0xf9, 0xfc, 0x1c, 0x0c, 0x15, 0x40]

private let trace = ProcessInfo.processInfo.environment["LAKEQ_FUZZ_TRACE"] != nil

private enum Outcome { case decoded, threw }

/// Opens `bytes` and decodes every column of every row group, plus the page indexes and
/// statistics. Any error other than `ParquetError` is recorded as a test failure.
private func readEverything(_ bytes: [UInt8], _ what: @autoclosure () -> String) -> Outcome {
    if trace { FileHandle.standardError.write(Data("fuzz: \(what())\n".utf8)) }
    let start = DispatchTime.now().uptimeNanoseconds
    defer {
        let ms = (DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
        // Far above a normal read of these small files (milliseconds even in a debug build, a
        // second or two on a loaded machine): a mutant that takes this long is looping or
        // allocating per bogus count. Not a speed check: the bound only catches runaways.
        #expect(ms < 60_000, "\(what()) took \(ms) ms")
    }
    let file: ParquetFile
    do {
        file = try ParquetFile(bytes: bytes, name: "mutant")
    } catch is ParquetError {
        return .threw
    } catch {
        Issue.record("\(what()): non-Parquet error \(type(of: error)): \(error)")
        return .threw
    }
    // Column by column, so files with an unsupported (nested) column still exercise the rest.
    var outcome = Outcome.decoded
    for g in 0..<file.rowGroupCount {
        for c in 0..<file.schema.columns.count {
            do {
                let column = try file.readColumn(rowGroup: g, column: c)
                #expect(column.count == file.rowCount(rowGroup: g), "\(what())")
                _ = column.nullCount
            } catch is ParquetError {
                outcome = .threw
            } catch {
                Issue.record("\(what()): non-Parquet error \(type(of: error)): \(error)")
                outcome = .threw
            }
            // The raw-levels path too (nested leaves included): consistent or a ParquetError.
            do {
                let levels = try file.readLevels(rowGroup: g, column: c)
                let maxDef = UInt8(file.schema.columns[c].maxDefinitionLevel)
                #expect(levels.definition.count == levels.repetition.count, "\(what())")
                #expect(levels.values.count == levels.definition.filter { $0 == maxDef }.count, "\(what())")
            } catch is ParquetError {
                outcome = .threw
            } catch {
                Issue.record("\(what()): non-Parquet error \(type(of: error)): \(error)")
                outcome = .threw
            }
            _ = try? file.columnIndex(rowGroup: g, column: c)
            _ = try? file.offsetIndex(rowGroup: g, column: c)
        }
        // Nested assembly of every top-level field: one slot per row, or a ParquetError.
        for f in file.schema.fields.indices where !file.schema.fields[f].isFlatLeaf {
            do {
                let column = try file.readField(rowGroup: g, field: f)
                #expect(column.count == file.rowCount(rowGroup: g), "\(what())")
                try checkNested(column, what())
            } catch is ParquetError {
                outcome = .threw
            } catch {
                Issue.record("\(what()): non-Parquet error \(type(of: error)): \(error)")
                outcome = .threw
            }
        }
    }
    return outcome
}

/// Assembled nested columns are well formed: offsets in range, children as long as their parent.
private func checkNested(_ column: Column, _ what: @autoclosure () -> String) throws {
    if let v = column.validity { #expect(v.count == column.count, "\(what())") }
    switch column.values {
    case .list(let l):
        #expect(l.isWellFormed, "\(what()): list offsets")
        try checkNested(l.entries, what())
    case .structure(let s):
        for child in s.children {
            #expect(child.count == s.count, "\(what()): struct child length")
            try checkNested(child, what())
        }
    default: break
    }
}

private func peakRSSBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}

/// Offsets to mutate: every byte of small files; for bigger ones a stride through the data
/// plus every byte of the last `tail` bytes (the footer, where one byte changes the most).
private func offsets(count n: Int, budget: Int, tail: Int) -> [Int] {
    if n <= budget { return Array(0..<n) }
    let footerStart = max(0, n - tail)
    let stride = max(1, footerStart / (budget - tail))
    var out = Array(Swift.stride(from: 0, to: footerStart, by: stride))
    out.append(contentsOf: footerStart..<n)
    return out
}

@Suite(.enabled(if: FileManager.default.fileExists(atPath: dataDir)))
struct CorruptionTests {
    static let files = [
        "alltypes_plain.parquet",
        "alltypes_plain.snappy.parquet",
        "alltypes_dictionary.parquet",
        "datapage_v2.snappy.parquet",
        "delta_binary_packed.parquet",
        "delta_byte_array.parquet",
        "delta_length_byte_array.parquet",
        "delta_encoding_optional_column.parquet",
        "delta_encoding_required_column.parquet",
        "byte_stream_split.zstd.parquet",
        "byte_stream_split_extended.gzip.parquet",
        "nulls.snappy.parquet",
        "int32_with_null_pages.parquet",
        "rle_boolean_encoding.parquet",
        "fixed_length_decimal.parquet",
        "int96_from_spark.parquet",
        "lz4_raw_compressed.parquet",
        "hadoop_lz4_compressed.parquet",
        "concatenated_gzip_members.parquet",
        "large_string_map.brotli.parquet",
        "plain-dict-uncompressed-checksum.parquet",
        "dict-page-offset-zero.parquet",
        "alltypes_tiny_pages_plain.parquet",
        // Nested leaves: exercised through the raw-levels path.
        "nested_lists.snappy.parquet",
        "nested_maps.snappy.parquet",
        "repeated_no_annotation.parquet",
        "nullable.impala.parquet",
        "old_list_structure.parquet",
        "map_no_value.parquet",
        "nulls.snappy.parquet",
    ]

    @Test(arguments: files)
    func mutantsDecodeOrThrow(file: String) throws {
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dataDir)/\(file)")))
        // The pristine file reads (nested columns of it throw `unsupported`, cleanly).
        _ = readEverything(original, "\(file) unmodified")
        let rssBefore = peakRSSBytes()
        let started = Date()
        var rng = SplitMix64(seed: UInt64(truncatingIfNeeded: file.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        var outcomes = (decoded: 0, threw: 0)
        func record(_ o: Outcome) { if o == .decoded { outcomes.decoded += 1 } else { outcomes.threw += 1 } }

        // Reading a mutant costs about its size (debug build): fewer mutants for bigger files
        // keeps the suite near a minute.
        let (budget, tail, rounds) = original.count <= 20_000 ? (2500, 1500, 300)
            : original.count <= 100_000 ? (400, 250, 100) : (100, 60, 20)
        for i in offsets(count: original.count, budget: budget, tail: tail) {
            // Truncated to i bytes.
            record(readEverything(Array(original[0..<i]), "\(file) truncated to \(i)"))
            // One bit flipped.
            var flipped = original
            let bit = rng.below(8)
            flipped[i] ^= UInt8(1) << UInt8(bit)
            record(readEverything(flipped, "\(file) bit \(bit) of byte \(i) flipped"))
            // One byte overwritten with a value likely to matter.
            var overwritten = original
            let v = interesting[rng.below(interesting.count)]
            if v != original[i] {
                overwritten[i] = v
                record(readEverything(overwritten, "\(file) byte \(i) set to \(v)"))
            }
        }
        // Several random changes at once.
        for round in 0..<rounds {
            var m = original
            let changes = 1 + rng.below(6)
            var what: [String] = []
            for _ in 0..<changes {
                let i = rng.below(m.count)
                let v = rng.below(2) == 0 ? interesting[rng.below(interesting.count)] : UInt8(rng.below(256))
                m[i] = v
                what.append("\(i)=\(v)")
            }
            record(readEverything(m, "\(file) round \(round): \(what.joined(separator: ","))"))
        }
        // Whatever the mutants claimed, memory stayed bounded (the largest legitimate page of
        // these files is well under a megabyte).
        let grown = peakRSSBytes() - rssBefore
        #expect(grown < 1 << 30, "\(file): peak RSS grew by \(grown >> 20) MiB")
        #expect(outcomes.threw > 0, "\(file): no mutant was rejected")
        print("CorruptionTests: \(file): \(outcomes.decoded) mutants decoded, \(outcomes.threw) threw, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    @Test func inMemoryOpenMatchesMappedOpen() throws {
        let path = "\(dataDir)/alltypes_plain.parquet"
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let mapped = try ParquetFile(path: path).readRowGroup(0)
        let memory = try ParquetFile(bytes: bytes).readRowGroup(0)
        #expect(mapped.rowCount == memory.rowCount)
        #expect(mapped.columns.count == memory.columns.count)
        for (a, b) in zip(mapped.columns, memory.columns) {
            #expect(a.count == b.count)
            #expect(a.nullCount == b.nullCount)
        }
    }
}
