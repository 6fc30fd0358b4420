import Foundation
import Testing
@testable import LakeqParquet

/// `PositionalRead.fill`: a full buffer, the end of the file, and a failing descriptor.
@Suite struct PositionalReadTests {
    @Test func fillsReportsTheEndAndSystemErrors() throws {
        let path = NSTemporaryDirectory() + "lakeq-pread-\(UUID().uuidString)"
        try Data((0..<10).map { UInt8($0) }).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4)
        #expect(buffer.withUnsafeMutableBytes { PositionalRead.fill($0, from: fd, at: 3) } == nil)
        #expect(buffer == [3, 4, 5, 6])
        var long = [UInt8](repeating: 0, count: 8)
        #expect(long.withUnsafeMutableBytes { PositionalRead.fill($0, from: fd, at: 5) } == .endOfFile(at: 10))
        #expect(buffer.withUnsafeMutableBytes { PositionalRead.fill($0, from: -1, at: 0) } == .system(EBADF))
    }
}
