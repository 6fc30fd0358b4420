import Foundation
import LakeqQuery

/// Partial aggregates of the analytics queries, kept per query and brought up to date by
/// aggregating only the data files a commit added.
///
/// The result cache is keyed by the table's version, so on a live table every commit makes
/// every answer miss; without this each miss scanned the whole table again. A state is the
/// set of data files it covers plus `PartialAggregates` over them. When the version asked
/// for holds every one of those files (an append: streaming, event intake, ingest), the
/// partial query runs over only the new files and merges in (plus, for distinct users, one
/// scan of the older files for the new files' users); when a commit removed a file the
/// state covers (optimize, delete, overwrite) or brought more than `maxNewUsers` users, it
/// is rebuilt from the whole table.
/// Either way the answer equals a fresh computation over the version's files.
final class IncrementalAnalytics: @unchecked Sendable {
    struct State: Sendable {
        var version: Int
        var files: Set<String>
        var partial: PartialAggregates
        var bytes: Int { partial.approximateBytes + files.count * 160 }
    }

    /// How an answer was reached (for traces and tests).
    enum Path: String, Sendable {
        case full, incremental, unchanged
    }

    private let lock = NSLock()
    private var states: [String: (state: State, used: UInt64)] = [:]
    private var tick: UInt64 = 0
    private(set) var bytes = 0
    /// Bytes of state kept at most; least recently used states go first.
    let budget: Int

    /// Users the added files may hold before a state is rebuilt rather than checked user by
    /// user (the check's SQL lists them).
    let maxNewUsers: Int

    init(budget: Int, maxNewUsers: Int = 20_000) {
        self.budget = max(0, budget)
        self.maxNewUsers = maxNewUsers
    }

    func state(_ key: String) -> State? {
        lock.lock()
        defer { lock.unlock() }
        tick += 1
        guard var e = states[key] else { return nil }
        e.used = tick
        states[key] = e
        return e.state
    }

    /// Keeps `state` unless a state of a later version is already kept.
    func keep(_ key: String, _ state: State) {
        let size = state.bytes
        guard size <= budget else { return }
        lock.lock()
        defer { lock.unlock() }
        tick += 1
        if let old = states[key] {
            guard old.state.version <= state.version else { return }
            bytes -= old.state.bytes
        }
        states[key] = (state, tick)
        bytes += size
        while bytes > budget, let oldest = states.min(by: { $0.value.used < $1.value.used }) {
            states[oldest.key] = nil
            bytes -= oldest.value.state.bytes
        }
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return states.count
    }

    /// Answers `query` over table `name` as the engine's catalog resolves it (its version
    /// and files), from the kept state when it can. Nil when the table is not a Delta table
    /// (no immutable files to count on) or its user ids are not integers: run it plainly.
    func answer(_ query: MergeableQuery, table name: String, engine: QueryEngine) throws -> (result: QueryResult, version: Int, path: Path)? {
        let table = try engine.catalog.table(named: name)
        guard let version = table.deltaVersion else { return nil }
        let key = query.partialSQL(table: name, delta: false)
        let files = Set(table.files.map(\.path))
        /// The engine reading only the files `keep` admits (all: pinned to this version).
        func over(_ keep: @escaping (DataFile) -> Bool) -> QueryEngine {
            var e = engine
            e.catalog.tables[name] = table.restricted(to: keep)
            return e
        }
        var statistics = ScanStatistics()
        var state: State?
        var path = Path.full
        do {
            if let old = self.state(key), old.version <= version, old.files.isSubset(of: files) {
                let added = files.subtracting(old.files)
                if added.isEmpty {
                    state = old
                    path = .unchanged
                } else {
                    var partial = old.partial
                    let delta = try over { added.contains($0.path) }.run(query.partialSQL(table: name, delta: true))
                    // Read exactly the added files (a table resolved some other way would count rows twice).
                    guard delta.statistics.filesTotal == added.count else { return nil }
                    statistics = delta.statistics
                    var known: Set<[Scalar]>? = nil
                    if query.needsUsers {
                        let users = try PartialAggregates.users(in: delta, query: query)
                        known = []
                        if users.count > maxNewUsers { throw PartialAggregates.Unsupported.tooManyUsers }
                        if !users.isEmpty {
                            let present = try over { old.files.contains($0.path) }.run(query.membershipSQL(table: name, users: users))
                            guard present.statistics.filesTotal == old.files.count else { return nil }
                            known = PartialAggregates.pairs(in: present)
                        }
                    }
                    try partial.merge(delta, known: known)
                    state = State(version: version, files: files, partial: partial)
                    path = .incremental
                }
            }
        } catch PartialAggregates.Unsupported.tooManyUsers {
            state = nil
        } catch is PartialAggregates.Unsupported {
            return nil
        }
        if state == nil {
            let r = try over { _ in true }.run(key)
            var partial = PartialAggregates(query: query)
            try partial.merge(r)
            state = State(version: version, files: files, partial: partial)
            statistics = r.statistics
            path = .full
        }
        guard let state else { return nil }
        keep(key, state)
        return (state.partial.finish(query, statistics: statistics), version, path)
    }
}
