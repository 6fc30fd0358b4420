#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Hummingbird
import HummingbirdTesting
import LakeqQuery
@testable import LakeqServer
import LakeqTestSupport
import NIOCore
import HummingbirdTLS
import Testing

/// `lakeq serve` as a process: keys from `lakeq keys`, TLS, and SIGTERM during load and during
/// event intake (exit 0, no half commit, no accepted event lost).
@Suite(.serialized, .enabled(if: TestEnvironment.binaryBuilt)) struct ServerProcessTests {
    @Test func keysCommandAndServeOverHTTP() async throws {
        let f = try ServerFixture()
        let keys = f.directory.file("cli-keys.json")
        let add = try TestEnvironment.lakeq(["keys", "add", "ops", "--role", "admin", "--keys", keys])
        #expect(add.status == 0)
        let key = add.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("lq_"))
        #expect(try TestEnvironment.lakeq(["keys", "add", "ops", "--role", "admin", "--keys", keys]).status == 1)
        #expect(try TestEnvironment.lakeq(["keys", "add", "x", "--role", "king", "--keys", keys]).status == 2)
        let list = try TestEnvironment.lakeq(["keys", "list", "--keys", keys])
        #expect(list.out.hasPrefix("ops\tadmin\t-\t"))
        #expect(!(try String(contentsOfFile: keys, encoding: .utf8)).contains(String(key.split(separator: "_").last ?? "")))
        let server = try ServerProcess.start(["--lake", f.lake, "--keys", keys])
        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            let r = try await client.get("/v1/tables", headers: [.authorization: "Bearer " + key])
            #expect(r.status == .ok)
            #expect(try await client.get("/v1/tables").status == .unauthorized)
        }
        #expect(try TestEnvironment.lakeq(["keys", "revoke", "ops", "--keys", keys]).status == 0)
        #expect(try TestEnvironment.lakeq(["keys", "revoke", "ops", "--keys", keys]).status == 1)
        #expect(server.terminate() == 0)
        f.remove()
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"))) func servesHTTPSWithTLSFlags() async throws {
        let f = try ServerFixture()
        let cert = f.directory.file("cert.pem"), key = f.directory.file("key.pem")
        let made = try TestEnvironment.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                                               "-days", "1", "-subj", "/CN=localhost"])
        #expect(made.status == 0, "\(made.err)")
        let server = try ServerProcess.start(["--lake", f.lake, "--keys", f.keysFile, "--tls-cert", cert, "--tls-key", key])
        #expect(server.log.contains("https://"))
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        try await TestClient.withClient(host: "127.0.0.1", port: server.port, configuration: .init(tlsConfiguration: tls, serverName: "localhost")) { client in
            let r = try await client.get("/v1/tables", headers: [.authorization: "Bearer " + f.reader])
            #expect(r.status == .ok)
        }
        #expect(server.terminate() == 0)
        // Half a TLS configuration is refused.
        let half = try TestEnvironment.lakeq(["serve", "--lake", f.lake, "--keys", f.keysFile, "--tls-cert", cert, "--addr", "127.0.0.1:0"])
        #expect(half.status == 1)
        #expect(half.err.contains("TLS needs both"))
        f.remove()
    }

    @Test func sigtermDuringQueryLoadFinishesInFlightRequestsAndExitsZero() async throws {
        let f = try ServerFixture(rows: 20_000)
        let server = try ServerProcess.start(["--lake", f.lake, "--keys", f.keysFile, "--threads", "1", "--max-concurrent-queries", "2"])
        let answered = Collected()  // every answer, to know when the load is under way
        let results = try await withThrowingTaskGroup(of: [Int].self) { group in
            for c in 0..<8 {
                group.addTask {
                    let statuses = Collected()
                    do {
                        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
                            for i in 0..<200 {
                                let sql = "{\"sql\": \"SELECT show, avg(watch) FROM events WHERE event_id > \(c * 1000 + i) GROUP BY show\"}"
                                let r = try await client.post("/v1/query", headers: [.authorization: "Bearer " + f.admin], body: ByteBuffer(string: sql))
                                statuses.add(Int(r.head.status.code))
                                answered.add(Int(r.head.status.code))
                            }
                        }
                    } catch {
                        // The server went away between requests: expected after SIGTERM.
                    }
                    return statuses.values
                }
            }
            // SIGTERM once queries are answered (a loaded machine can take seconds for the
            // first), while the rest are in flight.
            let deadline = ContinuousClock.now + .seconds(60)
            while answered.values.count < 4 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            kill(server.pid, SIGTERM)
            var all: [Int] = []
            for try await s in group { all += s }
            return all
        }
        #expect(server.wait() == 0)
        #expect(!results.isEmpty)
        // Every request that got an answer was answered fully and well.
        #expect(results.allSatisfy { $0 == 200 }, "\(Set(results))")
        #expect(server.log.contains("\"stopped\""))
        f.remove()
    }

    @Test func sigtermDuringEventIntakeLosesNoAcceptedEventAndLeavesNoHalfCommit() async throws {
        let f = try ServerFixture(rows: 100)
        let server = try ServerProcess.start(["--lake", f.lake, "--keys", f.keysFile, "--commit-interval", "50"])
        let perRequest = 100
        // Each client posts batches of unique event ids; ids of accepted batches are recorded.
        let firsts = Collected()
        let accepted = try await withThrowingTaskGroup(of: [Int].self) { group in
            for c in 0..<6 {
                group.addTask {
                    do {
                        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
                            for i in 0..<1000 {
                                let first = 1_000_000 + (c * 1000 + i) * perRequest
                                let body = ByteBuffer(string: ServerFixture.events(perRequest, firstID: first))
                                let r = try await client.post("/v1/events", headers: [.authorization: "Bearer " + f.writer], body: body)
                                guard r.head.status == .ok else { continue }
                                firsts.add(first)
                            }
                        }
                    } catch {}
                    return []
                }
            }
            // SIGTERM once events are flowing (the first commits are in).
            let deadline = ContinuousClock.now + .seconds(60)
            while firsts.values.count < 6 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(300))
            kill(server.pid, SIGTERM)
            for try await _ in group {}
            return firsts.values
        }
        #expect(server.wait() == 0)
        #expect(accepted.count >= 6)
        // Read the table afresh: every accepted request is there whole; no request is there in part.
        let engine = QueryEngine(lake: f.lake, threads: 2)
        let result = try engine.run("SELECT event_id FROM events WHERE event_id >= 1000000")
        var ids = Set<Int>()
        let cell = result.columns[0]
        if case .int64(let v) = cell.values { for r in 0..<result.rowCount { ids.insert(Int(v[r])) } }
        #expect(ids.count == result.rowCount, "duplicated events")
        for first in accepted { #expect((first..<(first + perRequest)).allSatisfy(ids.contains), "accepted batch \(first) lost") }
        var batches: [Int: Int] = [:]
        for id in ids { batches[(id - 1_000_000) / perRequest, default: 0] += 1 }
        #expect(batches.values.allSatisfy { $0 == perRequest }, "a request committed in part")
        f.remove()
    }
}

/// Integers gathered by one client task (kept when the task ends in an error).
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int] = []
    func add(_ v: Int) { lock.withLock { items.append(v) } }
    var values: [Int] { lock.withLock { items } }
}

/// A `lakeq serve` child process on a free loopback port.
final class ServerProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    private let output: OutputCollector
    var pid: Int32 { process.processIdentifier }
    var log: String { output.text }

    final class OutputCollector: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ d: Data) { lock.withLock { data.append(d) } }
        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    }

    private init(process: Process, port: Int, output: OutputCollector) {
        self.process = process
        self.port = port
        self.output = output
    }

    static func start(_ arguments: [String]) throws -> ServerProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.binary)
        process.arguments = ["serve", "--addr", "127.0.0.1:0", "--audit-log", "none"] + arguments
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let output = OutputCollector()
        pipe.fileHandleForReading.readabilityHandler = { h in output.append(h.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let m = output.text.firstMatch(of: /"address":"https?:\/\/[0-9.]+:([0-9]+)"/), let port = Int(m.1) {
                return ServerProcess(process: process, port: port, output: output)
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        process.terminate()
        throw TestSupportError("lakeq serve did not start: \(output.text)")
    }

    /// Sends SIGTERM and waits: the exit status.
    func terminate() -> Int32 {
        kill(pid, SIGTERM)
        return wait()
    }

    func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}
