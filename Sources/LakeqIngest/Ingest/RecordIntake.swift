import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqParquet

/// A batch of JSON records checked against a table's rules, waiting to be committed.
public struct ValidatedRecords: @unchecked Sendable {
    /// Records that passed every rule.
    public let accepted: Int
    /// Records that failed, in input order.
    public let rejected: [RejectedRecord]
    /// The accepted rows, in the table's schema (derived columns filled).
    public let batches: [RecordBatch]

    /// Every record of the batch.
    public var count: Int { accepted + rejected.count }
}

/// One record set aside, with every reason found (as `lakeq ingest` words them).
public struct RejectedRecord: Sendable {
    /// 0-based position of the record in its batch.
    public var index: Int
    /// The record's JSON text.
    public var raw: String
    public var reasons: [String]
    public var kind: ReasonKind
}

/// Appends JSON records to a Delta table by the table's own rules, the way `lakeq ingest`
/// does for files, with the same parts: `RecordParser` validates, `PartitionedFiles` writes
/// one file per partition, and `Ingestor`'s commit places the bad rows in the table's
/// quarantine in the same Delta commit (see `spec/ingest.md`).
///
/// Built for many small batches committed together (the API service's group commit of
/// `POST /v1/events`): `validate` runs per batch on any thread; `commit` takes several
/// validated batches (and optional `txn` actions) and makes them ONE Delta commit.
public final class RecordAppender: @unchecked Sendable {
    /// The rules in force: the table's own (`IngestSchema.of`), or those given when creating it.
    public let schema: IngestSchema
    public let tablePath: String
    let parser: RecordParser
    let ingestor: Ingestor
    let table: DeltaTable
    let files: PartitionedFiles

    /// Opens the table `lake/table`, creating it from `schema` (partitioned by
    /// `partitionBy`) when it does not exist. An existing table validates by its own stored
    /// rules; `schema`, when given, must have the same columns and then replaces the rules
    /// (as `ingest --schema` does).
    public init(lake: String, table name: String, schema: IngestSchema?, partitionBy: [String] = [],
                engineInfo: String = "lakeq", threads: Int = 1) throws {
        var options = IngestOptions(lake: lake, table: name)
        options.schema = schema
        options.partitionBy = partitionBy
        options.engineInfo = engineInfo
        options.threads = max(1, threads)
        ingestor = Ingestor(options: options)
        var summary = IngestSummary()
        let (t, rules) = try ingestor.openOrCreate(&summary)
        table = t
        self.schema = rules
        tablePath = ingestor.tablePath
        let snapshot = try t.snapshot()
        for p in snapshot.partitionColumns where !rules.columns.contains(where: { $0.name == p }) {
            throw IngestError.schema("partition column \(p) is not in the schema")
        }
        parser = RecordParser(schema: rules, format: .jsonl)
        files = PartitionedFiles(writer: DataFileWriter(snapshot: snapshot, options: options.writer), threads: options.threads)
    }

    /// Checks records given as JSON Lines: one flat object per line (blank lines are not
    /// records). Record `i` is the i-th non-blank line. `compact`: the caller guarantees every
    /// line is a record ending in `\n` (as `JSONRecords.lines(fromArray:)` makes them).
    public func validate(jsonLines bytes: [UInt8], compact: Bool = false) -> ValidatedRecords {
        let lines = compact ? bytes : Self.compactLines(bytes)
        let count = lines.withUnsafeBufferPointer { p in
            var k = 0
            var at = 0
            while at < p.count, let base = p.baseAddress, let hit = memchr(base + at, 0x0A, p.count - at) {
                k += 1
                at = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit)) + 1
            }
            return k
        }
        return lines.withUnsafeBytes { raw in
            let out = parser.parse(raw, chunks: [Chunk(start: 0, end: raw.count, firstLine: 1, lines: count)], threads: 1)
            let rejected = out.bad.map { b in
                RejectedRecord(index: b.line - 1, raw: String(decoding: UnsafeRawBufferPointer(rebasing: raw[b.start..<b.end]), as: UTF8.self),
                               reasons: b.reasons, kind: b.kind)
            }
            return ValidatedRecords(accepted: out.rows, rejected: rejected, batches: out.batches)
        }
    }

    /// The text with blank lines dropped and every line ending in `\n`.
    static func compactLines(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 1)
        var start = 0
        var i = 0
        func take(_ s: Int, _ e: Int) {
            var e = e
            if e > s, bytes[e - 1] == 0x0D { e -= 1 }
            var blank = true
            for k in s..<e where bytes[k] != 0x20 && bytes[k] != 0x09 { blank = false; break }
            if blank { return }
            out.append(contentsOf: bytes[s..<e])
            out.append(0x0A)
        }
        while i < bytes.count {
            if bytes[i] == 0x0A {
                take(start, i)
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count { take(start, bytes.count) }
        return out
    }

    /// One validated batch to commit: its records, the name its bad rows get as `source` in
    /// the quarantine (their `line` is the record index + 1), and what else to record about
    /// it in the commit's `commitInfo.lakeqIngest.sources`.
    public struct Batch: @unchecked Sendable {
        public var records: ValidatedRecords
        public var source: String
        public var info: [String: JSONValue]

        public init(records: ValidatedRecords, source: String, info: [String: JSONValue] = [:]) {
            self.records = records
            self.source = source
            self.info = info
        }
    }

    /// Commits the good rows of every batch and quarantines their bad rows, as one Delta
    /// commit. `transactions` are recorded with it (idempotent writers). Returns the version
    /// committed, or nil when there was nothing to commit or a transaction was already in the
    /// table (nothing is committed then).
    public func commit(_ batches: [Batch], transactions: [TransactionAction] = []) throws -> Int? {
        let pending = Ingestor.Pending()
        for b in batches {
            pending.rows += b.records.accepted
            for r in b.records.rejected {
                pending.bad.append(QuarantineRow(source: b.source, line: r.index + 1, raw: r.raw, reasons: r.reasons, kind: r.kind))
                pending.kinds[r.kind.rawValue, default: 0] += 1
            }
            var info = b.info
            info["name"] = .string(b.source)
            info["rows"] = .int(Int64(b.records.accepted))
            info["quarantined"] = .int(Int64(b.records.rejected.count))
            pending.sourcesInfo.append(.object(info))
        }
        if pending.rows == 0 && pending.bad.isEmpty && transactions.isEmpty { return nil }
        pending.txns = transactions
        pending.adds = try files.write(batches.flatMap(\.records.batches))
        var summary = IngestSummary()
        return try ingestor.commit(table, pending, &summary)
    }

    /// The table's current snapshot (for its `txn` versions, for instance).
    public func snapshot() throws -> DeltaSnapshot { try table.snapshot() }
}

/// Turns a JSON array of records into JSON Lines, one element per line, so that arrays and
/// lines are validated by the same scanner.
public enum JSONRecords {
    public struct Malformed: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The elements of a top-level JSON array, one per line (line breaks between tokens
    /// become spaces; inside strings they are invalid JSON and fail the whole array). Element
    /// structure is checked only as far as finding where each ends (strings, escapes,
    /// nesting); each element is then validated as a record. Elements are copied whole; only
    /// one holding a line break is copied byte by byte.
    public static func lines(fromArray bytes: [UInt8]) throws -> [UInt8] {
        try bytes.withUnsafeBufferPointer { try lines(fromArray: $0) }
    }

    static func lines(fromArray b: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        let n = b.count
        var i = 0
        @inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        func skipSpace() { while i < n, isSpace(b[i]) { i += 1 } }
        skipSpace()
        guard i < n, b[i] == UInt8(ascii: "[") else { throw Malformed(description: "expected a JSON array") }
        i += 1
        var out: [UInt8] = []
        out.reserveCapacity(n)
        skipSpace()
        if i < n, b[i] == UInt8(ascii: "]") {
            i += 1
            skipSpace()
            guard i == n else { throw Malformed(description: "unexpected text after the array at byte \(i)") }
            return out
        }
        while true {
            skipSpace()
            let start = i
            var depth = 0
            var breaks = false
            // One element: up to the comma or bracket that closes it at depth 0.
            scan: while i < n {
                let c = b[i]
                switch c {
                case UInt8(ascii: "\""):
                    // Skip the string (escapes included); a raw line break in it is invalid.
                    i += 1
                    while i < n {
                        let d = b[i]
                        if d == UInt8(ascii: "\\") { i += 2; continue }
                        if d == UInt8(ascii: "\"") { break }
                        if d == 0x0A || d == 0x0D { throw Malformed(description: "a line break inside a string at byte \(i)") }
                        i += 1
                    }
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { break scan }
                    depth -= 1
                case UInt8(ascii: ","):
                    if depth == 0 { break scan }
                case 0x0A, 0x0D: breaks = true
                default: break
                }
                i += 1
            }
            guard i < n else { throw Malformed(description: "the JSON array is not closed") }
            var end = i
            while end > start, isSpace(b[end - 1]) { end -= 1 }
            guard end > start else { throw Malformed(description: "empty array element at byte \(start)") }
            let element = UnsafeBufferPointer(rebasing: b[start..<end])
            if breaks {
                // Line breaks between tokens become spaces (strings hold none: checked above).
                for c in element { out.append(c == 0x0A || c == 0x0D ? 0x20 : c) }
            } else {
                out.append(contentsOf: element)
            }
            out.append(0x0A)
            if b[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard b[i] == UInt8(ascii: "]") else { throw Malformed(description: "unexpected '\(Character(Unicode.Scalar(b[i])))' at byte \(i)") }
            i += 1
            skipSpace()
            guard i == n else { throw Malformed(description: "unexpected text after the array at byte \(i)") }
            return out
        }
    }
}
