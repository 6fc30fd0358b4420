import Foundation
import Hummingbird
import Logging

/// The outermost middleware: every error becomes a JSON error with its status; every request
/// gets an `X-Request-Id`, a log line (JSON, with request id, route, status, duration, key
/// name), an audit line and its metrics. A streamed body is logged once written.
struct RequestObserver: RouterMiddleware {
    typealias Context = APIRequestContext
    let state: ServiceState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            var apiError = APIError.from(error)
            // A known path with a method it does not take: 405 and the methods it does.
            if apiError.status == .notFound, apiError.code == "not_found", let allowed = LakeqService.allowedMethods(path: request.uri.path) {
                let allow = allowed.joined(separator: ", ")
                apiError = APIError(.methodNotAllowed, "method_not_allowed", "\(request.method.rawValue) is not allowed on \(request.uri.path) (allowed: \(allow))",
                                    headers: [.allow: allow])
            }
            if apiError.status == .internalServerError {
                context.logger.error("request failed", metadata: ["error": .string("\(error)")])
            }
            response = apiError.response()
        }
        let requestID = context.id
        response.headers[.requestID] = requestID
        let route = context.endpointPath ?? "unmatched"
        let trace = context.trace
        let state = self.state
        let logger = context.logger
        let method = request.method.rawValue
        let path = request.uri.path
        let finish: @Sendable (Int) -> Void = { status in
            let duration = ContinuousClock.now - start
            let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
            state.metrics.request(route: route, method: method, status: status, duration: duration)
            if logger.logLevel <= .info {
                var meta: Logger.Metadata = [
                    "route": .string(route), "method": .string(method), "status": .stringConvertible(status),
                    "ms": .stringConvertible((ms * 1000).rounded() / 1000),
                ]
                if let k = trace.keyName { meta["key"] = .string(k) }
                if let c = trace.cache { meta["cache"] = .string(c) }
                logger.info("request", metadata: meta)
            }
            state.audit?.write(AuditLog.Record(requestID: requestID, key: trace.keyName, method: method, route: route, path: path,
                                               sql: trace.sql, status: status, rows: trace.rows, milliseconds: ms, cache: trace.cache))
        }
        let status = Int(response.status.code)
        if response.body.contentLength == nil {
            // Streamed: log when the last byte is written (or the client went away).
            let body = response.body
            response.body = ResponseBody { writer in
                do {
                    try await body.write(writer)
                    finish(status)
                } catch {
                    finish(499)
                    throw error
                }
            }
        } else {
            finish(status)
        }
        return response
    }
}
