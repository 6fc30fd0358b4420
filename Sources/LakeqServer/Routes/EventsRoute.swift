import Foundation
import Hummingbird
import LakeqDelta
import LakeqIngest
import NIOCore

/// `POST /v1/events[?table=T]`: a JSON array or JSON Lines body of events with the source
/// columns, validated by the table's rules (derived columns computed), group-committed.
/// Answer: `{"accepted": n, "rejected": [{"index": i, "reasons": […], "kind": k}], "version": v}`
/// once the commit holding the request is durable. Rejected rows go to the quarantine in the
/// same commit. `Idempotency-Key` makes a retried request commit once.
struct EventsRoute: Sendable {
    let state: ServiceState

    @Sendable func handle(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let identity = context.identity else { throw APIError(.unauthorized, "unauthorized", "a valid API key is required") }
        let config = state.config
        let table = QueryParams(request).get("table") ?? config.eventsTable
        guard ServiceState.isPlainTableName(table) else { throw APIError(.forbidden, "forbidden_path", "table name '\(table)' is not a table of the lake") }
        let idempotencyKey = request.headers[.idempotencyKey]
        if let k = idempotencyKey {
            guard (1...255).contains(k.utf8.count), k.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
                throw APIError.badRequest("bad_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters")
            }
        }
        let buffer = try await RequestBodies.collect(request, limit: config.maxBodyBytes, timeout: config.bodyTimeout)
        let bytes = try RequestBodies.utf8Bytes(buffer)
        let intake = state.intake
        let appender = try await intake.appender(table: table)

        var scoped: String?
        var fingerprint = ""
        if let k = idempotencyKey {
            let key = IdempotencyStore.scopedKey(apiKey: identity.name, idempotencyKey: k)
            fingerprint = IdempotencyStore.fingerprint(bytes)
            switch try await intake.idempotency.begin(key: key, fingerprint: fingerprint) {
            case .replay(let answer):
                context.trace.cache = "idempotent-replay"
                return Responses.bytesResponse(answer.body, contentType: "application/json", status: .init(code: answer.status),
                                               headers: [.idempotencyReplayed: "true"])
            case .proceed:
                scoped = key
            }
        }
        do {
            let isArray = Self.startsWithBracket(bytes)
            let records = try await state.workPool.runIfActive { () throws -> ValidatedRecords in
                guard isArray else { return appender.validate(jsonLines: bytes) }
                do {
                    return appender.validate(jsonLines: try JSONRecords.lines(fromArray: bytes), compact: true)
                } catch let e as JSONRecords.Malformed {
                    throw APIError.badRequest("malformed_json", "the body is not a JSON array of events: \(e.description)")
                }
            }
            if !isArray, records.accepted == 0, !records.rejected.isEmpty, !records.rejected.contains(where: { $0.raw.first == "{" }) {
                // Lines of which none is even an object: the body is not events at all (nothing is quarantined).
                throw APIError.badRequest("malformed_json", "no record of the body is a JSON object: \(records.rejected[0].reasons.first ?? "")")
            }
            guard records.count <= 1_000_000 else { throw APIError(.contentTooLarge, "too_many_events", "at most 1,000,000 events per request") }
            var info: [String: JSONValue] = ["request_id": .string(context.id), "key": .string(identity.name)]
            if let scoped {
                info["idempotency_key"] = .string(scoped)
                info["body_sha256"] = .string(fingerprint)
            }
            let batch = RecordAppender.Batch(records: records, source: "api:" + context.id, info: info)
            let version = try await intake.submit(table: table, batch: batch)
            state.metrics.eventsAccepted.increment(by: records.accepted)
            state.metrics.eventsRejected.increment(by: records.rejected.count)
            context.trace.rows = records.count
            let body = JSONOut.object([
                ("accepted", .int(records.accepted)),
                ("rejected", .array(records.rejected.map { r in
                    .object([("index", .int(r.index)), ("kind", .string(r.kind.rawValue)), ("reasons", .array(r.reasons.map { .string($0) }))])
                })),
                ("version", version.map { .int($0) } ?? .null),
                ("table", .string(table)),
            ])
            var out = body.bytes
            out.append(0x0A)
            if let scoped { await intake.idempotency.finish(key: scoped, answer: .init(fingerprint: fingerprint, body: out, status: 200)) }
            return Responses.bytesResponse(out, contentType: "application/json")
        } catch {
            if let scoped { await intake.idempotency.abandon(key: scoped) }
            throw error
        }
    }

    static func startsWithBracket(_ bytes: [UInt8]) -> Bool {
        for b in bytes {
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { continue }
            return b == UInt8(ascii: "[")
        }
        return false
    }
}
