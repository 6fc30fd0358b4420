import Dispatch
import Testing
@testable import LakeqQuery

/// `WorkerSlots`: many workers updating their own slots at once lose nothing and never copy
/// each other's state (the race a shared array of per-worker arrays had).
@Suite struct WorkerSlotsTests {
    @Test func concurrentWorkersKeepEveryUpdate() {
        let workers = 8, perWorker = 20_000
        let slots = WorkerSlots<[Int]>(count: workers, initial: [])
        let counts = WorkerSlots<Int>(count: workers, initial: 0)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for i in 0..<perWorker {
                slots[w].append(w * perWorker + i)
                counts[w] += 1
            }
        }
        #expect(slots.values.map(\.count) == Array(repeating: perWorker, count: workers))
        #expect(counts.values == Array(repeating: perWorker, count: workers))
        #expect(slots.values.flatMap { $0 } == Array(0..<(workers * perWorker)), "each worker's values, in worker order")
    }

    @Test func emptySlotsHaveNoValues() {
        let slots = WorkerSlots<[Int]>(empty: [])
        #expect(slots.count == 0)
        #expect(slots.values.isEmpty)
        #expect(WorkerSlots<Int>(count: -1, initial: 0).count == 0)
    }
}
