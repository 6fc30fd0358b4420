import Benchmark
import BenchmarkSupport
import Foundation
import LakeqColumnar
import LakeqParquet

// Decode kernels (rows/s = values decoded per second) and whole-dataset decoding of the 10M-row
// viewing-events data. Kernel inputs are built once, outside the measured loop.

/// Values per kernel iteration. The kernels use `scalingFactor: .mega` and decode exactly one
/// million values per iteration, so package-benchmark's time is per value and its throughput
/// (shown in M) is millions of rows per second.
private let kernelCount = 1_000_000
private let dataDir = ProcessInfo.processInfo.environment["LAKEBENCH_DATA"] ?? "/tmp/lakebench/d10m"

let benchmarks: @Sendable () -> Void = {
    let kernelConfig = Benchmark.Configuration(
        // Time per value is below a nanosecond, so only throughput (M values/s) is shown.
        metrics: [.throughput, .mallocCountTotal],
        scalingFactor: .mega,
        maxDuration: .seconds(2),
        maxIterations: 200
    )

    // MARK: bit unpacking, one benchmark per width

    for width in Array(1...20) + [32] {
        let src = packed(bitWidth: width, count: kernelCount)
        let dst = UnsafeMutablePointer<UInt32>.allocate(capacity: kernelCount)
        Benchmark("unpack32 width \(width)", configuration: kernelConfig) { benchmark in
            src.withUnsafeBytes { raw in
                BitUnpacking.unpack32(raw.baseAddress!, bitWidth: width, count: kernelCount, into: dst)
                blackHole(dst[kernelCount - 1])
            }
        }
    }

    // MARK: RLE/bit-packed dictionary indices (a 2,000-entry dictionary, Zipf-like runs)

    do {
        var rng = SplitMix64(state: 42)
        var indices = [UInt32](repeating: 0, count: kernelCount)
        var i = 0
        while i < kernelCount {
            // Mostly short bit-packed stretches with occasional repeats, like real show titles.
            let run = rng.next() % 8 == 0 ? Int(rng.next() % 40) + 8 : 1
            let v = UInt32(rng.next() % 2000)
            for k in i..<min(kernelCount, i + run) { indices[k] = v }
            i += run
        }
        let encoded = indices.withUnsafeBufferPointer { RLEHybridEncoder.encode($0, bitWidth: 11) }
        let out = UnsafeMutablePointer<Int32>.allocate(capacity: kernelCount)
        Benchmark("RLE dictionary indices (width 11)", configuration: kernelConfig) { benchmark in
            encoded.withUnsafeBytes { raw in
                do {
                    var decoder = try RLEHybridDecoder(raw, bitWidth: 11)
                    try decoder.decodeDictionaryIndices(into: out, count: kernelCount, dictionaryCount: 2000)
                    blackHole(out[kernelCount - 1])
                } catch {
                    benchmark.error("RLE decode failed: \(error)")
                }
            }
        }
    }

    // MARK: DELTA_BINARY_PACKED (ascending ids with jitter, and timestamps)

    do {
        var rng = SplitMix64(state: 7)
        var values = [Int64](repeating: 0, count: kernelCount)
        var v: Int64 = 1_767_225_600_000_000
        for k in 0..<kernelCount {
            v += Int64(rng.next() % 5_000_000)
            values[k] = v
        }
        var encoded: [UInt8] = []
        values.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &encoded) }
        Benchmark("DELTA_BINARY_PACKED int64", configuration: kernelConfig) { benchmark in
            try encoded.withUnsafeBytes { raw in
                let (decoded, _) = try DeltaBinaryPacked.decode(raw, maxValues: kernelCount, as: Int64.self)
                blackHole(decoded.count)
            }
        }
    }

    // MARK: PLAIN byte arrays (short strings, 4..24 bytes)

    do {
        var rng = SplitMix64(state: 9)
        var page: [UInt8] = []
        for _ in 0..<kernelCount {
            let len = 4 + Int(rng.next() % 21)
            withUnsafeBytes(of: UInt32(len).littleEndian) { page.append(contentsOf: $0) }
            for _ in 0..<len { page.append(UInt8(97 + rng.next() % 26)) }
        }
        Benchmark("PLAIN byte arrays", configuration: kernelConfig) { benchmark in
            try page.withUnsafeBytes { raw in
                var out = ByteArrays()
                try PlainDecoder.appendByteArrays(raw, count: kernelCount, to: &out, column: "s")
                blackHole(out.count)
            }
        }
    }

    // MARK: SNAPPY decoding of a high-cardinality int64 dictionary page (ids under 2^20, as
    // pyarrow writes user_id: literals of 1–3 bytes between copies of 6–7). One million values
    // (8 MB out) per iteration: throughput is millions of int64 values per second.

    do {
        var rng = SplitMix64(state: 11)
        var ids = [Int64](repeating: 0, count: kernelCount)
        for k in 0..<kernelCount { ids[k] = Int64(rng.next() % (1 << 20)) }
        let block = try! ids.withUnsafeBytes { try Compression.compress(.snappy, $0) }
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: kernelCount * 8, alignment: 64)
        Benchmark("SNAPPY decode, int64 ids dictionary page", configuration: kernelConfig) { benchmark in
            try block.withUnsafeBytes { raw in
                try Compression.decompress(.snappy, raw, into: out)
                blackHole(out[kernelCount * 8 - 1])
            }
        }
    }

    // MARK: the 10M-row dataset, whole files (one thread, every column)

    // One iteration decodes all 10M rows: rows/s = 10M / wall clock.
    let datasetConfig = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        scalingFactor: .one,
        maxDuration: .seconds(20),
        maxIterations: 5
    )
    let single = "\(dataDir)/events.parquet"
    let lake = "\(dataDir)/lake/events"
    guard FileManager.default.fileExists(atPath: single) else {
        print("ParquetDecoding: skipping the dataset benchmarks, \(single) is missing; make it with")
        print("  python3 /work/shared/bench/gen_events.py --rows 10000000 --seed 1 --out \(dataDir) --formats lake,single")
        return
    }

    Benchmark("decode 10M events.parquet (ZSTD, 1 thread)", configuration: datasetConfig) { _ in
        let file = try ParquetFile(path: single)
        let decompressor = Decompressor()
        var rows = 0
        for g in 0..<file.rowGroupCount { rows += try file.readRowGroup(g, decompressor: decompressor).rowCount }
        blackHole(rows)
    }

    let lakeFiles = (FileManager.default.enumerator(atPath: lake)?.allObjects as? [String] ?? [])
        .filter { $0.hasSuffix(".parquet") }.sorted().map { "\(lake)/\($0)" }
    Benchmark("decode 10M lake (SNAPPY, \(lakeFiles.count) files, 1 thread)", configuration: datasetConfig) { _ in
        let decompressor = Decompressor()
        var rows = 0
        for path in lakeFiles {
            let file = try ParquetFile(path: path)
            for g in 0..<file.rowGroupCount { rows += try file.readRowGroup(g, decompressor: decompressor).rowCount }
        }
        blackHole(rows)
    }
}
