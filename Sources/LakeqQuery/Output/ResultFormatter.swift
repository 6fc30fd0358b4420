import Foundation
import LakeqColumnar

/// Renders query results as an aligned table, CSV (RFC 4180), a JSON array or JSON lines.
public enum ResultFormat: String, CaseIterable, Sendable {
    case table, csv, json, jsonl
}

public enum ResultFormatter {
    public static func render(_ r: QueryResult, as format: ResultFormat) -> String {
        let rows = (0..<r.rowCount).map { i in r.columns.map { Scalar.from($0, row: i) } }
        switch format {
        case .csv:
            var out = r.names.map(csvField).joined(separator: ",") + "\n"
            for row in rows { out += row.map { $0.isNull ? "" : csvField(Casts.text($0)) }.joined(separator: ",") + "\n" }
            return out
        case .json:
            let objects = rows.map { row in "{" + zip(r.names, row).map { "\(jsonString($0)):\(json($1))" }.joined(separator: ",") + "}" }
            return "[" + objects.joined(separator: ",\n") + "]\n"
        case .jsonl:
            return rows.map { row in "{" + zip(r.names, row).map { "\(jsonString($0)):\(json($1))" }.joined(separator: ",") + "}\n" }.joined()
        case .table:
            let cells = rows.map { $0.map { $0.isNull ? "NULL" : Casts.text($0) } }
            let typeNames = r.columns.map { SQLType.name($0.type) }
            var widths = zip(r.names, typeNames).map { max($0.count, $1.count) }
            for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
            let numeric = r.columns.map { SQLType.isNumeric($0.type) }
            func line(_ values: [String]) -> String {
                "│ " + values.enumerated().map { i, v in
                    let pad = String(repeating: " ", count: widths[i] - v.count)
                    return numeric[i] ? pad + v : v + pad
                }.joined(separator: " │ ") + " │\n"
            }
            let bar = { (l: String, m: String, r: String) in l + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: m) + r + "\n" }
            var out = bar("┌", "┬", "┐") + line(r.names)
            out += line(typeNames) + bar("├", "┼", "┤")
            for row in cells { out += line(row) }
            out += bar("└", "┴", "┘")
            out += "\(r.rowCount) row\(r.rowCount == 1 ? "" : "s")\n"
            return out
        }
    }

    /// The rows as a JSON array of arrays (`[[1,"a"],[2,null]]`), values typed as in `.json`.
    public static func jsonRows(_ r: QueryResult) -> String {
        "[" + (0..<r.rowCount).map { i in "[" + r.columns.map { json(Scalar.from($0, row: i)) }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
    }

    /// The JSON of row `row` of a result column, as `.json` writes it (nested values as JSON
    /// arrays and objects).
    public static func jsonValue(_ c: Column, row: Int) -> String { json(Scalar.from(c, row: row)) }

    /// The text of row `row` of a result column, as `.csv` and `.table` write it (nested
    /// values as DuckDB casts them to VARCHAR); empty for NULL.
    public static func textValue(_ c: Column, row: Int) -> String { Casts.text(Scalar.from(c, row: row)) }

    static func csvField(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    static func json(_ v: Scalar) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? d.description : jsonString(DoubleText.format(d))
        case .decimal: return Casts.text(v)
        case .list(let l): return "[" + l.map(json).joined(separator: ",") + "]"
        case .structure(let names, let values): return "{" + zip(names, values).map { "\(jsonString($0)):\(json($1))" }.joined(separator: ",") + "}"
        case .map(let keys, let values):
            // String keys: an object; others: an array of {"key", "value"} entries (the keys could not be names).
            if keys.allSatisfy({ if case .string = $0 { return true }; return false }) {
                return "{" + zip(keys, values).map { "\(jsonString(Casts.text($0))):\(json($1))" }.joined(separator: ",") + "}"
            }
            return "[" + zip(keys, values).map { "{\"key\":\(json($0)),\"value\":\(json($1))}" }.joined(separator: ",") + "]"
        default: return jsonString(Casts.text(v))
        }
    }

    static func jsonString(_ s: String) -> String { JSONText.quoted(s) }
}
