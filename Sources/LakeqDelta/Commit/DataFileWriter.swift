import Foundation
import LakeqColumnar
import LakeqParquet

/// Writes a table's data files and describes each as an `add` action, ready to `append`.
///
/// Each call writes one new Parquet file `TABLE/key=value/.../part-<uuid>.parquet` holding
/// the non-partition columns, fsyncs it and its directory, and returns its `AddFile` with
/// `stats` (row count, per-column min/max/null count) taken from the Parquet footer. Files
/// are invisible to readers until a commit adds them; if the process dies before that they
/// are orphans that `vacuum` removes.
public final class DataFileWriter {
    public let tablePath: String
    /// The table's full schema (partition columns included).
    public let schema: Schema
    public let partitionColumns: [String]
    public let options: WriterOptions

    /// - Parameter options: Parquet options; `fsync` is forced on (the commit protocol
    ///   relies on data being durable before the log names it).
    public init(tablePath: String, schema: Schema, partitionColumns: [String], options: WriterOptions = .lakeTable) {
        self.tablePath = tablePath
        self.schema = schema
        self.partitionColumns = partitionColumns
        var o = options
        o.fsync = true
        // Bloom filters only on columns the files hold (callers may ask for user_id / event_id
        // on any table; partition columns live in the path).
        let stored = Set(schema.fields.map(\.name)).subtracting(partitionColumns)
        o.bloomFilters = o.bloomFilters.filter { stored.contains($0.key) }
        self.options = o
    }

    /// A writer for the table as of `snapshot`; files are encrypted when the table's properties
    /// say so (`TableEncryption`).
    public convenience init(snapshot: DeltaSnapshot, options: WriterOptions = .lakeTable) {
        var o = options
        var problem: Error?
        do { o = try TableEncryption.apply(snapshot.metadata.configuration, to: options) } catch { problem = error }
        self.init(tablePath: snapshot.tablePath, schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, options: o)
        encryptionProblem = problem
    }

    /// Why the table's encryption cannot be applied (no key file): every write throws it.
    private var encryptionProblem: Error?

    /// The columns stored in the files.
    public var dataSchema: Schema { Schema(schema.fields.filter { !partitionColumns.contains($0.name) }) }

    /// Writes `batches` — rows of one partition — to one new file.
    ///
    /// Batches may hold the data columns only, or the full schema (partition columns are
    /// then dropped: their values live in the path and the log). `partitionValues` maps each
    /// partition column to its Delta string form (`DeltaPartition.string(of:row:)`), nil for NULL.
    public func write(_ batches: [RecordBatch], partitionValues: [String: String?]) throws -> AddFile {
        try write(partitionValues: partitionValues) { emit in
            for b in batches { try emit(b) }
        }
    }

    /// Writes the batches `produce` emits — rows of one partition — to one new file, streaming:
    /// each batch may be dropped once emitted (row groups are written as they fill), so a
    /// rewrite of many files never holds them all in memory. Otherwise as `write(_:partitionValues:)`.
    public func write(partitionValues: [String: String?], dataChange: Bool = true,
                      _ produce: (_ emit: (RecordBatch) throws -> Void) throws -> Void) throws -> AddFile {
        if let encryptionProblem { throw encryptionProblem }
        guard Set(partitionValues.keys) == Set(partitionColumns) else {
            throw DeltaError.invalidArgument("partition values given for [\(partitionValues.keys.sorted().joined(separator: ", "))], the table is partitioned by [\(partitionColumns.joined(separator: ", "))]")
        }
        let target = dataSchema
        var relDir = ""
        for p in partitionColumns {
            relDir += DeltaPath.partitionSegment(p, partitionValues[p] ?? nil) + "/"
        }
        let dir = relDir.isEmpty ? tablePath : tablePath + "/" + String(relDir.dropLast())
        let createdDir = !FileManager.default.fileExists(atPath: dir)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw DeltaError.io("\(dir): cannot create: \(error.localizedDescription)")
        }
        let name = "part-" + UUID().uuidString.lowercased() + ".parquet"
        let full = dir + "/" + name
        let writer = try ParquetWriter(path: full, schema: target, options: options)
        var meta: FileMetaData
        do {
            try produce { b in try writer.write(try project(b, to: target)) }
            meta = try writer.close()
        } catch {
            // Leave no partial file behind on a failed write.
            try? FileManager.default.removeItem(atPath: full)
            throw error
        }
        // The file's name must be durable too, and so must any folder created for it.
        try Posix.fsyncDirectory(dir)
        if createdDir {
            var d = dir
            while d.count > tablePath.count, let slash = d.lastIndex(of: "/") {
                d = String(d[..<slash])
                try Posix.fsyncDirectory(d)
            }
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: full)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        let stats = try Self.stats(of: meta, schema: target)
        return AddFile(path: DeltaPath.uriEncode(relDir + name), partitionValues: partitionValues, size: size,
                       modificationTime: Posix.nowMillis(), dataChange: dataChange, statsJSON: stats.json)
    }

    /// Splits `batch` (full table schema) by partition values and writes one file per
    /// partition. Returns the adds in first-seen partition order.
    public func writePartitioned(_ batch: RecordBatch) throws -> [AddFile] {
        if partitionColumns.isEmpty { return [try write([batch], partitionValues: [:])] }
        var columns: [Column] = []
        for p in partitionColumns {
            guard let i = batch.schema.index(of: p) else { throw DeltaError.invalidArgument("batch has no partition column \(p)") }
            columns.append(batch.columns[i])
        }
        var groups: [[String?]: [Int32]] = [:]
        var order: [[String?]] = []
        for row in 0..<batch.rowCount {
            let key = try columns.map { try DeltaPartition.string(of: $0, row: row) }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(Int32(row))
        }
        var adds: [AddFile] = []
        for key in order {
            guard let rows = groups[key] else { continue }
            let part = RecordBatch(schema: batch.schema, columns: batch.columns.map { $0.gather(rows) }, rowCount: rows.count)
            var values: [String: String?] = [:]
            for (i, p) in partitionColumns.enumerated() { values[p] = .some(key[i]) }
            adds.append(try write([part], partitionValues: values))
        }
        return adds
    }

    /// `batch` reduced to `target`'s columns by name, checking types.
    func project(_ batch: RecordBatch, to target: Schema) throws -> RecordBatch {
        var cols: [Column] = []
        for f in target.fields {
            guard let i = batch.schema.index(of: f.name) else { throw DeltaError.invalidArgument("batch has no column \(f.name)") }
            guard batch.schema.fields[i].type == f.type else {
                throw DeltaError.invalidArgument("column \(f.name) is \(batch.schema.fields[i].type) in the batch but \(f.type) in the table")
            }
            cols.append(batch.columns[i])
        }
        return RecordBatch(schema: target, columns: cols, rowCount: batch.rowCount)
    }

    // MARK: stats

    /// Delta stats from a written file's footer: bounds merged over row groups, kept only
    /// where every row group has trustworthy ones. Each field's leaf is found by its path in
    /// the Parquet schema (a struct column has several leaves, so the position of a field
    /// is not the position of its leaf); a struct's leaves get nested objects, as the Delta
    /// protocol writes them, and lists and maps get no stats.
    static func stats(of meta: FileMetaData, schema: Schema) throws -> FileStats {
        let ps = try ParquetSchema(elements: meta.schema)
        let hasOrders = !(meta.columnOrders ?? []).isEmpty
        var leaves: [[String]: Int] = [:]
        for (c, column) in ps.columns.enumerated() { leaves[column.path] = c }

        /// One leaf's bounds and null count, merged over the row groups.
        func leaf(_ c: Int, _ type: DataType) -> (min: JSONValue?, max: JSONValue?, nulls: Int64?) {
            var lo: StatValue?, hi: StatValue?, nulls: Int64? = 0
            var boundsOK = true
            for g in meta.rowGroups where c < g.columns.count {
                guard let s = g.columns[c].metaData?.statistics else { boundsOK = false; nulls = nil; continue }
                let cs = ChunkStatistics(s, column: ps.columns[c], hasColumnOrders: hasOrders)
                if let n = cs.nullCount, let sofar = nulls { nulls = sofar + n } else { nulls = nil }
                if cs.nullCount == g.numRows { continue }  // all NULL: no bounds to merge
                guard let mn = cs.min, let mx = cs.max, cs.isMaxExact else { boundsOK = false; continue }
                if let l = lo { if (mn < l) == true { lo = mn } } else { lo = mn }
                if let h = hi { if (h < mx) == true { hi = mx } } else { hi = mx }
            }
            guard boundsOK, let lo, let hi, let a = json(lo, type, roundUp: false), let b = json(hi, type, roundUp: true) else {
                return (nil, nil, nulls)
            }
            return (a, b, nulls)
        }

        /// The stats of a field at `path`: JSON values for a leaf, objects for a struct.
        func field(_ path: [String], _ type: DataType) -> (min: JSONValue?, max: JSONValue?, nulls: JSONValue?) {
            switch type {
            case .structure(let fields):
                var mins: [String: JSONValue] = [:], maxs: [String: JSONValue] = [:], nulls: [String: JSONValue] = [:]
                for f in fields {
                    let (a, b, n) = field(path + [f.name], f.type)
                    if let a, let b { mins[f.name] = a; maxs[f.name] = b }
                    if let n { nulls[f.name] = n }
                }
                return (mins.isEmpty ? nil : .object(mins), maxs.isEmpty ? nil : .object(maxs), nulls.isEmpty ? nil : .object(nulls))
            case .list, .map:
                return (nil, nil, nil)
            default:
                guard let c = leaves[path] else { return (nil, nil, nil) }
                let (a, b, n) = leaf(c, type)
                return (a, b, n.map { .int($0) })
            }
        }

        var stats = FileStats(numRecords: meta.numRows)
        for f in schema.fields {
            let (a, b, n) = field([f.name], f.type)
            if let a, let b { stats.minValues[f.name] = a; stats.maxValues[f.name] = b }
            if let n {
                if case .int(let count) = n { stats.nullCount[f.name] = count } else { stats.nestedNullCount[f.name] = n }
            }
        }
        return stats
    }

    /// A bound in Delta's stats JSON form, or nil for types lakeq leaves without bounds
    /// (boolean, binary, decimal).
    static func json(_ v: StatValue, _ type: DataType, roundUp: Bool) -> JSONValue? {
        switch (type, v) {
        case (.int8, .int(let x)), (.int16, .int(let x)), (.int32, .int(let x)), (.int64, .int(let x)): return .int(x)
        case (.float32, .double(let d)), (.float64, .double(let d)): return .double(d)
        case (.string, .bytes(let b)):
            guard let s = String(validating: b, as: UTF8.self) else { return nil }
            return .string(s)
        case (.date32, .int(let d)): return .string(DeltaPartition.dateString(Int32(truncatingIfNeeded: d)))
        case (.timestamp(let unit, let utc), .int(let x)):
            let micros: Int64
            switch unit {
            case .micros: micros = x
            case .millis: micros = x &* 1000
            case .nanos: micros = roundUp ? ceilDiv(x, 1000) : floorDiv(x, 1000)
            }
            // Milliseconds: what other Delta readers compare at; round outward to stay a bound.
            let ms = roundUp ? ceilDiv(micros, 1000) : floorDiv(micros, 1000)
            return .string(DeltaPartition.isoTimestamp(millis: ms, utc: utc))
        default: return nil
        }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { let q = a / b; return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q }
    static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { -floorDiv(-a, b) }
}

/// Delta's string forms of partition values (and of dates/timestamps in stats).
public enum DeltaPartition {
    /// The partition value of `column` at `row`, nil for NULL. Integers in decimal, dates
    /// `YYYY-MM-DD`, timestamps `YYYY-MM-DD HH:MM:SS.ffffff`, booleans `true`/`false`.
    public static func string(of column: Column, row: Int) throws -> String? {
        if column.isNull(row) { return nil }
        func unsupported() -> DeltaError { .invalidArgument("cannot partition by a \(column.type) column") }
        switch (column.type, column.values) {
        case (_, .dictionary(let dict, let idx)):
            let one = Column(type: column.type, values: dict.gather([idx[row]]))
            return try string(of: one, row: 0)
        case (.string, .bytes(let b)): return b.string(at: row)
        case (.boolean, .boolean(let v)): return v[row] ? "true" : "false"
        case (.date32, .int32(let v)): return dateString(v[row])
        case (.int8, .int32(let v)), (.int16, .int32(let v)), (.int32, .int32(let v)): return String(v[row])
        case (.int64, .int64(let v)): return String(v[row])
        case (.decimal(_, let s), .int32(let v)): return DecimalText.format(unscaled: Int64(v[row]), scale: s)
        case (.decimal(_, let s), .int64(let v)): return DecimalText.format(unscaled: v[row], scale: s)
        case (.float64, .float64(let v)): return "\(v[row])"
        case (.float32, .float32(let v)): return "\(v[row])"
        case (.timestamp(let unit, _), .int64(let v)):
            let micros: Int64
            switch unit {
            case .micros: micros = v[row]
            case .millis: micros = v[row] &* 1000
            case .nanos: micros = DataFileWriter.floorDiv(v[row], 1000)
            }
            return timestampString(micros: micros)
        default: throw unsupported()
        }
    }

    public static func dateString(_ days: Int32) -> String {
        let (y, m, d) = CivilDate.civilFromDays(Int(days))
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff` (the partition value form).
    public static func timestampString(micros: Int64) -> String {
        let days = DataFileWriter.floorDiv(micros, 86_400_000_000)
        let rest = micros - days * 86_400_000_000
        let secs = rest / 1_000_000
        return dateString(Int32(truncatingIfNeeded: days)) + " " + pad(Int(secs / 3600), 2) + ":" + pad(Int(secs / 60 % 60), 2) + ":"
            + pad(Int(secs % 60), 2) + "." + pad(Int(rest % 1_000_000), 6)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmm[Z]` (the stats form).
    static func isoTimestamp(millis: Int64, utc: Bool) -> String {
        let days = DataFileWriter.floorDiv(millis, 86_400_000)
        let rest = millis - days * 86_400_000
        let secs = rest / 1000
        return dateString(Int32(truncatingIfNeeded: days)) + "T" + pad(Int(secs / 3600), 2) + ":" + pad(Int(secs / 60 % 60), 2) + ":"
            + pad(Int(secs % 60), 2) + "." + pad(Int(rest % 1000), 3) + (utc ? "Z" : "")
    }

    static func pad(_ v: Int, _ n: Int) -> String {
        let s = String(abs(v))
        return (v < 0 ? "-" : "") + (s.count >= n ? s : String(repeating: "0", count: n - s.count) + s)
    }
}

extension WriterOptions {
    /// The Parquet options of a lake table's data files, whoever writes them (gen, ingest,
    /// stream, the service's intake, optimize, SQL writes): the library's defaults with
    /// LZ4_RAW pages instead of SNAPPY. On the viewing events the two give files of the same
    /// size, and LZ4_RAW decodes about 3x faster (the pages of a high-entropy column such as
    /// `watch` are mostly short literals, where libsnappy spends a call per literal); every
    /// reader lakeq is tested with reads it (pyarrow, DuckDB, delta-rs, Polars; Spark from 3.5).
    /// Standalone files (`convert`, `COPY TO`) and checkpoints keep SNAPPY, the widest read.
    public static var lakeTable: WriterOptions {
        var o = WriterOptions()
        o.compression = .lz4Raw
        return o
    }
}
