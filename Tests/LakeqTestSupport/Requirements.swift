import Foundation

/// Conditions for `.enabled(if:)`: a test whose dependency is missing is skipped visibly,
/// never passed by returning early.
public enum Requirements {
    /// pyarrow and DuckDB (interop checks of Parquet files).
    public static var pyarrowAndDuckDB: Bool { TestEnvironment.pythonHas("pyarrow, duckdb") }
    /// delta-rs (`deltalake`) with pyarrow.
    public static var deltaRS: Bool { TestEnvironment.pythonHas("deltalake, pyarrow") }
    /// The shared bench generator and anchors with numpy, pyarrow and DuckDB.
    public static var benchTools: Bool {
        FileManager.default.fileExists(atPath: TestEnvironment.sharedFile("bench/anchors.py"))
            && TestEnvironment.pythonHas("numpy, pyarrow, duckdb")
    }
    /// A Kafka broker for tests (tansu) and the librdkafka that talks to it (`KafkaBroker`).
    public static var kafka: Bool { KafkaBroker.available }
    /// The broker, the built binary and delta-rs (stream end-to-end tests).
    public static var kafkaAndDeltaRS: Bool { KafkaBroker.available && TestEnvironment.binaryBuilt && deltaRS }
    /// The parquet-testing corpus and its checker.
    public static var parquetTesting: Bool {
        FileManager.default.fileExists(atPath: TestEnvironment.sharedFile("parquet-testing/check.py")) && TestEnvironment.python != nil
    }
    /// The `schemathesis` command (PyPI), for fuzzing the API service against its OpenAPI document.
    public static var schemathesis: Bool { TestEnvironment.executable("schemathesis") != nil }

    /// Debian's Chromium and Playwright for Python (the dashboard's browser test).
    public static var chromiumAndPlaywright: Bool {
        FileManager.default.isExecutableFile(atPath: TestEnvironment.chromium) && TestEnvironment.pythonHas("playwright.sync_api")
    }
}
