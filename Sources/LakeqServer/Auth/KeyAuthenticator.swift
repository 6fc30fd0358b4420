import HTTPTypes
import Hummingbird
import HummingbirdAuth

/// Finds the key of a request (`Authorization: Bearer KEY` or `X-API-Key: KEY`) and sets
/// the identity it proves. A request without a valid key goes on unauthenticated; the route
/// groups that need one answer 401 (`RequireRole`).
struct KeyAuthenticator: AuthenticatorMiddleware {
    typealias Context = APIRequestContext
    let keys: KeyStore

    func authenticate(request: Request, context: Context) async throws -> APIKey? {
        let presented = request.headers.bearer?.token ?? request.headers[.apiKey]
        guard let presented, !presented.isEmpty, presented.utf8.count <= 256 else { return nil }
        let identity = keys.verify(presented)
        context.trace.keyName = identity?.name
        return identity
    }
}

/// Lets a request through when its key holds `role`: no key (or a wrong one) is 401, the
/// wrong role 403. Built on hummingbird-auth's `RolePolicy`.
struct RequireRole: RouterMiddleware {
    typealias Context = APIRequestContext
    let policy: RolePolicy<APIKey>
    let role: Role

    init(_ role: Role) {
        self.role = role
        policy = RolePolicy(role)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = context.identity else {
            throw APIError(.unauthorized, "unauthorized", "a valid API key is required (Authorization: Bearer KEY or X-API-Key: KEY)",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard try await policy.isAuthorized(identity: identity, request: request) else {
            throw APIError(.forbidden, "forbidden", "key \(identity.name) has role \(identity.role.rawValue); this needs \(role.rawValue)")
        }
        return try await next(request, context)
    }
}
