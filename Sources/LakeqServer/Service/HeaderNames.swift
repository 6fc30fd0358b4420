import HTTPTypes

/// The header names the service uses that swift-http-types does not define, in one place.
///
/// `HTTPField.Name.init` fails only for text that is not an HTTP token; every name here is a
/// literal token (checked by `ComponentTests.headerNamesAreTokens`), so the unwraps below
/// cannot fail and no request data ever reaches them.
extension HTTPField.Name {
    static let apiKey = Self("X-API-Key")!
    static let requestID = Self("X-Request-Id")!
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotencyReplayed = Self("Idempotency-Replayed")!
    static let xCache = Self("X-Cache")!
    static let referrerPolicy = Self("Referrer-Policy")!

    /// Every name above (for the test).
    static let lakeqNames: [Self] = [.apiKey, .requestID, .idempotencyKey, .idempotencyReplayed, .xCache, .referrerPolicy]
}
