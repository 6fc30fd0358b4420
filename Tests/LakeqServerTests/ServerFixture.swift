import Foundation
import Hummingbird
import HummingbirdTesting
import LakeqDelta
import LakeqIngest
@testable import LakeqServer
import LakeqTestSupport
import Logging
import NIOCore

/// A small viewing-events lake, keys of every role and a service over them, for the tests.
struct ServerFixture: Sendable {
    let directory: TemporaryDirectory
    let lake: String
    let keysFile: String
    let reader: String
    let writer: String
    let admin: String
    let piiReader: String
    var config: ServerConfiguration

    /// Rows in the fixture's events table.
    static let rows = 3000
    static let schemaPath = TestEnvironment.packageRoot.appendingPathComponent("examples/events.schema.json").path

    init(rows: Int = ServerFixture.rows, tag: String = "server") throws {
        directory = try TemporaryDirectory(tag)
        lake = directory.file("lake")
        try FileManager.default.createDirectory(atPath: lake, withIntermediateDirectories: true)
        keysFile = directory.file("keys.json")
        reader = try KeyStore.add(name: "reader", role: .reader, pii: false, path: keysFile)
        writer = try KeyStore.add(name: "writer", role: .writer, pii: false, path: keysFile)
        admin = try KeyStore.add(name: "admin", role: .admin, pii: false, path: keysFile)
        piiReader = try KeyStore.add(name: "analyst", role: .reader, pii: true, path: keysFile)
        let schema = try IngestSchema.load(path: Self.schemaPath)
        let appender = try RecordAppender(lake: lake, table: "events", schema: schema, partitionBy: ["date"])
        let records = appender.validate(jsonLines: Array(Self.events(rows).utf8))
        precondition(records.rejected.isEmpty, "fixture rows must be valid: \(records.rejected.first?.reasons ?? [])")
        _ = try appender.commit([RecordAppender.Batch(records: records, source: "fixture")])
        config = ServerConfiguration(lake: lake)
        config.keysFile = keysFile
        config.schemaFile = Self.schemaPath
        config.auditLog = directory.file("audit.jsonl")
        config.commitInterval = .milliseconds(20)
        config.maxConcurrentQueries = 2
        config.engineThreads = 2
    }

    static let shows = ["The Long Night", "Glass Detectives", "Eternal Rain", "Comma, Inc.", "Quote \"Q\" Show", "Naïve Café",
                        "Theory of the Comet", "The Stone Engine", "Back\\slash", "🎬 Premiere"]
    static let devices = ["tv", "mobile", "web", "tablet", "console"]
    static let countries = ["US", "GB", "DE", "IS", "JP"]

    /// Deterministic valid events as JSON Lines: three days, 1,000 users.
    static func events(_ n: Int, firstID: Int = 1) -> String {
        var out = ""
        for k in 0..<n {
            let i = k + firstID - 1
            let show = shows[(i * 7) % shows.count]
            let series = i % 3 == 0
            let duration = Double(20 + (i * 13) % 100)
            let watch = Double((i * 37) % Int(duration * 1000)) / 1000
            let day = 1 + i % 3
            let second = (i * 17) % 86_400
            let time = String(format: "2026-01-%02dT%02d:%02d:%02d.%06dZ", day, second / 3600, second / 60 % 60, second % 60, (i * 101) % 1_000_000)
            let rating = i % 7 == 0 ? String(1 + i % 5) : "null"
            out += "{\"event_id\":\(i + 1),\"user_id\":\(1 + (i * 7919) % 1000),\"show\":\(jsonString(show)),"
            out += "\"show_type\":\"\(series ? "series" : "movie")\",\"genre\":\"Drama\","
            out += "\"season\":\(series ? String(1 + i % 10) : "null"),\"episode\":\(series ? String(1 + i % 24) : "null"),"
            out += "\"event_time\":\"\(time)\",\"watch\":\(watch),\"duration\":\(duration),\"completed\":\(watch >= 0.9 * duration),"
            out += "\"device\":\"\(devices[i % devices.count])\",\"country\":\"\(countries[(i / 5) % countries.count])\","
            out += "\"rating\":\(rating),\"bitrate_kbps\":\(235 + (i * 31) % 15000)}\n"
        }
        return out
    }

    static func jsonString(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes]), as: UTF8.self).dropFirst().dropLast().description
    }

    static let logger: Logger = {
        var l = Logger(label: "lakeq.test")
        l.logLevel = .critical
        return l
    }()

    func service(_ edit: (inout ServerConfiguration) -> Void = { _ in }) throws -> LakeqService {
        var c = config
        edit(&c)
        return try LakeqService(config: c, logger: Self.logger)
    }

    /// Runs `body` against the router (no sockets) of a service over this fixture.
    func withRouter<T: Sendable>(_ edit: (inout ServerConfiguration) -> Void = { _ in }, _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let service = try self.service(edit)
        let app = try service.application()
        defer { Task { await service.shutdown() } }
        return try await app.test(.router) { client in try await body(client) }
    }

    func remove() { directory.remove() }
}

extension TestClientProtocol {
    /// A request with a key (`Authorization: Bearer`) and an optional body.
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, body: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var h = headers
        if let key { h[.authorization] = "Bearer " + key }
        return try await execute(uri: uri, method: method, headers: h, body: body.map { ByteBuffer(string: $0) })
    }

    func query(_ sql: String, key: String, format: String? = nil, version: Int? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var body: [String: Any] = ["sql": sql]
        if let format { body["format"] = format }
        if let version { body["version"] = version }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return try await call(.post, "/v1/query", key: key, body: text, headers: headers)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}
