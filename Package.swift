// swift-tools-version:6.1
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
//   LakeqServer    the HTTP API service (`lakeq serve`): routes, keys, limits, cache, metrics
//   lakeq          the command-line tool

// The query path's modules reach the metadata of concrete generic types (a Dictionary of
// String keys, an Array of tuples) through accessor functions instead of mangled names: a
// mangled name is demangled at first use and its generic requirements checked by runtime
// conformance lookups, each a scan of the binary's ~9k conformance records. That was ~14% of a
// `count(*)` process (spec/cli.md, "Start-up"). Release only: debug builds do not measure start-up.
let startUp: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"], .when(configuration: .release)),
]

// The codecs come from their static archives (`-l:libNAME.a`, Debian's -dev packages ship
// them), not their shared libraries: loading and relocating seven shared libraries was ~2.5 ms
// of every process, a third of a `count(*)` (spec/cli.md, "Start-up"). Brotli's encoder and
// decoder need its common part after them; snappy is C++. Elsewhere, the shared libraries.
let codecs = ["zstd", "snappy", "lz4", "z", "brotlienc", "brotlidec", "brotlicommon"]
let codecArchives: [LinkerSetting] =
    codecs.map { .linkedLibrary(":lib\($0).a", .when(platforms: [.linux])) }
    + [.linkedLibrary("stdc++", .when(platforms: [.linux]))]
    + codecs.map { .linkedLibrary($0, .when(platforms: [.macOS])) }

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
        // The API service (LakeqServer).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Crypto (the service: HMAC, SHA-256) and _CryptoExtras (AES-GCM/CTR for Parquet modular encryption).
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // Headers only: the codecs are linked from their static archives by LakeqParquet's
        // linker settings (`codecArchives`), so no pkg-config (its `-L`/`-l` would pick the
        // shared libraries) and no `link` in the module maps.
        .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CLZ4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBrotli", providers: [.apt(["libbrotli-dev"])]),
        // Headers only: shim.h opens librdkafka on first use (dlopen), so it is not linked
        // (no pkg-config: its `-lrdkafka` would load libssl/libcrypto/libsasl2 at every start).
        .systemLibrary(name: "CRdkafka", providers: [.apt(["librdkafka-dev"])]),

        .target(name: "LakeqColumnar", swiftSettings: startUp),
        .target(
            name: "LakeqParquet",
            dependencies: [
                "LakeqColumnar", "CZstd", "CSnappy", "CLZ4", "CZlib", "CBrotli",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: startUp,
            linkerSettings: codecArchives
        ),
        .target(name: "LakeqDelta", dependencies: ["LakeqParquet", "LakeqColumnar"], swiftSettings: startUp),
        .target(name: "LakeqQuery", dependencies: ["LakeqDelta", "LakeqParquet", "LakeqColumnar"], swiftSettings: startUp),
        .target(name: "LakeqIngest", dependencies: ["LakeqDelta", "LakeqParquet", "LakeqColumnar"]),
        .target(name: "LakeqKafka", dependencies: ["CRdkafka"], swiftSettings: [.swiftLanguageMode(.v6)]),
        // Moved out of the executable as it was (Swift 5 mode): its parallel writer predates strict concurrency.
        .target(name: "LakeqSample", dependencies: ["LakeqIngest", "LakeqDelta", "LakeqParquet", "LakeqColumnar"]),
        .target(
            name: "LakeqStream",
            dependencies: ["LakeqKafka", "LakeqSample", "LakeqIngest", "LakeqDelta", "LakeqParquet", "LakeqColumnar"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "LakeqServer",
            dependencies: [
                "LakeqQuery", "LakeqIngest", "LakeqDelta", "LakeqParquet", "LakeqColumnar",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["Dashboard/Assets"],
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "EmbedDashboardAssets")]
        ),
        // The dashboard's files (Sources/LakeqServer/Dashboard/Assets) built into the binary
        // as generated Swift (see spec/dashboard.md).
        .executableTarget(name: "EmbedAssets", swiftSettings: [.swiftLanguageMode(.v6)]),
        .plugin(name: "EmbedDashboardAssets", capability: .buildTool(), dependencies: ["EmbedAssets"], path: "Sources/EmbedDashboardAssets"),
        .executableTarget(
            name: "lakeq",
            dependencies: [
                "LakeqQuery", "LakeqIngest", "LakeqStream", "LakeqSample", "LakeqKafka", "LakeqDelta", "LakeqParquet", "LakeqColumnar",
                "LakeqServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["StaticCxx"],
            swiftSettings: startUp,
            // Process start is most of a small query's time. The toolchain's link exports all
            // ~38k of our symbols, which the loader's lookups and the runtime's dladdr walk at
            // every start; nothing loads plugins into lakeq, so none is exported (spec/cli.md).
            // (-no-pie saves as much again; it is on README's release command line, not here,
            // because with a dynamically linked Swift runtime, as in debug builds, glibc then
            // warns on stderr about protected symbols.)
            // The C++ runtime (the Swift runtime's and snappy's) is linked statically in release
            // too: `-lstdc++` finds StaticCxx/libstdc++.so first, a linker script naming the
            // static archive. Loading and relocating libstdc++.so was ~1 ms of every start.
            // Release only, where README links the Swift runtime statically; debug builds load
            // the Swift runtime's shared libraries, which bring libstdc++.so anyway.
            linkerSettings: [
                .unsafeFlags(["-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux])),
                .unsafeFlags(["-L", Context.packageDirectory + "/Sources/lakeq/StaticCxx"], .when(platforms: [.linux], configuration: .release)),
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
        .testTarget(
            name: "LakeqServerTests",
            dependencies: [
                "LakeqServer", "LakeqQuery", "LakeqIngest", "LakeqDelta", "LakeqParquet", "LakeqColumnar", "LakeqTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ],
    swiftLanguageModes: [.v5]
)
