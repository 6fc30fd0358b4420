import Foundation
import LakeqColumnar

/// Joins on key equality: the build side (the smaller input, or the right one of a semi,
/// anti, mark or single join) is indexed in a `JoinTable`; every probe batch looks its keys
/// up (once per dictionary entry for dictionary-encoded strings) and walks the chain of
/// equal build rows. Keys of any comparable type; NULL keys never match (set operations
/// compare NULLs as equal).
///
/// Past the memory limit the join becomes a grace hash join (DuckDB's and DataFusion's
/// spilling hash join): the build side went to disk partitioned by a hash of its keys
/// (`JoinBuild`), every probe batch is written into the same partitions by its keys, and once
/// the probe input ends the workers join one partition at a time (its build rows indexed in
/// memory, its probe batches read back), unmatched build rows of right and full joins per
/// partition. NULL keys all land in one partition: they match nothing there (or each other,
/// for set operations), as in memory.
final class HashJoin: JoinOperator, @unchecked Sendable {
    let probeKeys: [BoundExpr]
    /// What was spilled (EXPLAIN ANALYZE), kept after the spill files are gone.
    private var spillSummary: String?

    init(probe: PhysicalOperator, build: JoinBuild, probeKeys: [BoundExpr], kind: JoinKind, probeIsLeft: Bool, residual: BoundExpr?,
         markCondition: BoundExpr?, markNullAwareKeys: Bool, outputs: [Int]) {
        self.probeKeys = probeKeys
        super.init(probe: probe, build: build, kind: kind, probeIsLeft: probeIsLeft, residual: residual, markCondition: markCondition,
                   markNullAwareKeys: markNullAwareKeys, outputs: outputs)
    }

    override var name: String { "HashJoin" }

    override var details: String {
        "\(super.details) on [" + zip(probeKeys, build.keys).map { "\($0.text) = \($1.text)" }.joined(separator: ", ") + "]"
    }

    override func explainLines(analyzed: Bool) -> [String] {
        explainNotes + (analyzed ? [spillSummary ?? "spilled: nothing"] : [])
    }

    override func process(_ batch: RecordBatch, worker: Int, _ ctx: ExecutionContext) throws -> RecordBatch? {
        guard let spill = build.spill else { return try super.process(batch, worker: worker, ctx) }
        // Grace mode: the probe batch goes to the partitions of its keys, joined later.
        guard batch.rowCount > 0 else { return nil }
        let keys = try probeKeys.map { try Evaluator.evaluate($0, batch) }
        try spill.write(set: 1, columns: batch.columns, rows: batch.rowCount, partitions: PartitionedSpill.partitions(keys, rows: batch.rowCount), worker: worker)
        return nil
    }

    override func pendingMorsels(_ ctx: ExecutionContext) throws -> Int {
        guard let spill = build.spill else { return 0 }
        spillSummary = "spilled: \(MemoryLimit.format(spill.bytesWritten)) in \(spill.spills) writes of \(spill.rowsWritten[0]) build and \(spill.rowsWritten[1]) probe rows, \(PartitionedSpill.partitionCount) partitions (memory limit \(MemoryLimit.format(ctx.memory.limit)), counted state at most \(MemoryLimit.format(ctx.memory.peak)))"
        return PartitionedSpill.partitionCount
    }

    /// Joins partition `morsel`: its build rows indexed, then its probe batches as they are read.
    override func producePending(morsel p: Int, worker: Int, _ ctx: ExecutionContext, _ emit: (RecordBatch) throws -> Bool) throws {
        guard let spill = build.spill else { return }
        var batches: [RecordBatch] = []
        try spill.readPartition(set: 0, partition: p) { batches.append($0) }
        let side = try build.index(batches, large: false)
        batches = []
        ctx.memory.update(from: 0, to: side.bytes)
        defer { ctx.memory.update(from: side.bytes, to: 0) }
        // Without build rows only joins that keep unmatched probe rows output anything.
        if side.rows.rowCount == 0 && !(preservesProbe || kind == .anti || kind == .mark) { return }
        var matched: [Bool] = []
        var more = true
        try spill.readPartition(set: 1, partition: p) { probe in
            guard more else { return }
            try ctx.checkCancelled()
            if let out = try join(probe, side: side, matched: &matched), out.rowCount > 0 { more = try emit(out) }
        }
        guard more, preservesBuild, let rest = unmatchedBuildRows(side, hit: matched) else { return }
        _ = try emit(rest)
    }

    override func candidates(_ probe: RecordBatch, side: JoinSide) throws -> (probe: [Int32], build: [Int32]) {
        guard let table = side.table else { return ([], []) }
        let n = probe.rowCount
        let keys = try probeKeys.map { try Evaluator.evaluate($0, probe) }
        let heads = table.probeHeads(keys, rowCount: n)
        if table.uniqueKeys { return Self.singleMatches(heads) }
        let next = table.next
        var p: [Int32] = []
        var b: [Int32] = []
        p.reserveCapacity(n)
        b.reserveCapacity(n)
        heads.withUnsafeBufferPointer { h in
            next.withUnsafeBufferPointer { nx in
                for i in 0..<n {
                    var r = h[i]
                    while r >= 0 {
                        p.append(Int32(i))
                        b.append(r)
                        r = nx[Int(r)]
                    }
                }
            }
        }
        return (p, b)
    }

    /// Pairs when every probe row matches at most its head (unique build keys): no chains to walk.
    static func singleMatches(_ heads: [Int32]) -> (probe: [Int32], build: [Int32]) {
        let n = heads.count
        var matches = 0
        for h in heads where h >= 0 { matches += 1 }
        if matches == n { return (Array(0..<Int32(n)), heads) }
        var p = [Int32](repeating: 0, count: matches)
        var b = [Int32](repeating: 0, count: matches)
        p.withUnsafeMutableBufferPointer { po in
            b.withUnsafeMutableBufferPointer { bo in
                var k = 0
                for i in 0..<n where heads[i] >= 0 {
                    po[k] = Int32(i)
                    bo[k] = heads[i]
                    k += 1
                }
            }
        }
        return (p, b)
    }

    override func markProbeKey(_ probe: RecordBatch) -> Column? {
        guard probeKeys.count == 1 else { return nil }
        return try? Evaluator.evaluate(probeKeys[0], probe)
    }
}
