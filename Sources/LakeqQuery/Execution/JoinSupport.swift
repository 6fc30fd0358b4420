import Foundation
import LakeqColumnar

/// The build side of a join: every row of its input, gathered in input order, and indexed by
/// key when the join hashes. The join's probe pipeline starts once it is finished.
final class JoinBuild: PhysicalOperator, @unchecked Sendable {
    let keys: [BoundExpr]
    let nullEquals: Bool
    private var locals = WorkerSlots<[(BatchOrder, RecordBatch)]>(empty: [])
    private(set) var rows = RecordBatch(schema: Schema([]), columns: [], rowCount: 0)
    private(set) var table: JoinTable?

    init(_ child: PhysicalOperator, keys: [BoundExpr], nullEquals: Bool) {
        self.keys = keys
        self.nullEquals = nullEquals
        super.init(children: [child], outputTypes: child.outputTypes)
    }

    override var role: Role { .sink }
    override var name: String { "JoinBuild" }
    override var details: String { keys.isEmpty ? "" : "keys=[\(keys.map(\.text).joined(separator: ", "))]" }

    override func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {
        locals = WorkerSlots(count: workers, initial: [])
    }

    override func consume(_ batch: RecordBatch, order: BatchOrder, worker: Int, _ ctx: ExecutionContext) throws {
        locals[worker].append((order, batch))
    }

    override func finishSink(_ ctx: ExecutionContext) throws {
        let ordered = locals.values.flatMap { $0 }.sorted { $0.0 < $1.0 }.map(\.1)
        locals = WorkerSlots(empty: [])
        rows = ordered.isEmpty
            ? RecordBatch(schema: Schema([]), columns: outputTypes.map { ColumnKernels.empty($0) }, rowCount: 0)
            : ColumnKernels.concat(ordered, types: outputTypes)
        // Strings are hashed and gathered from one contiguous buffer.
        rows.columns = rows.columns.map { c in
            if case .dictionary = c.values, c.count > 0 { return ColumnKernels.materialize(c) }
            return c
        }
        if !keys.isEmpty {
            let t = JoinTable(keyTypes: keys.map(\.type), nullEquals: nullEquals)
            t.build(try keys.map { try Evaluator.evaluate($0, rows) }, rowCount: rows.rowCount)
            table = t
        }
        // Large builds hand out strings of few distinct values as dictionary indices (small
        // builds already use the build column itself as the dictionary, see `gatherBuild`).
        if rows.rowCount > JoinOperator.smallBuildRows {
            rows.columns = rows.columns.map { LowCardinalityStrings.encode($0) ?? $0 }
        }
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
    func candidates(_ probe: RecordBatch) throws -> (probe: [Int32], build: [Int32]) {
        throw QueryError.execution("internal: \(name) has no candidate rule")
    }

    /// The columns of left ++ right for pairs (only `needed` positions are gathered).
    private func pairBatch(_ probe: RecordBatch, _ p: [Int32], _ b: [Int32], needed: Set<Int>) -> RecordBatch {
        let buildRows = build.rows
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
        let n = batch.rowCount
        var (p, b) = try candidates(batch)
        if let residual, !p.isEmpty {
            let keep = try Evaluator.truth(residual, pairBatch(batch, p, b, needed: residual.columnsUsed))
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
            let mark = try markColumn(batch, p, b)
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
            if matched[worker].isEmpty { matched[worker] = [Bool](repeating: false, count: build.rows.rowCount) }
            for r in b { matched[worker][Int(r)] = true }
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
        return output(batch, p, b)
    }

    /// Output columns for pairs (probe rows `p`, build rows `b`, -1 for NULL padding).
    private func output(_ probe: RecordBatch, _ p: [Int32], _ b: [Int32]) -> RecordBatch {
        var identity = p.count == probe.rowCount
        if identity { for (k, i) in p.enumerated() where Int(i) != k { identity = false; break } }
        let leftCount = leftTypes.count
        let buildRows = build.rows
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
    private func markColumn(_ probe: RecordBatch, _ p: [Int32], _ b: [Int32]) throws -> Column {
        let n = probe.rowCount
        var anyTrue = [Bool](repeating: false, count: n)
        var anyNull = [Bool](repeating: false, count: n)
        if markNullAwareKeys {
            for i in p { anyTrue[Int(i)] = true }
            // x IN (…) with no match is NULL when x is NULL (and the set is not empty) or the set holds a NULL.
            let buildRows = build.rows.rowCount
            let setHasNull = build.table?.hasNullKey ?? false
            if buildRows > 0, let keyColumn = markProbeKey(probe) {
                for i in 0..<n where !anyTrue[i] && (setHasNull || keyColumn.isNull(i)) { anyNull[i] = true }
            }
        } else if let markCondition {
            if !p.isEmpty {
                let value = try Evaluator.evaluate(markCondition, pairBatch(probe, p, b, needed: markCondition.columnsUsed))
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
        guard preservesBuild else { return [] }
        let rows = build.rows.rowCount
        var hit = [Bool](repeating: false, count: rows)
        for m in matched.values where m.count == rows { for r in 0..<rows where m[r] { hit[r] = true } }
        matched = WorkerSlots(empty: [])
        let unmatched = (0..<rows).filter { !hit[$0] }.map { Int32($0) }
        guard !unmatched.isEmpty else { return [] }
        // Build rows nobody matched, with the probe side NULL.
        let leftCount = leftTypes.count
        let probeTypes = probeIsLeft ? leftTypes : rightTypes
        var cols: [Column] = []
        for o in outputs {
            let isLeft = o < leftCount
            let k = isLeft ? o : o - leftCount
            if isLeft == probeIsLeft {
                cols.append(ColumnKernels.nulls(probeTypes[k], count: unmatched.count))
            } else {
                cols.append(build.rows.columns[k].gather(unmatched))
            }
        }
        return [RecordBatch(schema: Schema([]), columns: cols, rowCount: unmatched.count)]
    }
}

