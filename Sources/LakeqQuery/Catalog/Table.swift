import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqParquet

/// One Parquet file of a table with its raw Hive partition values.
public struct DataFile: Sendable {
    public let path: String
    /// Raw `key=value` values, aligned with `Table.partitionColumns`; nil where absent.
    public let partitionValues: [String?]
    /// For a Delta table, the file's statistics from its `add` action (row count, per-column
    /// min/max/null count): enough to skip the file without opening it. See
    /// `DeltaStatsPruning.fileMayMatch`. Nil for plain Parquet tables.
    public var stats: FileStats? = nil
}

/// A queryable table: Parquet files (Hive-partitioned or flat) read together under one schema.
///
/// The schema is the union by name of the files' columns (a column missing from a file reads
/// as NULL there) followed by the partition columns. Footers are opened lazily, once, when a
/// scan first needs a file (`parquetFile(_:)`): a Delta table's schema and partition values
/// come from its log, so files its scans prune by partition or log statistics are never
/// opened. A plain Parquet directory has no log: its footers are read to learn the schema.
public final class Table: @unchecked Sendable {
    public let name: String
    public let files: [DataFile]
    public let partitionColumns: [Field]
    /// File columns (union) then partition columns, in engine types.
    public let schema: Schema
    /// Number of leading `schema` fields stored inside files.
    public let fileColumnCount: Int
    /// The Delta version read, when the table is a Delta table.
    public let deltaVersion: Int?

    private var opened: [ParquetFile?]
    private let lock = NSLock()
    /// Opens a file (a `TableCache` passes one that reuses footers parsed before).
    private let opener: (@Sendable (String) throws -> ParquetFile)?
    /// Threads that read footers (see `Catalog.threads`).
    private let threads: Int

    /// A Delta table as of `snapshot`: only its live files, partition values from the log
    /// (typed by the table's schema, not guessed from the folder names), schema from the
    /// latest `metaData`. Columns missing from an older file read as NULL there.
    /// `admit` vets every data file's path before it is opened (see `TableAccess`); `opener`
    /// opens a file (default: `ParquetFile(path:)`).
    public init(name: String, snapshot: DeltaSnapshot, admit: ((String) throws -> Void)? = nil,
                opener: (@Sendable (String) throws -> ParquetFile)? = nil,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        self.name = name
        self.opener = opener
        self.threads = threads
        deltaVersion = snapshot.version
        let partitionNames = snapshot.partitionColumns
        files = snapshot.files.map { f in
            DataFile(path: snapshot.absolutePath(of: f), partitionValues: partitionNames.map { f.partitionValues[$0] ?? nil }, stats: f.stats)
        }
        partitionColumns = snapshot.partitionFields.map { Field(name: $0.name, type: SQLType.normalize($0.type), nullable: true) }
        let dataFields = snapshot.dataSchema.fields.map { Field(name: $0.name, type: SQLType.normalize($0.type), nullable: $0.nullable) }
        if let admit { for f in files { try admit(f.path) } }
        opened = [ParquetFile?](repeating: nil, count: files.count)
        fileColumnCount = dataFields.count
        schema = Schema(dataFields + partitionColumns)
    }

    /// Opens every file under `paths` (files or directories) and unifies their schemas.
    public init(name: String, paths: [String], hivePartitioning: Bool = true, admit: ((String) throws -> Void)? = nil,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        self.name = name
        opener = nil
        self.threads = threads
        deltaVersion = nil
        var found: [(path: String, parts: [(String, String)])] = []
        for p in paths {
            for f in try Self.listFiles(p) {
                found.append((f.path, hivePartitioning ? f.parts : []))
            }
        }
        guard !found.isEmpty else { throw QueryError.catalog("table \(name): no Parquet files under \(paths.joined(separator: ", "))") }
        var keys: [String] = []
        for f in found { for (k, _) in f.parts where !keys.contains(k) { keys.append(k) } }
        var files: [DataFile] = []
        for f in found {
            // The last `key=value` folder of a key wins, as a dictionary built from them would.
            files.append(DataFile(path: f.path, partitionValues: keys.map { k in f.parts.last(where: { $0.0 == k })?.1 }))
        }
        self.files = files
        if let admit { for f in files { try admit(f.path) } }
        partitionColumns = keys.enumerated().map { i, k in
            Field(name: k, type: PartitionTyping.type(of: files.compactMap { $0.partitionValues[i] }), nullable: true)
        }
        let parquet = try Self.openAll(files.map(\.path), threads: threads)
        opened = parquet.map { $0 }
        var fields: [Field] = []
        var origin: [String] = []  // the file each of `fields` was first seen in
        for pf in parquet {
            // Top-level fields: a nested one (struct, list, map) is one column of a nested type.
            for d in pf.schema.fields {
                let name = d.name
                let type = SQLType.normalize(d.type)
                if let i = fields.firstIndex(where: { $0.name == name }) {
                    if fields[i].type != type {
                        throw QueryError.catalog(
                            "column \(name) is \(SQLType.name(fields[i].type)) in \(origin[i]) but \(SQLType.name(type)) in \(pf.path)")
                    }
                    fields[i].nullable = fields[i].nullable || d.nullable
                } else {
                    fields.append(Field(name: name, type: type, nullable: d.nullable))
                    origin.append(pf.path)
                }
            }
        }
        // Columns missing from some file read as NULL there.
        for i in fields.indices where parquet.contains(where: { $0.schema.topLevelSource(named: fields[i].name) == nil }) {
            fields[i].nullable = true
        }
        fileColumnCount = fields.count
        let partitionNames = Set(partitionColumns.map(\.name))
        schema = Schema(fields.filter { !partitionNames.contains($0.name) } + partitionColumns)
    }

    /// This table restricted to the files `keep` admits: same name, schema, partition
    /// columns and Delta version, footers already read shared. The service's incremental
    /// analytics run a query over only the files a commit added with it (see
    /// `Catalog.tables`); Delta files are immutable, so the rest of the answer is known.
    public func restricted(to keep: (DataFile) -> Bool) -> Table {
        let indices = files.indices.filter { keep(files[$0]) }
        lock.lock()
        let footers = indices.map { opened[$0] }
        lock.unlock()
        return Table(name: name, files: indices.map { files[$0] }, opened: footers, partitionColumns: partitionColumns,
                     schema: schema, fileColumnCount: fileColumnCount, deltaVersion: deltaVersion, opener: opener, threads: threads)
    }

    private init(name: String, files: [DataFile], opened: [ParquetFile?], partitionColumns: [Field], schema: Schema,
                 fileColumnCount: Int, deltaVersion: Int?, opener: (@Sendable (String) throws -> ParquetFile)?, threads: Int) {
        self.name = name
        self.threads = threads
        self.files = files
        self.opened = opened
        self.partitionColumns = partitionColumns
        self.schema = schema
        self.fileColumnCount = fileColumnCount
        self.deltaVersion = deltaVersion
        self.opener = opener
    }

    /// The open file `i` (its footer read and checked on first use).
    public func parquetFile(_ i: Int) throws -> ParquetFile {
        lock.lock()
        if let f = opened[i] { lock.unlock(); return f }
        lock.unlock()
        let f = try opener?(files[i].path) ?? ParquetFile(path: files[i].path)
        lock.lock()
        defer { lock.unlock() }
        if let other = opened[i] { return other }
        opened[i] = f
        return f
    }

    /// Whether file `i`'s footer has been read.
    public func isOpen(_ i: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return opened[i] != nil
    }

    /// Opens the given files' footers, in parallel (wide tables are dominated by this).
    func open(_ indices: [Int]) throws {
        let missing = indices.filter { !isOpen($0) }
        guard !missing.isEmpty else { return }
        let files = try Self.openAll(missing.map { self.files[$0].path }, opener: opener, threads: threads)
        lock.lock()
        for (k, i) in missing.enumerated() where opened[i] == nil { opened[i] = files[k] }
        lock.unlock()
    }

    /// Rows in the table, from the Delta log or open footers; a guess when neither knows.
    public var estimatedRowCount: Int {
        var total = 0
        for (i, f) in files.enumerated() {
            if let n = f.stats?.numRecords { total += Int(n) } else if isOpen(i), let pf = try? parquetFile(i) { total += pf.rowCount } else { total += 1_000_000 }
        }
        return total
    }

    /// Reads the footers of `paths` on up to `threads` threads (wide globs are dominated by this).
    private static func openAll(_ paths: [String], opener: (@Sendable (String) throws -> ParquetFile)? = nil, threads: Int) throws -> [ParquetFile] {
        let open = opener ?? { try ParquetFile(path: $0) }
        let workers = min(max(1, threads), paths.count)
        if workers <= 1 { return try paths.map(open) }
        var out = [ParquetFile?](repeating: nil, count: paths.count)
        var failure: Error?
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for i in stride(from: worker, to: paths.count, by: workers) {
                do {
                    let f = try open(paths[i])
                    lock.lock(); out[i] = f; lock.unlock()
                } catch {
                    lock.lock(); if failure == nil { failure = error }; lock.unlock()
                    return
                }
            }
        }
        if let failure { throw failure }
        return out.compactMap { $0 }
    }

    /// Parquet files under `path` (a file, a directory tree, or a glob with `*`/`?`), with the
    /// `key=value` folders between the root and each file.
    static func listFiles(_ path: String) throws -> [(path: String, parts: [(String, String)])] {
        if path.contains("*") || path.contains("?") {
            return try Glob.expand(path).map { ($0, Glob.hiveParts(of: $0)) }
        }
        guard let isDirectory = Posix.isDirectory(path) else {
            throw QueryError.catalog("\(path): no such file or directory")
        }
        if !isDirectory { return [(path, [])] }
        var out: [(String, [(String, String)])] = []
        func walk(_ dir: String, _ parts: [(String, String)], depth: Int) throws {
            guard depth < 64 else { return }
            // readdir's entry types spare a stat per entry (FileManager's listing also paid
            // a conformance scan at its first use in a process).
            let entries = try Posix.listDirectory(dir).sorted { $0.name < $1.name }
            for (name, isDirectory) in entries where !name.hasPrefix("_") && !name.hasPrefix(".") {
                let full = dir + "/" + name
                if isDirectory {
                    var p = parts
                    if let eq = name.firstIndex(of: "=") {
                        let key = String(name[..<eq])
                        let raw = String(name[name.index(after: eq)...])
                        let value = DeltaPath.percentDecoded(raw) ?? raw
                        p.append((key, value))
                    }
                    try walk(full, p, depth: depth + 1)
                } else if name.hasSuffix(".parquet") || name.hasSuffix(".parq") {
                    out.append((full, parts))
                }
            }
        }
        try walk(path, [], depth: 0)
        return out
    }
}

/// Minimal glob expansion: `*` and `?` within path segments, `**` for any depth.
enum Glob {
    static func expand(_ pattern: String) throws -> [String] {
        let absolute = pattern.hasPrefix("/")
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var results: [String] = []
        func go(_ base: String, _ i: Int) {
            if i == segments.count {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: base, isDirectory: &isDir), !isDir.boolValue { results.append(base) }
                return
            }
            let seg = segments[i]
            let dir = base.isEmpty ? (absolute ? "/" : ".") : base
            func join(_ name: String) -> String { base.isEmpty ? (absolute ? "/" + name : name) : base + "/" + name }
            if seg == "**" {
                go(base, i + 1)
                for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() where !name.hasPrefix(".") && !name.hasPrefix("_") {
                    var isDir: ObjCBool = false
                    if FileManager.default.fileExists(atPath: join(name), isDirectory: &isDir), isDir.boolValue { go(join(name), i) }
                }
            } else if seg.contains("*") || seg.contains("?") {
                for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
                where !name.hasPrefix(".") && !name.hasPrefix("_") && matches(Array(name.utf8), Array(seg.utf8)) {
                    go(join(name), i + 1)
                }
            } else {
                go(join(seg), i + 1)
            }
        }
        go("", 0)
        guard !results.isEmpty else { throw QueryError.catalog("no files match \(pattern)") }
        return results
    }

    static func matches(_ s: [UInt8], _ p: [UInt8]) -> Bool {
        var si = 0, pi = 0, star = -1, mark = 0
        while si < s.count {
            if pi < p.count && (p[pi] == UInt8(ascii: "?") || p[pi] == s[si]) { si += 1; pi += 1 }
            else if pi < p.count && p[pi] == UInt8(ascii: "*") { star = pi; mark = si; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; si = mark }
            else { return false }
        }
        while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }

    static func hiveParts(of path: String) -> [(String, String)] {
        path.split(separator: "/").dropLast().compactMap { seg in
            guard let eq = seg.firstIndex(of: "=") else { return nil }
            return (String(seg[..<eq]), String(seg[seg.index(after: eq)...]))
        }
    }
}
