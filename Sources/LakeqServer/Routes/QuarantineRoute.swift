import Foundation
import Hummingbird
import NIOCore

/// `GET /v1/tables/{table}/quarantine?limit=50&kind=K&from=D&to=D`: the latest bad rows of a
/// table with their raw text and reasons, newest commit first (file order within a commit).
///
/// Rows come from `LAKE/_quarantine/T/V.jsonl` of the commits whose `commitInfo` records
/// quarantined rows (as `QualityIndex` lists them), so files left by a crashed run are never
/// shown. `from`/`to` are commit (UTC) days, as in `analytics/quality`; `kind` keeps one
/// reason kind. Only the first `limit` rows are read, so a huge quarantine file costs no
/// more than a small one.
///
/// PII: when the table has PII columns and the key has no `pii` grant, the values of those
/// columns in a JSON `raw` are replaced by their tokens (as `PIIMasker` masks query results);
/// a `raw` that is not a JSON object (CSV, text cut short) cannot be masked reliably, so it
/// is null with `"raw_redacted": true`. Reasons about PII columns keep only the column name.
struct QuarantineRoute: Sendable {
    let state: ServiceState

    @Sendable func handle(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let identity = context.identity else { throw APIError(.unauthorized, "unauthorized", "a valid API key is required") }
        let name = try context.parameters.require("table")
        let params = QueryParams(request)
        let limit = try TableRoutes.intParameter(params, "limit", default: 50, range: 1...1000)
        let filters = try AnalyticsRoutes.filters(params, endpoint: .quality)
        let kind = params.get("kind")
        if let kind, kind.utf8.count > 100 { throw APIError.badRequest("bad_parameter", "kind is longer than 100 bytes") }
        guard ServiceState.isPlainTableName(name), let version = state.latestVersion(table: name) else {
            throw APIError(.notFound, "table_not_found", "no Delta table \(name) in the lake")
        }
        let pii = state.rules.piiColumns(table: name)
        let redact = !pii.isEmpty && !identity.pii
        let key = "quarantine|\(name)@\(version)|\(filters.canonical)|kind=\(kind?.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")|limit=\(limit)|\(redact ? "masked" : "pii")"
        if let hit = state.results.get(key) {
            context.trace.cache = "hit"
            context.trace.rows = hit.rows
            return Responses.cached(hit, request: request, cache: "hit")
        }
        context.trace.cache = "miss"

        let state = self.state
        let index = state.quality
        let commits = try await state.gate.run {
            try await state.queryPool.runIfActive { try index.commits(table: name) }
        }
        let chosen = commits.reversed().filter { c in
            c.quarantinedRows > 0 && c.version <= version
                && (filters.from.map { c.day >= $0 } ?? true) && (filters.to.map { c.day <= $0 } ?? true)
                && (kind.map { c.kinds[$0, default: 0] > 0 } ?? true)
        }
        let rows = try await state.workPool.runIfActive { () throws -> [JSONOut] in
            var out: [JSONOut] = []
            for commit in chosen where out.count < limit {
                let path = state.lake + "/_quarantine/" + name + "/\(commit.version).jsonl"
                let committed: JSONOut = commit.timestamp.map { .string(Timestamps.iso8601(Date(timeIntervalSince1970: Double($0) / 1000))) } ?? .null
                try JSONLines.read(path: path) { object in
                    if let kind, object["kind"] as? String != kind { return true }
                    out.append(Self.row(object, version: commit.version, committed: committed, mask: redact ? (pii, state.masker) : nil))
                    return out.count < limit
                }
            }
            return out
        }
        context.trace.rows = rows.count
        var bytes = JSONOut.object([("table", .string(name)), ("version", .int(version)), ("rows", .array(rows))]).bytes
        bytes.append(0x0A)
        let entry = ResultCache.Entry(body: ByteBuffer(bytes: bytes), contentType: "application/json", etag: ResultCache.etag(for: key), rows: rows.count)
        state.results.put(key, entry)
        return Responses.cached(entry, request: request, cache: "miss")
    }

    /// One quarantined row: version and commit time, then the file's fields (`source`, `line`,
    /// `kind`, `reasons`, `raw`, and any others a writer added, such as a Kafka position).
    static func row(_ object: [String: Any], version: Int, committed: JSONOut, mask: (pii: Set<String>, masker: PIIMasker)?) -> JSONOut {
        var members: [(String, JSONOut)] = [("version", .int(version)), ("committed_at", committed)]
        let first = ["source", "line", "kind", "reasons", "raw"]
        for name in first + object.keys.filter({ !first.contains($0) }).sorted() {
            guard let value = object[name] else { continue }
            switch (name, mask) {
            case ("raw", .some(let mask)):
                if let text = value as? String, let masked = RawTextMask.maskJSON(text, columns: mask.pii, token: mask.masker.token) {
                    members.append(("raw", .string(masked)))
                } else {
                    members.append(("raw", .null))
                    members.append(("raw_redacted", .bool(true)))
                }
            case ("reasons", .some(let mask)):
                let reasons = (value as? [Any] ?? []).map { reason -> JSONOut in
                    let text = reason as? String ?? ""
                    let column = text.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                    return .string(mask.pii.contains(column) ? column + ": (hidden: PII)" : text)
                }
                members.append(("reasons", .array(reasons)))
            default:
                members.append((name, JSONLines.value(value)))
            }
        }
        return .object(members)
    }
}

/// Masking PII inside a bad row's raw text.
enum RawTextMask {
    /// `text` (a JSON object's text) with the value of every member named in `columns`
    /// replaced by `"token(value)"`, the rest of the text as it was; nil when `text` is not
    /// an object whose PII members are plain values (then nothing can be shown safely).
    /// The token is taken of the value's text as a query result would show it (`123` for a
    /// number, the unescaped text for a string), so tokens match masked query results.
    static func maskJSON(_ text: String, columns: Set<String>, token: (String) -> String) -> String? {
        let bytes = Array(text.utf8)
        var i = 0
        func skipSpace() { while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 } }
        /// The end (one past the closing quote) of the string starting at `start`.
        func stringEnd(_ start: Int) -> Int? {
            var j = start + 1
            while j < bytes.count {
                if bytes[j] == UInt8(ascii: "\\") { j += 2; continue }
                if bytes[j] == UInt8(ascii: "\"") { return j + 1 }
                j += 1
            }
            return nil
        }
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return nil }
        var out: [UInt8] = []
        var copied = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "\"") else {
                i += 1
                continue
            }
            guard let end = stringEnd(i) else { break }  // text cut inside a string: no member follows
            let stringStart = i
            i = end
            skipSpace()
            // A string followed by ':' is a member name, at any depth (a PII name nested in a
            // malformed value is masked too).
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":"),
                  let key = (try? JSONSerialization.jsonObject(with: Data(bytes[stringStart..<end]), options: .fragmentsAllowed)) as? String,
                  columns.contains(key) else { continue }
            i += 1
            skipSpace()
            let valueStart = i
            let valueText: String
            if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
                guard let end = stringEnd(i), let s = (try? JSONSerialization.jsonObject(with: Data(bytes[i..<end]), options: .fragmentsAllowed)) as? String else { return nil }
                valueText = s
                i = end
            } else {
                while i < bytes.count, !",}] \t\r\n".utf8.contains(bytes[i]) { i += 1 }
                valueText = String(decoding: bytes[valueStart..<i], as: UTF8.self)
                // An object or array (or nothing) where a PII value should be: cannot mask it.
                guard !valueText.isEmpty, !valueText.hasPrefix("{"), !valueText.hasPrefix("[") else { return nil }
                if valueText == "null" { continue }
            }
            out.append(contentsOf: bytes[copied..<valueStart])
            out.append(contentsOf: "\"\(token(valueText))\"".utf8)
            copied = i
        }
        out.append(contentsOf: bytes[copied...])
        return String(decoding: out, as: UTF8.self)
    }
}

/// Reading JSON Lines files a line at a time, stopping early.
enum JSONLines {
    /// Calls `body` with each line's object (lines that are not JSON objects are skipped)
    /// until it returns false or the file ends. A missing file has no lines.
    static func read(path: String, _ body: ([String: Any]) throws -> Bool) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        var pending: [UInt8] = []
        var done = false
        while !done {
            let chunk = try handle.read(upToCount: 1 << 16) ?? Data()
            let end = chunk.isEmpty
            pending.append(contentsOf: chunk)
            var start = 0
            while !done, let newline = pending[start...].firstIndex(of: 0x0A) ?? (end && start < pending.count ? pending.count : nil) {
                let line = pending[start..<newline]
                start = min(pending.count, newline + 1)
                guard !line.isEmpty, let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else { continue }
                done = !(try body(object))
            }
            pending.removeFirst(start)
            if end { break }
        }
    }

    /// A parsed JSON value as `JSONOut`.
    static func value(_ v: Any) -> JSONOut {
        switch v {
        case is NSNull: return .null
        case let s as String: return .string(s)
        case let a as [Any]: return .array(a.map(value))
        case let o as [String: Any]: return .object(o.keys.sorted().map { ($0, value(o[$0] as Any)) })
        default:
            if let b = JSONNumbers.boolean(v) { return .bool(b) }
            if let i = JSONNumbers.integer(v) { return .int(i) }
            if let d = JSONNumbers.number(v) { return .double(d) }
            return .null
        }
    }
}
