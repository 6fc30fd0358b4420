import Foundation
import Hummingbird
import LakeqDelta
import NIOCore

/// `GET /v1/tables/{table}/version`: what a live page polls. The table's latest Delta
/// version, when it was committed, its rows (from the files' statistics in the log; null when a
/// file has none) and, per partition
/// column, the lowest and highest value:
///
/// ```json
/// {"table":"events","version":12,"committed_at":"2026-11-30T19:02:11.412Z","rows":1000050,
///  "partitions":{"date":{"min":"2026-01-01","max":"2026-01-30"}}}
/// ```
///
/// The ETag names the version: a poll with `If-None-Match` costs one `stat` of the Delta log
/// and answers 304 until a commit lands (the body is built once per version and cached).
struct TableVersionRoute: Sendable {
    let state: ServiceState

    @Sendable func handle(_ request: Request, context: APIRequestContext) async throws -> Response {
        let name = try context.parameters.require("table")
        guard ServiceState.isPlainTableName(name), let version = state.latestVersion(table: name) else {
            throw APIError(.notFound, "table_not_found", "no Delta table \(name) in the lake")
        }
        let key = "table-version|\(name)@\(version)"
        if let hit = state.results.get(key) {
            context.trace.cache = "hit"
            return Responses.cached(hit, request: request, cache: "hit")
        }
        context.trace.cache = "miss"
        let state = self.state
        let body = try await state.workPool.runIfActive { () throws -> JSONOut in
            let table = try state.engine(version: version, threads: 1, timeout: nil).catalog.table(named: name)
            var rows: Int? = 0
            var ranges: [(min: String, max: String)?] = Array(repeating: nil, count: table.partitionColumns.count)
            for file in table.files {
                // From the log's statistics (no footer is read); unknown when a file has none.
                if let n = file.stats?.numRecords, let r = rows { rows = r + Int(n) } else { rows = nil }
                for (p, value) in file.partitionValues.enumerated() where p < ranges.count {
                    guard let value else { continue }
                    if let r = ranges[p] {
                        ranges[p] = (Self.less(value, r.min) ? value : r.min, Self.less(r.max, value) ? value : r.max)
                    } else {
                        ranges[p] = (value, value)
                    }
                }
            }
            var committed: JSONOut = .null
            if let actions = try? DeltaTable(path: state.lake + "/" + name).actions(version: version) {
                for case .commitInfo(let info) in actions {
                    if let ms = info.timestamp { committed = .string(Timestamps.iso8601(Date(timeIntervalSince1970: Double(ms) / 1000))) }
                }
            }
            let partitions: [(String, JSONOut)] = table.partitionColumns.enumerated().map { p, column in
                (column.name, ranges[p].map { .object([("min", .string($0.min)), ("max", .string($0.max))]) } ?? .null)
            }
            return .object([("table", .string(name)), ("version", .int(version)), ("committed_at", committed), ("rows", rows.map { .int($0) } ?? .null),
                            ("partitions", .object(partitions))])
        }
        var bytes = body.bytes
        bytes.append(0x0A)
        let entry = ResultCache.Entry(body: ByteBuffer(bytes: bytes), contentType: "application/json", etag: ResultCache.etag(for: key), rows: 1)
        state.results.put(key, entry)
        return Responses.cached(entry, request: request, cache: "miss")
    }

    /// Partition values are text: integers compare as numbers, the rest (dates included) as text.
    static func less(_ a: String, _ b: String) -> Bool {
        if let x = Int(a), let y = Int(b) { return x < y }
        return a < b
    }
}
