import Dispatch
import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqParquet

/// What `lakeq ingest` was asked to do.
public struct IngestOptions {
    public var lake: String
    public var table: String
    /// From `--schema`; required when the table does not exist yet.
    public var schema: IngestSchema?
    public var partitionBy: [String] = []
    /// nil: from each source's extension (stdin: csv).
    public var format: SourceFormat?
    /// Input lines per commit; nil: the whole run is one commit.
    public var batchRows: Int?
    /// Fail (nothing committed) when bad rows / rows read exceeds this. nil: no limit, but a
    /// run where every row is bad fails unless this is given.
    public var maxBadFraction: Double?
    /// Ingest sources even if the table already holds them.
    public var force = false
    public var threads = 1
    public var writer = WriterOptions.lakeTable
    /// Lines parsed per write block when the run is one commit (bounds memory).
    public var blockLines = 1 << 20
    /// Called after every block (for a progress line).
    public var progress: ((_ rowsRead: Int, _ seconds: Double) -> Void)?
    /// Recorded as the commits' `commitInfo.engineInfo`.
    public var engineInfo = "lakeq ingest"

    public init(lake: String, table: String) {
        self.lake = lake
        self.table = table
    }
}

/// What a run did.
public struct IngestSummary {
    public var rowsRead = 0
    public var rowsCommitted = 0
    public var rowsQuarantined = 0
    public var quarantinedByKind: [String: Int] = [:]
    public var filesWritten = 0
    public var bytesWritten: Int64 = 0
    public var seconds = 0.0
    public var versions: [Int] = []
    public var skippedSources: [String] = []
    public var createdTable = false

    public var rowsPerSecond: Double { seconds > 0 ? Double(rowsRead) / seconds : 0 }
}

/// A source loaded into memory (mapped for files, read fully for stdin).
final class Source {
    let name: String
    let data: Data
    let format: SourceFormat
    var hash = ""
    var appId: String { "lakeq-ingest:" + hash }
    /// Lines already committed by an earlier (interrupted, batched) run.
    var doneLine = 0
    var lastLine = 0

    init(name: String, data: Data, format: SourceFormat) {
        self.name = name
        self.data = data
        self.format = format
    }
}

/// CSV / JSON Lines into a Delta table with validation and quarantine (see `spec/ingest.md`).
public final class Ingestor {
    public let options: IngestOptions
    let tablePath: String
    let quarantine: Quarantine
    let start = DispatchTime.now()

    /// Where the stored ingest schema (with its rules) lives in the table's metadata.
    public static let schemaKey = IngestSchema.configurationKey

    public init(options: IngestOptions) {
        self.options = options
        tablePath = options.lake + "/" + options.table
        quarantine = Quarantine(lake: options.lake, table: options.table)
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    // MARK: table

    /// Opens the table (checking `--schema` / `--partition-by` agree with it) or creates it.
    func openOrCreate(_ summary: inout IngestSummary) throws -> (DeltaTable, IngestSchema) {
        // A `_delta_log` without commits is a creation that died before committing version 0.
        let exists = DeltaTable.isDeltaTable(tablePath) && ((try? DeltaTable(path: tablePath).latestVersion()) ?? nil) != nil
        if !exists {
            guard let schema = options.schema else {
                throw IngestError.usage("\(tablePath) does not exist: the first ingest needs --schema")
            }
            do {
                let t = try schema.createTable(at: tablePath, partitionColumns: options.partitionBy, name: options.table)
                summary.createdTable = true
                return (t, schema)
            } catch DeltaError.invalidArgument(let m) where m.contains("already a Delta table") {
                // Another ingest created it at the same moment: use theirs (checked below).
            }
        }
        let table = try DeltaTable(path: tablePath)
        let snap = try table.snapshot()
        let stored = try IngestSchema.of(snap)
        if let given = options.schema, let diff = given.structuralDifference(from: stored) {
            throw IngestError.schema("--schema disagrees with the table \(tablePath): \(diff)")
        }
        if !options.partitionBy.isEmpty && options.partitionBy != snap.partitionColumns {
            throw IngestError.usage("--partition-by \(options.partitionBy.joined(separator: ",")) disagrees with the table's partitioning [\(snap.partitionColumns.joined(separator: ","))]")
        }
        // The rules of --schema apply when given (same columns, possibly new rules).
        return (table, options.schema ?? stored)
    }

    // MARK: sources

    func load(_ path: String) throws -> Source {
        let data: Data
        let name: String
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
            name = "stdin"
        } else {
            guard FileManager.default.isReadableFile(atPath: path) else { throw IngestError.io("\(path): no such file or not readable") }
            do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
                throw IngestError.io("\(path): cannot read: \(error.localizedDescription)")
            }
            name = (path as NSString).lastPathComponent
        }
        let format: SourceFormat
        if let f = options.format { format = f } else {
            switch (path as NSString).pathExtension.lowercased() {
            case "csv": format = .csv
            case "jsonl", "ndjson", "json": format = .jsonl
            case "" where path == "-": format = .csv
            default: throw IngestError.usage("cannot tell the format of \(path): use --format csv|jsonl")
            }
        }
        return Source(name: name, data: data, format: format)
    }

    /// CSV chunks never end inside a quoted field (a record may span lines).
    static func segments(_ bytes: UnsafeRawBufferPointer, from startOffset: Int, firstLine: Int,
                         perSegment: Int, perChunk: Int, csv: Bool) -> (segments: [[Chunk]], lastLine: Int) {
        ParallelChunks.segments(bytes, from: startOffset, firstLine: firstLine, perSegment: perSegment, perChunk: perChunk, csvQuotes: csv)
    }

    /// The header mapping of a CSV source, and the offset where data lines start.
    func fieldMap(_ source: Source, _ bytes: UnsafeRawBufferPointer, _ schema: IngestSchema) throws -> (FieldMap, Int) {
        var map = FieldMap()
        let cols = schema.columns
        map.names = cols.map { Array($0.name.utf8) }
        map.byName = Dictionary(cols.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        guard source.format == .csv else { return (map, 0) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { throw IngestError.usage("\(source.name): empty CSV: no header row") }
        let end = memchr(base, 0x0A, bytes.count).map { base.distance(to: UnsafeRawPointer($0)) } ?? bytes.count
        var headerEnd = end
        if headerEnd > 0 && bytes[headerEnd - 1] == 0x0D { headerEnd -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: bytes[0..<headerEnd])
        var scanner = CSVScanner(line)
        var fields: [RawField] = []
        var error: String?
        let scratch = TextScratch()
        guard scanner.next(into: &fields, error: &error) != nil, error == nil else {
            throw IngestError.usage("\(source.name): cannot read the CSV header\(error.map { ": " + $0 } ?? "")")
        }
        let header = fields.map { String(decoding: CSVScanner.text(line, $0, scratch: scratch), as: UTF8.self) }
        map.csvFieldCount = header.count
        for h in header {
            guard let k = map.byName[h], cols[k].derivedFrom == nil else {
                throw IngestError.usage("\(source.name): CSV column \(h) is not a source column of the schema")
            }
            map.csvTarget.append(k)
        }
        for c in cols where c.derivedFrom == nil && !header.contains(c.name) {
            throw IngestError.usage("\(source.name): schema column \(c.name) is missing from the CSV header")
        }
        return (map, min(end + 1, bytes.count))
    }

    // MARK: run

    func parallel(_ count: Int, _ body: (Int) -> Void) {
        ParallelChunks.run(threads: options.threads, count: count, body)
    }

    /// Data files written on a background queue while the next block is parsed (one commit
    /// for the run: nothing waits for the files until the commit). At most `depth` blocks are
    /// waiting or being written, bounding memory.
    final class BackgroundWrites: @unchecked Sendable {
        private let queue = DispatchQueue(label: "lakeq.ingest.write")
        private let group = DispatchGroup()
        private let slots: DispatchSemaphore
        private let lock = NSLock()
        private var results: [[AddFile]] = []
        private var failure: Error?

        init(depth: Int = 2) { slots = DispatchSemaphore(value: depth) }

        /// Queues a block's write; throws an earlier write's error instead (the run stops).
        func submit(_ write: @escaping () throws -> [AddFile]) throws {
            slots.wait()
            lock.lock()
            if let failure {
                lock.unlock()
                slots.signal()
                throw failure
            }
            let i = results.count
            results.append([])
            lock.unlock()
            queue.async(group: group) { [self] in
                defer { slots.signal() }
                lock.lock(); let failed = failure != nil; lock.unlock()
                if failed { return }  // the run fails anyway: write nothing more
                do {
                    let adds = try write()
                    lock.lock(); results[i] = adds; lock.unlock()
                } catch {
                    lock.lock(); failure = failure ?? error; lock.unlock()
                }
            }
        }

        /// Waits for every write; the files in submission order, or the first error (with the
        /// files that were written, for removal).
        func finish() -> (adds: [AddFile], error: Error?) {
            group.wait()
            lock.lock(); defer { lock.unlock() }
            return (results.flatMap { $0 }, failure)
        }
    }

    /// What one commit will hold.
    final class Pending {
        var adds: [AddFile] = []
        var bad: [QuarantineRow] = []
        var txns: [TransactionAction] = []
        var sourcesInfo: [JSONValue] = []
        var rows = 0
        var kinds: [String: Int] = [:]
    }

    public func run(sources paths: [String]) throws -> IngestSummary {
        var summary = IngestSummary()
        guard !paths.isEmpty else { throw IngestError.usage("no sources given") }
        if paths.filter({ $0 == "-" }).count > 1 { throw IngestError.usage("stdin (-) may be given once") }
        let sources = try paths.map(load)
        // Check the sources' headers before a new table is created from --schema: a run that
        // fails on its input must not leave a table behind.
        if !DeltaTable.isDeltaTable(tablePath), let given = options.schema {
            for s in sources { _ = try s.data.withUnsafeBytes { try fieldMap(s, $0, given) } }
        }
        let (table, schema) = try openOrCreate(&summary)
        let snap = try table.snapshot()
        for p in snap.partitionColumns where !schema.columns.contains(where: { $0.name == p }) {
            throw IngestError.schema("partition column \(p) is not in the schema")
        }
        let compiled = CompiledSchema(schema)
        let writer = DataFileWriter(snapshot: snap, options: options.writer)

        for s in sources {
            s.hash = s.data.withUnsafeBytes { ContentHash.hash($0, threads: options.threads) }
            if !options.force { s.doneLine = Int(snap.transactions[s.appId] ?? 0) }
        }

        // --max-bad-fraction with several commits: validate everything first, so that an
        // exceeded limit commits nothing.
        if options.batchRows != nil, options.maxBadFraction != nil {
            var read = 0, badCount = 0
            for s in sources {
                try s.data.withUnsafeBytes { bytes in
                    let (map, dataStart) = try fieldMap(s, bytes, schema)
                    let (segs, _) = Self.segments(bytes, from: dataStart, firstLine: s.format == .csv ? 2 : 1, perSegment: .max, perChunk: 65_536, csv: s.format == .csv)
                    let parser = ChunkParser(schema: compiled, format: s.format, map: map)
                    let chunks = segs.flatMap { $0 }.filter { $0.firstLine + $0.lines - 1 > s.doneLine }
                    var outs = [ChunkOutput?](repeating: nil, count: chunks.count)
                    let lock = NSLock()
                    parallel(chunks.count) { i in
                        let o = parser.parse(bytes, chunks[i], keepColumns: false)
                        lock.lock(); outs[i] = o; lock.unlock()
                    }
                    for o in outs.compactMap({ $0 }) { read += o.rows + o.bad.count; badCount += o.bad.count }
                }
            }
            try checkBadFraction(bad: badCount, read: read)
        }

        let single = options.batchRows == nil
        let pending = Pending()
        var total = (read: 0, bad: 0)
        let background = BackgroundWrites()
        // A failure below must not leave writes running (their files are removed).
        var finished = false
        defer {
            if !finished { removeFiles(background.finish().adds) }
        }

        for s in sources {
            try s.data.withUnsafeBytes { bytes in
                let (map, dataStart) = try fieldMap(s, bytes, schema)
                let perSegment = options.batchRows ?? options.blockLines
                let (segs, lastLine) = Self.segments(bytes, from: dataStart, firstLine: s.format == .csv ? 2 : 1,
                                                     perSegment: perSegment, perChunk: min(65_536, perSegment), csv: s.format == .csv)
                s.lastLine = lastLine
                if s.doneLine >= lastLine && !options.force {
                    summary.skippedSources.append(s.name)
                    return
                }
                let parser = ChunkParser(schema: compiled, format: s.format, map: map)
                var sourceRows = 0, sourceBad = 0
                for seg in segs {
                    let segLast = (seg.last.map { $0.firstLine + $0.lines - 1 }) ?? 0
                    // Lines an earlier batched run committed are not ingested again.
                    let chunks = seg.filter { $0.firstLine + $0.lines - 1 > s.doneLine }
                    if chunks.isEmpty { continue }
                    if let c = chunks.first, c.firstLine <= s.doneLine {
                        throw IngestError.usage("\(s.name): an earlier run committed up to line \(s.doneLine), inside a batch of this run; re-run with the earlier --batch-rows")
                    }
                    let target = single ? pending : Pending()
                    var outs = [ChunkOutput?](repeating: nil, count: chunks.count)
                    let lock = NSLock()
                    parallel(chunks.count) { i in
                        let o = parser.parse(bytes, chunks[i], keepColumns: true)
                        lock.lock(); outs[i] = o; lock.unlock()
                    }
                    let outputs = outs.compactMap { $0 }
                    for o in outputs {
                        sourceRows += o.rows
                        sourceBad += o.bad.count
                        target.rows += o.rows
                        for b in o.bad {
                            target.bad.append(QuarantineRow(source: s.name, line: b.line,
                                                            raw: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[b.start..<b.end]), as: UTF8.self),
                                                            reasons: b.reasons, kind: b.kind))
                            target.kinds[b.kind.rawValue, default: 0] += 1
                        }
                    }
                    total.read += outputs.reduce(0) { $0 + $1.rows + $1.bad.count }
                    total.bad += outputs.reduce(0) { $0 + $1.bad.count }
                    options.progress?(total.read, elapsed)
                    if single {
                        try background.submit { try self.writeFiles(outputs, schema: schema, writer: writer) }
                    } else {
                        let adds = try writeFiles(outputs, schema: schema, writer: writer)
                        target.adds += adds
                        summary.filesWritten += adds.count
                        summary.bytesWritten += adds.reduce(0) { $0 + $1.size }
                        target.txns = options.force ? [] : [TransactionAction(appId: s.appId, version: Int64(segLast))]
                        target.sourcesInfo = [sourceInfo(s, firstLine: chunks.first?.firstLine ?? 0, lastLine: segLast, rows: outputs.reduce(0) { $0 + $1.rows }, bad: outputs.reduce(0) { $0 + $1.bad.count })]
                        if let v = try commit(table, target, &summary) { summary.versions.append(v) } else { return }
                    }
                }
                if single {
                    if !options.force { pending.txns.append(TransactionAction(appId: s.appId, version: Int64(lastLine))) }
                    pending.sourcesInfo.append(sourceInfo(s, firstLine: s.doneLine + 1, lastLine: lastLine, rows: sourceRows, bad: sourceBad))
                }
            }
        }
        let written = background.finish()
        finished = true
        if let error = written.error {
            removeFiles(written.adds)
            throw error
        }
        pending.adds += written.adds
        summary.filesWritten += written.adds.count
        summary.bytesWritten += written.adds.reduce(0) { $0 + $1.size }
        summary.rowsRead = total.read
        if single && !pending.sourcesInfo.isEmpty {
            do {
                try checkBadFraction(bad: total.bad, read: total.read)
            } catch {
                removeFiles(pending.adds)
                throw error
            }
            if let v = try commit(table, pending, &summary) { summary.versions.append(v) }
        }
        summary.seconds = elapsed
        return summary
    }

    func sourceInfo(_ s: Source, firstLine: Int, lastLine: Int, rows: Int, bad: Int) -> JSONValue {
        .object(["name": .string(s.name), "hash": .string(s.hash), "hashAlgorithm": .string("lakeq-fnv1a64w"),
                 "firstLine": .int(Int64(firstLine)), "lastLine": .int(Int64(lastLine)),
                 "rows": .int(Int64(rows)), "quarantined": .int(Int64(bad))])
    }

    func checkBadFraction(bad: Int, read: Int) throws {
        if let limit = options.maxBadFraction {
            if read > 0, Double(bad) / Double(read) > limit {
                throw IngestError.tooManyBad("\(bad) of \(read) rows are bad (\(String(format: "%.4f", Double(bad) / Double(read))) > --max-bad-fraction \(limit)); nothing committed")
            }
        } else if read > 0 && bad == read {
            throw IngestError.tooManyBad("all \(read) rows are bad; nothing committed (pass --max-bad-fraction 1 to quarantine them anyway)")
        }
    }

    /// Commits `p` (data files, quarantine, txns); nil when another run already committed
    /// these sources (the files are then removed).
    func commit(_ table: DeltaTable, _ p: Pending, _ summary: inout IngestSummary) throws -> Int? {
        let staged = p.bad.isEmpty ? nil : try quarantine.stage(p.bad)
        var info = CommitInfo(timestamp: Int64(Date().timeIntervalSince1970 * 1000), operation: "WRITE",
                              operationParameters: ["mode": "Append"],
                              extra: ["lakeqIngest": .object(["sources": .array(p.sourcesInfo),
                                                              "rows": .int(Int64(p.rows)),
                                                              "quarantineRows": .int(Int64(p.bad.count))])])
        info.fields["engineInfo"] = .string(options.engineInfo)
        try quarantine.lock()
        defer { quarantine.unlock() }
        do {
            // Files for versions no commit names are leftovers of crashed runs.
            try quarantine.removeStale(table: table)
            let v = try table.append(p.adds, transactions: p.txns, commitInfo: info) { version in
                if let staged { try self.quarantine.place(staged, version: version) }
            }
            summary.rowsCommitted += p.rows
            summary.rowsQuarantined += p.bad.count
            for (k, n) in p.kinds { summary.quarantinedByKind[k, default: 0] += n }
            return v
        } catch DeltaError.transactionAlreadyCommitted {
            if let staged { quarantine.discard(staged) }
            removeFiles(p.adds)
            summary.skippedSources += p.sourcesInfo.compactMap { $0.objectValue?["name"]?.stringValue }
            return nil
        } catch {
            if let staged { quarantine.discard(staged) }
            removeFiles(p.adds)
            throw error
        }
    }

    func removeFiles(_ adds: [AddFile]) {
        for a in adds { unlink(tablePath + "/" + a.relativePath) }
    }

    // MARK: files

    /// Writes the good rows of a block: one file per partition value, partitions in parallel.
    func writeFiles(_ outputs: [ChunkOutput], schema: IngestSchema, writer: DataFileWriter) throws -> [AddFile] {
        let arrow = schema.arrowSchema
        let batches = outputs.filter { $0.rows > 0 }.map { RecordBatch(schema: arrow, columns: $0.columns, rowCount: $0.rows) }
        return try PartitionedFiles(writer: writer, threads: options.threads).write(batches)
    }
}
