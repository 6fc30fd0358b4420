import Foundation
import Hummingbird
import HummingbirdTesting
import LakeqDelta
@testable import LakeqServer
import LakeqTestSupport
import Testing

/// `POST /v1/events`: validation by the table's rules, quarantine, group commit, idempotency.
@Suite(.serialized) struct EventsTests {
    @Test func arrayAndLinesAreValidatedByTheTableRules() async throws {
        let f = try ServerFixture()
        try await f.withRouter { client in
            var lines = ServerFixture.events(4, firstID: 100_001).split(separator: "\n").map(String.init)
            lines[1] = lines[1].replacingOccurrences(of: "\"rating\":null", with: "\"rating\":9")
            lines[3] = "{\"event_id\": 1"  // truncated
            let body = lines.joined(separator: "\n") + "\n\n"
            let r = try await client.call(.post, "/v1/events", key: f.writer, body: body)
            #expect(r.status == .ok, "\(r.text)")
            #expect(r.json["accepted"] as? Int == 2)
            let rejected = r.json["rejected"] as? [[String: Any]] ?? []
            #expect(rejected.map { $0["index"] as? Int } == [1, 3])
            #expect((rejected[0]["reasons"] as? [String]) == ["rating: 9 is above the maximum 5"])
            #expect(rejected[0]["kind"] as? String == "out_of_range")
            #expect(rejected[1]["kind"] as? String == "malformed")
            let version = try #require(r.json["version"] as? Int)
            // The same events as a pretty-printed JSON array.
            let array = "[\n" + ServerFixture.events(2, firstID: 100_101).split(separator: "\n").map { "  " + $0.replacingOccurrences(of: ",\"", with: ",\n    \"") }
                .joined(separator: ",\n") + "\n]"
            let a = try await client.call(.post, "/v1/events", key: f.writer, body: array, headers: [.contentType: "application/json"])
            #expect(a.json["accepted"] as? Int == 2, "\(a.text)")
            #expect(a.json["version"] as? Int == version + 1)
            // Derived `date` is computed; the rows are queryable.
            let q = try await client.query("SELECT count(*), min(date) FROM events WHERE event_id > 100000", key: f.reader)
            #expect((q.json["rows"] as? [[Any]])?.first?.first as? Int == 4)
            // The bad rows are in the quarantine with their reasons, source and index.
            let quarantine = try String(contentsOfFile: f.lake + "/_quarantine/events/\(version).jsonl", encoding: .utf8)
            let entries = quarantine.split(separator: "\n")
            #expect(entries.count == 2)
            #expect(entries[0].contains("\"line\":2") && entries[0].contains("rating: 9 is above the maximum 5") && entries[0].contains("\"source\":\"api:"))
        }
        f.remove()
    }

    @Test func bodyLevelErrors() async throws {
        let f = try ServerFixture()
        try await f.withRouter({ $0.maxBodyBytes = 2048 }) { client in
            func check(_ body: String, _ status: HTTPResponse.Status, _ code: String, headers: HTTPFields = [:]) async throws {
                let r = try await client.call(.post, "/v1/events", key: f.writer, body: body, headers: headers)
                #expect(r.status == status, "\(body.prefix(40)): \(r.text)")
                #expect(r.errorCode == code, "\(body.prefix(40))")
            }
            try await check("[{\"event_id\": 1}", .badRequest, "malformed_json")
            try await check("[1, 2", .badRequest, "malformed_json")
            try await check("[{\"a\": \"x\ny\"}]", .badRequest, "malformed_json")
            try await check("not json at all", .badRequest, "malformed_json")
            try await check(String(repeating: "x", count: 3000), .contentTooLarge, "body_too_large")
        }
        f.remove()
    }

    @Test func emptyBodiesCommitNothing() async throws {
        let f = try ServerFixture()
        try await f.withRouter { client in
            let r = try await client.call(.post, "/v1/events", key: f.writer, body: "[]")
            #expect(r.status == .ok)
            #expect(r.json["accepted"] as? Int == 0)
            #expect(r.json["version"] is NSNull)
        }
        #expect(try DeltaTable(path: f.lake + "/events").latestVersion() == 1)
        f.remove()
    }

    @Test func concurrentRequestsShareOneCommit() async throws {
        let f = try ServerFixture()
        try await f.withRouter({ $0.commitInterval = .milliseconds(300) }) { client in
            let versions = try await withThrowingTaskGroup(of: Int?.self) { group in
                for k in 0..<8 {
                    group.addTask {
                        let r = try await client.call(.post, "/v1/events", key: f.writer, body: ServerFixture.events(25, firstID: 200_001 + k * 25))
                        return r.json["version"] as? Int
                    }
                }
                var out: [Int?] = []
                for try await v in group { out.append(v) }
                return out
            }
            #expect(versions.allSatisfy { $0 != nil })
            // Eight requests, at most two windows (they may straddle one boundary).
            #expect(Set(versions).count <= 2)
            let q = try await client.query("SELECT count(*) FROM events WHERE event_id > 200000", key: f.reader)
            #expect((q.json["rows"] as? [[Any]])?.first?.first as? Int == 200)
        }
        let history = try DeltaTable(path: f.lake + "/events").history()
        #expect(history.count <= 4)
        f.remove()
    }

    @Test func idempotencyKeyCommitsOnce() async throws {
        let f = try ServerFixture()
        let body = ServerFixture.events(10, firstID: 300_001)
        try await f.withRouter { client in
            let first = try await client.call(.post, "/v1/events", key: f.writer, body: body, headers: [.init("Idempotency-Key")!: "batch-1"])
            #expect(first.status == .ok)
            // Retries, including concurrent ones, replay the answer.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let again = try await client.call(.post, "/v1/events", key: f.writer, body: body, headers: [.init("Idempotency-Key")!: "batch-1"])
                        #expect(again.status == .ok)
                        #expect(again.text == first.text)
                        #expect(again.headers[.init("Idempotency-Replayed")!] == "true")
                    }
                }
                try await group.waitForAll()
            }
            // Another body with the same key is refused; another key (or API key) is a new request.
            let other = try await client.call(.post, "/v1/events", key: f.writer, body: ServerFixture.events(1, firstID: 300_100),
                                              headers: [.init("Idempotency-Key")!: "batch-1"])
            #expect(other.status == .unprocessableContent)
            #expect(other.errorCode == "idempotency_key_reused")
            let bad = try await client.call(.post, "/v1/events", key: f.writer, body: body, headers: [.init("Idempotency-Key")!: String(repeating: "k", count: 300)])
            #expect(bad.status == .badRequest)
            let q = try await client.query("SELECT count(*) FROM events WHERE event_id > 300000", key: f.reader)
            #expect((q.json["rows"] as? [[Any]])?.first?.first as? Int == 10)
        }
        // After a restart the key is remembered from the log.
        try await f.withRouter { client in
            let again = try await client.call(.post, "/v1/events", key: f.writer, body: body, headers: [.init("Idempotency-Key")!: "batch-1"])
            #expect(again.status == .ok)
            #expect(again.json["replayed"] as? Bool == true)
            #expect(again.json["accepted"] as? Int == 10)
            let q = try await client.query("SELECT count(*) FROM events WHERE event_id > 300000", key: f.reader)
            #expect((q.json["rows"] as? [[Any]])?.first?.first as? Int == 10)
        }
        f.remove()
    }

    @Test func eventsForAnUnknownTableWithoutRules() async throws {
        let f = try ServerFixture()
        try await f.withRouter({ $0.schemaFile = nil }) { client in
            let r = try await client.call(.post, "/v1/events?table=other", key: f.writer, body: ServerFixture.events(1))
            #expect(r.status == .notFound)
            let bad = try await client.call(.post, "/v1/events?table=../x", key: f.writer, body: ServerFixture.events(1))
            #expect(bad.status == .forbidden)
        }
        f.remove()
    }
}
