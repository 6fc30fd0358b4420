import Foundation

/// Stops long-running work from outside: a caller cancels it, or its deadline passes.
///
/// Work checks the token between units (row groups, batches, morsels) with `check()`, so a
/// cancelled query stops within one unit. The API service gives every query a token with its
/// time limit; the command line passes none.
public final class CancellationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: CancellationReason?
    /// When the work times out, if ever.
    public let deadline: ContinuousClock.Instant?

    /// A token that times out `timeout` from now (never, when nil).
    public init(timeout: Duration? = nil) {
        deadline = timeout.map { ContinuousClock.now + $0 }
    }

    /// Cancels the work; later `check()` calls throw. The first reason given is kept.
    public func cancel(_ why: CancellationReason = .cancelled) {
        lock.lock()
        if reason == nil { reason = why }
        lock.unlock()
    }

    /// Why the work stopped, or nil while it may go on.
    public var cancellationReason: CancellationReason? {
        lock.lock()
        defer { lock.unlock() }
        if reason == nil, let deadline, ContinuousClock.now >= deadline { reason = .timedOut }
        return reason
    }

    public var isCancelled: Bool { cancellationReason != nil }

    /// Throws `ExecutionCancelled` once the token is cancelled or past its deadline.
    @inlinable
    public func check() throws {
        if let why = cancellationReason { throw ExecutionCancelled(reason: why) }
    }
}

/// Why work was cancelled.
public enum CancellationReason: Sendable, Equatable {
    /// Its caller went away or asked it to stop.
    case cancelled
    /// It ran past its time limit.
    case timedOut
}

/// Thrown by work that stopped because its `CancellationToken` said so.
public struct ExecutionCancelled: Error, CustomStringConvertible, Sendable, Equatable {
    public let reason: CancellationReason
    public init(reason: CancellationReason) { self.reason = reason }
    public var description: String {
        switch reason {
        case .cancelled: return "the query was cancelled"
        case .timedOut: return "the query ran past its time limit and was cancelled"
        }
    }
}
