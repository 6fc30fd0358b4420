import Foundation

extension DeltaTable {
    /// Deletes log files (JSON commits, checkpoints and their `.crc` siblings) older than the
    /// retention once a newer checkpoint covers them, as Delta's metadata cleanup does; run
    /// after each checkpoint. Returns the names deleted from `_delta_log/`.
    ///
    /// Let E be the newest version such that it and every version before it were committed
    /// (commit file modified) before `now - retention`, and K the newest complete checkpoint at
    /// or before E + 1. Every log file of a version below K is deleted: each such version is
    /// past retention, and every version from K on stays readable (checkpoint K plus the
    /// commits after it). Time travel to versions below K is no longer possible. Hidden
    /// temporary files of crashed writers older than the retention go too. Nothing else in
    /// `_delta_log/` is touched.
    @discardableResult
    public func cleanUpExpiredLog(retentionMillis: Int64, now: Date = Date()) throws -> [String] {
        guard retentionMillis >= 0 else { throw DeltaError.invalidArgument("log retention must not be negative") }
        let cutoff = Int64(now.timeIntervalSince1970 * 1000) - retentionMillis
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: logPath) } catch {
            throw DeltaError.io("\(logPath): cannot list: \(error.localizedDescription)")
        }
        var byVersion: [Int: [String]] = [:]
        var commits: [Int] = [], checkpoints = Set<Int>()
        var temporaries: [String] = []
        for n in names {
            if n.hasPrefix(".tmp-") { temporaries.append(n); continue }
            let u = Array(n.utf8)
            guard u.count > 20, u[0..<20].allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int(String(n.prefix(20))) else { continue }
            let rest = n.dropFirst(20)
            if rest == ".json" { commits.append(v) } else if rest.hasPrefix(".checkpoint") && rest.hasSuffix(".parquet") {
                checkpoints.insert(v)
            } else if rest != ".crc" { continue }
            byVersion[v, default: []].append(n)
        }
        commits.sort()
        // E: the expired prefix of the commits (modification times can be out of order; stop at the first young one).
        var expired: Int?
        for v in commits {
            guard let t = Posix.modificationMillis(logPath + "/" + Self.commitFileName(v)), t < cutoff else { break }
            expired = v
        }
        var deleted: [String] = []
        if let expired, let keep = checkpoints.filter({ $0 <= expired + 1 }).sorted(by: >).first(where: usableCheckpoint) {
            for (v, files) in byVersion where v < keep {
                for f in files {
                    Posix.unlinkIgnoringMissing(logPath + "/" + f)
                    deleted.append(f)
                }
            }
        }
        for t in temporaries {
            guard let m = Posix.modificationMillis(logPath + "/" + t), m < cutoff else { continue }
            Posix.unlinkIgnoringMissing(logPath + "/" + t)
            deleted.append(t)
        }
        if !deleted.isEmpty { try Posix.fsyncDirectory(logPath) }
        return deleted.sorted()
    }
}
