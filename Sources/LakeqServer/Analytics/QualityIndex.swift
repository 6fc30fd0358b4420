import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqQuery

/// The data-quality numbers of a table: per commit, the rows it added (its files' stats) and
/// the rows it quarantined (`commitInfo.lakeqIngest.quarantineRows`), and for a commit that
/// quarantined any, its quarantine file's rows by kind (the reason kind, see
/// `spec/ingest.md`), counted by SQL on `LAKE/_quarantine/T/V.parquet`. A quarantine file is
/// read only for a version whose commit names it (so leftovers of crashed runs are never
/// counted). Commits are indexed once; later calls read only the commits since.
final class QualityIndex: @unchecked Sendable {
    struct Commit: Sendable {
        var version: Int
        /// UTC day of the commit (`YYYY-MM-DD`).
        var day: String
        /// Commit time (`commitInfo.timestamp`, milliseconds since 1970), when recorded.
        var timestamp: Int64?
        var goodRows: Int
        var quarantinedRows: Int
        var kinds: [String: Int]
    }

    private let lock = NSLock()
    private var commits: [String: [Int: Commit]] = [:]
    private var indexedUpTo: [String: Int] = [:]
    let lake: String

    init(lake: String) { self.lake = lake }

    /// Every commit of `table` (indexing the ones not seen yet).
    func commits(table: String) throws -> [Commit] {
        let path = lake + "/" + table
        let delta = try DeltaTable(path: path)
        guard let latest = try delta.latestVersion() else { return [] }
        lock.lock()
        let done = indexedUpTo[table] ?? -1
        lock.unlock()
        if done < latest {
            var found: [Int: Commit] = [:]
            for v in (done + 1)...latest {
                guard let actions = try? delta.actions(version: v) else { continue }  // cleaned up (before a checkpoint)
                var good = 0, bad = 0
                var millis: Int64?
                for a in actions {
                    switch a {
                    case .add(let f): good += Int(f.stats?.numRecords ?? 0)
                    case .commitInfo(let c):
                        millis = c.timestamp
                        bad = Int(c.fields["lakeqIngest"]?.objectValue?["quarantineRows"]?.intValue ?? 0)
                    default: break
                    }
                }
                let day = TimestampText.date(Int64((millis ?? 0) / 86_400_000))
                var kinds: [String: Int] = [:]
                if bad > 0 { kinds = try quarantineKinds(table: table, version: v) }
                found[v] = Commit(version: v, day: day, timestamp: millis, goodRows: good, quarantinedRows: bad, kinds: kinds)
            }
            lock.lock()
            commits[table, default: [:]].merge(found) { _, new in new }
            indexedUpTo[table] = max(indexedUpTo[table] ?? -1, latest)
            lock.unlock()
        }
        lock.lock()
        defer { lock.unlock() }
        return (commits[table] ?? [:]).values.sorted { $0.version < $1.version }
    }

    func quarantinePath(table: String, version: Int) -> String {
        lake + "/_quarantine/" + table + "/\(version).parquet"
    }

    /// Rows of one quarantine file by kind, counted by the engine.
    func quarantineKinds(table: String, version: Int) throws -> [String: Int] {
        let path = quarantinePath(table: table, version: version)
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        // The path is built here, never from a request: an unrestricted engine may read it.
        let result = try QueryEngine(lake: lake, threads: 1).run(AnalyticsQueries.quarantineKinds(path: path))
        var out: [String: Int] = [:]
        guard result.columns.count == 2 else { return out }
        let kinds = CellText(result.columns[0]), counts = CellText(result.columns[1])
        for r in 0..<result.rowCount { out[kinds.text(r)] = Int(counts.text(r)) ?? 0 }
        return out
    }
}
