import Foundation
import Hummingbird
import LakeqColumnar
import LakeqQuery
import NIOCore

/// Runs SQL for the routes: admitted by the gate (503 when it is full), on the query pool
/// (never on an event loop), with the time limit, through the shared table cache, reading
/// only the lake's tables; PII masked for keys without the grant.
struct QueryRunner: Sendable {
    let state: ServiceState

    struct Outcome: Sendable {
        var table: ResultTable
        /// The table read and the Delta version read (nil for plain Parquet).
        var tableName: String
        var version: Int?
        var explain: [String]?
    }

    /// Runs `sql` (at `version` when given) for `identity`. With `explain`, the plan and
    /// pruning report come back as well.
    func run(_ sql: String, version: Int?, identity: APIKey, explain: Bool = false) async throws -> Outcome {
        let state = self.state
        do {
            return try await state.gate.run {
                let threads = state.threadsPerQuery
                return try await state.queryPool.runIfActive { () throws -> Outcome in
                    let start = ContinuousClock.now
                    let engine = state.engine(version: version, threads: threads, timeout: state.config.queryTimeout)
                    let prepared = try engine.prepare(sql)
                    guard !prepared.writes else {
                        throw APIError(.badRequest, "read_only", "POST /v1/query runs SELECT, WITH, VALUES and EXPLAIN; CREATE TABLE AS, INSERT and COPY write to the lake and are not accepted here")
                    }
                    let result = try engine.run(prepared)
                    let elapsed = ContinuousClock.now - start
                    let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                    var table = ResultTable(result, elapsedMilliseconds: ms)
                    var plan: [String]?
                    if explain && !prepared.isExplain {
                        plan = try engine.explainLines(prepared)
                    }
                    let tables = prepared.tables
                    if !prepared.isExplain { Self.mask(&table, prepared, identity: identity, state: state) }
                    state.metrics.scan(result.statistics, bytes: Self.bytesRead(prepared, result.statistics))
                    for t in tables { if let v = t.version { state.metrics.tableVersion(t.name, v) } }
                    let first = tables.first
                    return Outcome(table: table, tableName: first?.name ?? "", version: first?.version, explain: plan)
                }
            }
        } catch is QueryGate.Overloaded {
            throw Self.overloaded
        }
    }

    static let overloaded = APIError(.serviceUnavailable, "overloaded", "too many queries are running or waiting; retry shortly",
                                     headers: [.retryAfter: "1"])

    /// Masks the PII columns of a result of `prepared` for keys without the grant.
    static func mask(_ table: inout ResultTable, _ prepared: PreparedQuery, identity: APIKey, state: ServiceState) {
        guard !identity.pii, let lineage = prepared.lineage else { return }
        var pii = Set<TableColumn>()
        for t in prepared.tables {
            for c in state.rules.piiColumns(table: t.name) { pii.insert(TableColumn(table: t.name, column: c)) }
        }
        for c in PIIMasker.columnsToMask(lineage, pii: pii) where c < table.columns.count {
            table.columns[c] = state.masker.mask(table.columns[c], rows: table.rowCount)
        }
    }

    /// Answers an analytics query from its kept partial aggregates (`IncrementalAnalytics`):
    /// admitted, pooled, timed and masked as `run` does, masked by the lineage of `sql`, the
    /// plain query it equals. Nil when the table does not allow it (run `sql` instead).
    func runIncremental(_ query: MergeableQuery, sql: String, table name: String, identity: APIKey) async throws -> (Outcome, IncrementalAnalytics.Path)? {
        let state = self.state
        do {
            return try await state.gate.run {
                try await state.queryPool.runIfActive { () throws -> (Outcome, IncrementalAnalytics.Path)? in
                    let start = ContinuousClock.now
                    let engine = state.engine(version: nil, threads: state.threadsPerQuery, timeout: state.config.queryTimeout)
                    guard let answer = try state.incremental.answer(query, table: name, engine: engine) else { return nil }
                    var pinned = engine
                    pinned.catalog.version = answer.version
                    let prepared = try pinned.prepare(sql)
                    let elapsed = ContinuousClock.now - start
                    let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                    var table = ResultTable(answer.result, elapsedMilliseconds: ms)
                    Self.mask(&table, prepared, identity: identity, state: state)
                    state.metrics.scan(answer.result.statistics, bytes: 0)
                    state.metrics.tableVersion(name, answer.version)
                    return (Outcome(table: table, tableName: name, version: answer.version, explain: nil), answer.path)
                }
            }
        } catch is QueryGate.Overloaded {
            throw Self.overloaded
        }
    }

    /// Compressed bytes of the columns the query read in the row groups it did not skip,
    /// estimated from the footers of the files the scans opened (the engine does not count
    /// bytes itself).
    static func bytesRead(_ prepared: PreparedQuery, _ s: ScanStatistics) -> Int {
        let skipped = ResultEncoder.rowGroupsSkipped(s) + s.rowGroupsAnsweredFromMetadata
        guard s.rowGroupsTotal > 0, skipped < s.rowGroupsTotal else { return 0 }
        var total = 0
        let read = Set(s.columnsRead)
        for (table, columns) in prepared.scannedColumns {
            let names = read.isEmpty ? columns : columns.intersection(read)
            for i in table.files.indices where table.isOpen(i) {
                guard let f = try? table.parquetFile(i) else { continue }
                // Column names are matched once per file, not once per row group.
                let wanted = f.schema.columns.indices.filter { names.contains(f.schema.columns[$0].path.joined(separator: ".")) }
                for g in 0..<f.rowGroupCount {
                    for c in wanted {
                        total += Int((try? f.columnChunk(rowGroup: g, column: c))?.metaData?.totalCompressedSize ?? 0)
                    }
                }
            }
        }
        // Scale by the share of row groups read.
        return total * (s.rowGroupsTotal - skipped) / s.rowGroupsTotal
    }
}

/// Building responses.
enum Responses {
    static func json(_ value: JSONOut, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var bytes = value.bytes
        bytes.append(0x0A)
        return bytesResponse(bytes, contentType: "application/json", status: status, headers: headers)
    }

    static func bytesResponse(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A cached (or cacheable) answer: with its ETag, or 304 when the client has it.
    static func cached(_ entry: ResultCache.Entry, request: Request, cache: String) -> Response {
        var headers: HTTPFields = [.eTag: entry.etag, .cacheControl: "private, no-cache"]
        headers[.xCache] = cache
        if let inm = request.headers[.ifNoneMatch], matches(inm, entry.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = entry.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: entry.body))
    }

    /// `If-None-Match`: a list of ETags (weak ones compare by their opaque part) or `*`.
    static func matches(_ header: String, _ etag: String) -> Bool {
        for item in header.split(separator: ",") {
            var t = item.trimmingCharacters(in: .whitespaces)
            if t == "*" { return true }
            if t.hasPrefix("W/") { t.removeFirst(2) }
            if t == etag { return true }
        }
        return false
    }
}
