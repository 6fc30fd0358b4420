import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqParquet

/// Statements that write query results: `CREATE TABLE … AS`, `INSERT INTO`, `COPY … TO`.
///
/// Table writes are Delta commits, atomic like ingest: the data files are written and fsynced
/// first, then one put-if-absent commit publishes them (CREATE TABLE AS commits the protocol,
/// the schema and every file as version 0 together), so a reader sees all rows or none and a
/// failed statement leaves only unreferenced files (which `vacuum` removes). COPY writes a
/// temporary file and renames it into place.
enum TableWriter {
    /// Rows per data file (and per row group) that table writes aim for.
    static let rowsPerFile = 1_048_576

    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// One row, one column `Count`: the rows written (as DuckDB reports).
    static func countResult(_ n: Int) -> QueryResult {
        QueryResult(names: ["Count"], columns: [Column(type: .int64, values: .int64([Int64(n)]))], rowCount: 1, statistics: ScanStatistics())
    }

    /// Characters Parquet and Delta do not allow in column names (without column mapping).
    static func checkColumnName(_ name: String) throws {
        let bad: Set<Character> = [" ", ",", ";", "{", "}", "(", ")", "\n", "\t", "="]
        if name.isEmpty || name.contains(where: { bad.contains($0) }) {
            throw QueryError.binding("column name '\(name)' cannot be stored in a table (no spaces or any of ,;{}()=): give it an alias with AS")
        }
    }

    /// Columns as the Parquet writer takes them (dictionaries expanded, NULL-typed columns INTEGER).
    static func storable(_ batch: RecordBatch, types: [DataType]) -> [Column] {
        zip(batch.columns, types).map { c, t in
            var m = ColumnKernels.materialize(c)
            m.type = t
            return m
        }
    }

    /// Slices of at most `rowsPerFile` rows.
    static func chunks(_ r: QueryResult) -> [Range<Int>] {
        stride(from: 0, to: r.rowCount, by: rowsPerFile).map { $0..<min(r.rowCount, $0 + rowsPerFile) }
    }

    // MARK: CREATE TABLE AS

    static func createTableAs(_ engine: QueryEngine, name: String, partitionBy: [String], query: SelectStatement) throws -> QueryResult {
        let catalog = engine.catalog
        try TableAccess.checkTableName(name)
        let path = catalog.lake + "/" + name
        if FileManager.default.fileExists(atPath: path) { throw QueryError.catalog("table \(name) already exists in lake \(catalog.lake)") }
        let bound = try Binder(catalog: catalog).bind(query)
        let result = try engine.execute(bound)
        var fields: [Field] = []
        var seen = Set<String>()
        for (name, column) in zip(result.names, result.columns) {
            try checkColumnName(name)
            guard seen.insert(name.lowercased()).inserted else { throw QueryError.binding("CREATE TABLE AS: two columns are named \(name); give them distinct aliases") }
            fields.append(Field(name: name, type: column.type, nullable: true))
        }
        var partitions: [String] = []
        for p in partitionBy {
            guard let f = fields.first(where: { $0.name == p }) ?? fields.first(where: { $0.name.lowercased() == p.lowercased() }) else {
                throw QueryError.binding("PARTITION BY \(p): the query has no such column (columns: \(fields.map(\.name).joined(separator: ", ")))")
            }
            partitions.append(f.name)
        }
        guard fields.count > partitions.count else { throw QueryError.binding("CREATE TABLE AS needs a column besides the partition columns") }
        let schema = Schema(fields)
        let schemaString: String
        do { schemaString = try DeltaSchema.schemaString(schema) } catch let e as DeltaError { throw QueryError.binding("CREATE TABLE AS: \(e.description)") }
        var createdDirectory = false
        do {
            try FileManager.default.createDirectory(atPath: path + "/_delta_log", withIntermediateDirectories: true)
            createdDirectory = true
            var options = WriterOptions.lakeTable
            options.rowGroupRows = rowsPerFile
            let writer = DataFileWriter(tablePath: path, schema: schema, partitionColumns: partitions, options: options)
            var adds: [AddFile] = []
            for range in chunks(result) {
                try engine.cancellation?.check()
                let batch = RecordBatch(schema: schema, columns: storable(RecordBatch(schema: schema, columns: result.columns.map { ColumnKernels.slice($0, range) }, rowCount: range.count), types: fields.map(\.type)), rowCount: range.count)
                adds += try writer.writePartitioned(batch)
            }
            let ntz = fields.contains { if case .timestamp(_, false) = $0.type { return true } else { return false } }
            let proto = ntz
                ? ProtocolAction(minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["timestampNtz"], writerFeatures: ["timestampNtz"])
                : ProtocolAction()
            let now = nowMillis()
            let meta = MetadataAction(name: name, schemaString: schemaString, partitionColumns: partitions, configuration: [:], createdTime: now)
            let info = CommitInfo(timestamp: now, operation: "CREATE TABLE AS SELECT",
                                  operationParameters: ["partitionBy": JSONValue.array(partitions.map { .string($0) }).serialized])
            let table = try DeltaTable(path: path)
            do {
                try table.commit(actions: [.commitInfo(info), .protocol(proto), .metaData(meta)] + adds.map { .add($0) }, expectedVersion: -1)
            } catch DeltaError.versionConflict {
                throw QueryError.catalog("table \(name) was created by someone else meanwhile")
            }
        } catch {
            // Nothing was published: leave no half-made table behind.
            if createdDirectory, !DeltaTable.isDeltaTable(path) || (try? DeltaTable(path: path).latestVersion()) == nil {
                try? FileManager.default.removeItem(atPath: path)
            }
            if let e = error as? DeltaError { throw QueryError.execution("CREATE TABLE \(name): \(e.description)") }
            throw error
        }
        return countResult(result.rowCount)
    }

    // MARK: INSERT

    static func insert(_ engine: QueryEngine, name: String, columns named: [String], query: SelectStatement) throws -> QueryResult {
        let catalog = engine.catalog
        try TableAccess.checkTableName(name)
        let path = catalog.lake + "/" + name
        guard DeltaTable.isDeltaTable(path) else {
            if FileManager.default.fileExists(atPath: path) { throw QueryError.unsupported("INSERT INTO \(name): only Delta tables take inserts (\(name) is plain Parquet)") }
            throw QueryError.catalog("table \(name) not found in lake \(catalog.lake)")
        }
        let table: DeltaTable
        let snapshot: DeltaSnapshot
        do {
            table = try DeltaTable(path: path)
            snapshot = try table.snapshot()
        } catch let e as DeltaError { throw QueryError.catalog("table \(name): \(e.description)") }
        let schema = snapshot.schema
        let bound = try Binder(catalog: catalog).bind(query)
        let result = try engine.execute(bound)
        // Which table column each query column fills.
        var targets: [Int] = []
        if named.isEmpty {
            guard result.columns.count == schema.fields.count else {
                throw QueryError.binding("INSERT INTO \(name): the query has \(result.columns.count) columns, the table \(schema.fields.count) (\(schema.fields.map(\.name).joined(separator: ", ")))")
            }
            targets = Array(schema.fields.indices)
        } else {
            guard named.count == result.columns.count else {
                throw QueryError.binding("INSERT INTO \(name): \(named.count) columns named, the query has \(result.columns.count)")
            }
            for n in named {
                guard let i = schema.fields.firstIndex(where: { $0.name == n }) ?? schema.fields.firstIndex(where: { $0.name.lowercased() == n.lowercased() }) else {
                    throw QueryError.binding("INSERT INTO \(name): no column \(n)")
                }
                if targets.contains(i) { throw QueryError.binding("INSERT INTO \(name): column \(n) named twice") }
                targets.append(i)
            }
        }
        for (k, t) in targets.enumerated() {
            let f = schema.fields[t]
            if !f.nullable && result.columns[k].nullCount > 0 {
                throw QueryError.execution("INSERT INTO \(name): column \(f.name) does not take NULLs")
            }
        }
        var options = WriterOptions.lakeTable
        options.rowGroupRows = rowsPerFile
        let writer = DataFileWriter(snapshot: snapshot, options: options)
        var adds: [AddFile] = []
        do {
            for range in chunks(result) {
                try engine.cancellation?.check()
                var columns: [Column] = []
                for (i, f) in schema.fields.enumerated() {
                    let type = f.type
                    if let k = targets.firstIndex(of: i) {
                        let src = ColumnKernels.slice(result.columns[k], range)
                        let engineType = SQLType.normalize(type)
                        guard src.type == engineType || TypeRules.common(src.type, engineType) != nil || src.nullCount == src.count else {
                            throw QueryError.binding("INSERT INTO \(name): column \(f.name) is \(SQLType.name(engineType)), the query gives \(SQLType.name(src.type))")
                        }
                        var c = ColumnKernels.materialize(try Casts.column(src, to: engineType))
                        c = try narrow(c, to: type, column: f.name)
                        columns.append(c)
                    } else {
                        if !f.nullable { throw QueryError.binding("INSERT INTO \(name): column \(f.name) does not take NULLs and is not given") }
                        var c = ColumnKernels.nulls(SQLType.normalize(type), count: range.count)
                        c = try narrow(c, to: type, column: f.name)
                        columns.append(c)
                    }
                }
                adds += try writer.writePartitioned(RecordBatch(schema: schema, columns: columns, rowCount: range.count))
            }
            if !adds.isEmpty {
                let info = CommitInfo(timestamp: nowMillis(), operation: "WRITE", operationParameters: ["mode": "Append"])
                try table.append(adds, commitInfo: info)
            }
        } catch let e as DeltaError {
            throw QueryError.execution("INSERT INTO \(name): \(e.description)")
        }
        return countResult(result.rowCount)
    }

    /// An engine column in the storage of a narrower table type (INTEGER → SMALLINT, …).
    static func narrow(_ c: Column, to type: DataType, column: String) throws -> Column {
        if c.type == type { return c }
        switch (type, c.values) {
        case (.int8, .int32(let v)), (.int16, .int32(let v)):
            let (lo, hi): (Int32, Int32) = type == .int8 ? (-128, 127) : (-32768, 32767)
            for (i, x) in v.enumerated() where !c.isNull(i) && (x < lo || x > hi) {
                throw QueryError.execution("value \(x) does not fit column \(column)")
            }
            return Column(type: type, values: c.values, validity: c.validity)
        case (.float32, .float64(let v)):
            return Column(type: type, values: .float32(v.map { Float($0) }), validity: c.validity)
        case (.timestamp, .int64):
            return Column(type: type, values: c.values, validity: c.validity)
        default:
            return Column(type: type, values: c.values, validity: c.validity)
        }
    }

    // MARK: COPY

    static func copy(_ engine: QueryEngine, query: SelectStatement, path: String, options: [CopyOption]) throws -> QueryResult {
        if engine.catalog.access == .lakeTablesOnly {
            throw QueryError.forbidden("COPY writes files and is not allowed here")
        }
        var format = (path as NSString).pathExtension.lowercased()
        var header = true
        for o in options {
            switch o.name {
            case "format": format = (o.value ?? "").lowercased()
            case "header": header = !["false", "0", "off"].contains((o.value ?? "true").lowercased())
            default: throw QueryError.binding("COPY: unknown option \(o.name) (known: FORMAT, HEADER)")
            }
        }
        switch format {
        case "parquet", "csv", "json", "jsonl", "ndjson": break
        default: throw QueryError.binding("COPY: unknown format '\(format)' (parquet, csv or json)")
        }
        let bound = try Binder(catalog: engine.catalog).bind(query)
        let result = try engine.execute(bound)
        let directory = (path as NSString).deletingLastPathComponent
        let temp = (directory.isEmpty ? "." : directory) + "/.copy-" + UUID().uuidString.lowercased() + ".tmp"
        defer { try? FileManager.default.removeItem(atPath: temp) }
        do {
            switch format {
            case "parquet":
                var seen = Set<String>()
                for n in result.names {
                    guard seen.insert(n).inserted else { throw QueryError.binding("COPY: two columns are named \(n); give them distinct aliases") }
                }
                let schema = Schema(zip(result.names, result.columns).map { Field(name: $0, type: $1.type, nullable: true) })
                let writer = try ParquetWriter(path: temp, schema: schema, options: WriterOptions())
                let batch = RecordBatch(schema: schema, columns: result.columns, rowCount: result.rowCount)
                try writer.write(RecordBatch(schema: schema, columns: storable(batch, types: schema.fields.map(\.type)), rowCount: result.rowCount))
                _ = try writer.close()
            case "csv":
                var text = ResultFormatter.render(result, as: .csv)
                if !header, let newline = text.firstIndex(of: "\n") { text = String(text[text.index(after: newline)...]) }
                try Data(text.utf8).write(to: URL(fileURLWithPath: temp))
            default:
                try Data(ResultFormatter.render(result, as: .jsonl).utf8).write(to: URL(fileURLWithPath: temp))
            }
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temp, toPath: path)
        } catch let e as QueryError {
            throw e
        } catch let e as ParquetError {
            throw QueryError.execution("COPY to \(path): \(e.description)")
        } catch {
            throw QueryError.execution("COPY to \(path): \(error.localizedDescription)")
        }
        return countResult(result.rowCount)
    }
}
