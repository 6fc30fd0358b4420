#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LakeqDelta
import LakeqColumnar
import LakeqParquet

/// Where a quarantined Kafka message came from.
public struct MessageOrigin: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// The message key as text (nil: no key).
    public var key: String?
    /// The message timestamp, milliseconds since the epoch (nil: none).
    public var timestampMillis: Int64?

    public init(topic: String, partition: Int32, offset: Int64, key: String?, timestampMillis: Int64?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.timestampMillis = timestampMillis
    }
}

/// A bad row with where it came from (a source file and line, or a Kafka message), ready for
/// the quarantine.
public struct QuarantineRow {
    public var source: String?
    public var line: Int?
    public var message: MessageOrigin?
    public var raw: String
    public var reasons: [String]
    public var kind: ReasonKind

    /// A bad line of a source file.
    public init(source: String, line: Int, raw: String, reasons: [String], kind: ReasonKind) {
        self.source = source
        self.line = line
        self.raw = raw
        self.reasons = reasons
        self.kind = kind
    }

    /// A bad Kafka message.
    public init(message: MessageOrigin, raw: String, reasons: [String], kind: ReasonKind) {
        self.message = message
        self.raw = raw
        self.reasons = reasons
        self.kind = kind
    }
}

/// The quarantine of table T: `LAKE/_quarantine/T/<version>.jsonl` (one JSON object per bad
/// row: `source`, `line` for file rows or `topic`, `partition`, `offset`, `key`, `timestamp`
/// for Kafka messages, then `raw`, `reasons`, `kind`) plus a Parquet twin `<version>.parquet`
/// (every one of those columns, null where they do not apply; `reasons` joined with `"; "`)
/// so `lakeq --lake LAKE/_quarantine "select … from T"` queries it.
///
/// A version's files are valid only if commit `<version>` of the table records
/// `lakeqIngest.quarantineRows` > 0 or `lakeqStream.quarantineRows` > 0 (`namesQuarantine`). Files are staged under a unique hidden name, fsynced,
/// and renamed to the version being attempted *before* the commit (inside `append`'s
/// `willCommit`), all while holding an exclusive `flock` on `.lock`, so ingests never
/// overwrite each other's quarantine. A crash between the rename and the commit leaves a
/// file for a version above the log's newest (or one whose commit does not name a
/// quarantine): the next ingest deletes such files under the lock (`removeStale`).
public final class Quarantine {
    public let directory: String
    private var lockFD: Int32 = -1
    /// Versions already found valid (a committed version stays valid): not read again.
    private var verified = Set<Int>()

    /// The commitInfo keys under which ingest and stream record `quarantineRows`.
    public static let commitInfoKeys = ["lakeqIngest", "lakeqStream"]

    /// True when a commit's actions record a quarantine for its version.
    public static func namesQuarantine(_ actions: [Action]) -> Bool {
        for case .commitInfo(let c) in actions {
            for key in commitInfoKeys {
                if let q = c.fields[key]?.objectValue?["quarantineRows"]?.intValue, q > 0 { return true }
            }
        }
        return false
    }

    /// `removeStale` against `table`'s log (call with the lock held).
    public func removeStale(table: DeltaTable) throws {
        let latest = try table.latestVersion()
        removeStale(latest: latest) { v in
            // A commit below the latest that is gone was deleted by the expired-log cleanup
            // (commits leave no gaps): its quarantine is kept, not taken for a crash's leftover.
            guard FileManager.default.fileExists(atPath: table.logPath + "/" + DeltaTable.commitFileName(v)) else { return true }
            guard let actions = try? table.actions(version: v) else { return false }
            return Self.namesQuarantine(actions)
        }
    }

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
            if verified.contains(v) { continue }
            if let latest, v <= latest, named(v) { verified.insert(v); continue }
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
            if let m = r.message {
                text += Array("{\"topic\":".utf8); JSONText.append(m.topic, to: &text)
                text += Array(",\"partition\":\(m.partition),\"offset\":\(m.offset),\"key\":".utf8)
                if let k = m.key { JSONText.append(k, to: &text) } else { text += Array("null".utf8) }
                text += Array(",\"timestamp\":".utf8)
                if let t = m.timestampMillis { JSONText.append(Self.isoMillis(t), to: &text) } else { text += Array("null".utf8) }
                text += Array(",\"raw\":".utf8)
            } else {
                text += Array("{\"source\":".utf8); JSONText.append(r.source ?? "", to: &text)
                text += Array(",\"line\":\(r.line ?? 0),\"raw\":".utf8)
            }
            JSONText.append(r.raw, to: &text)
            text += Array(",\"reasons\":[".utf8)
            for (i, reason) in r.reasons.enumerated() {
                if i > 0 { text.append(UInt8(ascii: ",")) }
                JSONText.append(reason, to: &text)
            }
            text += Array("],\"kind\":\"\(r.kind.rawValue)\"}\n".utf8)
        }
        try Posix.writeFile(staged.jsonl, text)
        let schema = Self.parquetSchema
        var options = WriterOptions.lakeTable
        options.fsync = true
        let w = try ParquetWriter(path: staged.parquet, schema: schema, options: options)
        func validity(_ present: (QuarantineRow) -> Bool) -> Bitmap? {
            let bits = rows.map(present)
            if bits.allSatisfy({ $0 }) { return nil }
            var b = Bitmap(count: rows.count, value: false)
            for (i, v) in bits.enumerated() where v { b[i] = true }
            return b
        }
        let cols: [Column] = [
            Column(type: .string, values: .bytes(ByteArrays(strings: rows.map { $0.source ?? "" })), validity: validity { $0.source != nil }),
            Column(type: .int64, values: .int64(rows.map { Int64($0.line ?? 0) }), validity: validity { $0.line != nil }),
            Column(type: .string, values: .bytes(ByteArrays(strings: rows.map { $0.message?.topic ?? "" })), validity: validity { $0.message != nil }),
            Column(type: .int32, values: .int32(rows.map { $0.message?.partition ?? 0 }), validity: validity { $0.message != nil }),
            Column(type: .int64, values: .int64(rows.map { $0.message?.offset ?? 0 }), validity: validity { $0.message != nil }),
            Column(type: .string, values: .bytes(ByteArrays(strings: rows.map { $0.message?.key ?? "" })), validity: validity { $0.message?.key != nil }),
            Column(type: .timestamp(.millis, utc: true), values: .int64(rows.map { $0.message?.timestampMillis ?? 0 }),
                   validity: validity { $0.message?.timestampMillis != nil }),
            Column(type: .string, values: .bytes(ByteArrays(strings: rows.map(\.raw)))),
            Column(type: .string, values: .bytes(ByteArrays(strings: rows.map { $0.reasons.joined(separator: "; ") }))),
            Column(type: .string, values: .bytes(ByteArrays(strings: rows.map(\.kind.rawValue)))),
        ]
        try w.write(RecordBatch(schema: schema, columns: cols, rowCount: rows.count))
        try w.close()
        return staged
    }

    /// The Parquet twin's columns: where a row came from (file or message; the other's
    /// columns are null), then its text, reasons and kind.
    public static let parquetSchema = Schema([
        Field(name: "source", type: .string, nullable: true), Field(name: "line", type: .int64, nullable: true),
        Field(name: "topic", type: .string, nullable: true), Field(name: "partition", type: .int32, nullable: true),
        Field(name: "offset", type: .int64, nullable: true), Field(name: "key", type: .string, nullable: true),
        Field(name: "timestamp", type: .timestamp(.millis, utc: true), nullable: true),
        Field(name: "raw", type: .string, nullable: false), Field(name: "reasons", type: .string, nullable: false),
        Field(name: "kind", type: .string, nullable: false),
    ])

    /// `YYYY-MM-DDTHH:MM:SS[.mmm]Z`.
    static func isoMillis(_ ms: Int64) -> String {
        IngestSchema.isoTimestamp(ms, unit: .millis)
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
