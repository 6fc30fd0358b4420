import Foundation

/// A fresh directory under the system's temporary directory, removed with `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    /// Creates `lakeq-<tag>-<random>` under `$TMPDIR`.
    public init(_ tag: String) throws {
        path = NSTemporaryDirectory() + "lakeq-\(tag)-" + UUID().uuidString.lowercased().prefix(12)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// `path/relative`.
    public func file(_ relative: String) -> String { path + "/" + relative }

    /// Writes `contents` to `path/relative` and returns its path.
    @discardableResult
    public func write(_ relative: String, _ contents: String) throws -> String {
        let target = file(relative)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
