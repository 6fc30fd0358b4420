import Benchmark
import BenchmarkSupport
import LakeqColumnar
import LakeqParquet
import LakeqQuery

// The query engine's inner loops, one benchmark per kernel, each over one million values per
// iteration (`scalingFactor: .mega`: the throughput column is millions of values per second,
// so ns per value = 1000 / throughput), beside the memory bandwidth that bounds them.
// Inputs are built once, outside the measured closures. See README.md for the last figures.

private let count = 1_000_000

/// The plain loops the SIMD kernels replace, kept out of line so the compiler cannot fold
/// them into the benchmark.
@inline(never) private func scalarSum(_ p: UnsafeBufferPointer<Double>) -> Double {
    var s = 0.0
    for x in p { s += x }
    return s
}

let benchmarks: @Sendable () -> Void = {
    let config = Benchmark.Configuration(
        metrics: [.throughput],
        scalingFactor: .mega,
        maxDuration: .seconds(2),
        maxIterations: 300
    )
    var rng = SplitMix64(state: 1)
    let doubles = (0..<count).map { _ in Double(rng.next() % 100_000) / 1000 }
    let int32s = (0..<count).map { _ in Int32(truncatingIfNeeded: rng.next() % 16_000) }
    let int64s = (0..<count).map { _ in Int64(rng.next() % 1_000_000) }

    // MARK: memory bandwidth (the limit): 1M-value windows sliding over 512 MiB, so each
    // iteration reads memory no cache holds.

    do {
        let words = 64 << 20
        let big = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
        for i in 0..<words { big[i] = UInt64(i) }
        let target = UnsafeMutablePointer<UInt64>.allocate(capacity: count)
        nonisolated(unsafe) var window = 0
        Benchmark("bandwidth: read 8-byte values (SIMD sum, 512 MiB)", configuration: config) { _ in
            let p = UnsafeBufferPointer(start: big + window * count, count: count)
            window = (window + 1) % (words / count)
            var acc = SIMD8<UInt64>(repeating: 0)
            let raw = UnsafeRawPointer(p.baseAddress!)
            for i in stride(from: 0, to: count, by: 8) { acc &+= raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<UInt64>.self) }
            blackHole(acc.wrappedSum())
        }
        Benchmark("bandwidth: copy 8-byte values (memcpy, 512 MiB)", configuration: config) { _ in
            target.update(from: big + window * count, count: count)
            window = (window + 1) % (words / count)
            blackHole(target[count - 1])
        }
    }

    // MARK: decoding: bit-unpacking and dictionary expansion

    for width in [1, 11, 20] {
        let src = packed(bitWidth: width, count: count)
        let dst = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
        Benchmark("unpack32 width \(width)", configuration: config) { _ in
            src.withUnsafeBytes { raw in BitUnpacking.unpack32(raw.baseAddress!, bitWidth: width, count: count, into: dst) }
            blackHole(dst[count - 1])
        }
    }
    do {
        let dictionary = ColumnValues.float64((0..<2000).map { Double($0) / 10 })
        let indices = (0..<count).map { _ in Int32(rng.next() % 2000) }
        Benchmark("dictionary expansion (2,000 doubles, Int32 indices)", configuration: config) { _ in
            blackHole(dictionary.gather(indices).count)
        }
    }

    // MARK: filter comparisons to a selection vector

    do {
        let schema = Schema([Field(name: "x", type: .float64, nullable: false), Field(name: "n", type: .int64, nullable: false)])
        let batch = RecordBatch(schema: schema, columns: [Column(type: .float64, values: .float64(doubles)),
                                                          Column(type: .int64, values: .int64(int64s))], rowCount: count)
        for (name, column, type, literal) in [("double < constant (50% pass)", 0, DataType.float64, Scalar.double(50)),
                                              ("bigint < constant (10% pass)", 1, DataType.int64, Scalar.int(100_000))] {
            let predicate = BoundExpr(kind: .comparison(.less, BoundExpr(kind: .column(column), type: type, text: "c"),
                                                        BoundExpr(kind: .literal(literal), type: type, text: "k")),
                                      type: .boolean, text: "c < k")
            Benchmark("filter \(name) to selection vector", configuration: config) { benchmark in
                do { blackHole(try Evaluator.select(predicate, batch).count) } catch { benchmark.error("\(error)") }
            }
        }
    }

    // MARK: reductions (SIMD) beside the plain loop they replace

    Benchmark("sum double (plain loop)", configuration: config) { _ in
        blackHole(doubles.withUnsafeBufferPointer { scalarSum($0) })
    }
    Benchmark("sum double (SIMD, Reductions.sum)", configuration: config) { _ in
        blackHole(doubles.withUnsafeBufferPointer { Reductions.sum($0) })
    }
    Benchmark("sum int32 to int64 (SIMD)", configuration: config) { _ in
        blackHole(int32s.withUnsafeBufferPointer { Reductions.sum($0) })
    }
    Benchmark("sum int64 overflow-checked (SIMD)", configuration: config) { _ in
        blackHole(int64s.withUnsafeBufferPointer { Reductions.checkedSum($0) })
    }
    Benchmark("min/max double, SQL NaN order (SIMD)", configuration: config) { _ in
        blackHole(doubles.withUnsafeBufferPointer { Reductions.extreme($0, less: true) })
    }
    Benchmark("min/max int32 (SIMD)", configuration: config) { _ in
        blackHole(int32s.withUnsafeBufferPointer { Reductions.extreme($0, less: false) })
    }

    // MARK: dictionary probe (dictionary filtering of `=`): a value absent from 1M int64s

    Benchmark("int64 contains, absent (Array.contains)", configuration: config) { _ in
        blackHole(int64s.contains(Int64.min))
    }
    Benchmark("int64 contains, absent (SIMD, Search.contains)", configuration: config) { _ in
        blackHole(int64s.withUnsafeBufferPointer { Search.contains($0, Int64.min) })
    }

    // MARK: hashing (group and join keys)

    Benchmark("hash int64 keys", configuration: config) { _ in
        var h: UInt64 = 0
        int64s.withUnsafeBufferPointer { p in for v in p { h ^= Hashing.finish(Hashing.combine(0x2545_F491_4F6C_DD1D, v)) } }
        blackHole(h)
    }
    do {
        let strings = ByteArrays(strings: (0..<count).map { i in "show title \(i % 2000)" })
        Benchmark("hash short strings (bytes)", configuration: config) { _ in
            var h: UInt64 = 0
            strings.data.withUnsafeBytes { raw in
                for e in 0..<strings.count { h ^= Hashing.bytes(UnsafeRawBufferPointer(rebasing: raw[strings.range(e)])) }
            }
            blackHole(h)
        }
    }
}
