import ArgumentParser
import Dispatch
import Foundation
import LakeqDelta
import LakeqParquet
import LakeqSample

/// `lakeq gen`: writes the viewing-events sample lake (see `/work/shared/bench/DATASET.md`).
struct GenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen", abstract: "Generate the viewing-events sample data: Delta tables events (partitioned by date), shows and users.")

    @Option(help: "Rows to generate.") var rows: Int
    @Option(help: "Random seed (same rows and seed give the same files).") var seed: UInt64 = 1
    @Option(help: "Output directory: the Delta tables DIR/events (partitions date=YYYY-MM-DD/), DIR/shows and DIR/users.") var out: String
    @Option(help: "Compression: none, snappy, zstd, gzip, lz4, brotli.") var compression: String = "lz4"
    @Option(help: "Threads (default: $LAKEQ_THREADS, else all cores).") var threads: Int?
    @Option(help: "Columns given bloom filters, comma-separated, or none.") var bloomFilter: String = "user_id,event_id"

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must not be negative") }
        guard parseCodec(compression) != nil else { throw ValidationError("unknown --compression \(compression)") }
    }

    func run() throws {
        try reportingErrors {
            let start = DispatchTime.now()
            var options = WriterOptions.lakeTable
            options.compression = parseCodec(compression) ?? .lz4Raw
            options.addBloomFilters(parseColumnList(bloomFilter))
            let gen = EventsGenerator(rows: rows, seed: seed)
            let bytes = try gen.writeLake(outDir: out, options: options, threads: resolveThreads(threads))
            try gen.writeDimensions(outDir: out, options: options)
            let secs = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            print("gen: rows=\(rows) seed=\(seed) files=\(EventsGenerator.days) bytes=\(bytes) secs=\(String(format: "%.2f", secs)) out=\(out)/events (+ shows, users)")
        }
    }
}

/// A comma-separated column list (`none` or empty: no columns).
func parseColumnList(_ text: String) -> [String] {
    if text.lowercased() == "none" { return [] }
    return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// Codec names accepted on the command line.
func parseCodec(_ name: String) -> CompressionCodec? {
    switch name.lowercased() {
    case "none", "uncompressed": return .uncompressed
    case "snappy": return .snappy
    case "zstd": return .zstd
    case "gzip": return .gzip
    case "lz4", "lz4_raw": return .lz4Raw
    case "brotli": return .brotli
    default: return nil
    }
}
