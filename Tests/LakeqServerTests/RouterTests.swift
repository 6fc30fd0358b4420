import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LakeqServer
import LakeqTestSupport
import Testing

/// Every endpoint and its error paths through the router (HummingbirdTesting, no sockets).
@Suite(.serialized) struct RouterTests {
    let fixture: ServerFixture

    init() throws { fixture = try ServerFixture() }

    @Test func healthAndReadinessNeedNoKey() async throws {
        try await fixture.withRouter { client in
            let h = try await client.call(.get, "/healthz")
            #expect(h.status == .ok)
            #expect(h.json["status"] as? String == "ok")
            #expect(h.headers[.init("X-Request-Id")!] != nil)
            let r = try await client.call(.get, "/readyz")
            #expect(r.status == .ok)
            #expect(r.json["status"] as? String == "ready")
        }
        fixture.remove()
    }

    @Test func keysAndRoles() async throws {
        let f = fixture
        try await f.withRouter { client in
            // No key, a wrong key, a malformed header: 401 with a JSON error.
            let none = try await client.call(.get, "/v1/tables")
            #expect(none.status == .unauthorized)
            #expect(none.errorCode == "unauthorized")
            #expect(try await client.call(.get, "/v1/tables", key: "lq_000000000000_nope").status == .unauthorized)
            #expect(try await client.call(.get, "/v1/tables", key: f.reader + "x").status == .unauthorized)
            #expect(try await client.call(.get, "/v1/tables", headers: [.authorization: "Basic YWxhZGRpbjpvcGVuc2VzYW1l"]).status == .unauthorized)
            // Both header forms.
            #expect(try await client.call(.get, "/v1/tables", key: f.reader).status == .ok)
            #expect(try await client.call(.get, "/v1/tables", headers: [.init("X-API-Key")!: f.reader]).status == .ok)
            // Roles: reader may not post events or read history; writer may post but not read history.
            let events = ServerFixture.events(1, firstID: 990_001)
            let r1 = try await client.call(.post, "/v1/events", key: f.reader, body: events)
            #expect(r1.status == .forbidden)
            #expect(r1.errorCode == "forbidden")
            #expect(try await client.call(.get, "/v1/tables/events/history", key: f.reader).status == .forbidden)
            #expect(try await client.call(.get, "/v1/tables/events/history", key: f.writer).status == .forbidden)
            #expect(try await client.call(.get, "/v1/tables/events/history", key: f.admin).status == .ok)
            #expect(try await client.call(.post, "/v1/events", key: f.writer, body: events).status == .ok)
            #expect(try await client.call(.post, "/v1/events", key: f.admin, body: ServerFixture.events(1, firstID: 990_002)).status == .ok)
            // Metrics need a key by default.
            #expect(try await client.call(.get, "/metrics").status == .unauthorized)
            #expect(try await client.call(.get, "/metrics", key: f.reader).status == .ok)
        }
        f.remove()
    }

    @Test func revokedKeyStopsWorking() async throws {
        let f = fixture
        let service = try f.service()
        let app = try service.application()
        try await app.test(.router) { client in
            #expect(try await client.call(.get, "/v1/tables", key: f.reader).status == .ok)
            try KeyStore.revoke(name: "reader", path: f.keysFile)
            // The file is checked at most once a second.
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await client.call(.get, "/v1/tables", key: f.reader).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/tables", key: f.admin).status == .ok)
        }
        await service.shutdown()
        f.remove()
    }

    @Test func queryAnswersJSONWithColumnsRowsAndStats() async throws {
        let f = fixture
        try await f.withRouter { client in
            let r = try await client.query("SELECT device, count(*) AS n FROM events GROUP BY device ORDER BY device", key: f.reader)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "application/json")
            let json = r.json
            let columns = json["columns"] as? [[String: Any]] ?? []
            #expect(columns.map { $0["name"] as? String } == ["device", "n"])
            #expect(columns.map { $0["type"] as? String } == ["VARCHAR", "BIGINT"])
            let rows = json["rows"] as? [[Any]] ?? []
            #expect(rows.count == 5)
            #expect(rows.first?.first as? String == "console")
            #expect(rows.reduce(0) { $0 + (($1.last as? Int) ?? 0) } == ServerFixture.rows)
            let stats = json["stats"] as? [String: Any] ?? [:]
            #expect(stats["rows_scanned"] as? Int == ServerFixture.rows)
            for k in ["files_skipped", "row_groups_skipped", "elapsed_ms"] { #expect(stats[k] != nil) }
            #expect(json["truncated"] as? Bool == false)
        }
        f.remove()
    }

    @Test func queryErrors() async throws {
        let f = fixture
        try await f.withRouter({ $0.maxSQLBytes = 200; $0.maxBodyBytes = 4096 }) { client in
            func code(_ body: String, headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, String?) {
                let r = try await client.call(.post, "/v1/query", key: f.reader, body: body, headers: headers)
                return (r.status, r.errorCode)
            }
            #expect(try await code("{\"sql\": ") == (.badRequest, "malformed_json"))
            #expect(try await code("[1,2]") == (.badRequest, "malformed_json"))
            #expect(try await code("") == (.badRequest, "empty_body"))
            #expect(try await code("{}") == (.badRequest, "missing_sql"))
            #expect(try await code("{\"sql\": 5}") == (.badRequest, "missing_sql"))
            #expect(try await code("{\"sql\": \"  \"}") == (.badRequest, "missing_sql"))
            #expect(try await code("{\"sql\": \"SELEC 1\"}") == (.badRequest, "syntax_error"))
            #expect(try await code("{\"sql\": \"SELECT nope FROM events\"}") == (.badRequest, "binding_error"))
            #expect(try await code("{\"sql\": \"SELECT * FROM nosuch\"}") == (.notFound, "table_not_found"))
            // The query endpoint never writes: CTAS, INSERT and COPY are refused before running.
            #expect(try await code("{\"sql\": \"CREATE TABLE x AS SELECT 1\"}") == (.badRequest, "read_only"))
            #expect(try await code("{\"sql\": \"INSERT INTO events SELECT * FROM events\"}") == (.badRequest, "read_only"))
            #expect(try await code("{\"sql\": \"COPY (SELECT 1) TO '/tmp/x.parquet'\"}") == (.badRequest, "read_only"))
            #expect(try await code("{\"sql\": \"SELECT 1 FROM events\", \"version\": -1}") == (.badRequest, "bad_version"))
            #expect(try await code("{\"sql\": \"SELECT 1 FROM events\", \"version\": 99}") == (.badRequest, "catalog_error"))
            #expect(try await code("{\"sql\": \"SELECT 1 FROM events\", \"format\": \"xml\"}") == (.badRequest, "bad_format"))
            #expect(try await code("{\"sql\": \"SELECT 1 FROM events\"}", headers: [.accept: "text/html"]) == (.notAcceptable, "not_acceptable"))
            let long = "SELECT count(*) FROM events WHERE " + Array(repeating: "1 = 1", count: 60).joined(separator: " AND ")
            #expect(try await code("{\"sql\": \"\(long)\"}") == (.contentTooLarge, "sql_too_long"))
            #expect(try await code("{\"sql\": \"" + String(repeating: "x", count: 5000) + "\"}") == (.contentTooLarge, "body_too_large"))
            // A syntax error says where.
            let r = try await client.call(.post, "/v1/query", key: f.reader, body: "{\"sql\": \"SELECT a,, b FROM events\"}")
            let err = r.json["error"] as? [String: Any] ?? [:]
            #expect(err["line"] as? Int == 1)
            #expect(err["column"] as? Int == 10)
        }
        f.remove()
    }

    @Test func sqlReadsOnlyTheLake() async throws {
        let f = fixture
        // A symlink inside the lake pointing out of it.
        try FileManager.default.createSymbolicLink(atPath: f.lake + "/escape", withDestinationPath: "/etc")
        try await f.withRouter { client in
            for sql in ["SELECT * FROM '/etc/passwd'", "SELECT * FROM '../keys.json'", "SELECT * FROM read_parquet('/etc/*')",
                        "SELECT * FROM \"../lake/events\"", "SELECT * FROM \"/etc\"", "SELECT * FROM escape",
                        "SELECT * FROM '\(f.lake)/events/*.parquet'", "SELECT * FROM _quarantine"] {
                let r = try await client.query(sql, key: f.admin)
                #expect(r.status == .forbidden, "\(sql): \(r.text)")
                #expect(r.errorCode == "forbidden_path")
            }
        }
        f.remove()
    }

    @Test func formatsFromBodyAndAcceptHeader() async throws {
        let f = fixture
        try await f.withRouter { client in
            let sql = "SELECT event_id, show, watch, completed, event_time, date FROM events ORDER BY event_id LIMIT 3"
            let csv = try await client.query(sql, key: f.reader, format: "csv")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.text.hasPrefix("event_id,show,watch,completed,event_time,date\n1,The Long Night,0.0,false,2026-01-01T00:00:00Z,2026-01-01\n"))
            let jsonl = try await client.query(sql, key: f.reader, headers: [.accept: "application/x-ndjson"])
            #expect(jsonl.headers[.contentType] == "application/x-ndjson")
            #expect(jsonl.text.split(separator: "\n").count == 3)
            #expect(jsonl.text.hasPrefix("{\"event_id\":1,\"show\":\"The Long Night\",\"watch\":0.0,"))
            let arrow = try await client.query(sql, key: f.reader, headers: [.accept: "application/vnd.apache.arrow.stream"])
            #expect(arrow.headers[.contentType] == "application/vnd.apache.arrow.stream")
            #expect(Array(arrow.body.readableBytesView.prefix(4)) == [0xFF, 0xFF, 0xFF, 0xFF])
            let parquet = try await client.query(sql, key: f.reader, format: "parquet")
            #expect(Array(parquet.body.readableBytesView.prefix(4)) == Array("PAR1".utf8))
            let any = try await client.query(sql, key: f.reader, headers: [.accept: "text/html, */*;q=0.1"])
            #expect(any.headers[.contentType] == "application/json")
        }
        f.remove()
    }

    @Test func jsonStopsAtTheRowLimitAndSaysSo() async throws {
        let f = fixture
        try await f.withRouter({ $0.maxJSONRows = 10 }) { client in
            let r = try await client.query("SELECT event_id FROM events", key: f.reader)
            #expect(r.status == .ok)
            #expect((r.json["rows"] as? [Any])?.count == 10)
            #expect(r.json["truncated"] as? Bool == true)
            #expect(r.json["row_limit"] as? Int == 10)
            // CSV is not limited.
            let csv = try await client.query("SELECT event_id FROM events", key: f.reader, format: "csv")
            #expect(csv.text.split(separator: "\n").count == ServerFixture.rows + 1)
        }
        f.remove()
    }

    @Test func resultCacheETagsAndNewVersions() async throws {
        let f = fixture
        try await f.withRouter { client in
            let sql = "SELECT count(*) AS n FROM events"
            let first = try await client.query(sql, key: f.reader)
            #expect(first.headers[.init("X-Cache")!] == "miss")
            let etag = try #require(first.headers[.eTag])
            // Same query spelled differently: same normalized SQL, a hit with the same ETag.
            let second = try await client.query("select   COUNT(*)   as n\nfrom events -- again", key: f.reader)
            #expect(second.headers[.init("X-Cache")!] == "hit")
            #expect(second.headers[.eTag] == etag)
            #expect(second.text == first.text)
            let notModified = try await client.query(sql, key: f.reader, headers: [.ifNoneMatch: etag])
            #expect(notModified.status == .notModified)
            #expect(notModified.body.readableBytes == 0)
            // A commit makes a new version: a new answer, a new ETag.
            #expect(try await client.call(.post, "/v1/events", key: f.writer, body: ServerFixture.events(5, firstID: 50_001)).status == .ok)
            let after = try await client.query(sql, key: f.reader, headers: [.ifNoneMatch: etag])
            #expect(after.status == .ok)
            #expect(after.headers[.init("X-Cache")!] == "miss")
            #expect(after.headers[.eTag] != etag)
            #expect(((after.json["rows"] as? [[Any]])?.first?.first as? Int) == ServerFixture.rows + 5)
            // Time travel to version 1 still answers the old count.
            let old = try await client.query(sql, key: f.reader, version: 1)
            #expect(old.status == .ok, "\(old.text)")
            #expect(((old.json["rows"] as? [[Any]])?.first?.first as? Int) == ServerFixture.rows)
        }
        f.remove()
    }

    @Test func piiIsMaskedForKeysWithoutTheGrant() async throws {
        let f = fixture
        try await f.withRouter { client in
            let sql = "SELECT user_id, count(*) AS n, min(user_id) AS lo, count(DISTINCT user_id) AS users FROM events WHERE user_id = 1 GROUP BY user_id"
            let masked = try await client.query(sql, key: f.reader)
            let clear = try await client.query(sql, key: f.piiReader)
            let m = try #require((masked.json["rows"] as? [[Any]])?.first)
            let c = try #require((clear.json["rows"] as? [[Any]])?.first)
            #expect(c[0] as? Int == 1)
            #expect(c[2] as? Int == 1)
            let token = try #require(m[0] as? String)
            #expect(token.count == 32 && token.allSatisfy(\.isHexDigit))
            #expect(m[2] as? String == token)  // min(user_id) shows the value: masked alike
            #expect(m[1] as? Int == c[1] as? Int)  // counts are not masked
            #expect(m[3] as? Int == 1)
            let types = (masked.json["columns"] as? [[String: Any]] ?? []).map { $0["type"] as? String }
            #expect(types == ["VARCHAR", "BIGINT", "VARCHAR", "BIGINT"])
            // Expressions over the column are masked too; grouping still groups.
            let expr = try await client.query("SELECT user_id + 1 AS u FROM events WHERE user_id = 1 LIMIT 1", key: f.reader)
            #expect(((expr.json["rows"] as? [[Any]])?.first?.first as? String)?.count == 32)
            let groups = try await client.query("SELECT user_id, count(*) FROM events GROUP BY user_id", key: f.reader)
            let tokens = (groups.json["rows"] as? [[Any]] ?? []).compactMap { $0.first as? String }
            #expect(tokens.count == 1000 && Set(tokens).count == 1000)
            // REST rows and table description agree.
            let rows = try await client.call(.get, "/v1/tables/events/rows?columns=user_id&filter=user_id.eq.1&limit=1", key: f.reader)
            #expect(((rows.json["rows"] as? [[String: Any]])?.first?["user_id"] as? String) == token)
            let d = try await client.call(.get, "/v1/tables/events", key: f.reader)
            let col = (d.json["columns"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "user_id" }
            #expect(col?["pii"] as? Bool == true)
        }
        f.remove()
    }

    @Test func tablesListDescribeAndHistory() async throws {
        let f = fixture
        try await f.withRouter { client in
            let list = try await client.call(.get, "/v1/tables", key: f.reader)
            let tables = list.json["tables"] as? [[String: Any]] ?? []
            #expect(tables.count == 1)
            #expect(tables.first?["name"] as? String == "events")
            #expect(tables.first?["format"] as? String == "delta")
            #expect(tables.first?["version"] as? Int == 1)
            let d = try await client.call(.get, "/v1/tables/events", key: f.reader)
            #expect(d.json["rows"] as? Int == ServerFixture.rows)
            #expect(d.json["files"] as? Int == 3)
            #expect((d.json["bytes"] as? Int ?? 0) > 0)
            #expect(d.json["partition_columns"] as? [String] == ["date"])
            #expect((d.json["columns"] as? [Any])?.count == 16)
            #expect(try await client.call(.get, "/v1/tables/nosuch", key: f.reader).status == .notFound)
            #expect(try await client.call(.get, "/v1/tables/_quarantine", key: f.reader).status == .forbidden)
            #expect(try await client.call(.get, "/v1/tables/..", key: f.reader).status != .ok)
            let h = try await client.call(.get, "/v1/tables/events/history?limit=1", key: f.admin)
            let history = h.json["history"] as? [[String: Any]] ?? []
            #expect(history.count == 1)
            #expect(history.first?["version"] as? Int == 1)
            #expect(history.first?["rows_added"] as? Int == ServerFixture.rows)
            #expect(try await client.call(.get, "/v1/tables/events/history?limit=0", key: f.admin).status == .badRequest)
            #expect(try await client.call(.get, "/v1/tables/nosuch/history", key: f.admin).status == .notFound)
            // Vacuum: a dry run by default; short retention is refused.
            let v = try await client.call(.post, "/v1/tables/events/vacuum", key: f.admin)
            #expect(v.status == .ok)
            #expect(v.json["dry_run"] as? Bool == true)
            let short = try await client.call(.post, "/v1/tables/events/vacuum", key: f.admin, body: "{\"retention_hours\": 1, \"dry_run\": false}")
            #expect(short.status == .badRequest)
            #expect(try await client.call(.post, "/v1/tables/events/vacuum", key: f.writer).status == .forbidden)
        }
        f.remove()
    }

    @Test func rowsFiltersOrderAndStableCursor() async throws {
        let f = fixture
        try await f.withRouter { client in
            let base = "/v1/tables/events/rows?columns=event_id,device,watch&filter=device.in.tv,web&filter=watch.gte.10&order=-watch&limit=7"
            var uri = base
            var seen: [Int] = []
            var watches: [Double] = []
            var pages = 0
            while pages < 5 {
                let r = try await client.call(.get, uri, key: f.reader)
                #expect(r.status == .ok, "\(r.text)")
                let rows = r.json["rows"] as? [[String: Any]] ?? []
                for row in rows {
                    seen.append(row["event_id"] as? Int ?? -1)
                    watches.append(row["watch"] as? Double ?? (row["watch"] as? Int).map(Double.init) ?? -1)
                    #expect(["tv", "web"].contains(row["device"] as? String ?? ""))
                }
                #expect((r.json["sql"] as? String)?.contains("VERSION AS OF 1") == true)
                pages += 1
                // Commits landing between pages do not move the pages.
                if pages == 2 {
                    _ = try await client.call(.post, "/v1/events", key: f.writer, body: ServerFixture.events(50, firstID: 60_001))
                }
                guard let next = r.json["next_cursor"] as? String else { break }
                uri = base + "&cursor=" + next
            }
            #expect(seen.count == 35)
            #expect(Set(seen).count == 35)
            #expect(watches == watches.sorted(by: >))
            #expect(watches.allSatisfy { $0 >= 10 })
            // The same first 35 rows in one page.
            let all = try await client.call(.get, base.replacingOccurrences(of: "limit=7", with: "limit=35") + "&cursor=" +
                                             RowsRoute.encode(.init(v: 1, o: 0, f: RowsRoute.fingerprint(["events", "event_id,device,watch",
                                                "\"device\" IN ('tv', 'web') AND \"watch\" >= 10.0", "-watch"]))), key: f.reader)
            #expect((all.json["rows"] as? [[String: Any]] ?? []).map { $0["event_id"] as? Int ?? -1 } == seen)
            // Errors.
            for (q, code) in [("filter=nope.eq.1", "unknown_column"), ("filter=watch.eq.abc", "bad_filter"), ("filter=watch", "bad_filter"),
                              ("filter=watch.between.1", "bad_filter"), ("order=nope", "unknown_column"), ("limit=0", "bad_parameter"),
                              ("cursor=garbage", "bad_cursor"), ("columns=event_id&cursor=" + RowsRoute.encode(.init(v: 1, o: 7, f: "x")), "bad_cursor"),
                              ("filter=date.eq.2026-13", "bad_filter"), ("filter=device.like.t%25", nil), ("filter=rating.is.null", nil),
                              ("filter=show.eq.Comma,%20Inc.", nil), ("filter=completed.eq.true", nil), ("filter=event_time.lt.2026-01-02T00:00:00Z", nil)] {
                let r = try await client.call(.get, "/v1/tables/events/rows?" + q, key: f.reader)
                if let code {
                    #expect(r.status == .badRequest, "\(q)")
                    #expect(r.errorCode == code, "\(q): \(r.text)")
                } else {
                    #expect(r.status == .ok, "\(q): \(r.text)")
                }
            }
            let like = try await client.call(.get, "/v1/tables/events/rows?columns=show&filter=show.eq.Comma,%20Inc.&limit=1", key: f.reader)
            #expect(((like.json["rows"] as? [[String: Any]])?.first?["show"] as? String) == "Comma, Inc.")
        }
        f.remove()
    }

    @Test func analyticsEndpoints() async throws {
        let f = fixture
        try await f.withRouter { client in
            let top = try await client.call(.get, "/v1/analytics/top-shows?by=views&limit=3", key: f.reader)
            #expect(top.status == .ok, "\(top.text)")
            let rows = top.json["rows"] as? [[String: Any]] ?? []
            #expect(rows.count == 3)
            #expect(rows.map { $0["views"] as? Int ?? 0 } == rows.map { $0["views"] as? Int ?? 0 }.sorted(by: >))
            #expect((top.json["sql"] as? String)?.hasPrefix("SELECT show, count(*) AS views") == true)
            #expect(top.json["plan"] == nil)
            let explained = try await client.call(.get, "/v1/analytics/top-shows?by=watch&from=2026-01-02&to=2026-01-02&explain=1", key: f.reader)
            #expect(((explained.json["plan"] as? [String]) ?? []).isEmpty == false)
            #expect(((explained.json["stats"] as? [String: Any])?["files_skipped"] as? Int) == 2)
            let byDevice = try await client.call(.get, "/v1/analytics/engagement?by=device&country=US&country=GB", key: f.reader)
            let devices = (byDevice.json["rows"] as? [[String: Any]] ?? []).map { $0["device"] as? String ?? "" }
            #expect(devices == ["console", "mobile", "tablet", "tv", "web"])
            #expect((byDevice.json["sql"] as? String)?.contains("country IN ('US', 'GB')") == true)
            for by in ["day", "hour", "country", "show_type"] {
                let r = try await client.call(.get, "/v1/analytics/engagement?by=\(by)", key: f.reader)
                #expect(r.status == .ok, "\(by): \(r.text)")
                let first = (r.json["rows"] as? [[String: Any]])?.first ?? [:]
                for k in ["events", "users", "avg_watch", "completion_rate"] { #expect(first[k] != nil, "\(by) \(k)") }
            }
            let days = try await client.call(.get, "/v1/analytics/active-users?grain=day", key: f.reader)
            #expect((days.json["rows"] as? [Any])?.count == 3)
            let weeks = try await client.call(.get, "/v1/analytics/active-users?grain=week", key: f.reader)
            #expect((weeks.json["rows"] as? [[String: Any]])?.first?["week"] as? String == "2025-12-29")
            // Bad parameters.
            for q in ["top-shows?by=nope", "engagement?by=minute", "active-users?grain=month", "top-shows?from=2026-1-1",
                      "top-shows?limit=-3", "top-shows?explain=maybe", "quality?to=yesterday"] {
                let r = try await client.call(.get, "/v1/analytics/" + q, key: f.reader)
                #expect(r.status == .badRequest, "\(q)")
                #expect(r.errorCode == "bad_parameter")
            }
            // Cached: the same call again is a hit with the same ETag; If-None-Match gives 304.
            let again = try await client.call(.get, "/v1/analytics/top-shows?by=views&limit=3", key: f.reader)
            #expect(again.headers[.init("X-Cache")!] == "hit")
            let etag = try #require(again.headers[.eTag])
            #expect(try await client.call(.get, "/v1/analytics/top-shows?by=views&limit=3", key: f.reader, headers: [.ifNoneMatch: etag]).status == .notModified)
        }
        f.remove()
    }

    @Test func qualityCountsQuarantinedRowsByKindAndDay() async throws {
        let f = fixture
        try await f.withRouter { client in
            var bad = ServerFixture.events(3, firstID: 70_001).split(separator: "\n").map(String.init)
            bad[0] = bad[0].replacingOccurrences(of: "\"device\":\"", with: "\"device\":\"fridge")
            bad[1] = bad[1].replacingOccurrences(of: "\"bitrate_kbps\":[0-9]+", with: "\"bitrate_kbps\":99999", options: .regularExpression)
            let r = try await client.call(.post, "/v1/events", key: f.writer, body: bad.joined(separator: "\n"))
            #expect(r.json["accepted"] as? Int == 1)
            let q = try await client.call(.get, "/v1/analytics/quality", key: f.reader)
            #expect(q.status == .ok, "\(q.text)")
            #expect(q.json["quarantined_rows"] as? Int == 2)
            #expect(q.json["good_rows"] as? Int == ServerFixture.rows + 1)
            let kinds = (q.json["by_kind"] as? [[String: Any]] ?? []).map { ($0["kind"] as? String ?? "", $0["rows"] as? Int ?? 0) }
            #expect(kinds.map(\.0).sorted() == ["not_allowed", "out_of_range"])
            #expect((q.json["by_day"] as? [Any])?.count == 1)
            let score = try #require(q.json["score"] as? Double)
            #expect(abs(score - Double(ServerFixture.rows + 1) / Double(ServerFixture.rows + 3)) < 1e-12)
            let explained = try await client.call(.get, "/v1/analytics/quality?explain=1", key: f.reader)
            #expect(((explained.json["plan"] as? [String]) ?? []).isEmpty == false)
        }
        f.remove()
    }

    @Test func unknownPathsAndMethods() async throws {
        let f = fixture
        try await f.withRouter { client in
            let r = try await client.call(.get, "/v1/nope", key: f.reader)
            #expect(r.status == .notFound)
            #expect(r.errorCode == "not_found")
            let m = try await client.call(.get, "/v1/query", key: f.reader)
            #expect(m.status == .methodNotAllowed)
            #expect(m.headers[.allow] == "POST")
            #expect(try await client.call(.delete, "/v1/tables", key: f.reader).status == .methodNotAllowed)
            #expect(try await client.call(.head, "/healthz").status == .ok)
            let openapi = try await client.call(.get, "/openapi.json")
            #expect(openapi.status == .ok)
            #expect(openapi.json["openapi"] as? String == "3.1.0")
            #expect(try await client.call(.get, "/").status == .ok)
        }
        f.remove()
    }

    @Test func rateLimitGives429WithRetryAfterAndSparesOtherKeys() async throws {
        let f = fixture
        try await f.withRouter({ c in try? c.setRateLimit("reader=2:3") }) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<6 { statuses.append(try await client.call(.get, "/v1/tables", key: f.reader).status) }
            #expect(statuses.prefix(3).allSatisfy { $0 == .ok })
            #expect(statuses.contains(.tooManyRequests))
            let limited = try await client.call(.get, "/v1/tables", key: f.reader)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            // Another key is unaffected; admins have no limit.
            #expect(try await client.call(.get, "/v1/tables", key: f.piiReader).status == .ok)
            for _ in 0..<20 { #expect(try await client.call(.get, "/v1/tables", key: f.admin).status == .ok) }
            let metrics = try await client.call(.get, "/metrics", key: f.admin)
            #expect(metrics.text.contains("lakeq_rate_limited_total{role=\"reader\"}"))
        }
        f.remove()
    }

    @Test func queryTimeLimitCancelsTheQuery() async throws {
        let f = fixture
        try await f.withRouter({ $0.queryTimeout = .nanoseconds(1) }) { client in
            let r = try await client.query("SELECT show, count(*) FROM events GROUP BY show", key: f.reader)
            #expect(r.status == .requestTimeout)
            #expect(r.errorCode == "query_timeout")
        }
        f.remove()
    }

    @Test func metricsExposition() async throws {
        let f = fixture
        try await f.withRouter({ $0.publicMetrics = true }) { client in
            _ = try await client.query("SELECT count(*) FROM events WHERE date = DATE '2026-01-02'", key: f.reader)
            _ = try await client.query("SELECT count(*) FROM events WHERE date = DATE '2026-01-02'", key: f.reader)
            _ = try await client.call(.post, "/v1/events", key: f.writer, body: ServerFixture.events(2, firstID: 80_001))
            let m = try await client.call(.get, "/metrics")
            #expect(m.status == .ok)
            let text = m.text
            for name in ["lakeq_http_requests_total{route=\"/v1/query\",method=\"POST\",status=\"200\"} 2",
                         "lakeq_http_request_duration_seconds_bucket", "lakeq_queries_running", "lakeq_queries_queued",
                         "lakeq_rows_scanned_total", "lakeq_bytes_read_total", "lakeq_files_skipped_total 2", "lakeq_cache_hits_total 1",
                         "lakeq_cache_misses_total", "lakeq_events_accepted_total 2", "lakeq_events_rejected_total 0",
                         "lakeq_table_version{table=\"events\"} 2", "lakeq_row_groups_skipped_total"] {
                #expect(text.contains(name), "\(name)")
            }
        }
        f.remove()
    }

    /// Decoded dictionary pages are kept across requests (the result cache off, so each request
    /// runs its query): the second run reuses them, and /metrics counts it; off at 0.
    @Test func dictionaryCacheIsSharedAcrossRequestsAndCounted() async throws {
        let f = fixture
        let sql = "SELECT show, avg(watch) AS a FROM events GROUP BY show ORDER BY a DESC, show"
        let answers = AnswerBox()
        for bytes in [256 << 20, 0] {
            // One engine thread: sums add up in one order, so answers compare exactly.
            try await f.withRouter({ $0.publicMetrics = true; $0.cacheBytes = 0; $0.engineThreads = 1; $0.dictionaryCacheBytes = bytes }) { client in
                let first = try await client.query(sql, key: f.reader)
                let second = try await client.query(sql, key: f.reader)
                #expect(first.status == .ok && second.status == .ok)
                let rows = { (r: TestResponse) in String(r.text.split(separator: "\"stats\"").first ?? "") }
                #expect(rows(first) == rows(second))
                answers.add(rows(second))
                let text = try await client.call(.get, "/metrics").text
                let hits = Self.metric(text, "lakeq_dictionary_cache_hits_total"), misses = Self.metric(text, "lakeq_dictionary_cache_misses_total")
                if bytes > 0 {
                    #expect(misses > 0 && hits >= misses)
                    #expect(Self.metric(text, "lakeq_dictionary_cache_bytes") > 0 && Self.metric(text, "lakeq_dictionary_cache_entries") > 0)
                    let plan = try await client.query("EXPLAIN ANALYZE " + sql, key: f.reader)
                    #expect(plan.text.contains("reused decoded from the dictionary cache"))
                } else {
                    #expect(hits <= 0 && Self.metric(text, "lakeq_dictionary_cache_bytes") <= 0)
                }
            }
        }
        #expect(answers.all.count == 2 && answers.all.first == answers.all.last)
        f.remove()
    }

    /// The value of an unlabelled metric in a Prometheus exposition (-1 when absent).
    static func metric(_ text: String, _ name: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") { return Double(line.split(separator: " ").last ?? "") ?? -1 }
        return -1
    }

    @Test func auditLogHasOneLinePerRequestWithoutTheKey() async throws {
        let f = fixture
        try await f.withRouter { client in
            _ = try await client.query("SELECT count(*) FROM events", key: f.reader)
            _ = try await client.call(.get, "/v1/tables")
            try await Task.sleep(for: .milliseconds(250))  // the buffer is written every 100 ms
        }
        let text = try String(contentsOfFile: f.config.auditLog ?? "", encoding: .utf8)
        let lines = text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 2)
        #expect(lines[0]["key"] as? String == "reader")
        #expect(lines[0]["sql"] as? String == "SELECT count(*) FROM events")
        #expect(lines[0]["status"] as? Int == 200)
        #expect(lines[0]["rows"] as? Int == 1)
        #expect(lines[0]["route"] as? String == "/v1/query")
        #expect(lines[0]["request_id"] as? String != nil)
        #expect(lines[0]["ms"] as? Double != nil)
        #expect(lines[1]["status"] as? Int == 401)
        #expect(!text.contains(f.reader) && !text.contains(String(f.reader.split(separator: "_").last ?? "")))
        f.remove()
    }
}

/// Answers collected across routers.
private final class AnswerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [String] = []
    func add(_ a: String) { lock.withLock { answers.append(a) } }
    var all: [String] { lock.withLock { answers } }
}
