import Foundation
import LakeqTestSupport
import Testing

/// The query command's exit codes and error messages, through the built binary.
@Suite struct QueryCLITests {
    func lakeq(_ args: [String]) throws -> TestEnvironment.Outcome {
        try #require(TestEnvironment.binaryBuilt, "build the binary first: swift build --build-tests")
        return try TestEnvironment.lakeq(args)
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try lakeq(["--bogus", "select 1"]).status == 2)
        #expect(try lakeq(["dump"]).status == 2)
        #expect(try lakeq(["--format", "xml", "select count(*) from t"]).status == 2)
    }

    @Test func queryErrorsExitOneWithAClearMessage() throws {
        let dir = NSTemporaryDirectory() + "lakeq-cli-empty-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let syntax = try lakeq(["--lake", dir, "select a, b, from t"])
        #expect(syntax.status == 1)
        #expect(syntax.output.contains("syntax error at line 1, column 14") && syntax.output.contains("             ^"))
        let missing = try lakeq(["--lake", dir, "select * from events"])
        #expect(missing.status == 1 && missing.output.contains("table events not found"))
    }

    @Test func corruptFilesExitOneNamingTheFile() throws {
        let path = NSTemporaryDirectory() + "lakeq-not-parquet-\(UUID().uuidString).parquet"
        try Data("PAR1 this is not parquet PAR1".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for command in ["dump", "schema", "meta", "scan"] {
            let r = try lakeq([command, path])
            #expect(r.status == 1, "\(command): \(r.output)")
            #expect(r.output.contains(path), "\(command): \(r.output)")
        }
    }
}
