import LakeqColumnar

/// The rows of every input, one after another (each input runs as its own pipeline into the
/// sink above).
final class UnionAll: PhysicalOperator, @unchecked Sendable {
    init(_ inputs: [PhysicalOperator], types: [DataType]) {
        super.init(children: inputs, outputTypes: types)
    }

    override var role: Role { .union }
    override var details: String { "\(children.count) inputs" }
}
