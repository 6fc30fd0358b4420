import Foundation
import Hummingbird
import NIOCore

/// Reading request bodies: bounded in size (413 past the limit, refused from
/// `Content-Length` before reading when it says so) and in time (408 when the body does not
/// arrive within the limit: a slow client holds only its own connection).
enum RequestBodies {
    static func collect(_ request: Request, limit: Int, timeout: Duration) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError(.contentTooLarge, "body_too_large", "the request body (\(length) bytes) is larger than the limit of \(limit) bytes")
        }
        let body = request.body
        return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                do {
                    return try await body.collect(upTo: limit)
                } catch let e as HTTPError where e.status == .contentTooLarge {
                    throw APIError(.contentTooLarge, "body_too_large", "the request body is larger than the limit of \(limit) bytes")
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else {
                throw APIError(.requestTimeout, "body_timeout", "the request body did not arrive within \(timeout)")
            }
            return buffer
        }
    }

    /// The body as bytes, refused when it is not UTF-8.
    static func utf8Bytes(_ buffer: ByteBuffer) throws -> [UInt8] {
        let bytes = Array(buffer.readableBytesView)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw APIError(.badRequest, "invalid_utf8", "the request body is not valid UTF-8")
        }
        return bytes
    }

    /// A JSON object body, with a clear 400 when it is not one.
    static func jsonObject(_ bytes: [UInt8]) throws -> [String: Any] {
        guard !bytes.isEmpty else { throw APIError(.badRequest, "empty_body", "the request needs a JSON body") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) } catch {
            throw APIError(.badRequest, "malformed_json", "the body is not valid JSON: \(error.localizedDescription)")
        }
        guard let dict = object as? [String: Any] else { throw APIError(.badRequest, "malformed_json", "the body must be a JSON object") }
        return dict
    }
}

/// Numbers in JSON decoded by Foundation: `true` and `1` both arrive as NSNumber (and `is
/// Bool` holds for both on Linux), so booleans are told apart by their class.
enum JSONNumbers {
    static func isBoolean(_ v: Any) -> Bool {
        if v is NSNumber { return String(describing: type(of: v)).contains("Boolean") }
        return v is Bool
    }

    /// An integral JSON number (not a boolean), else nil.
    static func integer(_ v: Any) -> Int? {
        guard !isBoolean(v), let n = v as? NSNumber else { return nil }
        return Int(exactly: n.doubleValue)
    }

    /// A finite JSON number (not a boolean), else nil.
    static func number(_ v: Any) -> Double? {
        guard !isBoolean(v), let n = v as? NSNumber, n.doubleValue.isFinite else { return nil }
        return n.doubleValue
    }

    /// A JSON boolean, else nil.
    static func boolean(_ v: Any) -> Bool? {
        guard isBoolean(v) else { return nil }
        return (v as? NSNumber)?.boolValue ?? (v as? Bool)
    }
}

/// A request's query parameters, parsed once (Hummingbird parses the query string again on
/// every `uri.queryParameters` read).
struct QueryParams: Sendable {
    let values: [(String, String)]

    init(_ request: Request) {
        values = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
    }

    /// The first value of `name`.
    func get(_ name: String) -> String? { values.first { $0.0 == name }?.1 }

    /// Every value of `name` (repeated parameters each count).
    func all(_ name: String) -> [String] { values.filter { $0.0 == name }.map(\.1) }
}
