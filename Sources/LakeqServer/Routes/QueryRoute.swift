import Foundation
import Hummingbird
import LakeqQuery
import NIOCore

/// `POST /v1/query`: `{"sql": "...", "version": n?, "format": "json|csv|jsonl|parquet|arrow"?}`.
struct QueryRoute: Sendable {
    let state: ServiceState
    var runner: QueryRunner { QueryRunner(state: state) }

    /// Results up to this many rows are encoded whole (and may be cached); larger CSV, JSON
    /// Lines and Arrow results are streamed in chunks.
    static let streamAbove = 50_000
    static let chunkRows = 16_384

    @Sendable func handle(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let identity = context.identity else { throw APIError(.unauthorized, "unauthorized", "a valid API key is required") }
        let config = state.config
        let body = try await RequestBodies.collect(request, limit: config.maxBodyBytes, timeout: config.bodyTimeout)
        let object = try RequestBodies.jsonObject(try RequestBodies.utf8Bytes(body))
        guard let sql = object["sql"] as? String else { throw APIError.badRequest("missing_sql", "the body needs \"sql\": a SQL string") }
        guard sql.utf8.count <= config.maxSQLBytes else {
            throw APIError(.contentTooLarge, "sql_too_long", "the SQL is \(sql.utf8.count) bytes; the limit is \(config.maxSQLBytes)")
        }
        guard !sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw APIError.badRequest("missing_sql", "the SQL is empty") }
        var version: Int?
        if let v = object["version"], !(v is NSNull) {
            guard let i = JSONNumbers.integer(v), i >= 0 else {
                throw APIError.badRequest("bad_version", "\"version\" must be a non-negative integer")
            }
            version = i
        }
        let format = try Self.format(object["format"], accept: request.headers[.accept])
        context.trace.sql = sql

        // The cache key needs the table and its version before anything runs: parsing is
        // cheap; the version is one stat of the table's log (see TableCache).
        // Two keys: the encoded answer in this format, and the result itself (any format).
        var key: String?
        var resultKey: String?
        if sql.utf8.count <= 64 << 10 {
            let statement = try SQLParser.parse(sql)
            if case .select(let s) = statement, let from = s.from, case .table(let name, let asOf) = from.kind,
               let read = asOf.map({ Int($0) }) ?? version ?? state.latestVersion(table: name.name) {
                let common = "\(identity.pii ? "pii" : "masked")|\(name.name)@\(read)|\(statement.description)"
                key = "query|\(format.rawValue)|" + common
                resultKey = "result|" + common
            }
        }
        if let key, let hit = state.results.get(key) {
            state.metrics.cacheHits.increment()
            context.trace.cache = "hit"
            context.trace.rows = hit.rows
            return Responses.cached(hit, request: request, cache: "hit")
        }
        state.metrics.cacheMisses.increment()
        context.trace.cache = key == nil ? nil : "miss"

        let table: ResultTable
        var readVersion: Int?
        if let resultKey, let kept = state.results.get(resultKey)?.table {
            table = kept
            readVersion = resultKey.contains("@") ? Self.version(in: resultKey) : nil
            context.trace.cache = "result"
        } else {
            let outcome = try await runner.run(sql, version: version, identity: identity)
            table = outcome.table
            readVersion = outcome.version
            if let resultKey, let read = outcome.version, resultKey.contains("@\(read)|"), table.rowCount <= Self.streamAbove {
                state.results.put(resultKey, ResultCache.Entry(body: ByteBuffer(), contentType: "", etag: "", rows: table.rowCount, table: table))
            }
        }
        context.trace.rows = table.rowCount
        let streamed = table.rowCount > Self.streamAbove && (format == .csv || format == .jsonl || format == .arrow)
        if streamed { return stream(table, format: format) }
        let workPool = state.workPool, maxRows = config.maxJSONRows
        let bytes = try await workPool.runIfActive { () throws -> [UInt8] in
            switch format {
            case .json: return ResultEncoder.json(table, maxRows: maxRows)
            case .csv: return ResultEncoder.csvHeader(table) + ResultEncoder.csv(table, rows: 0..<table.rowCount)
            case .jsonl: return ResultEncoder.jsonl(table, rows: 0..<table.rowCount)
            case .arrow: return ArrowStream.whole(table)
            case .parquet: return try ResultEncoder.parquet(table)
            }
        }
        // Stored under the version actually read (a commit may have landed meanwhile).
        if let key, let read = readVersion, key.contains("@\(read)|") {
            let entry = ResultCache.Entry(body: ByteBuffer(bytes: bytes), contentType: format.contentType, etag: ResultCache.etag(for: key), rows: table.rowCount)
            state.results.put(key, entry)
            state.metrics.cacheBytes.record(state.results.bytes)
            return Responses.cached(entry, request: request, cache: "miss")
        }
        return Responses.bytesResponse(bytes, contentType: format.contentType)
    }

    /// The table version a cache key names (`…|table@version|…`).
    static func version(in key: String) -> Int? {
        guard let at = key.firstIndex(of: "@") else { return nil }
        let rest = key[key.index(after: at)...]
        return Int(rest.prefix { $0.isNumber })
    }

    /// The format asked for: the body's `format`, else the `Accept` header, else JSON.
    static func format(_ field: Any?, accept: String?) throws -> ResultFormat {
        if let field, !(field is NSNull) {
            guard let name = field as? String, let f = ResultFormat(rawValue: name.lowercased()) else {
                throw APIError.badRequest("bad_format", "\"format\" must be one of json, csv, jsonl, arrow, parquet")
            }
            return f
        }
        guard let accept, !accept.isEmpty else { return .json }
        switch ResultFormat.negotiate(accept: accept) {
        case .some(.some(let f)): return f
        case .some(.none): return .json
        case .none:
            throw APIError(.notAcceptable, "not_acceptable",
                           "Accept: \(accept) names no format lakeq writes (application/json, text/csv, application/x-ndjson, application/vnd.apache.arrow.stream, application/vnd.apache.parquet)")
        }
    }

    /// A large result written chunk by chunk: each chunk encoded on the work pool, then
    /// written when the connection can take it (a slow reader slows only its own stream).
    func stream(_ table: ResultTable, format: ResultFormat) -> Response {
        let pool = state.workPool
        let body = ResponseBody { writer in
            switch format {
            case .csv: try await writer.write(ByteBuffer(bytes: ResultEncoder.csvHeader(table)))
            case .arrow: try await writer.write(ByteBuffer(bytes: ArrowStream.writer(table).schemaMessage()))
            default: break
            }
            var start = 0
            while start < table.rowCount {
                let range = start..<min(table.rowCount, start + Self.chunkRows)
                let bytes = try await pool.runIfActive { () -> [UInt8] in
                    switch format {
                    case .csv: return ResultEncoder.csv(table, rows: range)
                    case .jsonl: return ResultEncoder.jsonl(table, rows: range)
                    default: return ArrowStream.writer(table).batchMessage(table.slice(range))
                    }
                }
                try await writer.write(ByteBuffer(bytes: bytes))
                start = range.upperBound
            }
            if format == .arrow { try await writer.write(ByteBuffer(bytes: ArrowStream.endOfStream)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: format.contentType, .xCache: "bypass"], body: body)
    }
}
