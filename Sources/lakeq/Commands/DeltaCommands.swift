import ArgumentParser
import Foundation
import LakeqDelta

/// The directory of table `name` in the lake (a path containing `/` is taken as is).
func deltaTablePath(_ name: String, lake: String?) -> String {
    if name.contains("/") { return name }
    let dir = lake ?? ProcessInfo.processInfo.environment["LAKEQ_LAKE"] ?? "./lake"
    return dir + "/" + name
}

/// `lakeq history TABLE`: the table's commits, newest first.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "List the commits of a Delta table, newest first.")

    @Option(help: "The lake directory (default: $LAKEQ_LAKE, else ./lake).") var lake: String?
    @Argument(help: "The table name (or a path to the table directory).") var table: String

    func run() throws {
        try reportingErrors {
            let t = try DeltaTable(path: deltaTablePath(table, lake: lake))
            var rows: [[String]] = [["version", "timestamp", "operation", "files_added", "files_removed", "rows_added"]]
            for h in try t.history() {
                rows.append([
                    String(h.version),
                    h.timestamp.map(Self.iso) ?? "",
                    h.operation ?? "",
                    String(h.filesAdded),
                    String(h.filesRemoved),
                    h.rowsAdded.map(String.init) ?? "",
                ])
            }
            var out = OutputBuffer()
            let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
            for r in rows {
                out.write(r.enumerated().map { c, v in v.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n")
            }
            out.flush()
        }
    }

    /// `YYYY-MM-DD HH:MM:SS.mmm` in UTC.
    static func iso(_ ms: Int64) -> String {
        let micros = ms * 1000
        return String(DeltaPartition.timestampString(micros: micros).dropLast(3))
    }
}

/// `lakeq vacuum TABLE`: deletes data files no version within the retention window needs.
struct VacuumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vacuum",
        abstract: "Delete data files of a Delta table that no version within the retention window references.")

    @Option(help: "The lake directory (default: $LAKEQ_LAKE, else ./lake).") var lake: String?
    @Option(help: "Keep files removed (or written) less than this many hours ago (default 168 = 7 days).") var retentionHours: Double?
    @Flag(help: "Allow a retention below 168 hours (breaks time travel to older versions; may delete files of writers still in flight).")
    var allowShortRetention = false
    @Flag(help: "List what would be deleted without deleting.") var dryRun = false
    @Argument(help: "The table name (or a path to the table directory).") var table: String

    func run() throws {
        try reportingErrors {
            let t = try DeltaTable(path: deltaTablePath(table, lake: lake))
            let r = try t.vacuum(retentionHours: retentionHours ?? DeltaTable.defaultRetentionHours, dryRun: dryRun,
                                 allowShortRetention: allowShortRetention)
            var out = OutputBuffer()
            for f in r.files { out.write((dryRun ? "would delete " : "deleted ") + f + "\n") }
            out.write("\(dryRun ? "would delete" : "deleted") \(r.files.count) files, \(r.bytes) bytes\n")
            out.flush()
        }
    }
}

/// `lakeq describe TABLE`: a Delta table at a glance (opens only its snapshot, no data file).
struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a Delta table's version, checkpoint, files, rows, columns (with their marks) and properties.")

    @Option(help: "The lake directory (default: $LAKEQ_LAKE, else ./lake).") var lake: String?
    @Option(help: "Describe the table as of this version.") var version: Int?
    @Flag(help: "Print one JSON object.") var json = false
    @Argument(help: "The table name (or a path to the table directory).") var table: String

    func run() throws {
        try reportingErrors {
            let t = try DeltaTable(path: deltaTablePath(table, lake: lake))
            let snap = try t.snapshot(version: version)
            let bytes = snap.files.reduce(Int64(0)) { $0 + $1.size }
            let pii = snap.piiColumns
            let checkpoint = t.lastCheckpointVersion
            var out = OutputBuffer()
            if json {
                var columns: [JSONValue] = []
                for f in snap.schema.fields {
                    var c: [String: JSONValue] = ["name": .string(f.name), "type": (try? DeltaSchema.deltaTypeValue(f.type)) ?? .string("\(f.type)"),
                                                  "nullable": .bool(f.nullable)]
                    if let m = snap.columnMetadata[f.name] { c["metadata"] = .object(m) }
                    columns.append(.object(c))
                }
                var o: [String: JSONValue] = [
                    "table": .string(t.path), "version": .int(Int64(snap.version)), "files": .int(Int64(snap.files.count)),
                    "bytes": .int(bytes), "partition_columns": .array(snap.partitionColumns.map { .string($0) }),
                    "columns": .array(columns), "pii_columns": .array(pii.sorted().map { .string($0) }),
                    "properties": .object(snap.metadata.configuration.mapValues { .string($0) }),
                ]
                o["rows"] = snap.numRecords.map { .int($0) } ?? .null
                o["last_checkpoint"] = checkpoint.map { .int(Int64($0)) } ?? .null
                o["timestamp"] = snap.timestamp.map { .int($0) } ?? .null
                out.write(JSONValue.object(o).serialized + "\n")
            } else {
                out.write("table       \(t.path)\n")
                out.write("version     \(snap.version)\(snap.timestamp.map { "  (" + HistoryCommand.iso($0) + " UTC)" } ?? "")\n")
                out.write("checkpoint  \(checkpoint.map(String.init) ?? "none")\n")
                out.write("partitions  \(snap.partitionColumns.isEmpty ? "none" : snap.partitionColumns.joined(separator: ", "))\n")
                out.write("files       \(snap.files.count)\n")
                out.write("rows        \(snap.numRecords.map(String.init) ?? "unknown")\n")
                out.write("bytes       \(bytes)\n")
                out.write("columns\n")
                let width = snap.schema.fields.map(\.name.count).max() ?? 0
                for f in snap.schema.fields {
                    var line = "  " + f.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                        + DeltaSchema.displayName(f.type) + (f.nullable ? "" : " not null")
                    if pii.contains(f.name) { line += "  pii" }
                    if case .string(let c)? = snap.columnMetadata[f.name]?[DeltaSchema.commentKey] { line += "  -- " + c }
                    out.write(line + "\n")
                }
                let props = snap.metadata.configuration.keys.sorted()
                if !props.isEmpty {
                    out.write("properties\n")
                    for k in props {
                        let v = snap.metadata.configuration[k] ?? ""
                        out.write("  \(k) = \(v.count > 60 ? String(v.prefix(57)) + "..." : v)\n")
                    }
                }
            }
            out.flush()
        }
    }
}
