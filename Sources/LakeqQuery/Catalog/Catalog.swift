import Foundation
import LakeqColumnar
import LakeqDelta

/// Resolves tables by name: `NAME` is the directory `lake/NAME`. A directory holding a
/// `_delta_log/` is a Delta table and is read from its log; any other is plain Parquet.
public struct Catalog: Sendable {
    public var lake: String
    /// The Delta version to read tables at when the query does not say (`VERSION AS OF`);
    /// nil reads the latest. Set by `lakeq query --version N`.
    public var version: Int? = nil
    /// What SQL may read: anything the process can (the command line), or only the lake's
    /// own tables (the API service).
    public var access: TableAccess = .unrestricted
    /// Tables kept open across queries (the API service's); nil opens each table per query.
    public var tableCache: TableCache? = nil
    /// Tables given by the caller, resolved by name before the lake when the query names no
    /// version (the service's incremental analytics pass a table of only a commit's new files).
    public var tables: [String: Table] = [:]
    /// When set, every table a statement opens is also kept here, alive as long as it is
    /// (see `OpenedTables`).
    public var keepOpen: OpenedTables? = nil
    /// Threads that read a table's footers (the query's thread count: a one-thread query
    /// uses one core from start to end).
    public var threads: Int

    /// `threads` defaults to every core (counting them reads the cgroup's CPU quota: a query
    /// that knows its thread count passes it).
    public init(lake: String, threads: Int? = nil) {
        self.lake = lake
        self.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
    }

    public func table(named name: String, version explicit: Int64? = nil) throws -> Table {
        if access == .lakeTablesOnly { try TableAccess.checkTableName(name) }
        if explicit == nil, let given = tables[name] { return given }
        let path = lake + "/" + name
        guard Posix.isDirectory(path) == true else {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: lake)) ?? [])
                .filter { !$0.hasPrefix(".") && !$0.hasPrefix("_") }.sorted()
            var message = "table \(name) not found in lake \(lake)"
            if let close = Names.closest(to: name, in: names) { message += " (did you mean \(close)?)" }
            else if !names.isEmpty { message += " (tables: \(names.joined(separator: ", ")))" }
            throw QueryError.catalog(message)
        }
        let admit: ((String) throws -> Void)? = access == .lakeTablesOnly ? try TableAccess.insideLake(lake) : nil
        try admit?(path)  // the table's folder itself may be a symlink out of the lake
        if let tableCache {
            return try tableCache.table(name: name, path: path, version: explicit.map { Int($0) } ?? version, admit: admit)
        }
        return try Self.open(name: name, path: path, version: explicit.map { Int($0) } ?? version, admit: admit, threads: threads)
    }

    /// The table at `path`: from its Delta log when it has one (at `version`, default the
    /// latest), else its Parquet files. A version for a plain Parquet directory is an error.
    static func open(name: String, path: String, version: Int?, admit: ((String) throws -> Void)? = nil, threads: Int) throws -> Table {
        guard DeltaTable.isDeltaTable(path) else {
            if let version { throw QueryError.unsupported("VERSION AS OF \(version): \(name) is not a Delta table (no _delta_log)") }
            return try Table(name: name, paths: [path], admit: admit, threads: threads)
        }
        do {
            let snapshot = try DeltaTable(path: path).snapshot(version: version)
            return try Table(name: name, snapshot: snapshot, admit: admit, threads: threads)
        } catch let e as DeltaError {
            throw QueryError.catalog("table \(name): \(e.description)")
        }
    }
}

