#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `pread` until a buffer is full: the one positional-read loop of lakeq (`MappedFile`'s
/// magic and footer, the Delta layer's `Posix.readRange`), retrying EINTR and continuing
/// after a short read. Callers turn a failure into their own layer's error.
public enum PositionalRead {
    public enum Failure: Error, Equatable {
        /// `pread` failed with this errno.
        case system(Int32)
        /// The file ended at this offset, before the buffer was full.
        case endOfFile(at: Int)
    }

    /// Fills `buffer` from `fd` starting at byte `offset`; nil on success.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer, from fd: Int32, at offset: Int) -> Failure? {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                return .system(errno)
            }
            if n == 0 { return .endOfFile(at: offset + done) }
            done += n
        }
        return nil
    }
}
