#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LakeqServer
import LakeqTestSupport
import NIOCore
import Testing

/// Hostile input over real sockets: clear 4xx answers, and the server keeps serving everyone
/// else meanwhile.
@Suite(.serialized) struct HostileInputTests {
    @Test func badBodiesGetClear4xx() async throws {
        let f = try ServerFixture()
        try await f.withLive({ $0.maxBodyBytes = 64 << 10 }) { client in
            // Not UTF-8.
            var bytes = ByteBuffer(string: "{\"sql\": \"SELECT 1 FROM events WHERE show = '")
            bytes.writeBytes([0xC3, 0x28, 0xFF])
            bytes.writeString("'\"}")
            let q = try await client.execute(uri: "/v1/query", method: .post, headers: [.authorization: "Bearer " + f.reader], body: bytes)
            #expect(q.status == .badRequest)
            #expect(q.errorCode == "invalid_utf8")
            var events = ByteBuffer(string: "{\"show\": \"")
            events.writeBytes([0xED, 0xA0, 0x80])  // an encoded surrogate
            events.writeString("\"}\n")
            let e = try await client.execute(uri: "/v1/events", method: .post, headers: [.authorization: "Bearer " + f.writer], body: events)
            #expect(e.status == .badRequest)
            #expect(e.errorCode == "invalid_utf8")
            // Larger than the limit: refused (413), whether announced or not.
            let big = ByteBuffer(repeating: UInt8(ascii: "a"), count: 100 << 10)
            let b = try await client.execute(uri: "/v1/events", method: .post, headers: [.authorization: "Bearer " + f.writer], body: big)
            #expect(b.status == .contentTooLarge)
            // Deeply nested JSON and long lines are data errors, not crashes.
            let nested = String(repeating: "[", count: 50_000)
            let n = try await client.call(.post, "/v1/query", key: f.reader, body: nested)
            #expect(n.status == .badRequest)
            let deep = "{\"sql\": \"SELECT " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " FROM events\"}"
            #expect(try await client.call(.post, "/v1/query", key: f.reader, body: deep).status == .badRequest)
            // Paths out of the lake, however spelled.
            for sql in ["SELECT * FROM '/etc/passwd'", "SELECT * FROM \"../../etc\"", "SELECT * FROM '..' ", "SELECT * FROM read_parquet('../**')"] {
                let r = try await client.query(sql, key: f.reader)
                #expect(r.status == .forbidden, "\(sql)")
            }
            // Still serving.
            #expect(try await client.call(.get, "/v1/tables", key: f.reader).status == .ok)
        }
        f.remove()
    }

    @Test func slowClientsHoldOnlyTheirOwnConnection() async throws {
        let f = try ServerFixture()
        try await f.withLive({ $0.bodyTimeout = .milliseconds(800) }) { client in
            let port = try #require(client.port)
            // One client dribbles its headers, another announces a body it never sends.
            let headers = try RawConnection(port: port)
            try headers.send("POST /v1/query HTTP/1.1\r\nHost: x\r\n")
            let body = try RawConnection(port: port)
            try body.send("POST /v1/query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(f.reader)\r\nContent-Length: 1000\r\n\r\n{\"sql\":")
            // Everyone else is answered meanwhile (the slow header is still unanswered).
            for _ in 0..<5 { #expect(try await client.call(.get, "/v1/tables", key: f.reader).status == .ok) }
            #expect(try headers.receive(timeout: 0.2).isEmpty)
            // The stalled body gets 408 after the body time limit.
            let answer = try body.receive(timeout: 5)
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(80))")
            #expect(answer.contains("body_timeout"))
            try headers.send("X-Slow: 1\r\n")
            #expect(try await client.call(.get, "/healthz").status == .ok)
            headers.close()
            body.close()
        }
        f.remove()
    }

    @Test func aFloodFromOneKeyIsLimitedWhileOthersAreServed() async throws {
        let f = try ServerFixture()
        try await f.withLive({ c in try? c.setRateLimit("reader=50:100") }) { client in
            let statuses = try await withThrowingTaskGroup(of: (Bool, HTTPResponse.Status).self) { group in
                for i in 0..<400 {
                    group.addTask {
                        let flooder = i % 8 != 0
                        let key = flooder ? f.reader : f.piiReader
                        return (flooder, try await client.call(.get, "/v1/tables", key: key).status)
                    }
                }
                var out: [(Bool, HTTPResponse.Status)] = []
                for try await s in group { out.append(s) }
                return out
            }
            let flood = statuses.filter(\.0).map(\.1)
            let others = statuses.filter { !$0.0 }.map(\.1)
            #expect(flood.contains(.tooManyRequests))
            #expect(flood.allSatisfy { $0 == .ok || $0 == .tooManyRequests })
            #expect(others.allSatisfy { $0 == .ok })
            // Unauthenticated floods get 401 and cost nothing else.
            for _ in 0..<50 { #expect(try await client.call(.get, "/v1/tables", key: "lq_x_y").status == .unauthorized) }
            #expect(try await client.call(.get, "/v1/tables", key: f.admin).status == .ok)
        }
        f.remove()
    }
}

extension ServerFixture {
    /// Runs `body` against a live server on a loopback port.
    func withLive<T: Sendable>(_ edit: (inout ServerConfiguration) -> Void = { _ in }, _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let service = try self.service(edit)
        let app = try service.application()
        defer { Task { await service.shutdown() } }
        return try await app.test(.live) { client in try await body(client) }
    }
}

/// A plain TCP connection to the loopback port, to send requests byte by byte.
final class RawConnection: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { throw TestSupportError("connect failed") }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard n == bytes.count else { throw TestSupportError("send failed") }
    }

    /// What arrives within `timeout` seconds (until the peer closes or a pause).
    func receive(timeout: Double) throws -> String {
        var out: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, 100)
            if ready <= 0 {
                if !out.isEmpty { break }
                continue
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    func close() { _ = Glibc.close(fd) }
}
