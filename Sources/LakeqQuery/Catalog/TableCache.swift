#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LakeqDelta
import LakeqParquet

/// Opened tables kept across queries, for a long-running process (the API service).
///
/// A query through a `Catalog` without a cache opens its table afresh: it reads the Delta
/// log and parses every file's footer. With a cache, a Delta table is opened once per
/// version and reused until its log advances; a new version refreshes the last snapshot
/// (`DeltaTable.refresh`: only the commits since) and reuses the footers of the files it
/// shares with the last one (Delta data files are immutable). The latest version is found
/// with one `stat` of `_delta_log` while the log has not changed for a couple of seconds,
/// else by listing it (so a commit is never missed, even one landing within the file
/// system's timestamp granularity).
///
/// Plain Parquet directories are not cached (their files may change in place); they are
/// opened per query as without a cache.
public final class TableCache: @unchecked Sendable {
    private struct LogState {
        var modified: timespec
        var version: Int?
    }

    private struct Entry {
        var table: Table
        var lastUse: UInt64
    }

    private let lock = NSLock()
    private var logStates: [String: LogState] = [:]
    private var tables: [String: Entry] = [:]
    private var footers: [String: ParquetFile] = [:]
    /// The newest snapshot built per table path: the next version refreshes it (reading only
    /// the commits since) instead of replaying the log.
    private var latestSnapshots: [String: DeltaSnapshot] = [:]
    private var clock: UInt64 = 0
    /// Table versions kept (least recently used dropped first).
    public let maxTables: Int
    /// Footers kept; past this the ones no cached table uses are dropped.
    public let maxFiles: Int
    /// A log unchanged for less than this is listed rather than trusted by its mtime.
    let settle: Double = 2

    public init(maxTables: Int = 32, maxFiles: Int = 200_000) {
        self.maxTables = max(1, maxTables)
        self.maxFiles = max(1, maxFiles)
    }

    /// The newest committed version of the Delta table at `path`, or nil when `path` is not
    /// a Delta table (or has no commit yet).
    public func latestVersion(path: String) throws -> Int? {
        var st = stat()
        guard stat(path + "/_delta_log", &st) == 0 else { return nil }
        let modified = st.st_mtim
        lock.lock()
        let known = logStates[path]
        lock.unlock()
        if let known, known.modified.tv_sec == modified.tv_sec, known.modified.tv_nsec == modified.tv_nsec {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let age = Double(now.tv_sec - modified.tv_sec) + Double(now.tv_nsec - modified.tv_nsec) / 1e9
            if age > settle { return known.version }
        }
        let version: Int?
        do { version = try DeltaTable(path: path).latestVersion() } catch let e as DeltaError {
            throw QueryError.catalog("\(path): \(e.description)")
        }
        lock.lock()
        logStates[path] = LogState(modified: modified, version: version)
        lock.unlock()
        return version
    }

    /// The table `name` at `path` as of `version` (nil: the latest), from the cache when that
    /// version was opened before. `admit` vets every data file before it is opened; tables
    /// opened with and without it are cached apart.
    func table(name: String, path: String, version: Int?, admit: ((String) throws -> Void)?) throws -> Table {
        guard let latest = try latestVersion(path: path) else {
            return try Catalog.open(name: name, path: path, version: version, admit: admit,
                                    threads: ProcessInfo.processInfo.activeProcessorCount)  // footers serve every query of the service
        }
        let v = version ?? latest
        let key = (admit == nil ? "u:" : "r:") + path + "@" + String(v)
        lock.lock()
        clock &+= 1
        if var hit = tables[key] {
            hit.lastUse = clock
            tables[key] = hit
            lock.unlock()
            return hit.table
        }
        lock.unlock()

        let snapshot: DeltaSnapshot
        do {
            let delta = try DeltaTable(path: path)
            lock.lock()
            let base = latestSnapshots[path]
            lock.unlock()
            if let base, base.version <= v {
                snapshot = try delta.refresh(base, to: v)
            } else {
                snapshot = try delta.snapshot(version: v)
            }
        } catch let e as DeltaError {
            throw QueryError.catalog("table \(name): \(e.description)")
        }
        let table = try Table(name: name, snapshot: snapshot, admit: admit, opener: { try self.footer($0) })
        lock.lock()
        clock &+= 1
        tables[key] = Entry(table: table, lastUse: clock)
        if snapshot.version >= (latestSnapshots[path]?.version ?? -1) { latestSnapshots[path] = snapshot }
        evict()
        lock.unlock()
        return table
    }

    /// An open file, parsed once per path (Delta data files never change once committed).
    func footer(_ path: String) throws -> ParquetFile {
        lock.lock()
        if let f = footers[path] {
            lock.unlock()
            return f
        }
        lock.unlock()
        let f = try ParquetFile(path: path)
        lock.lock()
        footers[path] = f
        lock.unlock()
        return f
    }

    /// Drops the least recently used tables past `maxTables`, then footers no cached table
    /// uses when past `maxFiles`. Call with the lock held.
    private func evict() {
        while tables.count > maxTables, let oldest = tables.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            tables[oldest] = nil
        }
        if footers.count > maxFiles {
            var used = Set<String>()
            for e in tables.values { for f in e.table.files { used.insert(f.path) } }
            footers = footers.filter { used.contains($0.key) }
        }
    }

    /// The newest snapshot of the table at `path` this cache has built, if any.
    public func latestSnapshot(path: String) -> DeltaSnapshot? {
        lock.lock()
        defer { lock.unlock() }
        return latestSnapshots[path]
    }

    /// Number of cached table versions and footers (for tests and metrics).
    public var counts: (tables: Int, files: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (tables.count, footers.count)
    }
}
