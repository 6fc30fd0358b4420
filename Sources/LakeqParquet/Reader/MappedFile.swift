#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file. Readers slice it without copying; the map lives
/// as long as this object.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let size: Int
    /// The file version mapped (from `fstat` of the descriptor mapped); nil for bytes held in
    /// memory, which have no identity that outlives them.
    public let identity: FileIdentity?
    private let base: UnsafeMutableRawPointer?
    /// True when `base` was allocated by `init(bytes:name:)` rather than mapped.
    private let owned: Bool
    /// Read with `pread` when the file is opened, so that opening a Parquet file never
    /// touches the map: its first 4 bytes (`head`), its last 8 (`tail`: footer length and
    /// magic) and, when those end in a Parquet magic, the footer they declare (`footer`, up to
    /// `footerLimit` bytes; nil otherwise, and the reader takes it from the map). Touching the
    /// map there cost two page faults per file, its first page and its last (~4% of a
    /// `count(*)` over 30 files); the footer is copied out of the map anyway.
    public let head: [UInt8]
    public let tail: [UInt8]
    public let footer: [UInt8]?
    public static let footerLimit = 1 << 20

    public init(path: String) throws {
        self.path = path
        owned = false
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ParquetError.io("\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ParquetError.io("\(path): cannot stat: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw ParquetError.io("\(path): not a regular file") }
        size = Int(st.st_size)
#if canImport(Darwin)
        let mtime = st.st_mtimespec
#else
        let mtime = st.st_mtim
#endif
        identity = FileIdentity(path: path, device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: size,
                                modified: Int64(mtime.tv_sec) &* 1_000_000_000 &+ Int64(mtime.tv_nsec))
        if size == 0 {
            base = nil
            head = []
            tail = []
            footer = nil
            return
        }
        head = try Self.read(fd, offset: 0, count: min(size, 4), path: path)
        tail = try Self.read(fd, offset: max(size - 8, 0), count: min(size, 8), path: path)
        if let n = Self.footerLength(tail), n <= Self.footerLimit, n <= size - 12 {
            footer = try Self.read(fd, offset: size - 8 - n, count: n, path: path)
        } else {
            footer = nil
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw ParquetError.io("\(path): cannot map: \(String(cString: strerror(errno)))") }
        // No MADV_WILLNEED on the whole file: a query that prunes to a few row groups would
        // still pay for reading ahead every byte (measured: most of a selective query's time).
        base = p
    }

    /// An in-memory copy of `bytes` posing as a file named `name` (tests, fuzzing, bytes
    /// that arrived over the network).
    public init(bytes: some Collection<UInt8>, name: String = "<memory>") {
        path = name
        owned = true
        identity = nil
        size = bytes.count
        if size == 0 {
            base = nil
            head = []
            tail = []
            footer = nil
            return
        }
        let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        let buffer = UnsafeMutableRawBufferPointer(start: p, count: size)
        _ = buffer.copyBytes(from: bytes)
        base = p
        head = Array(buffer.prefix(4))
        tail = Array(buffer.suffix(8))
        footer = nil  // read from the bytes themselves
    }

    /// The footer length `tail` declares when it ends in a Parquet magic (PAR1 or PARE).
    private static func footerLength(_ tail: [UInt8]) -> Int? {
        guard tail.count == 8, tail[7] == UInt8(ascii: "1") || tail[7] == UInt8(ascii: "E"),
              tail[4] == UInt8(ascii: "P"), tail[5] == UInt8(ascii: "A"), tail[6] == UInt8(ascii: "R") else { return nil }
        return Int(tail[0]) | Int(tail[1]) << 8 | Int(tail[2]) << 16 | Int(tail[3]) << 24
    }

    /// `count` bytes at `offset` of `fd` (`PositionalRead`); a file that ends early is an I/O error.
    private static func read(_ fd: Int32, offset: Int, count: Int, path: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        switch out.withUnsafeMutableBytes({ PositionalRead.fill($0, from: fd, at: offset) }) {
        case nil: return out
        case .system(let code)?: throw ParquetError.io("\(path): cannot read: \(String(cString: strerror(code)))")
        case .endOfFile(let at)?: throw ParquetError.io("\(path): file ended at byte \(at), before \(offset + count)")
        }
    }

    deinit {
        guard let base else { return }
        if owned { base.deallocate() } else { munmap(base, size) }
    }

    /// The whole file.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }

    /// Drops the pages wholly inside `offset ..< offset + count` from this process's resident
    /// memory once a reader is done with them (a decoded column chunk owns copies of its
    /// values). The mapping stays valid: a later read faults the pages back in from the page
    /// cache. Without it every column chunk a query decodes stays resident until the file is
    /// closed, and peak RSS grows with the bytes scanned rather than with the work in flight.
    /// Pages shared with neighbouring ranges are kept. Does nothing for in-memory files.
    public func release(_ offset: Int64, _ count: Int64) {
        guard !owned, let base, offset >= 0, count > 0, offset <= Int64(size), count <= Int64(size) - offset else { return }
        let page = Int64(Self.pageSize)
        let start = (offset + page - 1) / page * page
        let end = (offset + count) / page * page
        guard end > start else { return }
        _ = madvise(base + Int(start), Int(end - start), MADV_DONTNEED)
    }

    private static let pageSize = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)

    /// Bytes `offset ..< offset + count`, or an error naming `what` if that range is not inside the file.
    public func slice(_ offset: Int64, _ count: Int64, what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        guard offset >= 0, count >= 0, offset <= Int64(size), count <= Int64(size) - offset else {
            throw ParquetError.corrupt("\(what()) (offset \(offset), \(count) bytes) lies outside the file (\(size) bytes)")
        }
        return UnsafeRawBufferPointer(rebasing: bytes[Int(offset)..<Int(offset + count)])
    }
}
