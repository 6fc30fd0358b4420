/// The OpenAPI 3.1 description of the API, served at `/openapi.json`. Tests check it against
/// the router (every documented operation exists, every route is documented) and against
/// live answers (their JSON matches the schemas); schemathesis checks it in CI.
enum OpenAPIDocument {
    static let bytes: [UInt8] = document.bytes + [0x0A]

    // MARK: schema helpers

    private static func ref(_ name: String) -> JSONOut { .object([("$ref", .string("#/components/schemas/\(name)"))]) }
    private static func type(_ t: String, _ extra: [(String, JSONOut)] = []) -> JSONOut { .object([("type", .string(t))] + extra) }
    private static func nullable(_ t: String, _ extra: [(String, JSONOut)] = []) -> JSONOut {
        .object([("type", .array([.string(t), .string("null")]))] + extra)
    }
    private static func array(_ items: JSONOut) -> JSONOut { .object([("type", .string("array")), ("items", items)]) }
    private static func object(_ properties: [(String, JSONOut)], required: [String], additional: Bool = true) -> JSONOut {
        var m: [(String, JSONOut)] = [("type", .string("object")), ("properties", .object(properties))]
        if !required.isEmpty { m.append(("required", .array(required.map { .string($0) }))) }
        if !additional { m.append(("additionalProperties", .bool(false))) }
        return .object(m)
    }
    private static func enumeration(_ values: [String]) -> JSONOut {
        .object([("type", .string("string")), ("enum", .array(values.map { .string($0) }))])
    }
    private static let anyValue: JSONOut = .object([])

    // MARK: operation helpers

    private static func json(_ schema: JSONOut) -> JSONOut { .object([("application/json", .object([("schema", schema)]))]) }

    private static func response(_ description: String, _ content: JSONOut? = nil, headers: [(String, JSONOut)] = []) -> JSONOut {
        var m: [(String, JSONOut)] = [("description", .string(description))]
        if !headers.isEmpty { m.append(("headers", .object(headers))) }
        if let content { m.append(("content", content)) }
        return .object(m)
    }

    private static let errorResponse = response("An error: a stable code and a message.", json(ref("Error")))

    /// The errors any authenticated operation may answer.
    private static func errors(_ statuses: [String]) -> [(String, JSONOut)] {
        statuses.map { ($0, errorResponse) } + [("default", errorResponse)]
    }

    private static let retryAfter: JSONOut = .object([("description", .string("Seconds to wait.")), ("schema", type("integer"))])
    private static let etag: JSONOut = .object([("description", .string("The answer's strong ETag (send it back as If-None-Match).")),
                                                ("schema", type("string"))])

    private static func parameter(_ name: String, in location: String, _ schema: JSONOut, _ description: String, required: Bool = false,
                                  explode: Bool? = nil) -> JSONOut {
        var m: [(String, JSONOut)] = [("name", .string(name)), ("in", .string(location)), ("description", .string(description)),
                                      ("required", .bool(required)), ("schema", schema)]
        if let explode { m.append(("explode", .bool(explode))) }
        return .object(m)
    }

    private static let tableParameter = parameter("table", in: "path", type("string", [("minLength", .int(1))]), "A table of the lake.", required: true)

    private static func operation(_ id: String, _ summary: String, role: String?, parameters: [JSONOut] = [], body: JSONOut? = nil,
                                  responses: [(String, JSONOut)], tags: [String]) -> JSONOut {
        var m: [(String, JSONOut)] = [("operationId", .string(id)), ("summary", .string(summary)), ("tags", .array(tags.map { .string($0) }))]
        if let role {
            m.append(("description", .string("Needs a key with role \(role) or above.")))
        } else {
            m.append(("security", .array([.object([])])))
        }
        if !parameters.isEmpty { m.append(("parameters", .array(parameters))) }
        if let body { m.append(("requestBody", body)) }
        m.append(("responses", .object(responses)))
        return .object(m)
    }

    private static let analyticsFilters: [JSONOut] = [
        parameter("from", in: "query", type("string", [("format", .string("date"))]), "First day (inclusive), YYYY-MM-DD."),
        parameter("to", in: "query", type("string", [("format", .string("date"))]), "Last day (inclusive), YYYY-MM-DD."),
        parameter("country", in: "query", array(type("string")), "Country codes (repeat the parameter for several).", explode: true),
        parameter("device", in: "query", array(type("string")), "Devices (repeatable).", explode: true),
        parameter("show_type", in: "query", array(type("string")), "Show types (repeatable).", explode: true),
        parameter("show", in: "query", array(type("string")), "Show titles (repeatable).", explode: true),
        parameter("limit", in: "query", type("integer", [("minimum", .int(1)), ("maximum", .int(10_000))]), "Rows at most."),
        parameter("explain", in: "query", enumeration(["0", "1"]), "1 adds the plan."),
    ]

    private static func analytics(_ id: String, _ summary: String, option: JSONOut?, schema: String = "AnalyticsResult", filters: [JSONOut]? = nil) -> JSONOut {
        operation(id, summary, role: "reader", parameters: (option.map { [$0] } ?? []) + (filters ?? analyticsFilters),
                  responses: [("200", response("The numbers and the SQL that computed them.", json(ref(schema)), headers: [("ETag", etag)])),
                              ("304", response("Not modified (If-None-Match matched)."))] + errors(["400", "401", "403", "404", "408", "429", "503"]),
                  tags: ["analytics"])
    }

    // MARK: the document

    static let document: JSONOut = .object([
        ("openapi", .string("3.1.0")),
        ("info", .object([
            ("title", .string("lakeq API")),
            ("version", .string("1.0.0")),
            ("description", .string("SQL, REST rows, analytics and event intake over a lake of Delta tables. Errors are {\"error\": {\"code\", \"message\"}}. See spec/http.md.")),
        ])),
        ("servers", .array([.object([("url", .string("/"))])])),
        ("security", .array([.object([("bearer", .array([]))]), .object([("apiKey", .array([]))])])),
        ("tags", .array(["query", "tables", "analytics", "events", "operations"].map { .object([("name", .string($0))]) })),
        ("paths", .object([
            ("/v1/query", .object([("post", operation(
                "query", "Run one SQL SELECT over the lake's tables.", role: "reader",
                body: .object([("required", .bool(true)), ("content", json(ref("QueryRequest")))]),
                responses: [
                    ("200", response("The result, in the format asked for (body `format`, else `Accept`, else JSON).", .object([
                        ("application/json", .object([("schema", ref("QueryResult"))])),
                        ("text/csv", .object([("schema", type("string"))])),
                        ("application/x-ndjson", .object([("schema", type("string"))])),
                        ("application/vnd.apache.arrow.stream", .object([("schema", type("string", [("format", .string("binary"))]))])),
                        ("application/vnd.apache.parquet", .object([("schema", type("string", [("format", .string("binary"))]))])),
                    ]), headers: [("ETag", etag)])),
                    ("304", response("Not modified (If-None-Match matched).")),
                ] + errors(["400", "401", "403", "404", "406", "408", "413", "422", "429", "503"]),
                tags: ["query"]))])),
            ("/v1/tables", .object([("get", operation(
                "listTables", "The tables of the lake.", role: "reader",
                responses: [("200", response("Tables.", json(ref("TableList"))))] + errors(["401", "403", "429"]), tags: ["tables"]))])),
            ("/v1/tables/{table}", .object([("get", operation(
                "describeTable", "A table: columns, partitioning, version, files, rows, bytes.", role: "reader", parameters: [tableParameter],
                responses: [("200", response("The table.", json(ref("TableInfo"))))] + errors(["400", "401", "403", "404", "429", "503"]),
                tags: ["tables"]))])),
            ("/v1/tables/{table}/rows", .object([("get", operation(
                "tableRows", "Rows of a table with filters, order and cursor pagination.", role: "reader",
                parameters: [
                    tableParameter,
                    parameter("columns", in: "query", type("string"), "Comma-separated columns (default: all)."),
                    parameter("filter", in: "query", array(type("string")),
                              "column.op.value, repeatable (ANDed); op: eq, ne, lt, lte, gt, gte, in (comma list), like, is (null|notnull).",
                              explode: true),
                    parameter("order", in: "query", type("string"), "Comma-separated columns, '-' prefix for descending."),
                    parameter("limit", in: "query", type("integer", [("minimum", .int(1))]), "Rows per page (default 100)."),
                    parameter("cursor", in: "query", type("string"), "next_cursor of the previous page."),
                ],
                responses: [("200", response("A page of rows.", json(ref("RowsPage"))))] + errors(["400", "401", "403", "404", "408", "429", "503"]),
                tags: ["tables"]))])),
            ("/v1/tables/{table}/history", .object([("get", operation(
                "tableHistory", "The commits of a Delta table, newest first.", role: "admin",
                parameters: [tableParameter, parameter("limit", in: "query", type("integer", [("minimum", .int(1)), ("maximum", .int(10_000))]), "Commits at most (default 100).")],
                responses: [("200", response("Commits.", json(ref("History"))))] + errors(["400", "401", "403", "404", "429"]),
                tags: ["tables"]))])),
            ("/v1/tables/{table}/vacuum", .object([("post", operation(
                "vacuumTable", "Delete data files no version within the retention window needs (dry run by default).", role: "admin",
                parameters: [tableParameter],
                body: .object([("required", .bool(false)), ("content", json(object([
                    ("dry_run", type("boolean")), ("retention_hours", type("number", [("minimum", .int(168)), ("maximum", .int(1_000_000)),
                                                         ("description", .string("At least 168 (7 days): shorter windows are refused."))])),
                ], required: [])))]),
                responses: [("200", response("What was (or would be) deleted.", json(ref("VacuumResult"))))]
                    + errors(["400", "401", "403", "404", "408", "413", "429"]),
                tags: ["operations"]))])),
            ("/v1/analytics/top-shows", .object([("get", analytics(
                "topShows", "The most watched shows.", option: parameter("by", in: "query", enumeration(["views", "watch", "completion"]), "Ranking (default views).")))])),
            ("/v1/analytics/engagement", .object([("get", analytics(
                "engagement", "Events, distinct users, average watch and completion rate per group.",
                option: parameter("by", in: "query", enumeration(["day", "hour", "device", "country", "show_type"]), "Grouping (default day).")))])),
            ("/v1/analytics/active-users", .object([("get", analytics(
                "activeUsers", "Daily or weekly active users.", option: parameter("grain", in: "query", enumeration(["day", "week"]), "day or week (Monday).")))])),
            ("/v1/analytics/quality", .object([("get", analytics(
                "quality", "Quarantined rows by kind and day, and the share of good rows.", option: nil, schema: "QualityResult",
                filters: Array(analyticsFilters[0...1]) + [analyticsFilters[7]]))])),
            ("/v1/analytics/summary", .object([("get", analytics(
                "summary", "One row of totals: events, distinct users, watch minutes, average watch, completion rate, first and last date.",
                option: nil))])),
            ("/v1/analytics/watch-fraction", .object([("get", analytics(
                "watchFraction", "Sessions per bin of watch / duration (bin i holds [i/N, (i+1)/N); the last also 1.0).",
                option: parameter("bins", in: "query", type("integer", [("minimum", .int(2)), ("maximum", .int(100))]), "Bins (default 10).")))])),
            ("/v1/analytics/episodes", .object([("get", analytics(
                "episodes", "Events, distinct users, average watch and completion rate per season and episode.", option: nil))])),
            ("/v1/analytics/shows", .object([("get", analytics(
                "shows", "Shows whose title contains q (case-insensitive), most viewed first.",
                option: parameter("q", in: "query", type("string", [("maxLength", .int(200))]), "Text the title contains.")))])),
            ("/v1/tables/{table}/version", .object([("get", operation(
                "tableVersion", "The latest Delta version, its commit time, rows and partition ranges (poll with If-None-Match).", role: "reader",
                parameters: [tableParameter],
                responses: [("200", response("The table's version.", json(ref("TableVersion")), headers: [("ETag", etag)])),
                            ("304", response("Not modified: no commit since."))] + errors(["401", "403", "404", "429", "503"]),
                tags: ["tables"]))])),
            ("/v1/tables/{table}/quarantine", .object([("get", operation(
                "tableQuarantine", "The latest quarantined rows with their raw text and reasons, newest commit first.", role: "reader",
                parameters: [
                    tableParameter,
                    parameter("limit", in: "query", type("integer", [("minimum", .int(1)), ("maximum", .int(1000))]), "Rows at most (default 50)."),
                    parameter("kind", in: "query", type("string", [("maxLength", .int(100))]), "Only this reason kind."),
                    analyticsFilters[0], analyticsFilters[1],
                ],
                responses: [("200", response("Bad rows.", json(ref("QuarantineRows")), headers: [("ETag", etag)])),
                            ("304", response("Not modified (If-None-Match matched)."))] + errors(["400", "401", "403", "404", "429", "503"]),
                tags: ["tables"]))])),
            ("/v1/events", .object([("post", operation(
                "postEvents", "Validate and append events (group-committed).", role: "writer",
                parameters: [
                    parameter("table", in: "query", type("string"), "The table (default: the events table)."),
                    parameter("Idempotency-Key", in: "header", type("string", [("minLength", .int(1)), ("maxLength", .int(255))]),
                              "A retried request with the same key commits once."),
                ],
                body: .object([("required", .bool(true)), ("content", .object([
                    ("application/json", .object([("schema", array(type("object")))])),
                    ("application/x-ndjson", .object([("schema", type("string"))])),
                ]))]),
                responses: [("200", response("Committed: accepted count and every rejected row with its reasons.", json(ref("EventsResult"))))]
                    + errors(["400", "401", "403", "404", "408", "413", "422", "429", "503"]),
                tags: ["events"]))])),
            ("/healthz", .object([("get", operation(
                "healthz", "The process answers.", role: nil,
                responses: [("200", response("Alive.", json(ref("Status")))), ("default", errorResponse)], tags: ["operations"]))])),
            ("/readyz", .object([("get", operation(
                "readyz", "The lake is readable.", role: nil,
                responses: [("200", response("Ready.", json(ref("Status")))), ("503", response("Not ready.", json(ref("Status")))),
                            ("default", errorResponse)], tags: ["operations"]))])),
            ("/metrics", .object([("get", operation(
                "metrics", "Prometheus metrics (text format). Needs a key unless the service runs with --public-metrics.", role: "reader",
                responses: [("200", response("Metrics.", .object([("text/plain", .object([("schema", type("string"))]))])))] + errors(["401", "403"]),
                tags: ["operations"]))])),
            ("/openapi.json", .object([("get", operation(
                "openapi", "This document.", role: nil,
                responses: [("200", response("OpenAPI 3.1.", json(type("object")))), ("default", errorResponse)], tags: ["operations"]))])),
        ])),
        ("components", .object([
            ("securitySchemes", .object([
                ("bearer", .object([("type", .string("http")), ("scheme", .string("bearer")), ("description", .string("Authorization: Bearer KEY"))])),
                ("apiKey", .object([("type", .string("apiKey")), ("in", .string("header")), ("name", .string("X-API-Key"))])),
            ])),
            ("schemas", .object([
                ("Error", object([("error", object([("code", type("string")), ("message", type("string")),
                                                    ("line", type("integer")), ("column", type("integer"))], required: ["code", "message"]))],
                                 required: ["error"])),
                ("Status", object([("status", type("string")), ("reason", type("string"))], required: ["status"])),
                ("QueryRequest", object([
                    ("sql", type("string", [("minLength", .int(1)), ("description", .string("One SELECT (or EXPLAIN SELECT) over the lake's tables."))])),
                    ("version", nullable("integer", [("minimum", .int(0)), ("description", .string("Read Delta tables at this version."))])),
                    ("format", enumeration(ResultFormat.allCases.map(\.rawValue))),
                ], required: ["sql"])),
                ("Column", object([("name", type("string")), ("type", type("string"))], required: ["name", "type"])),
                ("Stats", object([
                    ("rows_scanned", type("integer")), ("files_total", type("integer")), ("files_skipped", type("integer")),
                    ("row_groups_total", type("integer")), ("row_groups_skipped", type("integer")), ("elapsed_ms", type("number")),
                ], required: ["rows_scanned", "files_skipped", "row_groups_skipped", "elapsed_ms"])),
                ("QueryResult", object([
                    ("columns", array(ref("Column"))), ("rows", array(array(anyValue))), ("row_count", type("integer")),
                    ("truncated", type("boolean")), ("row_limit", type("integer")), ("stats", ref("Stats")),
                ], required: ["columns", "rows", "row_count", "truncated", "stats"])),
                ("TableList", object([("tables", array(object([
                    ("name", type("string")), ("format", enumeration(["delta", "parquet"])), ("version", nullable("integer")),
                ], required: ["name", "format", "version"])))], required: ["tables"])),
                ("TableInfo", object([
                    ("name", type("string")), ("format", enumeration(["delta", "parquet"])), ("version", nullable("integer")),
                    ("columns", array(object([("name", type("string")), ("type", type("string")), ("nullable", type("boolean")),
                                              ("partition", type("boolean")), ("pii", type("boolean"))],
                                             required: ["name", "type", "nullable", "partition", "pii"]))),
                    ("partition_columns", array(type("string"))), ("files", type("integer")), ("rows", type("integer")), ("bytes", type("integer")),
                ], required: ["name", "format", "version", "columns", "partition_columns", "files", "rows", "bytes"])),
                ("RowsPage", object([
                    ("table", type("string")), ("version", nullable("integer")), ("columns", array(ref("Column"))),
                    ("rows", array(type("object"))), ("next_cursor", nullable("string")), ("sql", type("string")),
                ], required: ["table", "version", "columns", "rows", "next_cursor", "sql"])),
                ("History", object([("table", type("string")), ("history", array(object([
                    ("version", type("integer")), ("timestamp", nullable("string")), ("operation", nullable("string")),
                    ("files_added", type("integer")), ("files_removed", type("integer")), ("rows_added", nullable("integer")),
                    ("bytes_added", type("integer")), ("engine", nullable("string")),
                ], required: ["version", "timestamp", "operation", "files_added", "files_removed", "rows_added", "bytes_added"])))],
                required: ["table", "history"])),
                ("VacuumResult", object([
                    ("table", type("string")), ("dry_run", type("boolean")), ("retention_hours", type("number")), ("files", type("integer")),
                    ("bytes", type("integer")), ("deleted", array(type("string"))),
                ], required: ["table", "dry_run", "retention_hours", "files", "bytes", "deleted"])),
                ("AnalyticsResult", object([
                    ("table", type("string")), ("version", nullable("integer")), ("columns", array(ref("Column"))),
                    ("rows", array(type("object"))), ("sql", type("string")), ("stats", ref("Stats")), ("plan", array(type("string"))),
                ], required: ["table", "version", "columns", "rows", "sql", "stats"])),
                ("QualityResult", object([
                    ("table", type("string")), ("score", nullable("number")), ("good_rows", type("integer")), ("quarantined_rows", type("integer")),
                    ("by_kind", array(object([("kind", type("string")), ("rows", type("integer"))], required: ["kind", "rows"]))),
                    ("by_day", array(object([("day", type("string")), ("good_rows", type("integer")), ("quarantined_rows", type("integer")),
                                             ("score", nullable("number"))], required: ["day", "good_rows", "quarantined_rows", "score"]))),
                    ("by_day_kind", array(object([("day", type("string")), ("kind", type("string")), ("rows", type("integer"))],
                                                 required: ["day", "kind", "rows"]))),
                    ("sql", type("string")), ("plan", array(type("string"))),
                ], required: ["table", "score", "good_rows", "quarantined_rows", "by_kind", "by_day", "by_day_kind", "sql"])),
                ("TableVersion", object([
                    ("table", type("string")), ("version", type("integer")), ("committed_at", nullable("string")), ("rows", nullable("integer")),
                    ("partitions", type("object", [("description", .string("Per partition column: {\"min\", \"max\"} of its values, or null."))])),
                ], required: ["table", "version", "committed_at", "rows", "partitions"])),
                ("QuarantineRows", object([
                    ("table", type("string")), ("version", type("integer")),
                    ("rows", array(object([
                        ("version", type("integer")), ("committed_at", nullable("string")), ("source", type("string")), ("line", type("integer")),
                        ("kind", type("string")), ("reasons", array(type("string"))), ("raw", nullable("string")), ("raw_redacted", type("boolean")),
                    ], required: ["version", "committed_at"]))),
                ], required: ["table", "version", "rows"])),
                ("EventsResult", object([
                    ("accepted", type("integer")),
                    ("rejected", array(object([("index", type("integer")), ("kind", type("string")), ("reasons", array(type("string")))],
                                              required: ["index", "kind", "reasons"]))),
                    ("rejected_count", type("integer")),
                    ("version", nullable("integer")), ("table", type("string")), ("replayed", type("boolean")),
                ], required: ["accepted"])),
            ])),
        ])),
    ])
}
