import Foundation

/// What `vacuum` deleted (or would delete, in a dry run).
public struct VacuumResult: Sendable {
    /// Paths relative to the table root, sorted.
    public var files: [String]
    public var bytes: Int64
    public var dryRun: Bool
}

extension DeltaTable {
    /// The default retention: 7 days, as in Delta Lake.
    public static let defaultRetentionHours: Double = 168

    /// Deletes data files that no version within the retention window needs.
    ///
    /// A file under the table directory is kept when it is live in the latest snapshot, when
    /// it was removed less than `retentionHours` ago (time travel to those versions still
    /// reads it), or when it was modified less than `retentionHours` ago (it may belong to a
    /// writer that has not committed yet). Everything else — removed files past retention,
    /// and orphans of failed writes — is deleted. `_delta_log/` and names starting with `_`
    /// or `.` are never touched; neither are files outside the table directory.
    ///
    /// A retention below the default makes older versions unreadable and can delete a
    /// concurrent writer's not-yet-committed files; it is refused unless
    /// `allowShortRetention` is set.
    public func vacuum(retentionHours: Double = DeltaTable.defaultRetentionHours, dryRun: Bool = false,
                       allowShortRetention: Bool = false, now: Date = Date()) throws -> VacuumResult {
        guard retentionHours >= 0, retentionHours.isFinite else {
            throw DeltaError.invalidArgument("retention must be a finite number of hours, not negative")
        }
        if retentionHours < Self.defaultRetentionHours && !allowShortRetention {
            throw DeltaError.invalidArgument(
                "retention of \(retentionHours) hours is below the safe default of \(Int(Self.defaultRetentionHours)) hours: older versions become unreadable and in-flight writes may be deleted (set allowShortRetention, or --allow-short-retention on the command line, to proceed)")
        }
        let snapshot = try snapshot()
        try snapshot.protocolAction.checkWritable()
        // A retention longer than the epoch is old keeps everything (and must not overflow Int64).
        let cutoff = (now.timeIntervalSince1970 - retentionHours * 3600) * 1000
        let cutoffMillis = cutoff > -9.0e18 ? Int64(cutoff) : Int64.min

        var keep = Set(snapshot.files.map(\.relativePath))
        // Tombstones (from the checkpoint the snapshot started at and the commits after it): a
        // removed file stays while its removal is within the retention window.
        for (p, r) in snapshot.state.tombstones where (r.deletionTimestamp ?? Int64.max) >= cutoffMillis { keep.insert(p) }

        var doomed: [(String, Int64)] = []
        let fm = FileManager.default
        func walk(_ rel: String, depth: Int) throws {
            guard depth < 64 else { return }
            let dir = rel.isEmpty ? path : path + "/" + rel
            let names: [String]
            do { names = try fm.contentsOfDirectory(atPath: dir) } catch {
                throw DeltaError.io("\(dir): cannot list: \(error.localizedDescription)")
            }
            for name in names.sorted() where !name.hasPrefix("_") && !name.hasPrefix(".") {
                let r = rel.isEmpty ? name : rel + "/" + name
                let full = path + "/" + r
                guard let attrs = try? fm.attributesOfItem(atPath: full) else { continue }
                if (attrs[.type] as? FileAttributeType) == .typeDirectory {
                    try walk(r, depth: depth + 1)
                    continue
                }
                guard (attrs[.type] as? FileAttributeType) == .typeRegular, !keep.contains(r) else { continue }
                let mtime = (attrs[.modificationDate] as? Date).map { Int64($0.timeIntervalSince1970 * 1000) } ?? Int64.max
                guard mtime < cutoffMillis else { continue }
                doomed.append((r, (attrs[.size] as? NSNumber)?.int64Value ?? 0))
            }
        }
        try walk("", depth: 0)
        if !dryRun {
            for (r, _) in doomed {
                do { try fm.removeItem(atPath: path + "/" + r) } catch {
                    throw DeltaError.io("\(path)/\(r): cannot delete: \(error.localizedDescription)")
                }
            }
        }
        return VacuumResult(files: doomed.map(\.0), bytes: doomed.reduce(0) { $0 + $1.1 }, dryRun: dryRun)
    }
}
