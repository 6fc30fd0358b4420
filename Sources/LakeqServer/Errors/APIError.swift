import Foundation
import Hummingbird
import LakeqColumnar
import LakeqQuery

/// An error answered as `{"error": {"code": "...", "message": "..."}}` with its status.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    /// A stable, machine-readable code (`unauthorized`, `rate_limited`, `syntax_error`, …).
    public let code: String
    public let message: String
    public var headers: HTTPFields = [:]
    /// Extra members of the error object (a syntax error's line and column, for instance).
    public var details: [String: JSONOut] = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    func response() -> Response {
        var error: [(String, JSONOut)] = [("code", .string(code)), ("message", .string(message))]
        for (k, v) in details.sorted(by: { $0.key < $1.key }) { error.append((k, v)) }
        var body = JSONOut.object([("error", .object(error))]).bytes
        body.append(0x0A)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The API's answer to any error a request ran into.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case let e as SQLSyntaxError:
            var a = APIError(.badRequest, "syntax_error", e.description)
            a.details = ["line": .int(e.line), "column": .int(e.column)]
            return a
        case let e as QueryError:
            switch e {
            case .forbidden(let m): return APIError(.forbidden, "forbidden_path", m)
            case .catalog(let m) where m.contains("not found"): return APIError(.notFound, "table_not_found", m)
            case .catalog(let m): return APIError(.badRequest, "catalog_error", m)
            case .binding(let m): return APIError(.badRequest, "binding_error", m)
            case .unsupported(let m): return APIError(.badRequest, "unsupported", m)
            case .execution(let m): return APIError(.unprocessableContent, "execution_error", m)
            }
        case let e as ExecutionCancelled:
            return e.reason == .timedOut
                ? APIError(.requestTimeout, "query_timeout", e.description)
                : APIError(.serviceUnavailable, "cancelled", e.description)
        case let e as HTTPError:
            switch e.status {
            case .notFound: return APIError(.notFound, "not_found", e.body ?? "no such endpoint")
            case .contentTooLarge: return APIError(.contentTooLarge, "body_too_large", "the request body is larger than the limit")
            case .unauthorized: return APIError(.unauthorized, "unauthorized", e.body ?? "a valid API key is required")
            case .forbidden: return APIError(.forbidden, "forbidden", e.body ?? "not allowed")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", e.body ?? "method not allowed")
            default: return APIError(e.status, "http_\(e.status.code)", e.body ?? e.status.reasonPhrase)
            }
        case let e as any HTTPResponseError:
            return APIError(e.status, "http_\(e.status.code)", "\(e)")
        default:
            return APIError(.internalServerError, "internal", "\(error)")
        }
    }

    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code, message) }
}
