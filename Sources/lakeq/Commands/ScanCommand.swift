import ArgumentParser
import Dispatch
import Foundation
import LakeqColumnar
import LakeqParquet

/// `lakeq scan PATH`: decodes every value of the chosen columns without printing them,
/// then prints one summary line. It is the decode-speed probe.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan", abstract: "Decode a Parquet file or directory tree and report the speed.")

    @Argument(help: "A Parquet file or a directory tree of them (Hive-partitioned or not).") var path: String
    @Option(help: "Comma-separated column names (default: all).") var columns: String?
    @Option(help: "Threads (default: $LAKEQ_THREADS, else all cores).") var threads: Int?

    func run() throws {
        try reportingErrors {
            let start = DispatchTime.now()
            let files = try ParquetFiles.list(path)
            let opened = try files.map { try ParquetFile(path: $0) }
            // Flat files decode leaf columns; files with nested fields decode top-level fields
            // (`fields`), nested ones assembled.
            struct Unit { let file: Int; let rowGroup: Int; let columns: [Int]; var fields: [Int]? = nil }
            var units: [Unit] = []
            for (f, pf) in opened.enumerated() {
                if !pf.schema.isFlat {
                    let names = columns.map { $0.split(separator: ",").map(String.init) }
                    let fields = try names.map { try $0.map { n in
                        guard let i = pf.schema.fields.firstIndex(where: { $0.name == n }) else {
                            throw ParquetError.invalidArgument("\(pf.path): no field named \(n)")
                        }
                        return i
                    } } ?? Array(pf.schema.fields.indices)
                    let leaves = fields.flatMap { pf.schema.fields[$0].leaves }
                    for g in 0..<pf.rowGroupCount { units.append(Unit(file: f, rowGroup: g, columns: leaves, fields: fields)) }
                    continue
                }
                let wanted: [Int]
                if let columns {
                    wanted = try columns.split(separator: ",").map { name in
                        guard let i = pf.schema.columnIndex(named: String(name)) else {
                            throw ParquetError.invalidArgument("\(pf.path): no column named \(name)")
                        }
                        return i
                    }
                } else {
                    wanted = Array(pf.schema.columns.indices)
                }
                for g in 0..<pf.rowGroupCount { units.append(Unit(file: f, rowGroup: g, columns: wanted)) }
            }
            let workers = min(resolveThreads(threads), max(1, units.count))
            let lock = NSLock()
            var rows = 0
            var bytes: Int64 = 0
            let decompressors = (0..<workers).map { _ in Decompressor() }
            try Parallel.forEach(count: units.count, workers: workers) { w, i in
                let u = units[i]
                let pf = opened[u.file]
                let batch = try u.fields.map { try pf.readFields(rowGroup: u.rowGroup, fields: $0, decompressor: decompressors[w]) }
                    ?? pf.readRowGroup(u.rowGroup, columns: u.columns, decompressor: decompressors[w])
                var chunkBytes: Int64 = 0
                for c in u.columns { chunkBytes += (try? pf.chunkRange(rowGroup: u.rowGroup, column: c).length) ?? 0 }
                lock.lock()
                rows += batch.rowCount
                bytes += chunkBytes
                lock.unlock()
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let rate = seconds > 0 ? Double(rows) / seconds : 0
            print("files=\(files.count) row_groups=\(units.count) rows=\(rows) bytes=\(bytes) seconds=\(String(format: "%.3f", seconds)) rows_per_s=\(Int(rate)) threads=\(workers)")
        }
    }
}

/// Finding the Parquet files of a path.
enum ParquetFiles {
    /// `path` itself if it is a file; otherwise every `*.parquet` file below it, sorted, skipping
    /// names that start with `_` or `.` (Hive and Spark bookkeeping).
    static func list(_ path: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ParquetError.io("\(path): no such file or directory")
        }
        if !isDir.boolValue { return [path] }
        var out: [String] = []
        func walk(_ dir: String) throws {
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            for name in names where !name.hasPrefix("_") && !name.hasPrefix(".") {
                let full = dir + "/" + name
                var sub: ObjCBool = false
                FileManager.default.fileExists(atPath: full, isDirectory: &sub)
                if sub.boolValue { try walk(full) } else if name.hasSuffix(".parquet") { out.append(full) }
            }
        }
        try walk(path)
        return out
    }
}
