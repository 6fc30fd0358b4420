import Foundation
import Testing
@testable import LakeqDelta

/// `Posix.isDirectory`: what the catalog asks of every table path instead of FileManager.
@Suite struct PosixTests {
    @Test func isDirectorySaysDirectoryFileOrMissing() throws {
        let dir = try makeTempDir("posix")
        defer { cleanup(dir) }
        try Data([1]).write(to: URL(fileURLWithPath: dir + "/file"))
        #expect(Posix.isDirectory(dir) == true)
        #expect(Posix.isDirectory(dir + "/file") == false)
        #expect(Posix.isDirectory(dir + "/missing") == nil)
        #expect(Posix.isDirectory("") == nil)
    }

    @Test func isDirectoryFollowsSymbolicLinks() throws {
        let dir = try makeTempDir("posix-links")
        defer { cleanup(dir) }
        try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: false)
        try Data([1]).write(to: URL(fileURLWithPath: dir + "/file"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/to-dir", withDestinationPath: dir + "/real")
        try FileManager.default.createSymbolicLink(atPath: dir + "/to-file", withDestinationPath: dir + "/file")
        try FileManager.default.createSymbolicLink(atPath: dir + "/dangling", withDestinationPath: dir + "/nowhere")
        #expect(Posix.isDirectory(dir + "/to-dir") == true)
        #expect(Posix.isDirectory(dir + "/to-file") == false)
        #expect(Posix.isDirectory(dir + "/dangling") == nil)
    }
}
