import Foundation

/// `_delta_log/_last_checkpoint`: a hint naming the newest checkpoint, so a reader finds it
/// without listing the log. Only a hint: readers check that the checkpoint it names exists
/// (and fall back to a listing), writers replace it atomically and never with an older version.
struct LastCheckpoint: Equatable {
    var version: Int
    /// Actions (rows) in the checkpoint.
    var size: Int64
    /// Number of parts of a multi-part checkpoint; nil for a single file.
    var parts: Int?
    var sizeInBytes: Int64?
    var numOfAddFiles: Int64?

    static let fileName = "_last_checkpoint"

    /// The hint in `logPath`, or nil when it is absent or unreadable.
    static func read(logPath: String) -> LastCheckpoint? {
        guard let data = FileManager.default.contents(atPath: logPath + "/" + fileName),
              let v = try? JSONValue.parse(String(decoding: data, as: UTF8.self)),
              let version = v["version"]?.intValue, version >= 0, version <= Int64(Int32.max) else { return nil }
        return LastCheckpoint(version: Int(version), size: v["size"]?.intValue ?? 0,
                              parts: v["parts"]?.intValue.map { Int(clamping: $0) }, sizeInBytes: v["sizeInBytes"]?.intValue,
                              numOfAddFiles: v["numOfAddFiles"]?.intValue)
    }

    var json: String {
        var o: [String: JSONValue] = ["version": .int(Int64(version)), "size": .int(size)]
        if let parts { o["parts"] = .int(Int64(parts)) }
        if let sizeInBytes { o["sizeInBytes"] = .int(sizeInBytes) }
        if let numOfAddFiles { o["numOfAddFiles"] = .int(numOfAddFiles) }
        return JSONValue.object(o).serialized
    }

    /// Writes the hint atomically (a fsynced temporary file renamed over it), unless the
    /// current hint already names this or a newer version.
    func write(logPath: String) throws {
        if let current = Self.read(logPath: logPath), current.version >= version { return }
        let temp = logPath + "/.tmp-" + UUID().uuidString.lowercased() + ".last_checkpoint"
        defer { Posix.unlinkIgnoringMissing(temp) }
        try Posix.writeFile(temp, Array(json.utf8), exclusive: true)
        try Posix.renameReplacing(temp, logPath + "/" + Self.fileName)
        try Posix.fsyncDirectory(logPath)
    }
}
