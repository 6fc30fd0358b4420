import Dispatch
import Foundation
import LakeqColumnar

/// Where a batch came from (morsel, then position within it): sinks that keep their input's
/// order (the result, LIMIT) restore it with this, whatever thread delivered the batch.
struct BatchOrder: Comparable, Sendable {
    var morsel: Int
    var sequence: Int

    static func < (a: BatchOrder, b: BatchOrder) -> Bool {
        a.morsel != b.morsel ? a.morsel < b.morsel : a.sequence < b.sequence
    }
}

/// Rows, batches and time of one operator (EXPLAIN ANALYZE), kept per worker and summed.
final class OperatorProfile: @unchecked Sendable {
    struct Counts { var rows = 0, batches = 0, nanos: UInt64 = 0 }
    private var perWorker = WorkerSlots<Counts>(empty: Counts())
    private let lock = NSLock()
    private var extraNanos: UInt64 = 0

    /// Called before a pipeline's workers start (never while they run).
    func prepare(workers: Int) {
        lock.lock()
        if perWorker.count < workers {
            let old = perWorker
            perWorker = WorkerSlots(count: workers, initial: Counts())
            for w in 0..<old.count { perWorker[w] = old[w] }
        }
        lock.unlock()
    }

    @inline(__always) func record(worker: Int, rows n: Int, nanos t: UInt64) {
        let slots = perWorker
        guard worker < slots.count else { return }
        slots[worker].rows &+= n
        slots[worker].batches &+= 1
        slots[worker].nanos &+= t
    }

    func addTime(_ t: UInt64) {
        lock.lock()
        extraNanos &+= t
        lock.unlock()
    }

    var totalRows: Int { perWorker.values.reduce(0) { $0 + $1.rows } }
    var totalBatches: Int { perWorker.values.reduce(0) { $0 + $1.batches } }
    var totalNanos: UInt64 { perWorker.values.reduce(0) { $0 &+ $1.nanos } &+ extraNanos }
}

@inline(__always) func nowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// A node of the physical plan: a batch-at-a-time operator.
///
/// Operators play up to three roles in the push-based pipelines of `PipelineExecutor`
/// (DuckDB's model): a *source* splits its output into morsels that workers claim; a
/// *streaming* operator turns each batch into another on the worker that holds it (filter,
/// projection, join probe); a *sink* consumes batches into per-worker state and combines it
/// when its input is done (aggregate, sort, join build, limit). A finished sink becomes the
/// source of the next pipeline. Subclasses override the methods of their roles.
class PhysicalOperator: @unchecked Sendable {
    enum Role { case source, streaming, sink, union }

    var children: [PhysicalOperator]
    /// Engine types of the output columns, in order.
    let outputTypes: [DataType]
    let profile = OperatorProfile()
    /// Filled by `describe`-time helpers (EXPLAIN); extra lines under the operator.
    var explainNotes: [String] = []

    init(children: [PhysicalOperator], outputTypes: [DataType]) {
        self.children = children
        self.outputTypes = outputTypes
    }

    var role: Role { .streaming }
    /// The operator's one-line description in EXPLAIN.
    var name: String { "\(type(of: self))" }
    var details: String { "" }
    /// Lines shown under the operator by EXPLAIN (pruning decisions) and EXPLAIN ANALYZE.
    func explainLines(analyzed: Bool) -> [String] { explainNotes }

    /// The child whose pipeline feeds this sink (a join's build side, an aggregate's input).
    var sinkInput: PhysicalOperator? { children.first }
    /// For a streaming operator: the child it reads (the probe side of a join).
    var streamingInput: PhysicalOperator? { children.first }
    /// Sinks a streaming operator needs finished first (a join's build side).
    var dependencies: [PhysicalOperator] { [] }

    // MARK: source

    /// Prepares the output; returns the number of morsels.
    func prepareSource(_ ctx: ExecutionContext) throws -> Int {
        throw QueryError.execution("internal: \(name) is not a source")
    }

    func produce(morsel: Int, worker: Int, _ ctx: ExecutionContext, _ emit: (RecordBatch) throws -> Bool) throws {
        throw QueryError.execution("internal: \(name) is not a source")
    }

    /// Called once the pipeline this operator is the source of has run.
    func finishSource(_ ctx: ExecutionContext) {}

    // MARK: streaming

    /// Called before a pipeline using this operator starts.
    func prepare(workers: Int, _ ctx: ExecutionContext) throws {}

    func process(_ batch: RecordBatch, worker: Int, _ ctx: ExecutionContext) throws -> RecordBatch? { batch }

    /// Rows owed after every input batch was seen (unmatched build rows of right/full joins).
    func flush(_ ctx: ExecutionContext) throws -> [RecordBatch] { [] }

    /// Morsels still owed after `flush` (a spilled hash join's partitions): the pipeline's
    /// workers run them as they run a source's, pushing what they emit to the operators after
    /// this one.
    func pendingMorsels(_ ctx: ExecutionContext) throws -> Int { 0 }

    func producePending(morsel: Int, worker: Int, _ ctx: ExecutionContext, _ emit: (RecordBatch) throws -> Bool) throws {}

    // MARK: sink

    func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {}

    func consume(_ batch: RecordBatch, order: BatchOrder, worker: Int, _ ctx: ExecutionContext) throws {
        throw QueryError.execution("internal: \(name) is not a sink")
    }

    /// True once no more input can change the result (a satisfied LIMIT): the pipeline stops.
    var isSatisfied: Bool { false }

    func finishSink(_ ctx: ExecutionContext) throws {}
}

/// A sink whose result, once finished, is a list of batches read back as a source.
class MaterializingOperator: PhysicalOperator, @unchecked Sendable {
    var results: [RecordBatch] = []
    private var morsels: [RecordBatch] = []
    static let morselRows = 65_536

    override var role: Role { .sink }

    override func prepareSource(_ ctx: ExecutionContext) throws -> Int {
        // Big batches are split so the next pipeline runs on every thread.
        morsels = []
        for b in results where b.rowCount > 0 || (results.count == 1 && outputTypes.isEmpty) {
            if b.rowCount <= 2 * Self.morselRows {
                morsels.append(b)
            } else {
                var start = 0
                while start < b.rowCount {
                    let end = min(b.rowCount, start + Self.morselRows)
                    morsels.append(ColumnKernels.slice(b, start..<end))
                    start = end
                }
            }
        }
        return morsels.count
    }

    override func produce(morsel: Int, worker: Int, _ ctx: ExecutionContext, _ emit: (RecordBatch) throws -> Bool) throws {
        _ = try emit(morsels[morsel])
    }
}
