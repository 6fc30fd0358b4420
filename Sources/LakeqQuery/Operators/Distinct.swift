import LakeqColumnar

/// SELECT DISTINCT / UNION: one row per distinct combination of all input columns (NULLs equal).
final class Distinct: HashAggregate, @unchecked Sendable {
    init(_ child: PhysicalOperator) {
        let keys = child.outputTypes.enumerated().map { BoundExpr(kind: .column($0.offset), type: $0.element, text: "#\($0.offset)") }
        super.init(child, keys: keys, aggregates: [], groupingSets: nil, emitsGroupingSet: false)
    }

    override var name: String { "Distinct" }
    override var details: String { "\(keys.count) column\(keys.count == 1 ? "" : "s")" }
}
