#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation

/// Lines appended to a file descriptor through a buffer: a request appends to memory under a
/// lock; the buffer is written when it passes 64 KiB and every 100 ms by a timer, and on
/// `flush()` (at shutdown). Logging thus never waits on the disk in a request.
final class LineWriter: @unchecked Sendable {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private let lock = NSLock()
    private var buffer: [UInt8] = []
    private var timer: DispatchSourceTimer?
    private let threshold = 64 << 10

    init(fd: Int32, ownsDescriptor: Bool = false) {
        self.fd = fd
        self.ownsDescriptor = ownsDescriptor
        buffer.reserveCapacity(threshold * 2)
        let t = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        t.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        t.setEventHandler { [weak self] in self?.flush() }
        t.resume()
        timer = t
    }

    /// Opens (creating, appending) the file at `path`.
    convenience init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw ConfigurationError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        self.init(fd: fd, ownsDescriptor: true)
    }

    deinit {
        timer?.cancel()
        flush()
        if ownsDescriptor { close(fd) }
    }

    func append(_ line: [UInt8]) {
        lock.lock()
        buffer.append(contentsOf: line)
        buffer.append(0x0A)
        let full = buffer.count >= threshold
        lock.unlock()
        if full { flush() }
    }

    func flush() {
        lock.lock()
        guard !buffer.isEmpty else {
            lock.unlock()
            return
        }
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        // Written under the lock so lines keep their order across flushes.
        pending.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let n = write(fd, base + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                offset += n
            }
        }
        lock.unlock()
    }
}
