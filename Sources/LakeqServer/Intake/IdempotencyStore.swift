import Crypto
import Foundation
import LakeqDelta
import LakeqIngest
import Logging
import NIOPosix

/// `Idempotency-Key` for `POST /v1/events`: the first request with a key commits and its
/// answer is kept; a retry with the same key (and the same body) gets that answer again
/// without committing anything; one with another body is refused (422). A retry arriving
/// while the first is still in flight waits for it.
///
/// Keys are scoped to the API key that sent them and remembered for 24 hours. Each
/// committed request records its key's hash, the body's fingerprint and its counts in the
/// commit (`commitInfo.lakeqIngest.sources`), in the same atomic commit as its rows, so after
/// a restart the store reloads them from the log: a retry then gets its counts back (without
/// the per-row reasons, which stay in the quarantine).
actor IdempotencyStore {
    struct Answer: Sendable {
        let fingerprint: String
        let body: [UInt8]
        let status: Int
    }

    enum Begin: Sendable {
        /// First with this key: go on, then `finish` or `abandon`.
        case proceed
        /// Already answered: send this again.
        case replay(Answer)
    }

    private enum State {
        case inFlight(fingerprint: String, waiters: [CheckedContinuation<Answer?, Never>])
        case done(Answer, expires: ContinuousClock.Instant)
    }

    private var states: [String: State] = [:]
    private var loaded = Set<String>()
    let retention: Duration = .seconds(24 * 3600)
    /// Answers kept at most (oldest dropped first when past).
    let maxEntries = 200_000

    /// The stored form of a key: hashed, scoped to the API key's name.
    nonisolated static func scopedKey(apiKey: String, idempotencyKey: String) -> String {
        let digest = SHA256.hash(data: Array((apiKey + "\u{0}" + idempotencyKey).utf8))
        return digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    nonisolated static func fingerprint(_ body: [UInt8]) -> String {
        SHA256.hash(data: body).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    func begin(key: String, fingerprint: String) async throws -> Begin {
        switch states[key] {
        case .done(let answer, let expires) where expires > .now:
            guard answer.fingerprint == fingerprint || answer.fingerprint.isEmpty else { throw Self.mismatch }
            return .replay(answer)
        case .inFlight(let fp, var waiters):
            guard fp == fingerprint else { throw Self.mismatch }
            let answer: Answer? = await withCheckedContinuation { c in
                waiters.append(c)
                states[key] = .inFlight(fingerprint: fp, waiters: waiters)
            }
            // The first failed: this one becomes the first.
            guard let answer else { return try await begin(key: key, fingerprint: fingerprint) }
            return .replay(answer)
        default:
            states[key] = .inFlight(fingerprint: fingerprint, waiters: [])
            return .proceed
        }
    }

    static let mismatch = APIError(.unprocessableContent, "idempotency_key_reused",
                                   "this Idempotency-Key was used with a different request body")

    func finish(key: String, answer: Answer) {
        if case .inFlight(_, let waiters) = states[key] { for w in waiters { w.resume(returning: answer) } }
        states[key] = .done(answer, expires: .now + retention)
        trim()
    }

    /// The first request failed (nothing committed): waiters retry as the first.
    func abandon(key: String) {
        if case .inFlight(_, let waiters) = states[key] {
            states[key] = nil
            for w in waiters { w.resume(returning: nil) }
        }
    }

    private func trim() {
        guard states.count > maxEntries else { return }
        let now = ContinuousClock.now
        states = states.filter { if case .done(_, let e) = $0.value { return e > now } else { return true } }
        if states.count > maxEntries {
            // Still too many: drop the answers closest to expiry.
            let done = states.compactMap { k, v -> (String, ContinuousClock.Instant)? in if case .done(_, let e) = v { return (k, e) } else { return nil } }
            for (k, _) in done.sorted(by: { $0.1 < $1.1 }).prefix(states.count - maxEntries) { states[k] = nil }
        }
    }

    /// Reloads the keys recorded by the table's commits of the last 24 hours (at most the
    /// last 10,000 commits), once per table.
    func load(from appender: RecordAppender, pool: NIOThreadPool, logger: Logger) async {
        guard loaded.insert(appender.tablePath).inserted else { return }
        let path = appender.tablePath
        let found: [(String, Answer)] = (try? await pool.runIfActive { () throws -> [(String, Answer)] in
            let table = try DeltaTable(path: path)
            guard let latest = try table.latestVersion() else { return [] }
            let horizon = Int64(Date().timeIntervalSince1970 * 1000) - 24 * 3600 * 1000
            var out: [(String, Answer)] = []
            var v = latest
            while v >= 0 && latest - v < 10_000 {
                guard let actions = try? table.actions(version: v) else { break }
                var old = false
                for case .commitInfo(let c) in actions {
                    if let t = c.timestamp, t < horizon { old = true }
                    for s in c.fields["lakeqIngest"]?.objectValue?["sources"]?.arrayValue ?? [] {
                        guard let o = s.objectValue, let key = o["idempotency_key"]?.stringValue else { continue }
                        let body = JSONOut.object([
                            ("accepted", .int(Int(o["rows"]?.intValue ?? 0))),
                            ("rejected_count", .int(Int(o["quarantined"]?.intValue ?? 0))),
                            ("version", .int(v)),
                            ("replayed", .bool(true)),
                        ]).bytes + [0x0A]
                        out.append((key, Answer(fingerprint: o["body_sha256"]?.stringValue ?? "", body: body, status: 200)))
                    }
                }
                if old { break }
                v -= 1
            }
            return out
        }) ?? []
        for (key, answer) in found where states[key] == nil {
            states[key] = .done(answer, expires: .now + retention)
        }
        if !found.isEmpty { logger.info("idempotency keys reloaded", metadata: ["table": .string(path), "keys": .stringConvertible(found.count)]) }
    }
}
