#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered sequential writes to a file descriptor, tracking the file position.
final class FileSink {
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    let path: String
    /// Bytes written so far (buffered included): the offset the next write lands at.
    private(set) var position: Int64 = 0

    init(path: String, bufferBytes: Int = 4 << 20) throws {
        self.path = path
        capacity = bufferBytes
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw ParquetError.io("\(path): cannot create: \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(bufferBytes)
    }

    deinit {
        // Dropped without `close()` (after an error): release the descriptor, leave the partial file.
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw ParquetError.io("\(path): write after close") }
        position += Int64(bytes.count)
        if buffer.count + bytes.count <= capacity {
            buffer.append(contentsOf: bytes)
            return
        }
        try flush()
        // Large writes (whole column chunks) skip the buffer.
        if bytes.count >= capacity { try writeAll(bytes) } else { buffer.append(contentsOf: bytes) }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw ParquetError.io("\(path): write failed: \(String(cString: strerror(errno)))")
            }
            p += n
            left -= n
        }
    }

    /// Flushes, optionally fsyncs, and closes the descriptor.
    func close(fsync doSync: Bool) throws {
        guard fd >= 0 else { return }
        defer { _ = Glibc.close(fd); fd = -1 }
        try flush()
        if doSync && fsync(fd) != 0 {
            throw ParquetError.io("\(path): fsync failed: \(String(cString: strerror(errno)))")
        }
    }
}
