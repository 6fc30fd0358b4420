import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import LakeqServer
import LakeqTestSupport
import Testing

/// The dashboard's server side through the router: pages, embedded assets (types, ETags,
/// caching), the dashboard key, and the endpoints it added (table version, quarantine rows,
/// summary, watch fraction, episodes, show search).
@Suite(.serialized) struct DashboardTests {
    let fixture: ServerFixture

    init() throws { fixture = try ServerFixture(tag: "dashboard") }

    @Test func pagesForBrowsersJSONForOthers() async throws {
        let f = fixture
        try await f.withRouter { client in
            let html: HTTPFields = [.accept: "text/html,application/xhtml+xml,*/*;q=0.8"]
            for path in ["/", "/show", "/quality", "/show?show=Glass%20Detectives&device=tv"] {
                let page = try await client.call(.get, path, headers: html)
                #expect(page.status == .ok, "\(path)")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.headers[.cacheControl] == "no-cache")
                #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
                #expect(page.text.contains("/assets/\(EmbeddedAssets.version)/main.js"))
                #expect(!page.text.contains("{{ASSETS}}"))
            }
            // curl and API clients get the service's description at /.
            let json = try await client.call(.get, "/", headers: [.accept: "*/*"])
            #expect(json.status == .ok)
            #expect(json.json["service"] as? String == "lakeq")
        }
        f.remove()
    }

    @Test func everyAssetThePageNamesIsServedWithItsType() async throws {
        let f = fixture
        try await f.withRouter { client in
            let page = try await client.call(.get, "/", headers: [.accept: "text/html"]).text
            let prefix = "/assets/\(EmbeddedAssets.version)/"
            var names = Set<String>()
            var rest = Substring(page)
            while let r = rest.range(of: prefix) {
                rest = rest[r.upperBound...]
                names.insert(String(rest.prefix { $0 != "\"" }))
            }
            #expect(names.isSuperset(of: ["main.js", "chart.min.js", "dashboard.css", "favicon.svg"]))
            // Modules imported by main.js are served too.
            for name in names.union(["pages.js", "cards.js", "chart.js.LICENSE.txt"]) {
                let r = try await client.call(.get, prefix + name)
                #expect(r.status == .ok, "\(name)")
                #expect(r.headers[.cacheControl] == "public, max-age=31536000, immutable", "\(name)")
                #expect(r.headers[.xContentTypeOptions] == "nosniff")
                let type = r.headers[.contentType] ?? ""
                switch name.split(separator: ".").last {
                case "js": #expect(type == "text/javascript; charset=utf-8", "\(name)")
                case "css": #expect(type == "text/css; charset=utf-8")
                case "svg": #expect(type == "image/svg+xml")
                default: #expect(type == "text/plain; charset=utf-8")
                }
                // Revalidation: the same ETag gets 304 with no body.
                let etag = try #require(r.headers[.eTag])
                let again = try await client.call(.get, prefix + name, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
                #expect(again.body.readableBytes == 0)
            }
            let chart = try await client.call(.get, prefix + "chart.min.js")
            #expect(chart.text.hasPrefix("/*!\n * Chart.js v3.9.1"))
            // Another build's URL still works but must be revalidated; unknown and hostile names are 404.
            #expect(try await client.call(.get, "/assets/0123456789abcdef/main.js").headers[.cacheControl] == "no-cache")
            for bad in ["/assets/\(EmbeddedAssets.version)/nope.js", "/assets/x/..%2Fmain.js", "/assets/x/.hidden", "/assets/x/%2Fetc%2Fpasswd"] {
                #expect(try await client.call(.get, bad).status == .notFound, "\(bad)")
            }
        }
        f.remove()
    }

    @Test func assetsFromADirectoryForDevelopment() async throws {
        let f = fixture
        let dir = try TemporaryDirectory("dashboard-dev")
        try dir.write("index.html", "<script src=\"{{ASSETS}}/main.js\"></script>")
        try dir.write("main.js", "console.log(1)")
        try await f.withRouter({ $0.dashboardDirectory = dir.path }) { client in
            let page = try await client.call(.get, "/", headers: [.accept: "text/html"])
            #expect(page.text == "<script src=\"/assets/dev/main.js\"></script>")
            let js = try await client.call(.get, "/assets/dev/main.js")
            #expect(js.text == "console.log(1)")
            #expect(js.headers[.cacheControl] == "no-cache")
            #expect(try await client.call(.get, "/assets/dev/..%2F..%2Fkeys.json").status == .notFound)
        }
        dir.remove()
        f.remove()
    }

    @Test func dashboardKeyIsReadOnlyAndInMemory() async throws {
        let f = fixture
        try await f.withRouter { client in
            let config = try await client.call(.get, "/dashboard/config.json")
            #expect(config.json["key"] is NSNull)
            #expect(config.json["table"] as? String == "events")
        }
        try await f.withRouter({ $0.dashboardKeyName = "wallboard" }) { client in
            let config = try await client.call(.get, "/dashboard/config.json")
            #expect(config.headers[.cacheControl] == "no-store")
            let key = try #require(config.json["key"] as? String)
            #expect(try await client.call(.get, "/v1/analytics/summary", key: key).status == .ok)
            #expect(try await client.call(.post, "/v1/events", key: key, body: ServerFixture.events(1, firstID: 880_001)).status == .forbidden)
            #expect(try await client.call(.get, "/v1/tables/events/history", key: key).status == .forbidden)
        }
        // Never written to the keys file.
        #expect(!(try KeyStore.list(path: f.keysFile)).contains { $0.name == "wallboard" })
        // A name the keys file already uses is refused.
        #expect(throws: ConfigurationError.self) { try f.service { $0.dashboardKeyName = "reader" } }
        // --no-dashboard: / is the JSON description for everyone, no pages or assets.
        try await f.withRouter({ $0.dashboard = false }) { client in
            let root = try await client.call(.get, "/", headers: [.accept: "text/html"])
            #expect(root.json["service"] as? String == "lakeq")
            let quality = try await client.call(.get, "/quality", headers: [.accept: "text/html"])
            #expect(quality.status == .notFound)
        }
        f.remove()
    }

    @Test func tableVersionIsPolledWithETags() async throws {
        let f = fixture
        try await f.withRouter { client in
            let first = try await client.call(.get, "/v1/tables/events/version", key: f.reader)
            #expect(first.status == .ok)
            let v0 = try #require(first.json["version"] as? Int)
            #expect(first.json["rows"] as? Int == ServerFixture.rows)
            #expect(first.json["committed_at"] is String)
            let dates = (first.json["partitions"] as? [String: Any])?["date"] as? [String: Any]
            #expect(dates?["min"] as? String == "2026-01-01")
            #expect(dates?["max"] as? String == "2026-01-03")
            let etag = try #require(first.headers[.eTag])
            let same = try await client.call(.get, "/v1/tables/events/version", key: f.reader, headers: [.ifNoneMatch: etag])
            #expect(same.status == .notModified)
            // A commit: a new version, a new ETag, the rows counted.
            #expect(try await client.call(.post, "/v1/events", key: f.writer, body: ServerFixture.events(7, firstID: 770_001)).status == .ok)
            let next = try await client.call(.get, "/v1/tables/events/version", key: f.reader, headers: [.ifNoneMatch: etag])
            #expect(next.status == .ok)
            #expect(next.json["version"] as? Int == v0 + 1)
            #expect(next.json["rows"] as? Int == ServerFixture.rows + 7)
            #expect(next.headers[.eTag] != etag)
            #expect(try await client.call(.get, "/v1/tables/events/version").status == .unauthorized)
            #expect(try await client.call(.get, "/v1/tables/nope/version", key: f.reader).status == .notFound)
            #expect(try await client.call(.get, "/v1/tables/..%2Fevents/version", key: f.reader).status == .notFound)
        }
        f.remove()
    }

    @Test func latestQuarantinedRowsWithRawTextAndReasons() async throws {
        let f = fixture
        try await f.withRouter { client in
            let empty = try await client.call(.get, "/v1/tables/events/quarantine", key: f.reader)
            #expect(empty.status == .ok)
            #expect((empty.json["rows"] as? [Any])?.isEmpty == true)
            // Two commits with bad rows: newest first, file order within one.
            let good = ServerFixture.events(2, firstID: 660_001)
            let firstBad = good.replacingOccurrences(of: "\"device\":\"tv\"", with: "\"device\":\"fridge\"")
                .replacingOccurrences(of: "\"device\":\"mobile\"", with: "\"device\":\"toaster\"")
            #expect(try await client.call(.post, "/v1/events", key: f.writer, body: firstBad).status == .ok)
            #expect(try await client.call(.post, "/v1/events", key: f.writer, body: "{\"event_id\": 5}\n").status == .ok)
            let r = try await client.call(.get, "/v1/tables/events/quarantine", key: f.piiReader)
            let rows = try #require(r.json["rows"] as? [[String: Any]])
            #expect(rows.count == 3)
            let versions = rows.compactMap { $0["version"] as? Int }
            #expect(versions == versions.sorted(by: >))
            #expect(rows[0]["kind"] as? String == "missing_field")
            #expect((rows[1]["raw"] as? String)?.contains("fridge") == true)
            #expect((rows[2]["raw"] as? String)?.contains("toaster") == true)
            #expect((rows[1]["reasons"] as? [String])?.first?.hasPrefix("device") == true)
            #expect(rows[1]["committed_at"] is String)
            #expect(rows[1]["line"] as? Int == 1 && rows[2]["line"] as? Int == 2)
            // limit, kind and dates (commit days) filter.
            #expect((try await client.call(.get, "/v1/tables/events/quarantine?limit=1", key: f.piiReader).json["rows"] as? [Any])?.count == 1)
            let kind = try await client.call(.get, "/v1/tables/events/quarantine?kind=not_allowed", key: f.piiReader)
            #expect((kind.json["rows"] as? [[String: Any]])?.allSatisfy { $0["kind"] as? String == "not_allowed" } == true)
            #expect((kind.json["rows"] as? [Any])?.count == 2)
            #expect((try await client.call(.get, "/v1/tables/events/quarantine?to=2000-01-01", key: f.piiReader).json["rows"] as? [Any])?.isEmpty == true)
            // The fixture marks user_id as PII: a key without the grant sees it as a token.
            let masked = try await client.call(.get, "/v1/tables/events/quarantine", key: f.reader)
            let maskedRows = try #require(masked.json["rows"] as? [[String: Any]])
            #expect(maskedRows.count == 3)
            let masker = PIIMasker(secret: try KeyStore(path: f.keysFile).piiSecret)
            for (m, clear) in zip(maskedRows, rows) {
                let original = try #require(clear["raw"] as? String)
                let expected = try #require(RawTextMask.maskJSON(original, columns: ["user_id"], token: masker.token))
                #expect(m["raw"] as? String == expected)
                #expect(original.contains("\"user_id\":") == (expected != original))
            }
            #expect(try await client.call(.get, "/v1/tables/events/quarantine?limit=0", key: f.reader).status == .badRequest)
            #expect(try await client.call(.get, "/v1/tables/events/quarantine?from=yesterday", key: f.reader).status == .badRequest)
        }
        f.remove()
    }

    @Test func breakdownsAgreeWithSQL() async throws {
        let f = fixture
        try await f.withRouter { client in
            func rows(_ path: String) async throws -> [[String: Any]] {
                let r = try await client.call(.get, path, key: f.reader)
                #expect(r.status == .ok, "\(path): \(r.text)")
                return r.json["rows"] as? [[String: Any]] ?? []
            }
            /// The first column of each row `POST /v1/query` answers.
            func sql(_ text: String) async throws -> [Int] {
                let rows = try await client.query(text, key: f.reader).json["rows"] as? [[Any]] ?? []
                return rows.compactMap { $0.first as? Int }
            }
            let summary = try await rows("/v1/analytics/summary?device=tv")
            #expect(summary.count == 1)
            #expect(summary.first?["events"] as? Int == (try await sql("select count(*) from events where device = 'tv'")).first)
            #expect(summary.first?["users"] as? Int == (try await sql("select count(distinct user_id) from events where device = 'tv'")).first)
            #expect(summary.first?["first_date"] as? String == "2026-01-01")

            let bins = try await rows("/v1/analytics/watch-fraction?bins=4")
            #expect(bins.allSatisfy { (0..<4).contains($0["bin"] as? Int ?? -1) })
            let total = try await sql("select count(*) as n from events where duration > 0")
            #expect(bins.reduce(0) { $0 + ($1["events"] as? Int ?? 0) } == total.first)
            let quarter = try await sql("select count(*) as n from events where duration > 0 and watch / duration >= 0.25 and watch / duration < 0.5")
            #expect(bins.first { $0["bin"] as? Int == 1 }?["events"] as? Int == quarter.first)
            #expect(try await client.call(.get, "/v1/analytics/watch-fraction?bins=1", key: f.reader).status == .badRequest)

            let episodes = try await rows("/v1/analytics/episodes?show=Glass%20Detectives")
            let perEpisode = try await sql("select count(*) as n from events where show = 'Glass Detectives' group by season, episode")
            #expect(episodes.count == perEpisode.count && !episodes.isEmpty)

            // The show search: case-insensitive, accents kept, most viewed first, quotes harmless.
            #expect(try await rows("/v1/analytics/shows?q=glass").map { $0["show"] as? String } == ["Glass Detectives"])
            #expect(try await rows("/v1/analytics/shows?q=CAF").map { $0["show"] as? String } == ["Naïve Café"])
            #expect(try await rows("/v1/analytics/shows?q=%22Q%22").map { $0["show"] as? String } == ["Quote \"Q\" Show"])
            #expect(try await rows("/v1/analytics/shows?q=it%27s").isEmpty)
            let all = try await rows("/v1/analytics/shows?limit=100")
            #expect(all.count == ServerFixture.shows.count)
            let views = all.compactMap { $0["views"] as? Int }
            #expect(views == views.sorted(by: >))
            #expect(try await client.call(.get, "/v1/analytics/shows?q=" + String(repeating: "x", count: 201), key: f.reader).status == .badRequest)
        }
        f.remove()
    }

    @Test func rawTextMasking() {
        let t: (String) -> String = { "T(\($0))" }
        let pii: Set<String> = ["user_id"]
        #expect(RawTextMask.maskJSON(#"{"a":1,"user_id": 42, "b":"x"}"#, columns: pii, token: t) == #"{"a":1,"user_id": "T(42)", "b":"x"}"#)
        #expect(RawTextMask.maskJSON(#"{"user_id":"a\"b"}"#, columns: pii, token: t) == #"{"user_id":"T(a"b)"}"#)
        #expect(RawTextMask.maskJSON(#" {"x":{"user_id":7},"user_id":8}"#, columns: pii, token: t) == #" {"x":{"user_id":"T(7)"},"user_id":"T(8)"}"#)
        #expect(RawTextMask.maskJSON(#"{"show":"user_id","user_id":1}"#, columns: pii, token: t) == #"{"show":"user_id","user_id":"T(1)"}"#)
        #expect(RawTextMask.maskJSON(#"{"user_id":5,"show":"ab"#, columns: pii, token: t) == #"{"user_id":"T(5)","show":"ab"#)
        #expect(RawTextMask.maskJSON(#"{"user_id":null}"#, columns: pii, token: t) == #"{"user_id":null}"#)
        #expect(RawTextMask.maskJSON(#"{"event_id":1}"#, columns: pii, token: t) == #"{"event_id":1}"#)
        // What cannot be masked is not shown at all.
        #expect(RawTextMask.maskJSON(#"{"user_id":[1,2]}"#, columns: pii, token: t) == nil)
        #expect(RawTextMask.maskJSON(#"{"user_id":"12"#, columns: pii, token: t) == nil)
        #expect(RawTextMask.maskJSON(#"{"user_id":}"#, columns: pii, token: t) == nil)
        #expect(RawTextMask.maskJSON("1,536486,Show,series", columns: pii, token: t) == nil)
        #expect(RawTextMask.maskJSON("", columns: pii, token: t) == nil)
    }
}
