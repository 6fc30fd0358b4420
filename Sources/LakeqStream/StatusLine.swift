import Foundation

/// What the status line reports (every `--status-interval` seconds on stderr, and once at the end).
public struct StreamStatus: Sendable {
    public var seconds = 0.0
    /// When the first message arrived (seconds since start; group join and metadata before it).
    public var firstMessageSeconds: Double?
    /// Messages read since the start and rows/quarantine rows committed.
    public var messages = 0
    public var rowsCommitted = 0
    public var quarantined = 0
    public var commits = 0
    /// Messages per second over the last interval.
    public var rate = 0.0
    /// Per assigned partition: messages behind the high watermark.
    public var lag: [Int32: Int64] = [:]
    public var tableVersion: Int?
    /// The latest problem (unreachable broker, …), if any in the last interval.
    public var note: String?

    /// `stream: 12345 msgs (4012/s) committed=… quarantined=… version=… lag p0=… p1=…`
    public var text: String {
        let lags = lag.keys.sorted().map { "p\($0)=\(lag[$0] ?? 0)" }.joined(separator: " ")
        return "stream: \(messages) msgs (\(Int(rate))/s) committed=\(rowsCommitted) quarantined=\(quarantined) commits=\(commits) version=\(tableVersion.map(String.init) ?? "-") lag \(lags.isEmpty ? "-" : lags)"
            + (note.map { " | \($0)" } ?? "")
    }

    public var jsonText: String {
        var o: [String: Any] = ["seconds": (seconds * 1000).rounded() / 1000, "messages": messages, "rows_committed": rowsCommitted,
                                "quarantined": quarantined, "commits": commits, "messages_per_second": Int(rate),
                                "lag": Dictionary(uniqueKeysWithValues: lag.map { (String($0.key), $0.value) })]
        o["table_version"] = tableVersion ?? NSNull()
        if let note { o["note"] = note }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
