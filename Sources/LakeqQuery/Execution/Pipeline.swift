import Foundation
import LakeqColumnar
import LakeqParquet

/// Settings of one engine that change how, not what, it computes.
public struct EngineOptions: Sendable {
    /// Skip files, row groups and pages by partition values, statistics, dictionaries, the
    /// page index and the top-N bound, and answer count/min/max from footers. Off reads every
    /// row (the sqllogictest runner checks both agree).
    public var pruning = true
    /// What a query's spillable state (hash aggregation) may hold before it spills to disk,
    /// each query its own budget; nil is `MemoryLimit.defaultLimit` (80% of physical memory).
    public var memoryLimit: MemoryLimit?
    /// Where spill files go (a fresh folder per query inside it); nil is `$TMPDIR`.
    public var tempDirectory: String?
    /// Decoded dictionary pages kept across queries (the service's `DictionaryCache`); nil
    /// decodes every dictionary page read (the one-shot CLI).
    public var dictionaryCache: (any DictionaryPageCache)?

    public init() {}
}

/// The state of one query run shared by its operators.
final class ExecutionContext: @unchecked Sendable {
    let threads: Int
    let cancellation: CancellationToken?
    let options: EngineOptions
    /// Per-operator rows and time are recorded (EXPLAIN ANALYZE).
    let profiling: Bool
    private let lock = NSLock()
    private var statistics = ScanStatistics()
    /// The memory the query's spillable operators hold, against `options.memoryLimit`.
    let memory: MemoryBudget
    /// The query's spill files, removed when the query ends.
    let spill: SpillDirectory

    init(threads: Int, cancellation: CancellationToken?, options: EngineOptions, profiling: Bool) {
        self.threads = max(1, threads)
        self.cancellation = cancellation
        self.options = options
        self.profiling = profiling
        memory = MemoryBudget(limit: options.memoryLimit)
        spill = SpillDirectory(parent: options.tempDirectory)
    }

    func addStatistics(_ s: ScanStatistics) {
        lock.lock()
        statistics.add(s)
        lock.unlock()
    }

    var scanStatistics: ScanStatistics {
        lock.lock()
        defer { lock.unlock() }
        return statistics
    }

    @inline(__always) func checkCancelled() throws { try cancellation?.check() }
}

/// One source, the streaming operators its batches pass through, and the sink they end in.
struct Pipeline {
    let source: PhysicalOperator
    let operators: [PhysicalOperator]
    let sink: PhysicalOperator
}

/// Runs a physical plan as pipelines, morsel-driven (Leis et al., DuckDB): every pipeline
/// splits its source into morsels (a row group, a chunk of a finished sink's result); all
/// workers take the next morsel, push its batches through the streaming operators into the
/// sink's per-worker state. Pipelines run in dependency order (a sink finishes before the
/// pipeline reading it starts). The cancellation token is checked between batches; a
/// satisfied sink (LIMIT) stops the pipeline early.
enum PipelineExecutor {
    /// Splits the tree under `root` into pipelines ending in `sink`, dependencies first.
    static func pipelines(root: PhysicalOperator, sink: PhysicalOperator) throws -> [Pipeline] {
        var out: [Pipeline] = []
        try build(root, operators: [], sink: sink, into: &out)
        return out
    }

    private static func build(_ op: PhysicalOperator, operators: [PhysicalOperator], sink: PhysicalOperator, into out: inout [Pipeline]) throws {
        switch op.role {
        case .source:
            out.append(Pipeline(source: op, operators: operators.reversed(), sink: sink))
        case .streaming:
            for dependency in op.dependencies {
                guard let input = dependency.sinkInput else { throw QueryError.execution("internal: \(dependency.name) has no input") }
                try build(input, operators: [], sink: dependency, into: &out)
            }
            guard let input = op.streamingInput else { throw QueryError.execution("internal: \(op.name) has no input") }
            try build(input, operators: operators + [op], sink: sink, into: &out)
        case .union:
            for child in op.children { try build(child, operators: operators, sink: sink, into: &out) }
        case .sink:
            if let input = op.sinkInput {
                try build(input, operators: [], sink: op, into: &out)
            } else {
                // A sink without input (never happens for the planner's operators) still finishes.
                out.append(Pipeline(source: EmptySource(), operators: [], sink: op))
            }
            out.append(Pipeline(source: op, operators: operators.reversed(), sink: sink))
        }
    }

    static func run(_ pipelines: [Pipeline], _ ctx: ExecutionContext) throws {
        for (i, p) in pipelines.enumerated() {
            // A sink fed by several pipelines (UNION ALL) is prepared once and finished after
            // the last. (Compared by identity over the few pipelines: a Set<ObjectIdentifier>
            // costs a scan of every conformance record at its first use in a process.)
            let isLastForSink = !pipelines[(i + 1)...].contains { $0.sink === p.sink }
            if !pipelines[..<i].contains(where: { $0.sink === p.sink }) {
                try p.sink.prepareSink(workers: ctx.threads, ctx)
                p.sink.profile.prepare(workers: ctx.threads)
            }
            try run(p, ctx)
            if isLastForSink {
                let t0 = ctx.profiling ? nowNanos() : 0
                try p.sink.finishSink(ctx)
                if ctx.profiling { p.sink.profile.addTime(nowNanos() - t0) }
            }
        }
    }

    private static func run(_ p: Pipeline, _ ctx: ExecutionContext) throws {
        try ctx.checkCancelled()
        let t0 = ctx.profiling ? nowNanos() : 0
        let morsels = try p.source.prepareSource(ctx)
        if ctx.profiling { p.source.profile.addTime(nowNanos() - t0) }
        let workers = max(1, min(ctx.threads, morsels))
        p.source.profile.prepare(workers: ctx.threads)
        for op in p.operators {
            try op.prepare(workers: ctx.threads, ctx)
            op.profile.prepare(workers: ctx.threads)
        }
        let profiling = ctx.profiling
        let sink = p.sink
        let operators = p.operators
        let source = p.source
        /// Pushes one batch from operator `from` on; false once the sink needs no more.
        func push(_ batch: RecordBatch, from: Int, order: BatchOrder, worker: Int) throws -> Bool {
            var b = batch
            for k in from..<operators.count {
                let op = operators[k]
                let t = profiling ? nowNanos() : 0
                guard let out = try op.process(b, worker: worker, ctx) else {
                    if profiling { op.profile.record(worker: worker, rows: 0, nanos: nowNanos() - t) }
                    return !sink.isSatisfied
                }
                if profiling { op.profile.record(worker: worker, rows: out.rowCount, nanos: nowNanos() - t) }
                b = out
                if b.rowCount == 0 { return !sink.isSatisfied }
            }
            let t = profiling ? nowNanos() : 0
            try sink.consume(b, order: order, worker: worker, ctx)
            if profiling { sink.profile.record(worker: worker, rows: 0, nanos: nowNanos() - t) }
            return !sink.isSatisfied
        }
        try forEachMorsel(count: morsels, workers: workers, stop: { sink.isSatisfied }) { w, m in
            try ctx.checkCancelled()
            var sequence = 0
            var downstream: UInt64 = 0
            let start = profiling ? nowNanos() : 0
            try source.produce(morsel: m, worker: w, ctx) { batch in
                try ctx.checkCancelled()
                let t = profiling ? nowNanos() : 0
                if profiling { source.profile.record(worker: w, rows: batch.rowCount, nanos: 0) }
                let more = try push(batch, from: 0, order: BatchOrder(morsel: m, sequence: sequence), worker: w)
                sequence += 1
                if profiling { downstream &+= nowNanos() - t }
                return more
            }
            if profiling { source.profile.record(worker: w, rows: 0, nanos: nowNanos() - start - downstream) }
        }
        source.finishSource(ctx)
        // Rows streaming operators owe at the end (outer join leftovers, a spilled join's
        // partitions), in order; pending morsels are numbered after every flush's.
        var pendingBase = morsels + operators.count
        for (k, op) in operators.enumerated() {
            let t = profiling ? nowNanos() : 0
            let rest = try op.flush(ctx)
            if profiling { op.profile.addTime(nowNanos() - t) }
            for (i, b) in rest.enumerated() {
                if profiling { op.profile.record(worker: 0, rows: b.rowCount, nanos: 0) }
                _ = try push(b, from: k + 1, order: BatchOrder(morsel: morsels + k, sequence: i), worker: 0)
            }
            let pending = try op.pendingMorsels(ctx)
            guard pending > 0 else { continue }
            let base = pendingBase
            pendingBase += pending
            try forEachMorsel(count: pending, workers: max(1, min(ctx.threads, pending)), stop: { sink.isSatisfied }) { w, m in
                try ctx.checkCancelled()
                var sequence = 0
                var downstream: UInt64 = 0
                let start = profiling ? nowNanos() : 0
                try op.producePending(morsel: m, worker: w, ctx) { batch in
                    try ctx.checkCancelled()
                    let t = profiling ? nowNanos() : 0
                    if profiling { op.profile.record(worker: w, rows: batch.rowCount, nanos: 0) }
                    let more = try push(batch, from: k + 1, order: BatchOrder(morsel: base + m, sequence: sequence), worker: w)
                    sequence += 1
                    if profiling { downstream &+= nowNanos() - t }
                    return more
                }
                // The operator's own time: the morsel's less what the operators after it took.
                if profiling { op.profile.record(worker: w, rows: 0, nanos: nowNanos() - start - downstream) }
            }
        }
    }
}

/// Calls `body(worker, morsel)` for morsels `0..<count` on `workers` threads, each taking the
/// next unclaimed morsel. Once `stop()` is true no further morsel is claimed, but every
/// claimed one is finished, so the morsels processed are always a prefix (what LIMIT over
/// ordered input relies on). The first error stops the claiming and is rethrown.
func forEachMorsel(count: Int, workers: Int, stop: () -> Bool, _ body: (_ worker: Int, _ morsel: Int) throws -> Void) throws {
    let lock = NSLock()
    var next = 0
    var failure: Error?
    if workers <= 1 {
        for m in 0..<count {
            if stop() { break }
            try body(0, m)
        }
        return
    }
    DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { w in
        while true {
            lock.lock()
            if failure != nil || next >= count || stop() { lock.unlock(); return }
            let m = next
            next += 1
            lock.unlock()
            do {
                try body(w, m)
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

/// A source of nothing.
final class EmptySource: PhysicalOperator, @unchecked Sendable {
    init() { super.init(children: [], outputTypes: []) }
    override var role: Role { .source }
    override func prepareSource(_ ctx: ExecutionContext) throws -> Int { 0 }
    override func produce(morsel: Int, worker: Int, _ ctx: ExecutionContext, _ emit: (RecordBatch) throws -> Bool) throws {}
}
