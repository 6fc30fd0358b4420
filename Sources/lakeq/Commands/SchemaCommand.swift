import ArgumentParser
import LakeqColumnar
import LakeqParquet

/// `lakeq schema FILE`: the Parquet schema tree and the types columns decode to.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schema", abstract: "Print the schema of a Parquet file.")

    @Argument(help: "The Parquet file.") var file: String

    func run() throws {
        try reportingErrors {
            let pf = try ParquetFile(path: file)
            var out = OutputBuffer()
            out.write("message \(pf.schema.elements.first?.name ?? "schema") {\n")
            for c in pf.schema.columns {
                let repetition = c.element.repetitionType.map { "\($0)" } ?? "required"
                var physical = "\(c.physicalType)"
                if c.physicalType == .fixedLenByteArray { physical += "(\(c.typeLength))" }
                let indent = String(repeating: "  ", count: c.path.count)
                out.write("\(indent)\(repetition) \(physical) \(c.path.joined(separator: ".")) -> \(Describe.type(c.dataType));\n")
            }
            out.write("}\n")
            if !pf.schema.isFlat {
                out.write("fields:\n")
                for f in pf.schema.fields { out.write("  \(f.name) \(Describe.type(f.type))\(f.nullable ? "" : " NOT NULL")\n") }
            }
            out.flush()
        }
    }
}

/// Human-readable names for types and statistics, shared by `schema` and `meta`.
enum Describe {
    static func type(_ t: DataType) -> String {
        switch t {
        case .boolean: return "BOOLEAN"
        case .int8: return "TINYINT"
        case .int16: return "SMALLINT"
        case .int32: return "INTEGER"
        case .int64: return "BIGINT"
        case .uint8: return "UTINYINT"
        case .uint16: return "USMALLINT"
        case .uint32: return "UINTEGER"
        case .uint64: return "UBIGINT"
        case .float16: return "FLOAT16"
        case .float32: return "FLOAT"
        case .float64: return "DOUBLE"
        case .string: return "VARCHAR"
        case .binary: return "BLOB"
        case .fixedBinary(let w): return "FIXED_BLOB(\(w))"
        case .date32: return "DATE"
        case .time(let u, _): return "TIME(\(u.rawValue))"
        case .timestamp(let u, let utc): return "TIMESTAMP(\(u.rawValue)\(utc ? ", UTC" : ""))"
        case .decimal(let p, let s): return "DECIMAL(\(p),\(s))"
        case .int96: return "TIMESTAMP(INT96)"
        case .uuid: return "UUID"
        case .json: return "JSON"
        case .list(let e): return "\(type(e.type))[]"
        case .structure(let fs): return "STRUCT(" + fs.map { "\($0.name) \(type($0.type))" }.joined(separator: ", ") + ")"
        case .map(let k, let v): return "MAP(\(type(k.type)), \(type(v.type)))"
        }
    }
}
