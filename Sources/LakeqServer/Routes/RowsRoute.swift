import Crypto
import Foundation
import Hummingbird
import LakeqColumnar
import LakeqQuery

/// `GET /v1/tables/{t}/rows?columns=a,b&filter=col.op.value&order=-watch&limit=&cursor=`:
/// plain REST access. Parameters become one SQL query (shown in the answer), so filters are
/// pushed down exactly as in SQL. Pages are pinned to the Delta version of the first page
/// (`VERSION AS OF`) and ordered by the requested columns then every other column, so a
/// cursor walks the same rows in the same order while commits land.
struct RowsRoute: Sendable {
    let state: ServiceState

    static let defaultLimit = 100

    struct Cursor: Codable, Equatable {
        /// Delta version pinned by the first page (nil: a plain Parquet table).
        var v: Int?
        /// Rows before this page.
        var o: Int
        /// Fingerprint of the query the cursor belongs to.
        var f: String
    }

    @Sendable func handle(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let identity = context.identity else { throw APIError(.unauthorized, "unauthorized", "a valid API key is required") }
        let name = try context.parameters.require("table")
        let params = QueryParams(request)
        let limit = try TableRoutes.intParameter(params, "limit", default: Self.defaultLimit, range: 1...state.config.maxPageRows)
        // Empty parameters count as absent (`columns=` is every column).
        let columnsParam = params.get("columns").flatMap { $0.isEmpty ? nil : $0 }
        let filters = params.all("filter").filter { !$0.isEmpty }
        let orderParam = params.get("order").flatMap { $0.isEmpty ? nil : $0 }
        let state = self.state
        // The table's schema types the filter values.
        let table = try await state.workPool.runIfActive { try state.engine(version: nil, threads: 1, timeout: nil).catalog.table(named: name) }
        let fields = table.schema.fields
        let byName = Dictionary(fields.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func field(_ n: String) throws -> Field {
            guard let f = byName[n] else {
                throw APIError.badRequest("unknown_column", "table \(name) has no column \(n) (columns: \(fields.map(\.name).joined(separator: ", ")))")
            }
            return f
        }
        let selected = try (columnsParam.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? fields.map(\.name))
            .map { try field($0).name }
        guard !selected.isEmpty else { throw APIError.badRequest("bad_parameter", "columns must name at least one column") }
        let conditions = try filters.map { try Self.condition($0, field: field) }
        var order: [(String, Bool)] = []
        for item in (orderParam ?? "").split(separator: ",") {
            let t = item.trimmingCharacters(in: .whitespaces)
            let desc = t.hasPrefix("-")
            order.append((try field(desc || t.hasPrefix("+") ? String(t.dropFirst()) : t).name, desc))
        }
        let fingerprint = Self.fingerprint([name, selected.joined(separator: ","), conditions.joined(separator: " AND "),
                                            order.map { ($0.1 ? "-" : "") + $0.0 }.joined(separator: ",")])
        var cursor = Cursor(v: table.deltaVersion, o: 0, f: fingerprint)
        if let text = params.get("cursor"), !text.isEmpty {
            guard let c = Self.decode(text) else { throw APIError.badRequest("bad_cursor", "the cursor is not one this service issued") }
            guard c.f == fingerprint else { throw APIError.badRequest("bad_cursor", "the cursor belongs to another query (same columns, filters and order are needed)") }
            cursor = c
        }
        // Total order: the requested keys, then every other column (ties broken the same
        // way on every page).
        let ordered = Set(order.map(\.0))
        var keys = order.map { Self.quote($0.0) + ($0.1 ? " DESC" : "") }
        keys += fields.map(\.name).filter { !ordered.contains($0) }.map(Self.quote)
        var sql = "SELECT " + selected.map(Self.quote).joined(separator: ", ") + " FROM " + Self.quote(name)
        if let v = cursor.v { sql += " VERSION AS OF \(v)" }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY " + keys.joined(separator: ", ") + " LIMIT \(limit + 1)"
        if cursor.o > 0 { sql += " OFFSET \(cursor.o)" }
        context.trace.sql = sql

        let outcome = try await QueryRunner(state: state).run(sql, version: nil, identity: identity)
        var result = outcome.table
        let more = result.rowCount > limit
        if more {
            result = ResultTable(copying: result, rows: 0..<limit)
        }
        context.trace.rows = result.rowCount
        var next: JSONOut = .null
        if more { next = .string(Self.encode(Cursor(v: cursor.v, o: cursor.o + limit, f: fingerprint))) }
        return Responses.json(.object([
            ("table", .string(name)),
            ("version", cursor.v.map { .int($0) } ?? .null),
            ("columns", ResultEncoder.columnsJSON(result)),
            ("rows", ResultEncoder.objects(result)),
            ("next_cursor", next),
            ("sql", .string(sql)),
        ]))
    }

    /// `col.op.value` as a SQL condition, the value typed by the column.
    static func condition(_ text: String, field: (String) throws -> Field) throws -> String {
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else {
            throw APIError.badRequest("bad_filter", "filter \(text): expected column.op.value (op: eq, ne, lt, lte, gt, gte, in, like, is)")
        }
        let f = try field(parts[0])
        let column = quote(f.name)
        let value = parts.count == 3 ? parts[2] : ""
        switch parts[1] {
        case "eq", "ne", "lt", "lte", "gt", "gte":
            let ops = ["eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="]
            return "\(column) \(ops[parts[1]] ?? "=") \(try literal(value, type: f.type, column: f.name))"
        case "in":
            let values = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return "\(column) IN (" + (try values.map { try literal($0, type: f.type, column: f.name) }).joined(separator: ", ") + ")"
        case "like":
            guard f.type == .string else { throw APIError.badRequest("bad_filter", "filter \(text): like needs a text column") }
            return "\(column) LIKE \(stringLiteral(value))"
        case "is":
            switch value.lowercased() {
            case "null": return "\(column) IS NULL"
            case "notnull", "not.null", "not_null": return "\(column) IS NOT NULL"
            default: throw APIError.badRequest("bad_filter", "filter \(text): is takes null or notnull")
            }
        default:
            throw APIError.badRequest("bad_filter", "filter \(text): unknown operator \(parts[1]) (eq, ne, lt, lte, gt, gte, in, like, is)")
        }
    }

    /// A SQL literal of `type` for text `value` (checked, so nothing but a value reaches SQL).
    static func literal(_ value: String, type: DataType, column: String) throws -> String {
        func bad() -> APIError { APIError.badRequest("bad_filter", "\(column): \(value) is not a \(SQLType.name(type).lowercased()) value") }
        switch type {
        case .boolean:
            guard ["true", "false"].contains(value.lowercased()) else { throw bad() }
            return value.lowercased()
        case .int32, .int64:
            guard let v = Int64(value) else { throw bad() }
            return String(v)
        case .float64:
            guard let v = Double(value), v.isFinite else { throw bad() }
            return "\(v)"
        case .decimal:
            guard !value.isEmpty, value.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }), Double(value) != nil else { throw bad() }
            return value
        case .date32:
            guard value.count == 10, value.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) else { throw bad() }
            return "DATE '\(value)'"
        case .timestamp:
            guard !value.isEmpty, value.count <= 40, value.allSatisfy({ $0.isASCII && ($0.isNumber || "-:.TZ +".contains($0)) }) else { throw bad() }
            return "TIMESTAMP '\(value)'"
        default:
            return stringLiteral(value)
        }
    }

    static func stringLiteral(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    static func fingerprint(_ parts: [String]) -> String {
        SHA256.hash(data: Array(parts.joined(separator: "\u{0}").utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    static func encode(_ c: Cursor) -> String {
        let data = (try? JSONEncoder().encode(c)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Cursor? {
        guard text.count <= 512 else { return nil }
        var b = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        guard let data = Data(base64Encoded: b), let c = try? JSONDecoder().decode(Cursor.self, from: data), c.o >= 0,
              c.v.map({ $0 >= 0 }) ?? true else { return nil }
        return c
    }
}

extension ResultTable {
    /// The first rows of `other`.
    init(copying other: ResultTable, rows range: Range<Int>) {
        self = other
        let idx = range.map { Int32($0) }
        columns = other.columns.map { $0.gather(idx) }
        rowCount = range.count
    }
}
