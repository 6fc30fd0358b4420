import Foundation
import LakeqColumnar
import LakeqParquet
import LakeqQuery

/// The formats `POST /v1/query` answers in.
public enum ResultFormat: String, Sendable, CaseIterable {
    case json, csv, jsonl, arrow, parquet

    public var contentType: String {
        switch self {
        case .json: return "application/json"
        case .csv: return "text/csv; charset=utf-8"
        case .jsonl: return "application/x-ndjson"
        case .arrow: return "application/vnd.apache.arrow.stream"
        case .parquet: return "application/vnd.apache.parquet"
        }
    }

    /// The format an `Accept` header asks for: the first listed type lakeq writes (q-values
    /// are not weighed); nil when none is, `json` for `*/*`.
    static func negotiate(accept: String) -> ResultFormat?? {
        var sawAny = false
        for item in accept.split(separator: ",") {
            let type = item.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            switch type {
            case "application/json": return .some(.json)
            case "text/csv": return .some(.csv)
            case "application/x-ndjson", "application/jsonl", "application/json-lines", "application/jsonlines": return .some(.jsonl)
            case "application/vnd.apache.arrow.stream": return .some(.arrow)
            case "application/vnd.apache.parquet", "application/x-parquet", "application/parquet": return .some(.parquet)
            case "*/*", "application/*", "text/*", "": sawAny = true
            default: continue
            }
        }
        return sawAny ? .some(nil) : nil
    }
}

/// A query's answer as it goes out: names, types and columns after PII masking.
struct ResultTable: Sendable {
    var names: [String]
    var columns: [Column]
    var rowCount: Int
    var statistics: ScanStatistics
    var elapsedMilliseconds: Double

    init(_ r: QueryResult, elapsedMilliseconds: Double) {
        names = r.names
        columns = r.columns
        rowCount = r.rowCount
        statistics = r.statistics
        self.elapsedMilliseconds = elapsedMilliseconds
    }

    var schema: Schema {
        Schema(zip(names, columns).map { Field(name: $0, type: $1.type, nullable: true) })
    }

    /// Rows `range` as a batch.
    func slice(_ range: Range<Int>) -> RecordBatch {
        if range == 0..<rowCount { return RecordBatch(schema: schema, columns: columns, rowCount: rowCount) }
        let idx = range.map { Int32($0) }
        return RecordBatch(schema: schema, columns: columns.map { $0.gather(idx) }, rowCount: range.count)
    }
}

/// Encodes results in each format.
enum ResultEncoder {
    /// The `stats` object of a JSON answer.
    static func stats(_ t: ResultTable) -> JSONOut {
        let s = t.statistics
        return .object([
            ("rows_scanned", .int(s.rowsScanned)),
            ("files_total", .int(s.filesTotal)),
            ("files_skipped", .int(s.filesSkippedByPartition + s.filesSkippedByStatistics)),
            ("row_groups_total", .int(s.rowGroupsTotal)),
            ("row_groups_skipped", .int(rowGroupsSkipped(s))),
            ("elapsed_ms", .double((t.elapsedMilliseconds * 1000).rounded() / 1000)),
        ])
    }

    static func rowGroupsSkipped(_ s: ScanStatistics) -> Int {
        s.rowGroupsInSkippedFiles + s.rowGroupsSkippedByStatistics + s.rowGroupsSkippedByDictionary
            + s.rowGroupsSkippedByPageIndex + s.rowGroupsSkippedByTopN
    }

    static func columnsJSON(_ t: ResultTable) -> JSONOut {
        .array(zip(t.names, t.columns).map { .object([("name", .string($0)), ("type", .string(SQLType.name($1.type)))]) })
    }

    /// `{"columns": […], "rows": [[…]], "row_count": n, "truncated": b, "stats": {…}}`, at
    /// most `maxRows` rows (`truncated` says whether more were left out).
    static func json(_ t: ResultTable, maxRows: Int, extra: [(String, JSONOut)] = []) -> [UInt8] {
        let n = min(t.rowCount, maxRows)
        var out: [UInt8] = []
        out.reserveCapacity(256 + n * t.columns.count * 12)
        out.append(contentsOf: "{\"columns\":".utf8)
        columnsJSON(t).write(into: &out)
        out.append(contentsOf: ",\"rows\":[".utf8)
        let cells = t.columns.map(CellText.init)
        for r in 0..<n {
            if r > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            for (c, cell) in cells.enumerated() {
                if c > 0 { out.append(UInt8(ascii: ",")) }
                cell.writeJSON(r, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: "],\"row_count\":".utf8)
        CellText.appendInt(Int64(n), into: &out)
        out.append(contentsOf: ",\"truncated\":".utf8)
        out.append(contentsOf: (n < t.rowCount ? "true" : "false").utf8)
        if n < t.rowCount {
            out.append(contentsOf: ",\"row_limit\":".utf8)
            CellText.appendInt(Int64(maxRows), into: &out)
        }
        out.append(contentsOf: ",\"stats\":".utf8)
        stats(t).write(into: &out)
        for (k, v) in extra {
            out.append(UInt8(ascii: ","))
            JSONOut.string(k).write(into: &out)
            out.append(UInt8(ascii: ":"))
            v.write(into: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// Rows as objects (`[{"name": value, …}]`), for the analytics answers.
    static func objects(_ t: ResultTable) -> JSONOut {
        let cells = t.columns.map(CellText.init)
        var rows: [JSONOut] = []
        rows.reserveCapacity(t.rowCount)
        for r in 0..<t.rowCount {
            var members: [(String, JSONOut)] = []
            for (c, cell) in cells.enumerated() {
                var v: [UInt8] = []
                cell.writeJSON(r, into: &v)
                members.append((t.names[c], .raw(v)))
            }
            rows.append(.object(members))
        }
        return .array(rows)
    }

    /// The CSV header line.
    static func csvHeader(_ t: ResultTable) -> [UInt8] {
        Array((t.names.map(CellText.csvField).joined(separator: ",") + "\n").utf8)
    }

    /// CSV lines of rows `range`.
    static func csv(_ t: ResultTable, rows range: Range<Int>) -> [UInt8] {
        let cells = t.columns.map(CellText.init)
        var out: [UInt8] = []
        out.reserveCapacity(range.count * t.columns.count * 10)
        for r in range {
            for (c, cell) in cells.enumerated() {
                if c > 0 { out.append(UInt8(ascii: ",")) }
                cell.writeCSV(r, into: &out)
            }
            out.append(0x0A)
        }
        return out
    }

    /// JSON Lines (one object per row) of rows `range`.
    static func jsonl(_ t: ResultTable, rows range: Range<Int>) -> [UInt8] {
        let cells = t.columns.map(CellText.init)
        let keys = t.names.map { JSONOut.string($0).bytes + [UInt8(ascii: ":")] }
        var out: [UInt8] = []
        out.reserveCapacity(range.count * t.columns.count * 20)
        for r in range {
            out.append(UInt8(ascii: "{"))
            for (c, cell) in cells.enumerated() {
                if c > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: keys[c])
                cell.writeJSON(r, into: &out)
            }
            out.append(contentsOf: "}\n".utf8)
        }
        return out
    }

    /// A Parquet file of the whole result, written by lakeq's writer.
    static func parquet(_ t: ResultTable) throws -> [UInt8] {
        let path = NSTemporaryDirectory() + "lakeq-result-\(UUID().uuidString).parquet"
        defer { unlink(path) }
        let schema = Schema(zip(t.names, t.columns).map { Field(name: $0, type: $1.type, nullable: true) })
        let writer = try ParquetWriter(path: path, schema: schema)
        if t.rowCount > 0 {
            // Nullable fields take a validity bitmap on every column.
            let columns = t.columns.map { c -> Column in
                var c = c
                c.values = c.values.materialized()
                if c.validity == nil { c.validity = Bitmap(count: t.rowCount, value: true) }
                return c
            }
            try writer.write(RecordBatch(schema: schema, columns: columns, rowCount: t.rowCount))
        }
        _ = try writer.close()
        guard let data = FileManager.default.contents(atPath: path) else { throw APIError(.internalServerError, "internal", "cannot read the Parquet result") }
        return Array(data)
    }
}
