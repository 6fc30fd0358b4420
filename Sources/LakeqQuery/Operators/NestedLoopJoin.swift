import LakeqColumnar

/// Joins without an equality to hash on (cross products, `a < b`, `EXISTS` without
/// correlation): every probe row is paired with every build row, in slices of the probe
/// batch small enough to keep the pairs bounded, and the condition filters the pairs.
final class NestedLoopJoin: JoinOperator, @unchecked Sendable {
    static let maxPairs = 1 << 20

    override var name: String { "NestedLoopJoin" }

    override func candidates(_ probe: RecordBatch, side: JoinSide) throws -> (probe: [Int32], build: [Int32]) {
        let n = probe.rowCount, m = side.rows.rowCount
        var p: [Int32] = []
        var b: [Int32] = []
        p.reserveCapacity(n * m)
        b.reserveCapacity(n * m)
        for i in 0..<Int32(n) {
            for r in 0..<Int32(m) {
                p.append(i)
                b.append(r)
            }
        }
        return (p, b)
    }

    override func process(_ batch: RecordBatch, worker: Int, _ ctx: ExecutionContext) throws -> RecordBatch? {
        let m = max(1, build.rows.rowCount)
        let slice = max(1, Self.maxPairs / m)
        if batch.rowCount <= slice { return try super.process(batch, worker: worker, ctx) }
        var parts: [RecordBatch] = []
        var start = 0
        while start < batch.rowCount {
            try ctx.checkCancelled()
            let end = min(batch.rowCount, start + slice)
            if let out = try super.process(ColumnKernels.slice(batch, start..<end), worker: worker, ctx), out.rowCount > 0 { parts.append(out) }
            start = end
        }
        if parts.isEmpty { return nil }
        return ColumnKernels.concat(parts, types: outputTypes)
    }
}
