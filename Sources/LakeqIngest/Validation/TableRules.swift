import Foundation
import LakeqColumnar
import LakeqDelta

/// A table carries its rules: the schema file it was created with (types, quality rules,
/// derived columns, column marks) is stored in its Delta `metaData`, so every later writer
/// (ingest, stream, the HTTP service) validates by the table's own rules without being handed
/// the file, and other Delta readers still read the table.
///
/// Where it lives in `metaData`:
/// - `configuration["lakeq.ingest.schema"]`: the schema file as canonical JSON (`json`);
/// - each column's `metadata` in `schemaString`: `"lakeq.pii": true` for `"pii": true`
///   columns and `"comment"` for a `"description"` (readable by any Delta client).
///
/// Writers call `IngestSchema.of(snapshot)` to get a table's rules, and create tables with
/// `createTable(at:partitionColumns:name:)` (or put `tableMetadata(...)` in their own commit).
extension IngestSchema {
    /// The table configuration key holding the schema file (canonical JSON).
    public static let configurationKey = "lakeq.ingest.schema"

    /// The rules stored with the table at `snapshot`; nil when it carries none (a table made
    /// by another tool, or by lakeq without a schema file).
    ///
    /// Throws `IngestError.schema` when the stored file is unreadable, or when its columns no
    /// longer match the table's (names, Delta types, nullability: the table was altered since).
    public static func stored(in snapshot: DeltaSnapshot) throws -> IngestSchema? {
        guard let json = snapshot.metadata.configuration[configurationKey] else { return nil }
        let schema: IngestSchema
        do { schema = try parse(Data(json.utf8)) } catch let IngestError.schema(m) {
            throw IngestError.schema("\(snapshot.tablePath): the rules stored with the table are unreadable: \(m)")
        }
        func shape(_ s: Schema) -> [String] {
            s.fields.map { f in
                "\(f.name):\(DeltaSchema.displayName(f.type))\(f.nullable ? "?" : "")"
            }
        }
        let stored = shape(schema.arrowSchema), table = shape(snapshot.schema)
        guard stored == table else {
            throw IngestError.schema("\(snapshot.tablePath): the rules stored with the table name columns [\(stored.joined(separator: ", "))] but the table has [\(table.joined(separator: ", "))]")
        }
        return schema
    }

    /// The rules writes to the table at `snapshot` are validated by: the stored ones, else the
    /// table's columns with their types and nullability only (no rules), with the PII marks
    /// of its column metadata.
    public static func of(_ snapshot: DeltaSnapshot) throws -> IngestSchema {
        if let stored = try stored(in: snapshot) { return stored }
        var schema = try ruleless(snapshot.schema)
        let pii = snapshot.piiColumns
        for i in schema.columns.indices where pii.contains(schema.columns[i].name) { schema.columns[i].pii = true }
        return schema
    }

    /// A rule-less schema with the columns of `schema` (a table not created from a schema file).
    static func ruleless(_ schema: Schema) throws -> IngestSchema {
        var cols: [IngestColumn] = []
        func valueType(_ type: DataType, _ name: String) throws -> ValueType {
            switch type {
            case .int32: return .int32
            case .int64: return .int64
            case .float64: return .double
            case .boolean: return .boolean
            case .string: return .string
            case .date32: return .date
            case .timestamp(let u, _): return .timestamp(u)
            case .decimal(let p, let sc): return .decimal(precision: p, scale: sc)
            case .list(let e): return .list(try valueType(e.type, name))
            case .structure(let fields):
                return .structure(try fields.map { NestedField(name: $0.name, type: try valueType($0.type, name), nullable: $0.nullable) })
            case .map(let k, let v) where k.type == .string: return .map(try valueType(v.type, name))
            default: throw IngestError.schema("column \(name): type \(type) cannot be ingested")
            }
        }
        for f in schema.fields {
            let t = try valueType(f.type, f.name)
            cols.append(IngestColumn(name: f.name, type: t, nullable: f.nullable, derivedFrom: nil, rules: ColumnRules()))
        }
        return IngestSchema(columns: cols)
    }

    /// The columns marked `"pii": true`, in schema order.
    public var piiColumns: [String] { columns.filter(\.pii).map(\.name) }

    /// The Delta column metadata these columns carry: `lakeq.pii` marks and comments.
    public var columnMetadata: [String: [String: JSONValue]] {
        var out: [String: [String: JSONValue]] = [:]
        for c in columns {
            var m: [String: JSONValue] = [:]
            if c.pii { m[DeltaSchema.piiKey] = .bool(true) }
            if let d = c.description { m[DeltaSchema.commentKey] = .string(d) }
            if !m.isEmpty { out[c.name] = m }
        }
        return out
    }

    /// The `metaData` action of a new table holding these columns (derived ones included) and
    /// carrying these rules; `configuration` adds table properties (e.g. `delta.checkpointInterval`).
    public func tableMetadata(partitionColumns: [String], name: String? = nil,
                              configuration: [String: String] = [:]) throws -> MetadataAction {
        var config = configuration
        config[Self.configurationKey] = json
        return MetadataAction(name: name, schemaString: try DeltaSchema.schemaString(arrowSchema, columnMetadata: columnMetadata),
                              partitionColumns: partitionColumns, configuration: config)
    }

    /// Creates the Delta table at `path` (version 0) carrying these rules. Throws
    /// `DeltaError.invalidArgument` when a table is already there (creation is put-if-absent).
    @discardableResult
    public func createTable(at path: String, partitionColumns: [String], name: String? = nil,
                            configuration: [String: String] = [:]) throws -> DeltaTable {
        try DeltaTable.create(at: path, metadata: tableMetadata(partitionColumns: partitionColumns, name: name, configuration: configuration))
    }
}
