import Foundation

/// Where tests find the package, the built binary, the shared material and Python, and how
/// they run programs. One place for every test target (as swift-collections'
/// `_CollectionsTestSupport`): test targets depend on `LakeqTestSupport`.
public enum TestEnvironment {
    /// The package root: this file is Tests/LakeqTestSupport/TestEnvironment.swift.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the package root (the bench and parquet-testing material), else
    /// `/work/shared` (a git worktree sits elsewhere on the machine).
    public static let shared: URL = {
        let near = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: near.appendingPathComponent("bench").path) { return near }
        return URL(fileURLWithPath: "/work/shared")
    }()

    /// A file of the shared material, e.g. `bench/gen_events.py`.
    public static func sharedFile(_ relative: String) -> String { shared.appendingPathComponent(relative).path }

    /// The debug binary `swift build --build-tests` makes.
    public static let binary = packageRoot.appendingPathComponent(".build/debug/lakeq").path

    /// True when the debug binary has been built.
    public static var binaryBuilt: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Debian's Chromium (`apt-get install chromium`), which Playwright drives here
    /// (`playwright install` cannot download browsers on these machines).
    public static let chromium = ProcessInfo.processInfo.environment["LAKEQ_CHROMIUM"] ?? "/usr/bin/chromium"

    /// `python3` on PATH, if any.
    public static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// An executable named `name` on PATH, if any.
    public static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    nonisolated(unsafe) private static var probed: [String: Bool] = [:]
    private static let probeLock = NSLock()

    /// True when `python3 -c "import <modules>"` succeeds (asked once per module list).
    public static func pythonHas(_ modules: String) -> Bool {
        probeLock.lock()
        defer { probeLock.unlock() }
        if let known = probed[modules] { return known }
        guard let python else { return false }
        let ok = (try? run(python, ["-c", "import \(modules)"]).status) == 0
        probed[modules] = ok
        return ok
    }

    /// Appended to Python scripts: ends the interpreter without its teardown, where delta-rs
    /// and pyarrow thread pools have been seen to abort ("terminate called without an active
    /// exception") after the script's work is done and printed. A script that raised never gets here.
    public static let pythonExitWithoutTeardown = "\nimport os as _o, sys as _s\n_s.stdout.flush(); _s.stderr.flush(); _o._exit(0)\n"

    /// The outcome of a finished program.
    public struct Outcome: Sendable {
        public var status: Int32
        public var out: String
        public var err: String
        public init(status: Int32, out: String, err: String) {
            self.status = status
            self.out = out
            self.err = err
        }
        /// Standard output and error together (error after output).
        public var output: String { err.isEmpty ? out : out + err }
    }

    /// Runs a program to completion (in `directory` when given, so that tools that leave
    /// caches in their working directory leave them there). Both pipes are drained before
    /// waiting, so a chatty child cannot block on a full pipe.
    @discardableResult
    public static func run(_ program: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: Data? = nil, directory: String? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            DispatchQueue.global().async {
                stdin.fileHandleForWriting.write(input)
                try? stdin.fileHandleForWriting.close()
            }
        }
        let errData = DrainedPipe()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                       err: String(decoding: errData.data, as: UTF8.self))
    }

    /// Runs the debug `lakeq` binary.
    @discardableResult
    public static func lakeq(_ arguments: [String], environment: [String: String]? = nil, input: Data? = nil) throws -> Outcome {
        try run(binary, arguments, environment: environment, input: input)
    }

    /// Runs `python3 -c script args…`, exiting without interpreter teardown.
    @discardableResult
    public static func runPython(_ script: String, _ arguments: [String] = [], environment: [String: String]? = nil) throws -> Outcome {
        guard let python else { throw TestSupportError("python3 is not on PATH") }
        return try run(python, ["-c", script + pythonExitWithoutTeardown] + arguments, environment: environment)
    }

    /// Runs a Python file (a script of ../shared, say) with arguments.
    @discardableResult
    public static func runPythonFile(_ path: String, _ arguments: [String] = [], environment: [String: String]? = nil) throws -> Outcome {
        guard let python else { throw TestSupportError("python3 is not on PATH") }
        return try run(python, [path] + arguments, environment: environment)
    }
}

/// Bytes read from a pipe on another thread; read only after that thread's group is waited for.
private final class DrainedPipe: @unchecked Sendable {
    var data = Data()
}

/// A failure of the test harness itself (not of the code under test).
public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
