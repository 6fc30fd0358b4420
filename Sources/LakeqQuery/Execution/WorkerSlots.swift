/// An operator's per-worker state: one box per worker, made before the workers start.
///
/// Workers of one pipeline run at once and each updates its own slot. With a plain array of
/// values they would all mutate that one array, racing on its copy-on-write uniqueness check
/// (seen as a trap in a debug build: a worker copying the array while another wrote to it).
/// Here the array of boxes is only read while workers run; each worker mutates only the value
/// inside its own box. Make and drain the slots outside the parallel part.
final class WorkerSlots<Value>: @unchecked Sendable {
    private final class Box {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    private let boxes: [Box]

    /// `count` slots, each starting at `initial`.
    init(count: Int, initial: Value) {
        boxes = (0..<max(0, count)).map { _ in Box(initial) }
    }

    /// No slots (before `prepare` and after the state is drained).
    convenience init(empty: Value) { self.init(count: 0, initial: empty) }

    var count: Int { boxes.count }

    /// Worker `worker`'s value; only that worker may use it while the workers run.
    subscript(worker: Int) -> Value {
        get { boxes[worker].value }
        _modify { yield &boxes[worker].value }
    }

    /// Every worker's value, in worker order (after the workers finished).
    var values: [Value] { boxes.map(\.value) }
}
