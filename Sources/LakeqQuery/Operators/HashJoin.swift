import LakeqColumnar

/// Joins on key equality: the build side (the smaller input, or the right one of a semi,
/// anti, mark or single join) is indexed in a `JoinTable`; every probe batch looks its keys
/// up (once per dictionary entry for dictionary-encoded strings) and walks the chain of
/// equal build rows. Keys of any comparable type; NULL keys never match (set operations
/// compare NULLs as equal).
final class HashJoin: JoinOperator, @unchecked Sendable {
    let probeKeys: [BoundExpr]

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

    override func candidates(_ probe: RecordBatch) throws -> (probe: [Int32], build: [Int32]) {
        guard let table = build.table else { return ([], []) }
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
