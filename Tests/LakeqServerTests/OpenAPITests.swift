import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LakeqServer
import LakeqTestSupport
import Testing

/// `/openapi.json` stays true: every documented operation is routed, every route is
/// documented, and real answers (success and error) match the documented schemas.
@Suite(.serialized) struct OpenAPITests {
    static var document: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes))) as? [String: Any] ?? [:]
    }

    static var operations: [(path: String, method: String, operation: [String: Any])] {
        let paths = document["paths"] as? [String: Any] ?? [:]
        var out: [(String, String, [String: Any])] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            for (method, op) in (item as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                out.append((path, method, op as? [String: Any] ?? [:]))
            }
        }
        return out
    }

    @Test func documentIsOpenAPI31AndEveryOperationIsRouted() async throws {
        let doc = Self.document
        #expect(doc["openapi"] as? String == "3.1.0")
        let documented = Set(Self.operations.map { "\($0.method.uppercased()) \($0.path)" })
        let routed = Set(LakeqService.routes.flatMap { r in r.methods.map { "\($0.rawValue) \(r.path)" } })
        #expect(documented == routed)
        // Every operation has an id, responses, and errors described.
        var ids = Set<String>()
        for (path, method, op) in Self.operations {
            let id = try #require(op["operationId"] as? String, "\(method) \(path)")
            #expect(ids.insert(id).inserted)
            let responses = op["responses"] as? [String: Any] ?? [:]
            #expect(responses["default"] != nil, "\(method) \(path) has no default (error) response")
        }
        // Every $ref resolves.
        let text = String(decoding: OpenAPIDocument.bytes, as: UTF8.self)
        let schemas = ((doc["components"] as? [String: Any])?["schemas"] as? [String: Any]) ?? [:]
        for match in text.matches(of: /"#\/components\/schemas\/([A-Za-z]+)"/) {
            #expect(schemas[String(match.1)] != nil, "\(match.1)")
        }
        let f = try ServerFixture()
        try await f.withRouter { client in
            for (path, method, _) in Self.operations {
                let uri = path.replacingOccurrences(of: "{table}", with: "events")
                let r = try await client.call(HTTPRequest.Method(method.uppercased()) ?? .get, uri, key: f.admin,
                                              body: method == "post" ? "{}" : nil)
                #expect(r.status != .notFound && r.status != .methodNotAllowed, "\(method) \(path): \(r.status)")
            }
        }
        f.remove()
    }

    @Test func answersMatchTheDocumentedSchemas() async throws {
        let f = try ServerFixture()
        let validator = SchemaValidator(document: Self.document)
        try await f.withRouter { client in
            let events = ServerFixture.events(3, firstID: 500_001)
            let calls: [(String, String, String?, String)] = [
                ("/v1/query", "post", "{\"sql\": \"SELECT show, count(*) FROM events GROUP BY show\"}", f.reader),
                ("/v1/query", "post", "{\"sql\": \"SELEC\"}", f.reader),
                ("/v1/query", "post", "{\"sql\": \"SELECT * FROM '/etc/passwd'\"}", f.reader),
                ("/v1/query", "post", "{\"sql\": \"SELECT 1 FROM events\"}", "bad"),
                ("/v1/tables", "get", nil, f.reader),
                ("/v1/tables/{table}", "get", nil, f.reader),
                ("/v1/tables/{table}/rows?limit=2&order=-event_id", "get", nil, f.reader),
                ("/v1/tables/{table}/rows?filter=x.eq.1", "get", nil, f.reader),
                ("/v1/tables/{table}/history", "get", nil, f.admin),
                ("/v1/tables/{table}/history", "get", nil, f.reader),
                ("/v1/tables/{table}/vacuum", "post", nil, f.admin),
                ("/v1/analytics/top-shows?explain=1", "get", nil, f.reader),
                ("/v1/analytics/engagement?by=hour", "get", nil, f.reader),
                ("/v1/analytics/active-users?grain=week", "get", nil, f.reader),
                ("/v1/analytics/quality", "get", nil, f.reader),
                ("/v1/analytics/quality?from=x", "get", nil, f.reader),
                ("/v1/analytics/summary?device=tv", "get", nil, f.reader),
                ("/v1/analytics/watch-fraction?bins=5", "get", nil, f.reader),
                ("/v1/analytics/watch-fraction?bins=1", "get", nil, f.reader),
                ("/v1/analytics/episodes?show=Glass%20Detectives", "get", nil, f.reader),
                ("/v1/analytics/shows?q=the", "get", nil, f.reader),
                ("/v1/tables/{table}/version", "get", nil, f.reader),
                ("/v1/tables/{table}/version", "get", nil, "bad"),
                ("/v1/tables/{table}/quarantine?limit=5", "get", nil, f.reader),
                ("/v1/tables/{table}/quarantine?limit=0", "get", nil, f.reader),
                ("/v1/events", "post", events, f.writer),
                ("/v1/events", "post", "[1", f.writer),
                ("/healthz", "get", nil, ""),
                ("/readyz", "get", nil, ""),
                ("/openapi.json", "get", nil, ""),
            ]
            for (template, method, body, key) in calls {
                let path = String(template.split(separator: "?").first ?? "")
                let uri = template.replacingOccurrences(of: "{table}", with: "events")
                let r = try await client.call(HTTPRequest.Method(method.uppercased()) ?? .get, uri, key: key.isEmpty ? nil : key, body: body)
                let problems = validator.check(path: path, method: method, status: Int(r.status.code),
                                               contentType: r.headers[.contentType], body: Data(buffer: r.body))
                #expect(problems.isEmpty, "\(method) \(uri) → \(r.status): \(problems)")
            }
        }
        f.remove()
    }
}

/// Checks an answer against an OpenAPI operation: the status is documented (or `default`
/// is), the content type is one documented for it, and a JSON body matches its schema (the
/// JSON Schema keywords the document uses: $ref, type, properties, required, items, enum,
/// additionalProperties).
struct SchemaValidator: @unchecked Sendable {
    let document: [String: Any]

    func check(path: String, method: String, status: Int, contentType: String?, body: Data) -> [String] {
        guard let op = ((document["paths"] as? [String: Any])?[path] as? [String: Any])?[method] as? [String: Any],
              let responses = op["responses"] as? [String: Any] else { return ["undocumented operation"] }
        guard let response = (responses[String(status)] ?? responses["default"]) as? [String: Any] else {
            return ["status \(status) is not documented"]
        }
        guard let content = response["content"] as? [String: Any] else {
            return body.isEmpty ? [] : ["a body where none is documented"]
        }
        let type = contentType?.split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = content[type] as? [String: Any] else { return ["content type \(type) is not documented for \(status)"] }
        guard type == "application/json", let schema = media["schema"] else { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return ["not JSON"] }
        var problems: [String] = []
        validate(value, schema, at: "$", into: &problems)
        return problems
    }

    func resolve(_ schema: Any) -> [String: Any] {
        guard let s = schema as? [String: Any] else { return [:] }
        if let ref = s["$ref"] as? String, ref.hasPrefix("#/components/schemas/") {
            let name = String(ref.dropFirst("#/components/schemas/".count))
            return resolve((((document["components"] as? [String: Any])?["schemas"] as? [String: Any])?[name]) ?? [:])
        }
        return s
    }

    func typeName(_ v: Any) -> String {
        if v is NSNull { return "null" }
        if JSONNumbers.isBoolean(v) { return "boolean" }
        if let n = v as? NSNumber { return Double(Int(exactly: n.doubleValue) ?? 0) == n.doubleValue && !"\(n)".contains(".") ? "integer" : "number" }
        if v is String { return "string" }
        if v is [Any] { return "array" }
        if v is [String: Any] { return "object" }
        return "unknown"
    }

    func validate(_ value: Any, _ schemaAny: Any, at path: String, into problems: inout [String]) {
        let schema = resolve(schemaAny)
        if let t = schema["type"] {
            let allowed = (t as? [String]) ?? [(t as? String) ?? ""]
            let actual = typeName(value)
            let ok = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
            if !ok {
                problems.append("\(path): \(actual), expected \(allowed.joined(separator: "|"))")
                return
            }
        }
        if let e = schema["enum"] as? [String], let s = value as? String, !e.contains(s) { problems.append("\(path): \(s) not in \(e)") }
        if let o = value as? [String: Any] {
            for r in schema["required"] as? [String] ?? [] where o[r] == nil { problems.append("\(path): missing \(r)") }
            let props = schema["properties"] as? [String: Any] ?? [:]
            for (k, v) in o {
                if let p = props[k] { validate(v, p, at: path + "." + k, into: &problems) } else if (schema["additionalProperties"] as? Bool) == false {
                    problems.append("\(path): unexpected \(k)")
                }
            }
        }
        if let a = value as? [Any], let items = schema["items"] {
            for (i, v) in a.enumerated() { validate(v, items, at: "\(path)[\(i)]", into: &problems) }
        }
    }
}
