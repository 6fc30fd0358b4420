import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard (spec/dashboard.md): a single page application served by `lakeq serve`.
///
/// - `GET /`, `/show`, `/quality`: the page (one HTML file; the path picks the page in the
///   browser). `/` answers clients that do not ask for HTML (curl, API clients) with the
///   service's JSON description instead.
/// - `GET /assets/<version>/<file>`: scripts, styles, Chart.js (`Dashboard/Assets/`).
/// - `GET /dashboard/config.json`: the events table, the poll interval and, when the service
///   runs with `--dashboard-key NAME`, the read-only key the page uses (else the page asks).
///
/// The page reads data only through the public API (`/v1/...`) with that key, like any
/// other client.
struct DashboardSite: Sendable {
    let assets: DashboardAssets
    /// The key handed to the page (`--dashboard-key`); nil: the page asks the user for one.
    let key: String?
    let table: String
    /// Queries the service runs at once: a page keeps no more API calls than this in flight.
    let maxQueries: Int
    /// How often pages poll the table's version.
    static let pollMilliseconds = 2000

    init(config: ServerConfiguration, keys: KeyStore) throws {
        assets = config.dashboardDirectory.map { DashboardAssets(directory: $0) } ?? .builtIn
        key = try config.dashboardKeyName.map { try keys.addEphemeral(name: $0, role: .reader, pii: false) }
        table = config.eventsTable
        maxQueries = config.maxConcurrentQueries
    }

    /// Routes the pages, assets and config; `service` answers `/` for non-browser clients.
    func register(on router: Router<APIRequestContext>, service: @escaping @Sendable (Request, APIRequestContext) async throws -> Response) {
        let site = self
        router.get("/") { request, context in
            guard Self.wantsHTML(request) else { return try await service(request, context) }
            return try site.page(request)
        }
        router.get("/show") { request, _ in try site.page(request) }
        router.get("/quality") { request, _ in try site.page(request) }
        router.get("/assets/{version}/{file}") { request, context in
            let version = try context.parameters.require("version")
            let file = try context.parameters.require("file")
            guard let asset = site.assets.asset(file) else { throw APIError(.notFound, "not_found", "no dashboard asset \(file)") }
            // Only the current version's URL may be cached for good; an old page asking for an
            // old version gets today's file, revalidated.
            let immutable = version == site.assets.version && version != "dev"
            return Self.respond(asset, request: request, cacheControl: immutable ? "public, max-age=31536000, immutable" : "no-cache")
        }
        router.get("/dashboard/config.json") { _, _ in
            Responses.json(.object([
                ("table", .string(site.table)),
                ("poll_ms", .int(Self.pollMilliseconds)),
                ("max_queries", .int(site.maxQueries)),
                ("key", site.key.map { .string($0) } ?? .null),
                ("assets", .string(site.assets.version)),
            ]), headers: [.cacheControl: "no-store"])
        }
    }

    func page(_ request: Request) throws -> Response {
        guard let page = assets.asset("index.html") else { throw APIError(.notFound, "not_found", "the dashboard has no index.html") }
        var response = Self.respond(page, request: request, cacheControl: "no-cache")
        // Everything the page loads is its own: no inline script, no other origin.
        response.headers[.contentSecurityPolicy] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        response.headers[.referrerPolicy] = "no-referrer"
        return response
    }

    /// The asset with its type and ETag, or 304 when the client holds it.
    static func respond(_ asset: DashboardAssets.Asset, request: Request, cacheControl: String) -> Response {
        var headers: HTTPFields = [.eTag: asset.etag, .cacheControl: cacheControl, .xContentTypeOptions: "nosniff"]
        if let inm = request.headers[.ifNoneMatch], Responses.matches(inm, asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: asset.body))
    }

    /// A browser navigating asks for HTML first; API clients and curl (`*/*`) do not.
    static func wantsHTML(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("text/html") ?? false
    }
}
