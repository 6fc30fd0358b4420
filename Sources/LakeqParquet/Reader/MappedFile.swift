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
            return
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
            return
        }
        let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        let buffer = UnsafeMutableRawBufferPointer(start: p, count: size)
        _ = buffer.copyBytes(from: bytes)
        base = p
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
