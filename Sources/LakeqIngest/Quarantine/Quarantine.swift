#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LakeqDelta
import LakeqColumnar
import LakeqParquet

/// A bad row with its source, ready for the quarantine.
public struct QuarantineRow {
    public var source: String
    public var line: Int
    public var raw: String
    public var reasons: [String]
    public var kind: ReasonKind
}

/// The quarantine of table T: `LAKE/_quarantine/T/<version>.jsonl` (one JSON object per bad
/// row: `source`, `line`, `raw`, `reasons`, `kind`) plus a Parquet twin `<version>.parquet`
/// (`reasons` joined with `"; "`) so `lakeq --lake LAKE/_quarantine "select … from T"`
/// queries it.
///
/// A version's files are valid only if commit `<version>` of the table records
/// `lakeqIngest.quarantineRows` > 0. Files are staged under a unique hidden name, fsynced,
/// and renamed to the version being attempted *before* the commit (inside `append`'s
/// `willCommit`), all while holding an exclusive `flock` on `.lock`, so ingests never
/// overwrite each other's quarantine. A crash between the rename and the commit leaves a
/// file for a version above the log's newest (or one whose commit does not name a
/// quarantine): the next ingest deletes such files under the lock (`removeStale`).
public final class Quarantine {
    public let directory: String
    private var lockFD: Int32 = -1

    public init(lake: String, table: String) {
        directory = lake + "/_quarantine/" + table
    }

    /// Takes the table's quarantine lock (blocking); released by `unlock` or process exit.
    public func lock() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = open(directory + "/.lock", O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw IngestError.io("\(directory)/.lock: cannot open: \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            close(fd)
            throw IngestError.io("\(directory)/.lock: flock failed: \(String(cString: strerror(errno)))")
        }
        lockFD = fd
    }

    public func unlock() {
        guard lockFD >= 0 else { return }
        _ = flock(lockFD, LOCK_UN)
        close(lockFD)
        lockFD = -1
    }

    deinit { unlock() }

    /// The file names of `version`.
    public func paths(version: Int) -> (jsonl: String, parquet: String) {
        (directory + "/\(version).jsonl", directory + "/\(version).parquet")
    }

    /// Deletes quarantine files that no commit names (left by a crash or a lost race).
    /// Call with the lock held. `named` says whether commit `v` recorded a quarantine.
    public func removeStale(latest: Int?, named: (Int) -> Bool) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for n in names {
            if n.hasPrefix(".staging-") { continue }  // another run's, in progress (or orphaned: harmless)
            guard n.hasSuffix(".jsonl") || n.hasSuffix(".parquet"), let v = Int(n.split(separator: ".")[0]) else { continue }
            if let latest, v <= latest, named(v) { continue }
            unlink(directory + "/" + n)
        }
    }

    /// Staged files, written and fsynced, waiting to be placed at a version.
    public final class Staged {
        let jsonl: String
        let parquet: String
        var placedAt: Int?
        init(jsonl: String, parquet: String) { self.jsonl = jsonl; self.parquet = parquet }
    }

    /// Writes `rows` to hidden staging files (JSONL and Parquet), fsynced.
    public func stage(_ rows: [QuarantineRow]) throws -> Staged {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let id = UUID().uuidString.lowercased()
        let staged = Staged(jsonl: directory + "/.staging-\(id).jsonl", parquet: directory + "/.staging-\(id).parquet")
        var text: [UInt8] = []
        text.reserveCapacity(rows.count * 256)
        for r in rows {
            text += Array("{\"source\":".utf8); JSONText.append(r.source, to: &text)
            text += Array(",\"line\":\(r.line),\"raw\":".utf8); JSONText.append(r.raw, to: &text)
            text += Array(",\"reasons\":[".utf8)
            for (i, reason) in r.reasons.enumerated() {
                if i > 0 { text.append(UInt8(ascii: ",")) }
                JSONText.append(reason, to: &text)
            }
            text += Array("],\"kind\":\"\(r.kind.rawValue)\"}\n".utf8)
        }
        try Posix.writeFile(staged.jsonl, text)
        let schema = Schema([
            Field(name: "source", type: .string, nullable: false), Field(name: "line", type: .int64, nullable: false),
            Field(name: "raw", type: .string, nullable: false), Field(name: "reasons", type: .string, nullable: false),
            Field(name: "kind", type: .string, nullable: false),
        ])
        var options = WriterOptions()
        options.fsync = true
        let w = try ParquetWriter(path: staged.parquet, schema: schema, options: options)
        let cols: [Column] = [
            Column(type: .string, values: .bytes(ByteArrays(strings: rows.map(\.source)))),
            Column(type: .int64, values: .int64(rows.map { Int64($0.line) })),
            Column(type: .string, values: .bytes(ByteArrays(strings: rows.map(\.raw)))),
            Column(type: .string, values: .bytes(ByteArrays(strings: rows.map { $0.reasons.joined(separator: "; ") }))),
            Column(type: .string, values: .bytes(ByteArrays(strings: rows.map(\.kind.rawValue)))),
        ]
        try w.write(RecordBatch(schema: schema, columns: cols, rowCount: rows.count))
        try w.close()
        return staged
    }

    /// Moves staged (or previously placed) files to `version`'s names and makes the names
    /// durable. Call with the lock held, right before attempting commit `version`.
    public func place(_ s: Staged, version: Int) throws {
        let to = paths(version: version)
        let from = s.placedAt.map { paths(version: $0) } ?? (jsonl: s.jsonl, parquet: s.parquet)
        guard rename(from.jsonl, to.jsonl) == 0, rename(from.parquet, to.parquet) == 0 else {
            throw IngestError.io("\(directory): cannot place the quarantine for version \(version): \(String(cString: strerror(errno)))")
        }
        s.placedAt = version
        try Posix.fsyncDirectory(directory)
    }

    /// Removes a staging that was not committed.
    public func discard(_ s: Staged) {
        let p = s.placedAt.map { paths(version: $0) } ?? (jsonl: s.jsonl, parquet: s.parquet)
        unlink(p.jsonl)
        unlink(p.parquet)
    }


}
