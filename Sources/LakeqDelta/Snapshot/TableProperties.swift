/// The Delta table properties (`metaData.configuration`) lakeq's writers act on, with Delta's
/// defaults. A value that does not parse counts as absent (the default applies).
public struct TableProperties: Sendable, Equatable {
    /// `delta.checkpointInterval`: a checkpoint is written after each commit whose version is
    /// a multiple of this (default 10).
    public var checkpointInterval: Int
    /// `delta.logRetentionDuration` (default `interval 30 days`): how long JSON commits and
    /// checkpoints are kept once a newer checkpoint covers them.
    public var logRetentionMillis: Int64
    /// `delta.deletedFileRetentionDuration` (default `interval 1 week`): how long a checkpoint
    /// keeps remove tombstones.
    public var deletedFileRetentionMillis: Int64
    /// `delta.enableExpiredLogCleanup` (default true).
    public var expiredLogCleanup: Bool
    /// `delta.targetFileSize` in bytes, if set (optimize's default target).
    public var targetFileSize: Int64?

    public static let defaultCheckpointInterval = 10
    public static let defaultLogRetentionMillis: Int64 = 30 * 86_400_000
    public static let defaultDeletedFileRetentionMillis: Int64 = 7 * 86_400_000

    public init(_ configuration: [String: String]) {
        checkpointInterval = configuration["delta.checkpointInterval"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            ?? Self.defaultCheckpointInterval
        logRetentionMillis = configuration["delta.logRetentionDuration"].flatMap(Self.intervalMillis) ?? Self.defaultLogRetentionMillis
        deletedFileRetentionMillis = configuration["delta.deletedFileRetentionDuration"].flatMap(Self.intervalMillis)
            ?? Self.defaultDeletedFileRetentionMillis
        expiredLogCleanup = configuration["delta.enableExpiredLogCleanup"].map { $0.lowercased() != "false" } ?? true
        targetFileSize = configuration["delta.targetFileSize"].flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Milliseconds of a Delta/Spark interval such as `interval 30 days` or
    /// `interval 1 week 12 hours` (units nanosecond … week, singular or plural); nil otherwise.
    public static func intervalMillis(_ text: String) -> Int64? {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.first == "interval", words.count >= 3, words.count % 2 == 1 else { return nil }
        var total: Double = 0
        var i = 1
        while i < words.count {
            guard let n = Double(words[i]), n.isFinite, n >= 0 else { return nil }
            var unit = words[i + 1]
            if unit.hasSuffix("s") { unit.removeLast() }
            let ms: Double
            switch unit {
            case "nanosecond": ms = 1e-6
            case "microsecond": ms = 1e-3
            case "millisecond": ms = 1
            case "second": ms = 1000
            case "minute": ms = 60_000
            case "hour": ms = 3_600_000
            case "day": ms = 86_400_000
            case "week": ms = 604_800_000
            default: return nil
            }
            total += n * ms
            i += 2
        }
        guard total < 9e18 else { return nil }
        return Int64(total)
    }
}
