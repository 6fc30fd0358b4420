import LakeqColumnar

/// Mapping between lakeq's `DataType`s and Delta's primitive types, and the JSON schema
/// (`schemaString`) of a `metaData` action.
///
/// | lakeq | Delta |
/// |---|---|
/// | int64 / int32 / int16 / int8 | long / integer / short / byte |
/// | float64 / float32 | double / float |
/// | boolean, string, binary, date32 | boolean, string, binary, date |
/// | timestamp(_, utc: true) | timestamp (stored as UTC microseconds) |
/// | timestamp(_, utc: false) | timestamp_ntz |
/// | decimal(p, s) | decimal(p,s) |
///
/// | list(element) | {"type": "array", "elementType": …, "containsNull": …} |
/// | structure(fields) | {"type": "struct", "fields": […]} |
/// | map(key, value) | {"type": "map", "keyType": …, "valueType": …, "valueContainsNull": …} |
public enum DeltaSchema {
    /// The Delta type of `type` as it appears in a schema's `type` member: a primitive's name,
    /// or the object of a nested type (Delta's protocol, "Schema Serialization Format").
    public static func deltaTypeValue(_ type: DataType) throws -> JSONValue {
        switch type {
        case .list(let e):
            return .object(["type": .string("array"), "elementType": try deltaTypeValue(e.type), "containsNull": .bool(e.nullable)])
        case .structure(let fields):
            return .object(["type": .string("struct"), "fields": .array(try fields.map { f in
                .object(["name": .string(f.name), "type": try deltaTypeValue(f.type), "nullable": .bool(f.nullable), "metadata": .object([:])])
            })])
        case .map(let k, let v):
            return .object(["type": .string("map"), "keyType": try deltaTypeValue(k.type), "valueType": try deltaTypeValue(v.type),
                            "valueContainsNull": .bool(v.nullable)])
        default:
            return .string(try deltaType(type))
        }
    }

    /// A one-line spelling of a type for people: Delta's primitive names, nested types as
    /// `array<…>`, `struct<name: …, other: … not null>`, `map<…, …>`.
    public static func displayName(_ type: DataType) -> String {
        switch type {
        case .list(let e): return "array<\(displayName(e.type))>"
        case .structure(let fields): return "struct<" + fields.map { "\($0.name): \(displayName($0.type))" + ($0.nullable ? "" : " not null") }.joined(separator: ", ") + ">"
        case .map(let k, let v): return "map<\(displayName(k.type)), \(displayName(v.type))>"
        default: return (try? deltaType(type)) ?? "\(type)"
        }
    }

    /// The lakeq type of a schema's `type` member (a primitive name or a nested type object).
    /// List elements are named `element`, map children `key` and `value`, as Parquet's
    /// LIST and MAP layouts name them.
    public static func dataType(value: JSONValue) throws -> DataType {
        if let name = value.stringValue { return try dataType(name) }
        switch value["type"]?.stringValue {
        case "array":
            guard let e = value["elementType"] else { throw DeltaError.corrupt("array type without elementType") }
            return .list(element: Field(name: "element", type: try dataType(value: e), nullable: value["containsNull"]?.boolValue ?? true))
        case "struct":
            guard let fields = value["fields"]?.arrayValue, !fields.isEmpty else { throw DeltaError.corrupt("struct type without fields") }
            return .structure(fields: try fields.map { f in
                guard let name = f["name"]?.stringValue, let t = f["type"] else { throw DeltaError.corrupt("struct field without a name or type") }
                return Field(name: name, type: try dataType(value: t), nullable: f["nullable"]?.boolValue ?? true)
            })
        case "map":
            guard let k = value["keyType"], let v = value["valueType"] else { throw DeltaError.corrupt("map type without keyType or valueType") }
            return .map(key: Field(name: "key", type: try dataType(value: k), nullable: false),
                        value: Field(name: "value", type: try dataType(value: v), nullable: value["valueContainsNull"]?.boolValue ?? true))
        default:
            throw DeltaError.unsupported("Delta type \(value.serialized)")
        }
    }

    /// The Delta type name of `type`, or an error for types Delta cannot hold.
    public static func deltaType(_ type: DataType) throws -> String {
        switch type {
        case .int64: return "long"
        case .int32: return "integer"
        case .int16: return "short"
        case .int8: return "byte"
        case .float64: return "double"
        case .float32: return "float"
        case .boolean: return "boolean"
        case .string, .json: return "string"
        case .binary: return "binary"
        case .date32: return "date"
        case .timestamp(_, let utc): return utc ? "timestamp" : "timestamp_ntz"
        case .decimal(let p, let s):
            guard p >= 1, p <= 38, s >= 0, s <= p else { throw DeltaError.invalidArgument("decimal(\(p),\(s)) is outside Delta's decimal range") }
            return "decimal(\(p),\(s))"
        default:
            throw DeltaError.invalidArgument("type \(type) has no Delta equivalent (use a signed integer, float, string, binary, date, timestamp or decimal)")
        }
    }

    /// The lakeq type of a Delta primitive type name. Timestamps are microseconds.
    public static func dataType(_ name: String) throws -> DataType {
        switch name {
        case "long": return .int64
        case "integer": return .int32
        case "short": return .int16
        case "byte": return .int8
        case "double": return .float64
        case "float": return .float32
        case "boolean": return .boolean
        case "string": return .string
        case "binary": return .binary
        case "date": return .date32
        case "timestamp": return .timestamp(.micros, utc: true)
        case "timestamp_ntz": return .timestamp(.micros, utc: false)
        default:
            if name.hasPrefix("decimal(") && name.hasSuffix(")") {
                let inner = name.dropFirst("decimal(".count).dropLast().split(separator: ",")
                    .map { String($0.filter { $0 != " " }) }
                if inner.count == 2, let p = Int(inner[0]), let s = Int(inner[1]), p >= 1, p <= 38, s >= 0, s <= p {
                    return .decimal(precision: p, scale: s)
                }
            }
            throw DeltaError.unsupported("Delta type \(name)")
        }
    }

    /// Column metadata key (in a field's `metadata`) marking personal data: `"lakeq.pii": true`.
    /// Readers that serve data to others (the HTTP service) hash such columns.
    public static let piiKey = "lakeq.pii"
    /// Column metadata key of a column's description, as Spark writes `COMMENT`.
    public static let commentKey = "comment"

    /// The `schemaString` of `schema`; `columnMetadata` gives fields' `metadata` objects by
    /// column name (e.g. `[DeltaSchema.piiKey: .bool(true)]`); other fields get `{}`.
    public static func schemaString(_ schema: Schema, columnMetadata: [String: [String: JSONValue]] = [:]) throws -> String {
        for name in columnMetadata.keys where !schema.fields.contains(where: { $0.name == name }) {
            throw DeltaError.invalidArgument("column metadata for \(name), which is not in the schema")
        }
        var fields: [JSONValue] = []
        for f in schema.fields {
            fields.append(.object([
                "name": .string(f.name),
                "type": try deltaTypeValue(f.type),
                "nullable": .bool(f.nullable),
                "metadata": .object(columnMetadata[f.name] ?? [:]),
            ]))
        }
        return JSONValue.object(["type": .string("struct"), "fields": .array(fields)]).serialized
    }

    /// Each field's non-empty `metadata` object of a `schemaString`, by column name.
    public static func columnMetadata(from schemaString: String) throws -> [String: [String: JSONValue]] {
        let v = try JSONValue.parse(schemaString)
        var out: [String: [String: JSONValue]] = [:]
        for f in v["fields"]?.arrayValue ?? [] {
            guard let name = f["name"]?.stringValue, let m = f["metadata"]?.objectValue, !m.isEmpty else { continue }
            out[name] = m
        }
        return out
    }

    /// Parses a `schemaString` (nested types included).
    public static func schema(from schemaString: String) throws -> Schema {
        let v = try JSONValue.parse(schemaString)
        guard v["type"]?.stringValue == "struct", let fields = v["fields"]?.arrayValue else {
            throw DeltaError.corrupt("schemaString is not a struct type")
        }
        var out: [Field] = []
        for f in fields {
            guard let name = f["name"]?.stringValue else { throw DeltaError.corrupt("schema field without a name") }
            guard let t = f["type"] else { throw DeltaError.corrupt("schema field \(name) without a type") }
            out.append(Field(name: name, type: try dataType(value: t), nullable: f["nullable"]?.boolValue ?? true))
        }
        return Schema(out)
    }
}

