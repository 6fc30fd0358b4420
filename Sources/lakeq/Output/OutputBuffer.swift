#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LakeqColumnar

/// Buffered writes to standard output, flushed in large blocks.
struct OutputBuffer {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 16) }

    mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
        flushIfFull()
    }

    mutating func write(byte: UInt8) { bytes.append(byte) }

    mutating func write<C: Collection>(bytes b: C) where C.Element == UInt8 { bytes.append(contentsOf: b) }

    mutating func flushIfFull() { if bytes.count >= 1 << 16 { flush() } }

    mutating func flush() {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { p in
            var off = 0
            while off < p.count {
                let n = Glibc.write(1, p.baseAddress! + off, p.count - off)
                if n <= 0 { break }
                off += n
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends `s` as a JSON string literal.
    mutating func writeJSONString<C: Collection>(utf8 s: C) where C.Element == UInt8 {
        JSONText.append(utf8: s, to: &bytes)
    }

    /// Appends a JSON string of text that may not be valid UTF-8 (invalid bytes are replaced).
    mutating func writeJSONString(text: ArraySlice<UInt8>) {
        if let s = String(validating: text, as: UTF8.self) {
            writeJSONString(utf8: s.utf8)
        } else {
            writeJSONString(utf8: String(decoding: text, as: UTF8.self).utf8)
        }
    }
}

/// Ends a command whose whole answer is in `out`: writes it, then exits with status 0 at once.
/// Nothing is torn down: freeing the tables, footers and result a query held was measured at
/// ~5% of a small query's process, and the process is ending anyway.
func exitAfterWriting(_ out: inout OutputBuffer) -> Never {
    out.flush()
    exit(0)
}

/// Writes a line to standard error.
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { p in _ = Glibc.write(2, p.baseAddress, p.count) }
}
