import Foundation
import LakeqTestSupport
import Testing

/// librdkafka is opened when a Kafka command first needs it, not at process start
/// (Sources/CRdkafka/shim.h): queries run without it, and a library that cannot be loaded is a
/// clean error from the command that needs it, never a crash.
@Suite(.enabled(if: TestEnvironment.binaryBuilt, "build the binary first: swift build --build-tests"))
struct KafkaLibraryCLITests {
    /// A directory whose `librdkafka.so.1` is not a shared library, put first on the search path.
    static func brokenLibrary(_ dir: TemporaryDirectory) throws -> [String: String] {
        _ = try dir.write("lib/librdkafka.so.1", "not a shared library")
        return ["LD_LIBRARY_PATH": dir.file("lib")]
    }

    @Test func kafkaCommandsReportAnUnloadableLibrary() throws {
        let dir = try TemporaryDirectory("kafka-library")
        defer { dir.remove() }
        let env = try Self.brokenLibrary(dir)
        let r = try TestEnvironment.lakeq(
            ["stream", "--brokers", "127.0.0.1:9", "--topic", "events", "--group", "g", "--table", "events", "--lake", dir.file("lake"), "--stop-at-end"],
            environment: env)
        #expect(r.status == 1, "\(r.err)")
        #expect(r.err.contains("librdkafka: cannot be loaded"), "\(r.err)")
    }

    @Test func queriesDoNotLoadTheLibrary() throws {
        let dir = try TemporaryDirectory("kafka-library-query")
        defer { dir.remove() }
        let env = try Self.brokenLibrary(dir)
        let r = try TestEnvironment.lakeq(["SELECT 1 + 1 AS two"], environment: env)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("2"))
    }
}
