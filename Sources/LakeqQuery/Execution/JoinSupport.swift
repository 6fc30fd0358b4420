import Foundation
import LakeqColumnar

/// A build side's rows and their key index: the whole build, or one spilled partition of it.
struct JoinSide {
    var rows: RecordBatch
    var table: JoinTable?
    /// Bytes counted in the query's memory budget for it.
    var bytes = 0

    static func empty(_ types: [DataType]) -> JoinSide {
        JoinSide(rows: RecordBatch(schema: Schema([]), columns: types.map { ColumnKernels.empty($0) }, rowCount: 0), table: nil)
    }
}

/// The build side of a join: every row of its input, gathered in input order, and indexed by
/// key when the join hashes. The join's probe pipeline starts once it is finished.
///
/// Its batches count against the query's memory limit. Past half the limit a hash join that
/// can spill goes to disk (a grace hash join): build rows are written into the partitions of a
/// `PartitionedSpill` by a hash of their keys, and the join (`HashJoin`) partitions its probe
/// side the same way, then joins partition by partition. A join that cannot spill
/// (`spillRefusal`) may use the whole limit, then ends the query with an out-of-memory error.
final class JoinBuild: PhysicalOperator, @unchecked Sendable {
    let keys: [BoundExpr]
    let nullEquals: Bool
    /// Why this build cannot be written to disk, nil when it can (set by the join reading it).
    var spillRefusal: String? = "a join without an equality to hash on does not spill"

    private final class Local {
        var batches: [(BatchOrder, RecordBatch)] = []
        /// Bytes of these batches counted in the query's budget.
        var reserved = 0
    }

    private var locals = WorkerSlots<Local?>(empty: nil)
    private(set) var side = JoinSide(rows: RecordBatch(schema: Schema([]), columns: [], rowCount: 0), table: nil)
    var rows: RecordBatch { side.rows }
    var table: JoinTable? { side.table }
    /// Set once the build passed the spill threshold: its rows are on disk, set 0 of the spill.
    private(set) var spill: PartitionedSpill?
    private let spillLock = NSLock()

    init(_ child: PhysicalOperator, keys: [BoundExpr], nullEquals: Bool) {
        self.keys = keys
        self.nullEquals = nullEquals
        super.init(children: [child], outputTypes: child.outputTypes)
    }

    override var role: Role { .sink }
    override var name: String { "JoinBuild" }
    override var details: String { keys.isEmpty ? "" : "keys=[\(keys.map(\.text).joined(separator: ", "))]" }

    override func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {
        locals = WorkerSlots(count: workers, initial: nil)
        spill = nil
    }

    /// The bytes a held batch stands for: its buffers, and about 16 bytes a row of key index.
    private static func bytes(_ b: RecordBatch) -> Int {
        var n = b.rowCount * 16
        for c in b.columns { n += c.values.byteCount + (c.validity.map { $0.words.count * 8 } ?? 0) }
        return n
    }

    private var spilled: PartitionedSpill? {
        spillLock.lock()
        defer { spillLock.unlock() }
        return spill
    }

    override func consume(_ batch: RecordBatch, order: BatchOrder, worker: Int, _ ctx: ExecutionContext) throws {
        let l: Local
        if let existing = locals[worker] { l = existing } else { l = Local(); locals[worker] = l }
        if let target = spilled {
            try writeHeld(l, to: target, worker: worker, ctx)
            try write(batch, to: target, worker: worker)
            return
        }
        l.batches.append((order, batch))
        let bytes = l.reserved + Self.bytes(batch)
        let total = ctx.memory.update(from: l.reserved, to: bytes)
        l.reserved = bytes
        guard total > ctx.memory.spillThreshold else { return }
        if let refusal = spillRefusal {
            guard total > ctx.memory.limit else { return }
            throw Self.outOfMemory(refusal, holds: total, ctx)
        }
        try writeHeld(l, to: spillTarget(ctx), worker: worker, ctx)
    }

    static func outOfMemory(_ refusal: String, holds total: Int, _ ctx: ExecutionContext) -> QueryError {
        let limit = MemoryLimit.format(ctx.memory.limit)
        return QueryError.execution("out of memory: \(refusal); the query holds \(MemoryLimit.format(total)) with the join's build side, past the memory limit of \(limit) (--memory-limit \(limit))")
    }

    private func spillTarget(_ ctx: ExecutionContext) -> PartitionedSpill {
        spillLock.lock()
        defer { spillLock.unlock() }
        if let spill { return spill }
        let made = PartitionedSpill(directory: ctx.spill, label: "join", batchTypes: [outputTypes, probeTypes])
        spill = made
        return made
    }

    /// Types of the probe side's rows (set 1 of the spill), set by the join reading this build.
    var probeTypes: [DataType] = []

    /// Writes a worker's held batches to the build partitions and releases their memory.
    private func writeHeld(_ l: Local, to target: PartitionedSpill, worker: Int, _ ctx: ExecutionContext) throws {
        for (_, b) in l.batches { try write(b, to: target, worker: worker) }
        l.batches = []
        ctx.memory.update(from: l.reserved, to: 0)
        l.reserved = 0
    }

    private func write(_ batch: RecordBatch, to target: PartitionedSpill, worker: Int) throws {
        guard batch.rowCount > 0 else { return }
        let keyColumns = try keys.map { try Evaluator.evaluate($0, batch) }
        try target.write(set: 0, columns: batch.columns, rows: batch.rowCount,
                         partitions: PartitionedSpill.partitions(keyColumns, rows: batch.rowCount), worker: worker)
    }

    override func finishSink(_ ctx: ExecutionContext) throws {
        let busy = locals.values.enumerated().compactMap { w, l in l.map { (w, $0) } }
        locals = WorkerSlots(empty: nil)
        if let target = spill {
            // Past the threshold once: what is still held joins the partitions on disk.
            for (w, l) in busy { try writeHeld(l, to: target, worker: w, ctx) }
            side = .empty(outputTypes)
            return
        }
        let ordered = busy.flatMap { $0.1.batches }.sorted { $0.0 < $1.0 }.map(\.1)
        let made = try index(ordered, large: true)
        for (_, l) in busy { ctx.memory.update(from: l.reserved, to: 0) }
        // The built side stays counted until the probe is done (`release`).
        let total = ctx.memory.update(from: 0, to: made.bytes)
        if let refusal = spillRefusal, total > ctx.memory.limit {
            ctx.memory.update(from: made.bytes, to: 0)
            throw Self.outOfMemory(refusal, holds: total, ctx)
        }
        side = made
    }

    /// Uncounts the built side once the join is done with it.
    func release(_ ctx: ExecutionContext) {
        ctx.memory.update(from: side.bytes, to: 0)
        side.bytes = 0
    }

    /// Rows and key index of `batches` (the whole build, or one spilled partition).
    func index(_ batches: [RecordBatch], large: Bool) throws -> JoinSide {
        var rows = batches.isEmpty
            ? RecordBatch(schema: Schema([]), columns: outputTypes.map { ColumnKernels.empty($0) }, rowCount: 0)
            : batches.count == 1 ? batches[0] : ColumnKernels.concat(batches, types: outputTypes)
        // Strings are hashed and gathered from one contiguous buffer.
        rows.columns = rows.columns.map { c in
            if case .dictionary = c.values, c.count > 0 { return ColumnKernels.materialize(c) }
            return c
        }
        var side = JoinSide(rows: rows, table: nil)
        if !keys.isEmpty {
            let t = JoinTable(keyTypes: keys.map(\.type), nullEquals: nullEquals)
            t.build(try keys.map { try Evaluator.evaluate($0, rows) }, rowCount: rows.rowCount)
            side.table = t
        }
        // Large builds hand out strings of few distinct values as dictionary indices (small
        // builds already use the build column itself as the dictionary, see `gatherBuild`).
        if large && rows.rowCount > JoinOperator.smallBuildRows {
            side.rows.columns = side.rows.columns.map { LowCardinalityStrings.encode($0) ?? $0 }
        }
        side.bytes = Self.bytes(side.rows) - side.rows.rowCount * 16 + (side.table?.estimatedBytes ?? 0)
        return side
    }
}

/// What joins share: turning candidate (probe row, build row) pairs into the rows of each
/// join kind. Subclasses say which pairs are candidates (`HashJoin`: equal keys;
/// `NestedLoopJoin`: all).
///
/// Columns are laid out left then right (the probe may be either side; semi, anti, mark and
/// single joins always probe with the left). A residual condition is evaluated on candidate
/// pairs before they count as matches, so outer joins pad exactly the rows it rejects.
class JoinOperator: PhysicalOperator, @unchecked Sendable {
    let build: JoinBuild
    let kind: JoinKind
    let probeIsLeft: Bool
    /// Over left ++ right positions.
    let residual: BoundExpr?
    /// A mark join's three-valued test over candidates, over left ++ right positions.
    let markCondition: BoundExpr?
    /// `x IN (SELECT y …)` hashed on x = y: NULL marks follow from NULL keys.
    let markNullAwareKeys: Bool
    /// Positions in left ++ right (++ mark) that the operator outputs.
    let outputs: [Int]
    let leftTypes: [DataType]
    let rightTypes: [DataType]

    /// Build rows each worker matched (right and full joins).
    private var matched = WorkerSlots<[Bool]>(empty: [])

    init(probe: PhysicalOperator, build: JoinBuild, kind: JoinKind, probeIsLeft: Bool, residual: BoundExpr?, markCondition: BoundExpr?,
         markNullAwareKeys: Bool, outputs: [Int]) {
        self.build = build
        self.kind = kind
        self.probeIsLeft = probeIsLeft
        self.residual = residual
        self.markCondition = markCondition
        self.markNullAwareKeys = markNullAwareKeys
        self.outputs = outputs
        leftTypes = probeIsLeft ? probe.outputTypes : build.outputTypes
        rightTypes = probeIsLeft ? build.outputTypes : probe.outputTypes
        let all = leftTypes + rightTypes + [.boolean]
        super.init(children: [probe, build], outputTypes: outputs.map { all[$0] })
        build.probeTypes = probe.outputTypes
        build.spillRefusal = spillRefusal
    }

    /// Why this join's build cannot go to disk; nil when it can (a hash join whose rows the
    /// spill format writes and whose answer per probe row depends only on build rows of equal key).
    var spillRefusal: String? {
        if build.keys.isEmpty { return "a join without an equality to hash on does not spill" }
        if markNullAwareKeys { return "an IN (subquery) join (null-aware: a NULL anywhere in the set matters to every row) does not spill" }
        for t in leftTypes + rightTypes where !SpillCodec.canWrite(t) { return "a join over \(t) columns does not spill" }
        return nil
    }

    override var streamingInput: PhysicalOperator? { children[0] }
    override var dependencies: [PhysicalOperator] { [build] }

    var preservesProbe: Bool {
        switch kind {
        case .left, .single: return probeIsLeft
        case .right: return !probeIsLeft
        case .full: return true
        default: return false
        }
    }

    var preservesBuild: Bool {
        switch kind {
        case .left: return !probeIsLeft
        case .right: return probeIsLeft
        case .full: return true
        default: return false
        }
    }

    override var details: String {
        var s = kind.rawValue
        if !probeIsLeft { s += " (build left)" }
        if let residual { s += " filter=[\(residual.text)]" }
        if let markCondition { s += " mark=[\(markCondition.text)]" }
        return s
    }

    override func prepare(workers: Int, _ ctx: ExecutionContext) throws {
        matched = WorkerSlots(count: workers, initial: [])
    }

    /// Candidate pairs, in probe-row order.
    func candidates(_ probe: RecordBatch, side: JoinSide) throws -> (probe: [Int32], build: [Int32]) {
        throw QueryError.execution("internal: \(name) has no candidate rule")
    }

    /// The columns of left ++ right for pairs (only `needed` positions are gathered).
    private func pairBatch(_ probe: RecordBatch, _ p: [Int32], _ b: [Int32], side: JoinSide, needed: Set<Int>) -> RecordBatch {
        let buildRows = side.rows
        let leftCount = leftTypes.count
        var cols: [Column] = []
        for i in 0..<(leftTypes.count + rightTypes.count) {
            let isLeft = i < leftCount
            let type = isLeft ? leftTypes[i] : rightTypes[i - leftCount]
            guard needed.contains(i) else { cols.append(ColumnKernels.empty(type)); continue }
            let fromProbe = isLeft == probeIsLeft
            let k = isLeft ? i : i - leftCount
            cols.append(fromProbe ? ColumnKernels.gatherOrNull(probe.columns[k], p) : Self.gatherBuild(buildRows.columns[k], b, buildRows: buildRows.rowCount))
        }
        return RecordBatch(schema: Schema([]), columns: cols, rowCount: p.count)
    }

    /// Builds up to this many rows output their strings as dictionaries over the build column.
    static let smallBuildRows = 65_536

    /// Build rows for output: small builds' strings become dictionaries over the build column
    /// (no bytes copied; later dictionary-aware operators work once per build row).
    static func gatherBuild(_ c: Column, _ idx: [Int32], buildRows: Int) -> Column {
        if case .bytes = c.values, buildRows <= smallBuildRows, buildRows > 0 {
            var anyMissing = false
            for i in idx where i < 0 { anyMissing = true; break }
            let safe = anyMissing ? idx.map { max(0, $0) } : idx
            var validity: Bitmap?
            if anyMissing || c.validity != nil {
                var valid = [Bool](repeating: true, count: idx.count)
                for (k, i) in idx.enumerated() where i < 0 || c.isNull(Int(i)) { valid[k] = false }
                validity = Bitmap(bools: valid)
            }
            return Column(type: c.type, values: .dictionary(dictionary: c.values, indices: safe), validity: validity)
        }
        return ColumnKernels.gatherOrNull(c, idx)
    }

    override func process(_ batch: RecordBatch, worker: Int, _ ctx: ExecutionContext) throws -> RecordBatch? {
        try join(batch, side: build.side, matched: &matched[worker])
    }

    /// The output rows of a probe batch against a build side; `matched` collects the build
    /// rows matched (right and full joins).
    func join(_ batch: RecordBatch, side: JoinSide, matched: inout [Bool]) throws -> RecordBatch? {
        let n = batch.rowCount
        var (p, b) = try candidates(batch, side: side)
        if let residual, !p.isEmpty {
            let keep = try Evaluator.truth(residual, pairBatch(batch, p, b, side: side, needed: residual.columnsUsed))
            var np: [Int32] = [], nb: [Int32] = []
            np.reserveCapacity(p.count)
            nb.reserveCapacity(p.count)
            for k in 0..<p.count where keep[k] { np.append(p[k]); nb.append(b[k]) }
            p = np
            b = nb
        }
        switch kind {
        case .semi, .anti:
            var hit = [Bool](repeating: false, count: n)
            for i in p { hit[Int(i)] = true }
            let rows = (0..<n).filter { hit[$0] == (kind == .semi) }.map { Int32($0) }
            if rows.isEmpty { return nil }
            if rows.count == n { return selectOutputs(probe: batch.columns, build: [], mark: nil, rows: n) }
            return selectOutputs(probe: batch.columns.map { $0.gather(rows) }, build: [], mark: nil, rows: rows.count)
        case .mark:
            let mark = try markColumn(batch, p, b, side: side)
            return selectOutputs(probe: batch.columns, build: [], mark: mark, rows: n)
        default:
            break
        }
        if kind == .single {
            for k in 1..<max(1, p.count) where p[k] == p[k - 1] {
                throw QueryError.execution("a scalar subquery returned more than one row")
            }
        }
        if preservesBuild {
            if matched.isEmpty { matched = [Bool](repeating: false, count: side.rows.rowCount) }
            for r in b where r >= 0 { matched[Int(r)] = true }
        }
        if preservesProbe {
            // Unmatched probe rows, NULL-padded, in probe order.
            var np: [Int32] = [], nb: [Int32] = []
            np.reserveCapacity(max(n, p.count))
            nb.reserveCapacity(max(n, p.count))
            var k = 0
            for i in 0..<Int32(n) {
                if k < p.count && p[k] == i {
                    while k < p.count && p[k] == i { np.append(i); nb.append(b[k]); k += 1 }
                } else {
                    np.append(i); nb.append(-1)
                }
            }
            p = np
            b = nb
        }
        if p.isEmpty { return nil }
        return output(batch, p, b, side: side)
    }

    /// Output columns for pairs (probe rows `p`, build rows `b`, -1 for NULL padding).
    private func output(_ probe: RecordBatch, _ p: [Int32], _ b: [Int32], side: JoinSide) -> RecordBatch {
        var identity = p.count == probe.rowCount
        if identity { for (k, i) in p.enumerated() where Int(i) != k { identity = false; break } }
        let leftCount = leftTypes.count
        let buildRows = side.rows
        var cols: [Column] = []
        for o in outputs {
            let isLeft = o < leftCount
            let k = isLeft ? o : o - leftCount
            if isLeft == probeIsLeft {
                cols.append(identity ? probe.columns[k] : ColumnKernels.gatherOrNull(probe.columns[k], p))
            } else {
                cols.append(Self.gatherBuild(buildRows.columns[k], b, buildRows: buildRows.rowCount))
            }
        }
        return RecordBatch(schema: Schema([]), columns: cols, rowCount: p.count)
    }

    /// Semi, anti and mark joins output probe (left) columns and the mark only.
    private func selectOutputs(probe: [Column], build: [Column], mark: Column?, rows n: Int) -> RecordBatch {
        let leftCount = leftTypes.count
        var cols: [Column] = []
        for o in outputs {
            if o < leftCount { cols.append(probe[o]) } else if let mark { cols.append(mark) }
        }
        return RecordBatch(schema: Schema([]), columns: cols, rowCount: n)
    }

    /// Per probe row: true if a candidate passes the mark test, NULL if none does but one
    /// compares NULL, else false (no mark test: whether any candidate exists).
    private func markColumn(_ probe: RecordBatch, _ p: [Int32], _ b: [Int32], side: JoinSide) throws -> Column {
        let n = probe.rowCount
        var anyTrue = [Bool](repeating: false, count: n)
        var anyNull = [Bool](repeating: false, count: n)
        if markNullAwareKeys {
            for i in p { anyTrue[Int(i)] = true }
            // x IN (…) with no match is NULL when x is NULL (and the set is not empty) or the set holds a NULL.
            let buildRows = side.rows.rowCount
            let setHasNull = side.table?.hasNullKey ?? false
            if buildRows > 0, let keyColumn = markProbeKey(probe) {
                for i in 0..<n where !anyTrue[i] && (setHasNull || keyColumn.isNull(i)) { anyNull[i] = true }
            }
        } else if let markCondition {
            if !p.isEmpty {
                let value = try Evaluator.evaluate(markCondition, pairBatch(probe, p, b, side: side, needed: markCondition.columnsUsed))
                let truth = Evaluator.truth(of: value)
                for k in 0..<p.count {
                    let i = Int(p[k])
                    if truth[k] { anyTrue[i] = true } else if value.isNull(k) { anyNull[i] = true }
                }
            }
        } else {
            for i in p { anyTrue[Int(i)] = true }
        }
        var valid = [Bool](repeating: true, count: n)
        var hasNull = false
        for i in 0..<n where !anyTrue[i] && anyNull[i] { valid[i] = false; hasNull = true }
        return Column(type: .boolean, values: .boolean(anyTrue), validity: hasNull ? Bitmap(bools: valid) : nil)
    }

    /// The probe key column of a null-aware mark join (its single hash key).
    func markProbeKey(_ probe: RecordBatch) -> Column? { nil }

    override func flush(_ ctx: ExecutionContext) throws -> [RecordBatch] {
        defer { build.release(ctx) }
        guard preservesBuild else { return [] }
        let rows = build.rows.rowCount
        var hit = [Bool](repeating: false, count: rows)
        for m in matched.values where m.count == rows { for r in 0..<rows where m[r] { hit[r] = true } }
        matched = WorkerSlots(empty: [])
        return unmatchedBuildRows(build.side, hit: hit).map { [$0] } ?? []
    }

    /// Build rows nobody matched, with the probe side NULL.
    func unmatchedBuildRows(_ side: JoinSide, hit: [Bool]) -> RecordBatch? {
        let rows = side.rows.rowCount
        let unmatched = (0..<rows).filter { hit.count != rows || !hit[$0] }.map { Int32($0) }
        guard !unmatched.isEmpty else { return nil }
        let leftCount = leftTypes.count
        let probeTypes = probeIsLeft ? leftTypes : rightTypes
        var cols: [Column] = []
        for o in outputs {
            let isLeft = o < leftCount
            let k = isLeft ? o : o - leftCount
            if isLeft == probeIsLeft {
                cols.append(ColumnKernels.nulls(probeTypes[k], count: unmatched.count))
            } else {
                cols.append(side.rows.columns[k].gather(unmatched))
            }
        }
        return RecordBatch(schema: Schema([]), columns: cols, rowCount: unmatched.count)
    }
}
