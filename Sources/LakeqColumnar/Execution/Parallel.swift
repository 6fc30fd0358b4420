import Dispatch
import Foundation

/// Work sharing over a fixed set of threads.
public enum Parallel {
    /// Calls `body(worker, item)` for every item in `0..<count`, on `workers` threads that
    /// each take the next unclaimed item (so uneven items balance out). After the first error
    /// no new item starts; that error is rethrown.
    public static func forEach(count: Int, workers: Int, _ body: (_ worker: Int, _ item: Int) throws -> Void) throws {
        let lock = NSLock()
        var next = 0
        var failure: Error?
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { w in
            while true {
                lock.lock()
                let i = next
                next += 1
                let stop = failure != nil
                lock.unlock()
                if stop || i >= count { return }
                do {
                    try body(w, i)
                } catch {
                    lock.lock()
                    if failure == nil { failure = error }
                    lock.unlock()
                    return
                }
            }
        }
        if let failure { throw failure }
    }
}
