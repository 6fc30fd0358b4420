import Foundation
import LakeqTestSupport
import Testing

/// The dashboard in a real browser: Tests/Browser/dashboard_test.py drives headless Chromium
/// (Playwright) against a live `lakeq serve` on a 50k-row `lakeq gen` lake. Screenshots of
/// each page go to `.build/dashboard-screenshots/`.
@Suite struct DashboardBrowserTests {
    static let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Browser/dashboard_test.py").path
    static let screenshots = TestEnvironment.packageRoot.appendingPathComponent(".build/dashboard-screenshots").path

    @Test(.enabled(if: Requirements.chromiumAndPlaywright && TestEnvironment.binaryBuilt, "needs chromium, Playwright for Python and the debug binary"),
          .timeLimit(.minutes(5)))
    func pagesChartsFiltersAndLiveUpdates() throws {
        let outcome = try TestEnvironment.runPythonFile(Self.script, ["--lakeq", TestEnvironment.binary, "--screenshots", Self.screenshots],
                                                        environment: ["LAKEQ_CHROMIUM": TestEnvironment.chromium])
        #expect(outcome.status == 0, "dashboard browser test failed:\n\(outcome.output)")
        for page in ["overview", "show", "quality"] {
            #expect(FileManager.default.fileExists(atPath: Self.screenshots + "/\(page).png"), "no screenshot of \(page)")
        }
    }
}
