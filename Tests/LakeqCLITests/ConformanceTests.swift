import Foundation
import LakeqTestSupport
import Testing

// Runs the parquet-testing conformance checker against the debug `lakeq` binary, so a reader
// regression on any corpus file fails `swift test`. Build the binary first
// (`swift build --build-tests` builds it along with the tests).

private let checker = TestEnvironment.shared.appendingPathComponent("parquet-testing/check.py").path

@Suite(.enabled(if: Requirements.parquetTesting, "needs python3 and ../shared/parquet-testing"))
struct ConformanceTests {
    @Test func parquetTestingCorpusPasses() throws {
        let python = try #require(TestEnvironment.python)
        let binary = TestEnvironment.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build \(binary) first: swift build --build-tests")

        let outcome = try TestEnvironment.run(python, [checker, "--dump-cmd", "'\(binary)' dump {file}", "--smoke", "--nested"])
        let (status, text) = (outcome.status, outcome.output)
        let lines = text.split(separator: "\n")
        let last = lines.last.map(String.init) ?? ""
        let failing = lines.filter { $0.hasPrefix("FAIL") || $0.hasPrefix("ERROR") }.joined(separator: "\n")
        #expect(last.hasSuffix(" 0 failed"), "check.py: \(last)\n\(failing)")
        #expect(last.range(of: #"^[1-9][0-9]* passed, 0 failed$"#, options: .regularExpression) != nil, "check.py: \(last)")
        #expect(status == 0, "check.py exited \(status)")
    }

    /// `lakeq dump` of damaged files (mostly in the footer, where types, widths and scales
    /// live) exits with an error or prints something, but is never killed by a signal: this
    /// covers value rendering (decimals, float16, INT96, dates), which the reader tests do not.
    @Test func dumpOfMutantsNeverCrashes() throws {
        let binary = TestEnvironment.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build \(binary) first: swift build --build-tests")
        let data = TestEnvironment.shared.appendingPathComponent("parquet-testing/data").path
        let files = ["fixed_length_decimal", "fixed_length_decimal_legacy", "int96_from_spark", "float16_nonzeros_and_nans",
                     "byte_array_decimal", "int32_decimal", "int64_decimal", "alltypes_dictionary", "nulls.snappy"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lakeq-mutants-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var crashed = false
        defer { if !crashed { try? FileManager.default.removeItem(at: dir) } }  // keep crashers
        var state: UInt64 = 0x5eed
        func random(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let values: [UInt8] = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x15, 0x1c]
        for name in files {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(data)/\(name).parquet")))
            let n = original.count
            for k in 0..<25 {
                var m = original
                for _ in 0...random(3) {
                    // 3 in 4 changes within the last 400 bytes before the footer length word.
                    let i = random(4) > 0 ? n - 9 - random(min(n - 9, 400)) : random(n)
                    m[i] = random(2) == 0 ? values[random(values.count)] : UInt8(random(256))
                }
                let path = dir.appendingPathComponent("\(name)-\(k).parquet")
                try Data(m).write(to: path)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["dump", path.path]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                #expect(process.terminationReason == .exit, "lakeq dump \(name) mutant \(k) was killed by signal \(process.terminationStatus); kept at \(path.path)")
                if process.terminationReason == .exit { try? FileManager.default.removeItem(at: path) } else { crashed = true }
            }
        }
    }
}
