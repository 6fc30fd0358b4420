import LakeqColumnar

/// One version of a file on disk: its path and what `fstat` said when it was opened. A file
/// replaced at the same path (a Hive directory rewritten in place) has another inode, size or
/// modification time, so nothing keyed on the old identity is taken for the new file.
public struct FileIdentity: Hashable, Sendable {
    public let path: String
    public let device: UInt64
    public let inode: UInt64
    public let size: Int
    /// Modification time in nanoseconds since the epoch.
    public let modified: Int64

    public init(path: String, device: UInt64, inode: UInt64, size: Int, modified: Int64) {
        self.path = path
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
    }
}

/// A column chunk's dictionary page: leaf `column` of row group `rowGroup` of one file version.
public struct DictionaryPageKey: Hashable, Sendable {
    public let file: FileIdentity
    public let rowGroup: Int
    public let column: Int

    public init(file: FileIdentity, rowGroup: Int, column: Int) {
        self.file = file
        self.rowGroup = rowGroup
        self.column = column
    }
}

/// Decoded dictionary pages kept across reads by a long-running process (the API service):
/// a chunk's dictionary is part of an immutable file version, so it is decompressed and
/// decoded once and reused by later reads of the same chunk.
///
/// The reader looks a dictionary up before it decodes one and inserts what it decoded; it
/// never inserts a page that failed to decode. Implementations must be safe to call from
/// several threads at once. Encrypted chunks and files held in memory are never looked up.
public protocol DictionaryPageCache: AnyObject, Sendable {
    /// The decoded dictionary of `key`, if kept.
    func dictionary(_ key: DictionaryPageKey) -> ColumnValues?
    /// Keeps `values`, the decoded dictionary of `key` (the cache may decline).
    func insert(_ values: ColumnValues, for key: DictionaryPageKey)
}
