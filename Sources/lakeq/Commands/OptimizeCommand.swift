import ArgumentParser
import Dispatch
import Foundation
import LakeqDelta
import LakeqQuery

/// `lakeq optimize TABLE`: compacts small files per partition (see `spec/delta.md`).
struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Rewrite a Delta table's small files into files near the target size, partition by partition, in one commit.",
        discussion: "Rows are unchanged (adds and removes carry dataChange=false); safe while streams or ingests append to the table. The old files stay for time travel until `lakeq vacuum` removes them. See spec/delta.md.")

    @Option(help: "The lake directory (default: $LAKEQ_LAKE, else ./lake).") var lake: String?
    @Option(name: .customLong("where"), help: "Only partitions matching this SQL predicate over partition columns, e.g. \"date >= '2026-01-10'\".")
    var predicate: String?
    @Option(help: "Target file size in bytes (default: the table's delta.targetFileSize, else 104857600 = 100 MiB).")
    var targetFileBytes: Int64?
    @Option(help: "Files rewritten at once (default: $LAKEQ_THREADS, else all cores).") var threads: Int?
    @Option(help: "Compression of the new files: none, snappy, zstd, gzip, lz4, brotli.") var compression: String = "lz4"
    @Flag(help: "Print the summary as one JSON object.") var json = false
    @Argument(help: "The table name (or a path to the table directory).") var table: String

    func validate() throws {
        if let targetFileBytes, targetFileBytes <= 0 { throw ValidationError("--target-file-bytes must be positive") }
        guard parseCodec(compression) != nil else { throw ValidationError("unknown --compression \(compression)") }
    }

    func run() throws {
        try reportingErrors {
            let start = DispatchTime.now()
            let t = try DeltaTable(path: deltaTablePath(table, lake: lake))
            var options = OptimizeOptions()
            options.targetFileBytes = targetFileBytes
            options.threads = resolveThreads(threads)
            options.writer.compression = parseCodec(compression) ?? .lz4Raw
            if let predicate {
                let filter: PartitionPredicate
                do {
                    filter = try PartitionPredicate(predicate, partitionColumns: try t.snapshot().partitionFields)
                } catch let e as QueryError {
                    printError("lakeq: --where: \(e.description)")
                    throw ExitCode(1)
                } catch let e as SQLSyntaxError {
                    printError("lakeq: --where: \(e)")
                    throw ExitCode(1)
                }
                options.partitionFilter = { filter.matches($0) }
                options.predicateText = predicate
            }
            let r = try t.optimize(options)
            let secs = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            var out = OutputBuffer()
            if json {
                var o: [String: JSONValue] = [
                    "table": .string(t.path), "partitions": .int(Int64(r.partitionsOptimized)),
                    "files_removed": .int(Int64(r.filesRemoved)), "files_added": .int(Int64(r.filesAdded)),
                    "bytes_removed": .int(r.bytesRemoved), "bytes_added": .int(r.bytesAdded), "rows": .int(r.rows),
                    "files_skipped": .int(Int64(r.filesSkipped)), "target_file_bytes": .int(r.targetFileBytes),
                    "attempts": .int(Int64(r.attempts)), "seconds": .double(secs),
                ]
                o["version"] = r.version.map { .int(Int64($0)) } ?? .null
                out.write(JSONValue.object(o).serialized + "\n")
            } else if let v = r.version {
                out.write("optimize: table=\(t.path) version=\(v) partitions=\(r.partitionsOptimized) files_removed=\(r.filesRemoved) files_added=\(r.filesAdded) bytes_removed=\(r.bytesRemoved) bytes_added=\(r.bytesAdded) rows=\(r.rows) target=\(r.targetFileBytes) attempts=\(r.attempts) secs=\(String(format: "%.2f", secs))\n")
            } else {
                out.write("optimize: table=\(t.path) nothing to compact (target=\(r.targetFileBytes)\(r.filesSkipped > 0 ? ", \(r.filesSkipped) files skipped: columns differ from the table's" : ""))\n")
            }
            out.flush()
        }
    }
}
