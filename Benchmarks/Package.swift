// swift-tools-version:6.1
import PackageDescription

// Decode benchmarks for lakeq, kept in their own package so the main package never depends on
// package-benchmark. Run from this directory: `swift package benchmark` (see README.md).
// SwiftPM names a path dependency after its directory (the checkout or worktree folder, not
// "lakeq"), so the product references use that name.
let root = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "lakeq").lowercased()

let package = Package(
    name: "lakeq-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        // The trait is required: without it resolution asks for a package that is not mirrored.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Inputs both executables use (a deterministic generator, bit-packed values).
        .target(name: "BenchmarkSupport", path: "Support"),
        .executableTarget(
            name: "ParquetDecoding",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LakeqParquet", package: root),
                .product(name: "LakeqColumnar", package: root),
            ],
            path: "ParquetDecoding",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The query engine's kernels in ns per value, beside memory bandwidth.
        .executableTarget(
            name: "Kernels",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LakeqParquet", package: root),
                .product(name: "LakeqColumnar", package: root),
                .product(name: "LakeqQuery", package: root),
            ],
            path: "Kernels",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
