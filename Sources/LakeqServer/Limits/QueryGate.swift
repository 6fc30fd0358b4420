import Foundation

/// Admits at most `capacity` queries at once. Past that a query waits in a FIFO queue of at
/// most `queueDepth` for up to `maxWait`; a full queue or a wait that runs out is refused
/// (the route answers 503 with Retry-After).
final class QueryGate: @unchecked Sendable {
    struct Overloaded: Error {
        let queued: Bool
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NSLock()
    private var running = 0
    private var waiting: [Waiter] = []  // short (queueDepth): an array is fine
    private var nextID: UInt64 = 0
    let capacity: Int
    let queueDepth: Int
    let maxWait: Duration
    /// Called with (running, queued) after every change (the metrics' gauges).
    let observe: @Sendable (Int, Int) -> Void

    init(capacity: Int, queueDepth: Int, maxWait: Duration, observe: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) {
        self.capacity = max(1, capacity)
        self.queueDepth = max(0, queueDepth)
        self.maxWait = maxWait
        self.observe = observe
    }

    /// Queries admitted right now.
    var active: Int {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    /// Runs `body` once admitted; throws `Overloaded` when it cannot be.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return try await body()
    }

    func enter() async throws {
        enum Admission { case now(Int, Int), full, wait(UInt64) }
        let admission = lock.withLock { () -> Admission in
            if running < capacity && waiting.isEmpty {
                running += 1
                return .now(running, waiting.count)
            }
            guard waiting.count < queueDepth else { return .full }
            nextID &+= 1
            return .wait(nextID)
        }
        let id: UInt64
        switch admission {
        case .now(let r, let q):
            observe(r, q)
            return
        case .full:
            throw Overloaded(queued: false)
        case .wait(let n):
            id = n
        }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let (r, q) = lock.withLock { () -> (Int, Int) in
                waiting.append(Waiter(id: id, continuation: c))
                return (running, waiting.count)
            }
            observe(r, q)
            let wait = maxWait
            Task { [weak self] in
                try? await Task.sleep(for: wait)
                self?.expire(id)
            }
        }
    }

    /// A waiter still queued after its time is refused.
    private func expire(_ id: UInt64) {
        lock.lock()
        guard let i = waiting.firstIndex(where: { $0.id == id }) else {
            lock.unlock()
            return
        }
        let w = waiting.remove(at: i)
        let (r, q) = (running, waiting.count)
        lock.unlock()
        observe(r, q)
        w.continuation.resume(throwing: Overloaded(queued: true))
    }

    func leave() {
        lock.lock()
        if !waiting.isEmpty {
            let next = waiting.removeFirst()
            // The slot passes straight to the next waiter.
            let (r, q) = (running, waiting.count)
            lock.unlock()
            observe(r, q)
            next.continuation.resume()
            return
        }
        running -= 1
        let (r, q) = (running, waiting.count)
        lock.unlock()
        observe(r, q)
    }
}
