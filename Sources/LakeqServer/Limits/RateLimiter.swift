import Foundation
import Hummingbird

/// Per-key token buckets: a key holds up to `burst` tokens, refilled at `rate` per second;
/// each request takes one. A request finding the bucket empty is refused with the time until
/// the next token.
final class RateLimiter: @unchecked Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let lock = NSLock()
    private var buckets: [String: Bucket] = [:]
    let limits: [Role: ServerConfiguration.RateLimit]

    init(limits: [Role: ServerConfiguration.RateLimit]) { self.limits = limits }

    /// Takes a token for `key`; nil when allowed, else the seconds until one is available.
    func take(key: String, role: Role, now: ContinuousClock.Instant = .now) -> Double? {
        guard let limit = limits[role] else { return nil }
        lock.lock()
        defer { lock.unlock() }
        var b = buckets[key] ?? Bucket(tokens: limit.burst, updated: now)
        let elapsed = now - b.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        b.tokens = min(limit.burst, b.tokens + seconds * limit.rate)
        b.updated = now
        if b.tokens >= 1 {
            b.tokens -= 1
            buckets[key] = b
            return nil
        }
        buckets[key] = b
        return (1 - b.tokens) / limit.rate
    }
}

/// 429 with `Retry-After` for a key past its role's rate.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let limiter: RateLimiter
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let identity = context.identity, let wait = limiter.take(key: identity.name, role: identity.role) {
            metrics.rateLimited(role: identity.role)
            let seconds = max(1, Int(wait.rounded(.up)))
            throw APIError(.tooManyRequests, "rate_limited",
                           "key \(identity.name) is over its rate limit; retry in \(seconds) s", headers: [.retryAfter: String(seconds)])
        }
        return try await next(request, context)
    }
}
