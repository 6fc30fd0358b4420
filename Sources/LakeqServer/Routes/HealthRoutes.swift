import Foundation
import Hummingbird

/// `GET /healthz` (the process answers), `GET /readyz` (the lake and the events table are
/// readable) and `GET /metrics` (Prometheus text).
struct HealthRoutes: Sendable {
    let state: ServiceState

    @Sendable func healthz(_ request: Request, context: APIRequestContext) async throws -> Response {
        Responses.json(.object([("status", .string("ok"))]))
    }

    @Sendable func readyz(_ request: Request, context: APIRequestContext) async throws -> Response {
        let state = self.state
        let problem: String? = try await state.workPool.runIfActive {
            guard (try? FileManager.default.contentsOfDirectory(atPath: state.lake)) != nil else { return "the lake \(state.lake) is not readable" }
            let table = state.config.eventsTable
            let path = state.lake + "/" + table
            if FileManager.default.fileExists(atPath: path + "/_delta_log"), state.latestVersion(table: table) == nil {
                return "the log of \(table) is not readable"
            }
            return nil
        }
        if let problem {
            return Responses.json(.object([("status", .string("unavailable")), ("reason", .string(problem))]), status: .serviceUnavailable)
        }
        return Responses.json(.object([("status", .string("ready"))]))
    }

    @Sendable func metrics(_ request: Request, context: APIRequestContext) async throws -> Response {
        state.metrics.cacheBytes.record(state.results.bytes)
        return Responses.bytesResponse(state.metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
