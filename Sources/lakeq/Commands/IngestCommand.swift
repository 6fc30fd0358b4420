#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import LakeqDelta
import LakeqIngest
import LakeqParquet

/// `lakeq ingest SRC... --table T`: CSV / JSON Lines into a Delta table, validated, bad rows
/// quarantined (spec/ingest.md). The logic lives in LakeqIngest; this parses options and
/// prints the summary.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Ingest CSV / JSON Lines files into a Delta table, quarantining bad rows.",
        discussion: "The first ingest creates LAKE/TABLE from --schema (see spec/schema-file.md). Bad rows go to LAKE/_quarantine/TABLE/<version>.jsonl (and .parquet). Sources already ingested (same content hash) are skipped unless --force. See spec/ingest.md.")

    @Argument(help: "Source files (.csv, .jsonl/.ndjson), or - for stdin.") var sources: [String]
    @Option(help: "Table name (a directory under the lake).") var table: String
    @Option(help: "The lake directory (default: $LAKEQ_LAKE, else ./lake).") var lake: String?
    @Option(help: "Schema file with types and quality rules (required to create the table).") var schema: String?
    @Option(help: "Partition column(s), comma-separated (when creating the table).") var partitionBy: String?
    @Option(help: "Input format: csv or jsonl (default: from the extension; stdin: csv).") var format: String?
    @Option(help: "Input lines per commit (default: the whole run is one commit).") var batchRows: Int?
    @Option(help: "Fail, committing nothing, when the fraction of bad rows exceeds this.") var maxBadFraction: Double?
    @Flag(help: "Ingest sources again even if the table already holds them.") var force = false
    @Flag(help: "Print the summary as JSON.") var json = false
    @Option(help: "Threads (default: $LAKEQ_THREADS, else all cores).") var threads: Int?
    @Option(help: "Compression: none, snappy, zstd, gzip, lz4, brotli.") var compression: String = "lz4"
    @Option(help: "Columns given bloom filters, comma-separated, or none (default: user_id and event_id where the table has them).")
    var bloomFilter: String = "user_id,event_id"
    @Option(help: "Target false-positive rate of the bloom filters.") var bloomFpp: Double = 0.01

    func validate() throws {
        guard !table.isEmpty, !table.contains("/"), !table.hasPrefix("_"), !table.hasPrefix(".") else {
            throw ValidationError("--table must be a plain name (no '/', not starting with '_' or '.')")
        }
        if let batchRows, batchRows < 1 { throw ValidationError("--batch-rows must be at least 1") }
        if let f = maxBadFraction, !(f >= 0 && f <= 1) { throw ValidationError("--max-bad-fraction must be within 0...1") }
        if let format, SourceFormat(rawValue: format.lowercased()) == nil { throw ValidationError("--format must be csv or jsonl") }
        guard parseCodec(compression) != nil else { throw ValidationError("unknown --compression \(compression)") }
    }

    func run() throws {
        let dir = lake ?? ProcessInfo.processInfo.environment["LAKEQ_LAKE"] ?? "./lake"
        var o = IngestOptions(lake: dir, table: table)
        o.partitionBy = partitionBy.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        o.format = format.flatMap { SourceFormat(rawValue: $0.lowercased()) }
        o.batchRows = batchRows
        o.maxBadFraction = maxBadFraction
        o.force = force
        o.threads = resolveThreads(threads)
        o.writer.compression = parseCodec(compression) ?? .lz4Raw
        o.writer.threads = o.threads
        o.writer.addBloomFilters(parseColumnList(bloomFilter), falsePositiveRate: bloomFpp)
        if isatty(2) != 0 && !json {
            o.progress = { rows, secs in
                printErrorInline(String(format: "\ringest: %d rows read, %.0f rows/s", rows, secs > 0 ? Double(rows) / secs : 0))
            }
        }
        try reportingErrors {
            if let schema { o.schema = try IngestSchema.load(path: schema) }
            let s = try Ingestor(options: o).run(sources: sources)
            if o.progress != nil { printErrorInline("\n") }
            if json {
                let obj: [String: Any] = [
                    "table": dir + "/" + table, "created": s.createdTable, "versions": s.versions,
                    "rows_read": s.rowsRead, "rows_committed": s.rowsCommitted, "rows_quarantined": s.rowsQuarantined,
                    "quarantined_by_kind": s.quarantinedByKind, "files_written": s.filesWritten, "bytes_written": s.bytesWritten,
                    "seconds": s.seconds, "rows_per_second": s.rowsPerSecond, "skipped_sources": s.skippedSources,
                ]
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                let kinds = s.quarantinedByKind.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                print("ingest: table=\(dir)/\(table) versions=\(s.versions.map(String.init).joined(separator: ",")) rows_read=\(s.rowsRead) committed=\(s.rowsCommitted) quarantined=\(s.rowsQuarantined)\(kinds.isEmpty ? "" : " (\(kinds))") files=\(s.filesWritten) bytes=\(s.bytesWritten) secs=\(String(format: "%.2f", s.seconds)) rows_per_s=\(String(format: "%.0f", s.rowsPerSecond))\(s.skippedSources.isEmpty ? "" : " skipped=\(s.skippedSources.joined(separator: ","))")")
            }
        }
    }
}

/// Writes to stderr without a newline (the progress line).
func printErrorInline(_ s: String) {
    FileHandle.standardError.write(Data(s.utf8))
}
