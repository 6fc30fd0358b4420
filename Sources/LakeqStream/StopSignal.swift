import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM ask for a graceful stop (finish the batch, commit, exit 0); a second
/// signal exits at once (status 130: the commit protocol leaves nothing half-written).
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private var sources: [DispatchSourceSignal] = []

    public init() {}

    /// Installs the handlers (the signals' default actions are replaced).
    public func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { [weak self] in self?.request() }
            s.resume()
            sources.append(s)
        }
    }

    /// Asks for a stop (as a signal does).
    public func request() {
        lock.lock()
        let again = requested
        requested = true
        lock.unlock()
        if again { _exit(130) }
    }

    public var isRequested: Bool { lock.lock(); defer { lock.unlock() }; return requested }
}
