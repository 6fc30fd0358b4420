import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// `lakeq serve`: the HTTP API over a lake (see `spec/http.md`).
///
/// ```swift
/// var config = ServerConfiguration(lake: "lake")
/// config.keysFile = "lakeq-keys.json"
/// try await LakeqService(config: config, logger: logger).run()   // until SIGTERM/SIGINT
/// ```
public struct LakeqService: Sendable {
    public let config: ServerConfiguration
    let state: ServiceState
    /// The dashboard at `/` (nil with `dashboard = false`).
    let dashboard: DashboardSite?

    /// A service for `config`, its keys read from `config.keysFile`.
    public init(config: ServerConfiguration, logger: Logger) throws {
        try self.init(config: config, keys: KeyStore(path: config.keysFile), logger: logger)
    }

    public init(config: ServerConfiguration, keys: KeyStore, logger: Logger) throws {
        if (config.tlsCertificate == nil) != (config.tlsKey == nil) {
            throw ConfigurationError("TLS needs both --tls-cert and --tls-key")
        }
        self.config = config
        state = try ServiceState(config: config, keys: keys, logger: logger)
        dashboard = config.dashboard ? try DashboardSite(config: config, keys: keys) : nil
    }

    /// Methods each path answers; any other method on a known path gets 405 with `Allow`
    /// (see `allowedMethods(path:)`, used by the observer).
    static let routes: [(path: String, methods: [HTTPRequest.Method])] = [
        ("/healthz", [.get]), ("/readyz", [.get]), ("/metrics", [.get]), ("/openapi.json", [.get]),
        ("/v1/query", [.post]), ("/v1/events", [.post]), ("/v1/tables", [.get]), ("/v1/tables/{table}", [.get]),
        ("/v1/tables/{table}/rows", [.get]), ("/v1/tables/{table}/history", [.get]), ("/v1/tables/{table}/vacuum", [.post]),
        ("/v1/analytics/top-shows", [.get]), ("/v1/analytics/engagement", [.get]), ("/v1/analytics/active-users", [.get]),
        ("/v1/analytics/quality", [.get]),
        ("/v1/analytics/summary", [.get]), ("/v1/analytics/watch-fraction", [.get]), ("/v1/analytics/episodes", [.get]),
        ("/v1/analytics/shows", [.get]), ("/v1/tables/{table}/version", [.get]), ("/v1/tables/{table}/quarantine", [.get]),
    ]

    /// The methods a request path answers (HEAD with GET), or nil for an unknown path.
    static func allowedMethods(path: String) -> [String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for route in routes {
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == parts.count else { continue }
            if zip(pattern, parts).allSatisfy({ p, x in p == x || (p.hasPrefix("{") && !x.isEmpty) }) {
                let methods = route.methods.map(\.rawValue)
                return methods + (methods.contains("GET") ? ["HEAD"] : [])
            }
        }
        return nil
    }

    /// The router: every route with its role, limits and the observer around them.
    public func router() -> Router<APIRequestContext> {
        let state = self.state
        let router = Router(context: APIRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestObserver(state: state))
        router.add(middleware: KeyAuthenticator(keys: state.keys))
        let service: @Sendable (Request, APIRequestContext) async throws -> Response = { _, _ in
            Responses.json(.object([("service", .string("lakeq")), ("openapi", .string("/openapi.json"))]))
        }
        if let dashboard {
            dashboard.register(on: router, service: service)
        } else {
            router.get("/", use: service)
        }
        let health = HealthRoutes(state: state)
        router.get("/healthz", use: health.healthz)
        router.get("/readyz", use: health.readyz)
        if config.publicMetrics {
            router.get("/metrics", use: health.metrics)
        } else {
            router.group().add(middleware: RequireRole(.reader)).get("/metrics", use: health.metrics)
        }
        router.get("/openapi.json") { _, _ in
            Responses.bytesResponse(OpenAPIDocument.bytes, contentType: "application/json")
        }

        let limiter = RateLimitMiddleware(limiter: state.limiter, metrics: state.metrics)
        let reader = router.group("v1").add(middleware: RequireRole(.reader)).add(middleware: limiter)
        let writer = router.group("v1").add(middleware: RequireRole(.writer)).add(middleware: limiter)
        let admin = router.group("v1").add(middleware: RequireRole(.admin)).add(middleware: limiter)

        reader.post("query", use: QueryRoute(state: state).handle)
        let tables = TableRoutes(state: state)
        reader.get("tables", use: tables.list)
        reader.get("tables/{table}", use: tables.describe)
        reader.get("tables/{table}/rows", use: RowsRoute(state: state).handle)
        reader.get("tables/{table}/version", use: TableVersionRoute(state: state).handle)
        reader.get("tables/{table}/quarantine", use: QuarantineRoute(state: state).handle)
        admin.get("tables/{table}/history", use: tables.history)
        admin.post("tables/{table}/vacuum", use: tables.vacuum)
        let analytics = AnalyticsRoutes(state: state)
        reader.get("analytics/top-shows", use: analytics.handler(.topShows))
        reader.get("analytics/engagement", use: analytics.handler(.engagement))
        reader.get("analytics/active-users", use: analytics.handler(.activeUsers))
        reader.get("analytics/quality", use: analytics.handler(.quality))
        reader.get("analytics/summary", use: analytics.handler(.summary))
        reader.get("analytics/watch-fraction", use: analytics.handler(.watchFraction))
        reader.get("analytics/episodes", use: analytics.handler(.episodes))
        reader.get("analytics/shows", use: analytics.handler(.shows))
        writer.post("events", use: EventsRoute(state: state).handle)

        return router
    }

    /// The Hummingbird application (HTTP/1.1, with TLS when configured), the event intake
    /// running beside it.
    public func application(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let http = HTTP1Channel.Configuration(idleTimeout: TimeAmount.nanoseconds(Int64(config.idleTimeout.components.seconds) * 1_000_000_000
                                                                                     + Int64(config.idleTimeout.components.attoseconds / 1_000_000_000)))
        var server = HTTPServerBuilder.http1(configuration: http)
        if let cert = config.tlsCertificate, let key = config.tlsKey {
            let chain: [NIOSSLCertificate]
            let privateKey: NIOSSLPrivateKey
            do {
                chain = try NIOSSLCertificate.fromPEMFile(cert)
                privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            } catch {
                throw ConfigurationError("TLS: cannot load \(cert) / \(key): \(error)")
            }
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
            server = try .tls(.http1(configuration: http), tlsConfiguration: tls)
        }
        let logger = state.logger
        let scheme = config.tlsCertificate == nil ? "http" : "https"
        return Application(
            router: router(),
            server: server,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "lakeq"),
            services: [state.intake],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("listening", metadata: ["address": .string("\(scheme)://\(channel.localAddress?.ipAddress ?? "?"):\(port)")])
                await onServerRunning(channel)
            },
            logger: logger
        )
    }

    /// Runs until SIGTERM or SIGINT: then stops accepting connections, lets in-flight
    /// requests finish (up to `shutdownTimeout`), commits the events still waiting, and
    /// returns.
    public func run(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws {
        let app = try application(onServerRunning: onServerRunning)
        var groupConfig = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: state.logger)
        groupConfig.maximumGracefulShutdownDuration = config.shutdownTimeout
        groupConfig.maximumCancellationDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: groupConfig).run()
        } catch {
            await state.shutdown()
            throw error
        }
        state.logger.notice("stopped")
        await state.shutdown()
    }

    /// Releases the thread pools and flushes the logs (after `application()` was run by
    /// someone else, as in tests).
    public func shutdown() async { await state.shutdown() }
}
