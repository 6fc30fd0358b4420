#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LakeqParquet

/// Thin wrappers over the POSIX calls the commit protocol depends on (Foundation has no
/// `link`, `fsync` of a directory, or exclusive create). Ingest uses them for its durable
/// quarantine files too.
public enum Posix {
    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Writes `bytes` to a new file at `path` (failing if it exists) and fsyncs it.
    static func writeNewFile(_ path: String, _ bytes: [UInt8]) throws {
        try writeFile(path, bytes, exclusive: true)
    }

    /// Writes `bytes` to `path` and fsyncs it; `exclusive` fails if the file exists, otherwise
    /// it is replaced.
    public static func writeFile(_ path: String, _ bytes: [UInt8], exclusive: Bool = false) throws {
        let fd = open(path, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), 0o644)
        guard fd >= 0 else { throw DeltaError.io("\(path): create failed: \(errorText(errno))") }
        defer { close(fd) }
        try writeAll(fd, bytes, path)
        guard fsync(fd) == 0 else { throw DeltaError.io("\(path): fsync failed: \(errorText(errno))") }
    }

    /// Appends `bytes` to `path` (made, mode 0600, if missing), without fsync: for scratch
    /// files such as a query's spill files. A failed or short write (a full disk) throws.
    public static func append(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw DeltaError.io("\(path): create failed: \(errorText(errno))") }
        defer { close(fd) }
        try writeAll(fd, bytes, path)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws {
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw DeltaError.io("\(path): write failed: \(errorText(errno))")
                }
                written += n
            }
        }
    }

    /// The whole content of `path`; nil when it does not exist.
    public static func readAll(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw DeltaError.io("\(path): open failed: \(errorText(errno))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DeltaError.io("\(path): stat failed: \(errorText(errno))") }
        let size = Int(st.st_size)
        var out = [UInt8](repeating: 0, count: size)
        var got = 0
        try out.withUnsafeMutableBytes { raw in
            while got < size {
                let n = read(fd, raw.baseAddress.map { $0 + got }, size - got)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw DeltaError.io("\(path): read failed: \(errorText(errno))")
                }
                if n == 0 { throw DeltaError.io("\(path): shorter than its size") }
                got += n
            }
        }
        return out
    }

    /// `count` bytes of `path` from byte `offset` (pread): one block of a scratch file read
    /// back piece by piece, such as a sorted run merged from a query's spill file. A file
    /// shorter than asked throws.
    public static func readRange(_ path: String, offset: Int, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DeltaError.io("\(path): open failed: \(errorText(errno))") }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: max(0, count))
        switch out.withUnsafeMutableBytes({ PositionalRead.fill($0, from: fd, at: offset) }) {
        case nil: return out
        case .system(let code)?: throw DeltaError.io("\(path): read failed: \(errorText(code))")
        case .endOfFile?: throw DeltaError.io("\(path): shorter than expected")
        }
    }

    /// Makes directory `path` (mode 0700); throws with the system's reason.
    public static func makePrivateDirectory(_ path: String) throws {
        guard mkdir(path, 0o700) == 0 else { throw DeltaError.io("\(path): create directory failed: \(errorText(errno))") }
    }

    /// fsyncs a directory so that names created or removed in it are durable.
    public static func fsyncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw DeltaError.io("\(path): open directory failed: \(errorText(errno))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw DeltaError.io("\(path): fsync of directory failed: \(errorText(errno))") }
    }

    /// Hard-links `from` to `to`: put-if-absent. Returns false when `to` already exists.
    static func linkIfAbsent(_ from: String, _ to: String) throws -> Bool {
        if link(from, to) == 0 { return true }
        if errno == EEXIST { return false }
        throw DeltaError.io("link \(from) → \(to) failed: \(errorText(errno))")
    }

    /// Renames `from` to `to`, atomically replacing `to` if it exists (for files whose newest
    /// complete version may win, such as checkpoints and `_last_checkpoint`; never commits).
    static func renameReplacing(_ from: String, _ to: String) throws {
        guard rename(from, to) == 0 else { throw DeltaError.io("rename \(from) → \(to) failed: \(errorText(errno))") }
    }

    /// The modification time of `path` in milliseconds since the epoch, nil when it cannot be read.
    static func modificationMillis(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Darwin)
        let t = st.st_mtimespec
        #else
        let t = st.st_mtim
        #endif
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }

    /// The entries of directory `path` (without `.` and `..`), each with whether it is a
    /// directory, following symbolic links as `FileManager.fileExists(atPath:isDirectory:)`
    /// does. The entry type comes from readdir where the file system gives it (no stat).
    public static func listDirectory(_ path: String) throws -> [(name: String, isDirectory: Bool)] {
        guard let dir = opendir(path) else { throw DeltaError.io("\(path): cannot list the directory: \(errorText(errno))") }
        defer { closedir(dir) }
        var out: [(name: String, isDirectory: Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let isDirectory: Bool
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): isDirectory = true
            case Int32(DT_REG): isDirectory = false
            default:
                // A symbolic link, or a file system that does not say: stat follows links.
                var st = stat()
                isDirectory = stat(path + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            }
            out.append((name, isDirectory))
        }
        return out
    }

    /// Whether `path` is a directory (following symbolic links, as
    /// `FileManager.fileExists(atPath:isDirectory:)` does); nil when it does not exist. One stat:
    /// the query path asks this of every table it opens, and `FileManager.default` costs a
    /// conformance scan and its set-up at first use in a process.
    public static func isDirectory(_ path: String) -> Bool? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// True when `path` exists (one stat, no Foundation).
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func unlinkIgnoringMissing(_ path: String) {
        _ = unlink(path)
    }

    /// Milliseconds since the epoch, now.
    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// Encoding of partition values into folder names and of relative paths into the log's URIs.
public enum DeltaPath {
    /// Characters Hive escapes in a partition folder name (`%XX`), as Spark and delta-rs do.
    static let hiveEscaped: Set<UInt8> = Set("\"#%'*/:=?\\{[]^".utf8).union((0..<0x20).map { UInt8($0) }).union([0x7F])

    /// A partition folder segment `key=value`; NULL is `__HIVE_DEFAULT_PARTITION__`.
    public static func partitionSegment(_ key: String, _ value: String?) -> String {
        guard let value, !value.isEmpty else { return escapeHive(key) + "=__HIVE_DEFAULT_PARTITION__" }
        return escapeHive(key) + "=" + escapeHive(value)
    }

    static func escapeHive(_ s: String) -> String {
        var bytes: [UInt8] = []
        for b in s.utf8 {
            if hiveEscaped.contains(b) { bytes += Array(String(format: "%%%02X", b).utf8) } else { bytes.append(b) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `s` with its `%XX` escapes decoded (the inverse of `uriEncode` and of Hive's folder
    /// escapes); `s` itself when it has none, and nil when an escape is malformed or the
    /// bytes are not UTF-8, as Foundation's `removingPercentEncoding`. Hand-written because
    /// that one goes through NSString: ~15 µs a call at first use, and it runs once per file
    /// of a table at every query.
    public static func percentDecoded(_ s: String) -> String? {
        let utf8 = s.utf8
        guard utf8.contains(UInt8(ascii: "%")) else { return s }
        func hexValue(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let b = utf8[i]
            i = utf8.index(after: i)
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard i != utf8.endIndex, let high = hexValue(utf8[i]) else { return nil }
            i = utf8.index(after: i)
            guard i != utf8.endIndex, let low = hexValue(utf8[i]) else { return nil }
            i = utf8.index(after: i)
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The log's form of a relative file path: an RFC 2396 URI path, percent-encoded.
    public static func uriEncode(_ relativePath: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "%:;?#[]@!$&'()*+,")
        return relativePath.addingPercentEncoding(withAllowedCharacters: allowed) ?? relativePath
    }
}
