import Foundation
import LakeqTestSupport
import Testing

/// The writer of `Benchmarks/run`'s report (Benchmarks/report/report.py) on canned figures:
/// well-formed Markdown tables, the right ratios, mismatches flagged, a valid SVG chart.
@Suite(.enabled(if: TestEnvironment.python != nil, "needs python3"))
struct BenchmarkReportTests {
    @Test func reportWriterOnCannedFigures() throws {
        let script = TestEnvironment.packageRoot.appendingPathComponent("Benchmarks/report/test_report.py").path
        let result = try TestEnvironment.runPythonFile(script)
        #expect(result.status == 0, "test_report.py exited \(result.status): \(result.output)")
    }
}
