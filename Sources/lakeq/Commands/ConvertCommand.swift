import ArgumentParser
import LakeqIngest
import Dispatch
import Foundation
import LakeqParquet

/// `lakeq convert IN OUT.parquet`: CSV or JSON Lines to one Parquet file.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert", abstract: "Convert a CSV or JSON Lines file to one Parquet file.",
        discussion: "Types come from --schema (see spec/schema-file.md) or are inferred without losing information. Bad rows are reported with their line number; the command then fails and writes nothing, unless --skip-bad.")

    @Argument(help: "Input .csv or .jsonl/.ndjson file.") var input: String
    @Argument(help: "Output Parquet file.") var output: String
    @Option(help: "Input format: csv or jsonl (default: from the extension).") var inputFormat: String?
    @Option(help: "Schema file (JSON) giving column names, types and nullability.") var schema: String?
    @Option(help: "Compression: none, snappy, zstd, gzip, lz4, brotli.") var compression: String = "snappy"
    @Option(help: "ZSTD level.") var zstdLevel: Int?
    @Option(help: "Rows per row group.") var rowGroupRows: Int = 1_048_576
    @Option(help: "Target data page size in bytes.") var pageBytes: Int = 1 << 20
    @Option(help: "Dictionary encoding: on or off.") var dictionary: String = "on"
    @Option(help: "Data page version: 1 or 2.") var pageVersion: Int = 1
    @Flag(help: "Skip bad rows (still reported) instead of failing.") var skipBad = false
    @Option(help: "Threads encoding columns (default: $LAKEQ_THREADS, else all cores).") var threads: Int?
    @Option(help: "Columns given bloom filters, comma-separated.") var bloomFilter: String?
    @Option(help: "Target false-positive rate of the bloom filters.") var bloomFpp: Double = 0.01
    @Option(help: "Encrypt the output with the keys and settings of this key file (spec/format.md, Key files).") var keyFile: String?

    func validate() throws {
        guard parseCodec(compression) != nil else { throw ValidationError("unknown --compression \(compression)") }
        guard dictionary == "on" || dictionary == "off" else { throw ValidationError("--dictionary must be on or off") }
        guard pageVersion == 1 || pageVersion == 2 else { throw ValidationError("--page-version must be 1 or 2") }
        guard rowGroupRows >= 1 else { throw ValidationError("--row-group-rows must be at least 1") }
        guard pageBytes >= 1 else { throw ValidationError("--page-bytes must be at least 1") }
    }

    func run() throws {
        let start = DispatchTime.now()
        try reportingErrors {
            let format: ConvertSettings.Format
            switch (inputFormat?.lowercased(), (input as NSString).pathExtension.lowercased()) {
            case ("csv"?, _), (nil, "csv"): format = .csv
            case ("jsonl"?, _), ("ndjson"?, _), ("json"?, _), (nil, "jsonl"), (nil, "ndjson"), (nil, "json"): format = .jsonl
            default: throw FormatError.usage("cannot tell the input format of \(input): use --input-format csv|jsonl")
            }
            var settings = ConvertSettings(format: format)
            if let schema { settings.schema = try SchemaFile.load(schema) }
            settings.skipBad = skipBad
            var w = WriterOptions()
            w.compression = parseCodec(compression) ?? .snappy
            if w.compression == .zstd { w.compressionLevel = zstdLevel }
            w.rowGroupRows = rowGroupRows
            w.pageBytes = pageBytes
            w.dictionary = dictionary == "on"
            w.pageVersion = pageVersion
            w.threads = resolveThreads(threads)
            w.addBloomFilters(parseColumnList(bloomFilter ?? ""), falsePositiveRate: bloomFpp)
            w.encryption = try keyFile.map { try WriterEncryption(keyFile: $0) }
            settings.writer = w
            let summary = try Converter(settings: settings).run(input: input, output: output)
            let secs = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let types = summary.columns.map { "\($0.name):\($0.type)\($0.nullable ? "?" : "")" }.joined(separator: ",")
            print("convert: rows=\(summary.rows) bad=\(summary.badRows) secs=\(String(format: "%.2f", secs)) inference=\(summary.inference) columns=\(types)")
        }
    }
}

/// The `--schema` file: `{"columns":[{"name":"event_id","type":"int64","nullable":false}, ...]}`.
enum SchemaFile {
    static func load(_ path: String) throws -> [ColumnSpec] {
        guard let data = FileManager.default.contents(atPath: path) else { throw FormatError.io("\(path): cannot read the schema file") }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cols = root["columns"] as? [[String: Any]] else {
            throw FormatError.usage("\(path): expected {\"columns\": [{\"name\": ..., \"type\": ..., \"nullable\": ...}, ...]}")
        }
        var out: [ColumnSpec] = []
        var seen = Set<String>()
        for (i, c) in cols.enumerated() {
            guard let name = c["name"] as? String, !name.isEmpty else { throw FormatError.usage("\(path): column \(i + 1) has no name") }
            guard seen.insert(name).inserted else { throw FormatError.usage("\(path): duplicate column \(name)") }
            guard let typeName = c["type"] as? String, let type = ValueType.parse(typeName) else {
                throw FormatError.usage("\(path): column \(name): unknown type \(c["type"] ?? "(none)"); use int32, int64, double, boolean, string, date, timestamp[(ms|us|ns)] or decimal(p,s)")
            }
            let nullable = (c["nullable"] as? Bool) ?? true
            out.append(ColumnSpec(name: name, type: type, nullable: nullable))
        }
        guard !out.isEmpty else { throw FormatError.usage("\(path): no columns") }
        return out
    }
}
