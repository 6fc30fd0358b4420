import Foundation

/// The audit log: one JSON line per request with its time, request id, the key's name (never
/// the key), method, route, SQL (when it ran any), status, rows and milliseconds.
final class AuditLog: Sendable {
    let writer: LineWriter

    init(path: String) throws { writer = try LineWriter(path: path) }

    struct Record {
        var requestID: String
        var key: String?
        var method: String
        var route: String
        var path: String
        var sql: String?
        var status: Int
        var rows: Int?
        var milliseconds: Double
        var cache: String?
    }

    func write(_ r: Record) {
        let line = JSONOut.object([
            ("time", .string(Timestamps.iso8601(Date()))),
            ("request_id", .string(r.requestID)),
            ("key", r.key.map { .string($0) } ?? .null),
            ("method", .string(r.method)),
            ("route", .string(r.route)),
            ("path", .string(r.path)),
            ("sql", r.sql.map { .string($0) } ?? .null),
            ("status", .int(r.status)),
            ("rows", r.rows.map { .int($0) } ?? .null),
            ("ms", .double((r.milliseconds * 1000).rounded() / 1000)),
            ("cache", r.cache.map { .string($0) } ?? .null),
        ])
        writer.append(line.bytes)
    }

    func flush() { writer.flush() }
}
