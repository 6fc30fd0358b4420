import Hummingbird
import HummingbirdAuth
import Logging

/// The per-request context: Hummingbird's core storage, the key's identity (set by
/// `KeyAuthenticator`) and a `RequestTrace` the handlers fill for the audit log.
public struct APIRequestContext: AuthRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: APIKey?
    /// Shared by every middleware and the handler of one request (a reference, so what an
    /// inner handler records is seen by the outer middleware).
    public let trace: RequestTrace

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        trace = RequestTrace()
    }
}

/// What one request did, for the audit log, the request log and the metrics. Written and
/// read by the tasks of one request in sequence.
public final class RequestTrace: @unchecked Sendable {
    public var keyName: String?
    public var sql: String?
    public var rows: Int?
    public var cache: String?
    public init() {}
}
