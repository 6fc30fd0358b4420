import Foundation
import Hummingbird
import LakeqDelta
import LakeqQuery

/// `GET /v1/tables`, `GET /v1/tables/{t}`, `GET /v1/tables/{t}/history` (admin) and
/// `POST /v1/tables/{t}/vacuum` (admin).
struct TableRoutes: Sendable {
    let state: ServiceState

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let state = self.state
        let tables = try await state.workPool.runIfActive { () throws -> [JSONOut] in
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: state.lake)) ?? []).sorted()
            var out: [JSONOut] = []
            for name in names where ServiceState.isPlainTableName(name) {
                let path = state.lake + "/" + name
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else { continue }
                let delta = DeltaTable.isDeltaTable(path)
                let version = delta ? state.latestVersion(table: name) : nil
                out.append(.object([("name", .string(name)), ("format", .string(delta ? "delta" : "parquet")),
                                    ("version", version.map { .int($0) } ?? .null)]))
            }
            return out
        }
        return Responses.json(.object([("tables", .array(tables))]))
    }

    @Sendable func describe(_ request: Request, context: APIRequestContext) async throws -> Response {
        let name = try context.parameters.require("table")
        let state = self.state
        let body = try await state.workPool.runIfActive { () throws -> JSONOut in
            let table = try state.engine(version: nil, threads: 1, timeout: nil).catalog.table(named: name)
            let pii = state.rules.piiColumns(table: name)
            let partitions = Set(table.partitionColumns.map(\.name))
            var rows = 0, bytes = 0
            for (i, f) in table.files.enumerated() {
                // Row counts from the log where it has them; footers opened only where not.
                if let n = f.stats?.numRecords { rows += Int(n) } else { rows += try table.parquetFile(i).rowCount }
                bytes += (try? FileManager.default.attributesOfItem(atPath: f.path)[.size] as? Int) ?? 0
            }
            let columns: [JSONOut] = table.schema.fields.map { f in
                .object([("name", .string(f.name)), ("type", .string(SQLType.name(f.type))), ("nullable", .bool(f.nullable)),
                         ("partition", .bool(partitions.contains(f.name))), ("pii", .bool(pii.contains(f.name)))])
            }
            return .object([
                ("name", .string(name)),
                ("format", .string(table.deltaVersion == nil ? "parquet" : "delta")),
                ("version", table.deltaVersion.map { .int($0) } ?? .null),
                ("columns", .array(columns)),
                ("partition_columns", .array(table.partitionColumns.map { .string($0.name) })),
                ("files", .int(table.files.count)),
                ("rows", .int(rows)),
                ("bytes", .int(bytes)),
            ])
        }
        return Responses.json(body)
    }

    @Sendable func history(_ request: Request, context: APIRequestContext) async throws -> Response {
        let name = try context.parameters.require("table")
        let limit = try Self.intParameter(QueryParams(request), "limit", default: 100, range: 1...10_000)
        let path = try deltaPath(name)
        let entries = try await state.workPool.runIfActive { () throws -> [JSONOut] in
            try DeltaTable(path: path).history().prefix(limit).map { h in
                .object([
                    ("version", .int(h.version)),
                    ("timestamp", h.timestamp.map { .string(Timestamps.iso8601(Date(timeIntervalSince1970: Double($0) / 1000))) } ?? .null),
                    ("operation", h.operation.map { .string($0) } ?? .null),
                    ("files_added", .int(h.filesAdded)),
                    ("files_removed", .int(h.filesRemoved)),
                    ("rows_added", h.rowsAdded.map { .int(Int($0)) } ?? .null),
                    ("bytes_added", .int(Int(h.bytesAdded))),
                    ("engine", h.commitInfo?.fields["engineInfo"]?.stringValue.map { .string($0) } ?? .null),
                ])
            }
        }
        return Responses.json(.object([("table", .string(name)), ("history", .array(entries))]))
    }

    @Sendable func vacuum(_ request: Request, context: APIRequestContext) async throws -> Response {
        let name = try context.parameters.require("table")
        let path = try deltaPath(name)
        let config = state.config
        let body = try await RequestBodies.collect(request, limit: config.maxBodyBytes, timeout: config.bodyTimeout)
        let bytes = try RequestBodies.utf8Bytes(body)
        let object = bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) ? [:] : try RequestBodies.jsonObject(bytes)
        var dryRun = true
        if let d = object["dry_run"] {
            guard let b = JSONNumbers.boolean(d) else { throw APIError.badRequest("bad_parameter", "\"dry_run\" must be true or false") }
            dryRun = b
        }
        var hours = DeltaTable.defaultRetentionHours
        if let h = object["retention_hours"] {
            // Bounded: a year-scale window is plenty, and the log's arithmetic works in Int64 milliseconds.
            guard let n = JSONNumbers.number(h), n >= 0, n <= 1_000_000 else {
                throw APIError.badRequest("bad_retention", "\"retention_hours\" must be a number from 0 to 1000000")
            }
            hours = n
        }
        let retention = hours, dry = dryRun
        let result = try await state.workPool.runIfActive { () throws -> VacuumResult in
            do { return try DeltaTable(path: path).vacuum(retentionHours: retention, dryRun: dry) } catch DeltaError.invalidArgument(let m) {
                throw APIError.badRequest("bad_retention", m)
            }
        }
        return Responses.json(.object([
            ("table", .string(name)), ("dry_run", .bool(result.dryRun)), ("retention_hours", .double(hours)),
            ("files", .int(result.files.count)), ("bytes", .int(Int(result.bytes))),
            ("deleted", .array(result.files.prefix(1000).map { .string($0) })),
        ]))
    }

    /// The directory of Delta table `name` of the lake (404 when there is none).
    func deltaPath(_ name: String) throws -> String {
        guard ServiceState.isPlainTableName(name) else { throw APIError(.forbidden, "forbidden_path", "table name '\(name)' is not a table of the lake") }
        let path = state.lake + "/" + name
        guard DeltaTable.isDeltaTable(path) else { throw APIError(.notFound, "table_not_found", "no Delta table \(name) in the lake") }
        return path
    }

    static func intParameter(_ params: QueryParams, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = params.get(name) else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw APIError.badRequest("bad_parameter", "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }
}
