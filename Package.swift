// swift-tools-version:6.0
import PackageDescription

// Layers, lowest first; a layer imports only the ones above it in this list.
//   C* system libraries (codecs)
//   LakeqColumnar  columnar memory: buffers, bitmaps, typed columns, batches
//   LakeqParquet   the Parquet format: thrift, metadata, encodings, compression, reader, writer
//   LakeqDelta     the lake's tables: Delta Lake log, snapshots, atomic commits
//   LakeqQuery     SQL: parser, binder, planner, operators, table catalog
//   LakeqIngest    CSV / JSON Lines ingest with validation and quarantine
//   LakeqKafka     librdkafka (CRdkafka) behind a small Swift API
//   LakeqSample    the viewing-events sample generator (`lakeq gen`, `lakeq produce`; tables carry ingest rules)
//   LakeqStream    Kafka topics into Delta tables, exactly once (ingest-and-stream layer)
//   lakeq          the command-line tool
let package = Package(
    name: "lakeq",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lakeq", targets: ["lakeq"]),
        .library(name: "LakeqParquet", targets: ["LakeqParquet"]),
        .library(name: "LakeqColumnar", targets: ["LakeqColumnar"]),
        .library(name: "LakeqQuery", targets: ["LakeqQuery"]),
        .library(name: "LakeqDelta", targets: ["LakeqDelta"]),
        .library(name: "LakeqIngest", targets: ["LakeqIngest"]),
        .library(name: "LakeqKafka", targets: ["LakeqKafka"]),
        .library(name: "LakeqStream", targets: ["LakeqStream"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // AES-GCM and AES-CTR (in _CryptoExtras) for Parquet modular encryption.
        .package(url: "https://github.com/apple/swift-crypto", .upToNextMajor(from: "3.12.3")),
    ],
    targets: [
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlidec", providers: [.apt(["libbrotli-dev"])]),
        .systemLibrary(name: "CRdkafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),

        .target(name: "LakeqColumnar"),
        .target(
            name: "LakeqParquet",
            dependencies: [
                "LakeqColumnar", "CZstd", "CSnappy", "CLZ4", "CZlib", "CBrotli",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(name: "LakeqDelta", dependencies: ["LakeqParquet", "LakeqColumnar"]),
        .target(name: "LakeqQuery", dependencies: ["LakeqDelta", "LakeqParquet", "LakeqColumnar"]),
        .target(name: "LakeqIngest", dependencies: ["LakeqDelta", "LakeqParquet", "LakeqColumnar"]),
        .target(name: "LakeqKafka", dependencies: ["CRdkafka"], swiftSettings: [.swiftLanguageMode(.v6)]),
        // Moved out of the executable as it was (Swift 5 mode): its parallel writer predates strict concurrency.
        .target(name: "LakeqSample", dependencies: ["LakeqIngest", "LakeqDelta", "LakeqParquet", "LakeqColumnar"]),
        .target(
            name: "LakeqStream",
            dependencies: ["LakeqKafka", "LakeqSample", "LakeqIngest", "LakeqDelta", "LakeqParquet", "LakeqColumnar"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "lakeq",
            dependencies: [
                "LakeqQuery", "LakeqIngest", "LakeqStream", "LakeqSample", "LakeqKafka", "LakeqDelta", "LakeqParquet", "LakeqColumnar",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Test helpers shared by every test target (paths, programs, Python, temporary folders).
        .target(name: "LakeqTestSupport", path: "Tests/LakeqTestSupport", swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(name: "LakeqColumnarTests", dependencies: ["LakeqColumnar", "LakeqTestSupport"]),
        .testTarget(name: "LakeqParquetTests", dependencies: ["LakeqParquet", "LakeqColumnar", "LakeqTestSupport"]),
        .testTarget(name: "LakeqQueryTests", dependencies: ["LakeqQuery", "LakeqDelta", "LakeqParquet", "LakeqColumnar", "LakeqTestSupport"]),
        .testTarget(name: "LakeqDeltaTests", dependencies: ["LakeqDelta", "LakeqParquet", "LakeqColumnar", "LakeqTestSupport"]),
        .testTarget(name: "LakeqIngestTests", dependencies: ["LakeqIngest", "LakeqDelta", "LakeqParquet", "LakeqColumnar", "LakeqTestSupport"]),
        .testTarget(name: "LakeqCLITests", dependencies: ["LakeqParquet", "LakeqTestSupport"]),
        .testTarget(name: "LakeqKafkaTests", dependencies: ["LakeqKafka", "LakeqTestSupport"], swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(
            name: "LakeqStreamTests",
            dependencies: ["LakeqStream", "LakeqKafka", "LakeqIngest", "LakeqDelta", "LakeqTestSupport"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ],
    swiftLanguageModes: [.v5]
)
