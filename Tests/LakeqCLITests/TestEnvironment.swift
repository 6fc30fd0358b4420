import Foundation

/// Where the CLI tests find the built binary, the shared material and Python.
enum TestEnvironment {
    /// The package root: this file is Tests/LakeqCLITests/TestEnvironment.swift.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// `../shared` beside the package root (the bench and parquet-testing material).
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    /// The debug binary `swift build --build-tests` makes.
    static let binary = packageRoot.appendingPathComponent(".build/debug/lakeq").path

    /// Appended to Python scripts: ends the interpreter without its teardown, where delta-rs
    /// and pyarrow thread pools have been seen to abort after the script's work is done.
    static let pythonExitWithoutTeardown = "\nimport os as _o, sys as _s\n_s.stdout.flush(); _s.stderr.flush(); _o._exit(0)\n"

    static var python: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// True when `python3 -c "import <modules>"` succeeds.
    static func pythonHas(_ modules: String) -> Bool {
        guard let python else { return false }
        return (try? run(python, ["-c", "import \(modules)"]).status) == 0
    }

    /// Runs a program to completion, returning its exit status and combined output.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
