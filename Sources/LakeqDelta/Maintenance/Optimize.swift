import Foundation
import LakeqColumnar
import LakeqParquet

/// What `DeltaTable.optimize` is asked to do.
public struct OptimizeOptions: Sendable {
    /// Output files aim at this size; nil: the table's `delta.targetFileSize`, else
    /// `DeltaTable.defaultTargetFileBytes` (100 MiB, as delta-rs).
    public var targetFileBytes: Int64?
    /// Which partitions to compact, given a file's partition values (Delta's string forms,
    /// nil for NULL); nil: all. The CLI builds it from `--where` SQL (`PartitionPredicate`).
    public var partitionFilter: (@Sendable ([String: String?]) -> Bool)?
    /// The filter's text, recorded in the commit's `operationParameters.predicate`.
    public var predicateText: String?
    /// Bins rewritten at once.
    public var threads: Int = 1
    /// Parquet options of the new files (compression, row groups...).
    public var writer = WriterOptions.lakeTable
    /// Commit attempts when concurrent appends keep winning the version race.
    public var maxAttempts = 10
    /// Called with the version about to be attempted, before every commit attempt (tests use
    /// it to commit concurrently; may throw to abort, the new files are then deleted).
    public var willCommit: (@Sendable (Int) throws -> Void)?

    public init() {}
}

/// What `DeltaTable.optimize` did.
public struct OptimizeResult: Sendable {
    /// The version committed; nil when there was nothing to compact (no commit).
    public var version: Int?
    public var filesRemoved = 0
    public var filesAdded = 0
    public var bytesRemoved: Int64 = 0
    public var bytesAdded: Int64 = 0
    /// Partitions in which files were rewritten.
    public var partitionsOptimized = 0
    /// Rows in the rewritten files.
    public var rows: Int64 = 0
    /// Small files left alone because their columns do not fit the table's schema.
    public var filesSkipped = 0
    public var targetFileBytes: Int64 = 0
    /// Commit attempts made (more than one: concurrent commits won the race first).
    public var attempts = 0
}

extension DeltaTable {
    /// Optimize's default target file size: 100 MiB, as delta-rs (`delta.targetFileSize` overrides).
    public static let defaultTargetFileBytes: Int64 = 100 << 20

    /// Compacts small files: in each partition (that `partitionFilter` accepts), the files
    /// smaller than the target are taken in the order they were added and cut into bins, a
    /// bin closing once its files reach the target; every bin of two or more files is
    /// rewritten as one file holding their rows in that order (each file's row order kept),
    /// with the table's schema and fresh statistics. So every output file but a partition's
    /// last holds at least the target in input bytes, and a partition ends with at most
    /// ceil(partition bytes / target) files. One commit (`operation: OPTIMIZE`) adds the new
    /// files and removes the old ones, both with `dataChange: false`: the table's rows do not
    /// change, so readers and streaming consumers may ignore it.
    ///
    /// Safe beside concurrent writers: on a version conflict the missed commits are checked;
    /// blind appends (adds only) commute with the compaction and it retries on the newest
    /// version; a commit that removed any file being rewritten (another optimize, a delete),
    /// or changed the schema or protocol, fails it with `concurrentModification` and nothing
    /// is committed. New files of a failed run are deleted.
    public func optimize(_ options: OptimizeOptions = OptimizeOptions()) throws -> OptimizeResult {
        let snapshot = try snapshot()
        try snapshot.protocolAction.checkWritable()
        let target = options.targetFileBytes ?? snapshot.properties.targetFileSize ?? Self.defaultTargetFileBytes
        guard target > 0 else { throw DeltaError.invalidArgument("the target file size must be positive") }
        var result = OptimizeResult()
        result.targetFileBytes = target

        // Partitions in first-seen order, files in the order they were added.
        var partitions: [[String: String?]] = []
        var members: [[String: String?]: [AddFile]] = [:]
        for f in snapshot.files {
            if let filter = options.partitionFilter, !filter(f.partitionValues) { continue }
            if members[f.partitionValues] == nil { partitions.append(f.partitionValues) }
            members[f.partitionValues, default: []].append(f)
        }
        let dataSchema = snapshot.dataSchema
        var bins: [[AddFile]] = []
        for p in partitions {
            var bin: [AddFile] = []
            var bytes: Int64 = 0
            var touched = false
            func close() {
                if bin.count > 1 { bins.append(bin); touched = true }
                bin = []
                bytes = 0
            }
            for f in members[p] ?? [] where f.size < target {
                guard try Self.fits(snapshot.absolutePath(of: f), dataSchema) else {
                    result.filesSkipped += 1
                    continue
                }
                bin.append(f)
                bytes += f.size
                if bytes >= target { close() }
            }
            close()
            if touched { result.partitionsOptimized += 1 }
        }
        guard !bins.isEmpty else { return result }

        // Rewrite the bins, `threads` at a time.
        var writerOptions = options.writer
        writerOptions.threads = 1
        let writer = DataFileWriter(snapshot: snapshot, options: writerOptions)
        var outputs = [AddFile?](repeating: nil, count: bins.count)
        let lock = NSLock()
        func discard() {
            lock.lock()
            let written = outputs.compactMap { $0 }
            lock.unlock()
            for a in written { try? FileManager.default.removeItem(atPath: snapshot.absolutePath(of: a)) }
        }
        do {
            try Parallel.forEach(count: bins.count, workers: options.threads) { _, i in
                let add = try self.rewrite(bins[i], snapshot: snapshot, writer: writer)
                lock.lock()
                outputs[i] = add
                lock.unlock()
            }
        } catch {
            discard()  // the files of bins that were rewritten before the failure
            throw error
        }
        let adds = outputs.compactMap { $0 }

        let now = Posix.nowMillis()
        let removed = bins.flatMap { $0 }
        let removes = removed.map {
            RemoveFile(path: $0.path, deletionTimestamp: now, dataChange: false, partitionValues: $0.partitionValues,
                       size: $0.size, extendedFileMetadata: true)
        }
        result.filesRemoved = removed.count
        result.filesAdded = adds.count
        result.bytesRemoved = removed.reduce(0) { $0 + $1.size }
        result.bytesAdded = adds.reduce(0) { $0 + $1.size }
        result.rows = adds.reduce(0) { $0 + ($1.numRecords ?? 0) }
        let rewriting = Set(removed.map(\.relativePath))
        var info = CommitInfo(timestamp: now, operation: "OPTIMIZE", operationParameters: [
            "predicate": JSONValue.array(options.predicateText.map { [.string($0)] } ?? []).serialized,
            "targetSize": String(target),
        ], extra: ["operationMetrics": .object([
            "numFilesAdded": .int(Int64(adds.count)), "numFilesRemoved": .int(Int64(removed.count)),
            "numAddedBytes": .int(result.bytesAdded), "numRemovedBytes": .int(result.bytesRemoved),
        ])])
        info.fields["isBlindAppend"] = .bool(false)
        var readVersion = snapshot.version
        do {
            for attempt in 1...max(1, options.maxAttempts) {
                result.attempts = attempt
                info.fields["readVersion"] = .int(Int64(readVersion))
                let actions: [Action] = [.commitInfo(info)] + removes.map { .remove($0) } + adds.map { .add($0) }
                try options.willCommit?(readVersion + 1)
                do {
                    let version = try publish(actions: actions, expectedVersion: readVersion)
                    result.version = version
                    checkpointIfDue(committed: version, actions: actions, base: snapshot)
                    return result
                } catch DeltaError.versionConflict {
                    guard let latest = try latestVersion(), latest > readVersion else { continue }
                    for v in (readVersion + 1)...latest {
                        for a in try self.actions(version: v) {
                            switch a {
                            case .remove(let r) where rewriting.contains(DeltaPath.percentDecoded(r.path) ?? r.path):
                                throw DeltaError.concurrentModification(
                                    "\(path): version \(v) removed \(r.path), which optimize was rewriting; nothing was committed (run optimize again)")
                            case .metaData:
                                throw DeltaError.concurrentModification("\(path): version \(v) changed the table's metadata while optimizing; nothing was committed")
                            case .protocol:
                                throw DeltaError.concurrentModification("\(path): version \(v) changed the table's protocol while optimizing; nothing was committed")
                            default: continue
                            }
                        }
                    }
                    readVersion = latest
                }
            }
            throw DeltaError.concurrentModification("\(path): gave up after \(options.maxAttempts) attempts: other writers kept committing first")
        } catch {
            discard()
            throw error
        }
    }

    /// Whether the file at `path` can be rewritten under `schema`: each table column is in the
    /// file with the same type, or missing and nullable (it reads as NULL there).
    static func fits(_ path: String, _ schema: Schema) throws -> Bool {
        let fileSchema: Schema
        do { fileSchema = try ParquetFile(path: path).schema.arrowSchema } catch let e as ParquetError {
            throw DeltaError.corrupt("\(path): cannot read a file of the table: \(e)")
        }
        for f in schema.fields {
            if let g = fileSchema.fields.first(where: { $0.name == f.name }) {
                if g.type != f.type { return false }
            } else if !f.nullable {
                return false
            }
        }
        return true
    }

    /// One bin's rows, file after file, as one new file (`dataChange: false`).
    func rewrite(_ bin: [AddFile], snapshot: DeltaSnapshot, writer: DataFileWriter) throws -> AddFile {
        let schema = snapshot.dataSchema
        guard let first = bin.first else { throw DeltaError.invalidArgument("an empty bin") }
        return try writer.write(partitionValues: first.partitionValues, dataChange: false) { emit in
            for f in bin {
                let path = snapshot.absolutePath(of: f)
                do {
                    let file = try ParquetFile(path: path)
                    let fileSchema = file.schema.arrowSchema
                    for g in 0..<file.rowGroupCount {
                        let batch = try file.readRowGroup(g)
                        var columns: [Column] = []
                        for field in schema.fields {
                            if let i = fileSchema.index(of: field.name) {
                                columns.append(batch.columns[i])
                            } else {
                                columns.append(try Self.nullColumn(field.type, count: batch.rowCount))
                            }
                        }
                        try emit(RecordBatch(schema: schema, columns: columns, rowCount: batch.rowCount))
                    }
                } catch let e as ParquetError {
                    throw DeltaError.corrupt("\(path): cannot rewrite: \(e)")
                }
            }
        }
    }

    /// A column of `count` NULLs of a Delta type (a column the file predates).
    static func nullColumn(_ type: DataType, count: Int) throws -> Column {
        let values: ColumnValues
        switch type {
        case .int64, .timestamp: values = .int64(Array(repeating: 0, count: count))
        case .int32, .int16, .int8, .date32: values = .int32(Array(repeating: 0, count: count))
        case .float64: values = .float64(Array(repeating: 0, count: count))
        case .float32: values = .float32(Array(repeating: 0, count: count))
        case .boolean: values = .boolean(Array(repeating: false, count: count))
        case .string, .binary, .json:
            values = .bytes(ByteArrays(offsets: Array(repeating: 0, count: count + 1), data: []))
        case .decimal(let p, _) where p <= 9: values = .int32(Array(repeating: 0, count: count))
        case .decimal(let p, _) where p <= 18: values = .int64(Array(repeating: 0, count: count))
        default:
            throw DeltaError.unsupported("cannot fill a missing \(type) column with NULLs")
        }
        return Column(type: type, values: values, validity: Bitmap(count: count, value: false))
    }
}
