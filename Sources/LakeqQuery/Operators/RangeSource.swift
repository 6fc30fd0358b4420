import LakeqColumnar

/// `range(start, stop, step)`: consecutive BIGINTs, in morsels of 64Ki rows.
final class RangeSource: PhysicalOperator, @unchecked Sendable {
    let start: Int64, stop: Int64, step: Int64
    static let morselRows: Int64 = 65_536

    init(start: Int64, stop: Int64, step: Int64) {
        self.start = start
        self.stop = stop
        self.step = step
        super.init(children: [], outputTypes: [.int64])
    }

    override var role: Role { .source }
    override var name: String { "Range" }
    override var details: String { "\(start) to \(stop) step \(step)" }

    /// How many values the range holds.
    static func count(_ start: Int64, _ stop: Int64, _ step: Int64) -> Int64 {
        guard step != 0 else { return 0 }
        let span = step > 0 ? Double(stop) - Double(start) : Double(start) - Double(stop)
        guard span > 0 else { return 0 }
        return Int64((span / Double(abs(step))).rounded(.up))
    }

    var total: Int64 { Self.count(start, stop, step) }

    override func prepareSource(_ ctx: ExecutionContext) throws -> Int {
        Int((total + Self.morselRows - 1) / Self.morselRows)
    }

    override func produce(morsel: Int, worker: Int, _ ctx: ExecutionContext, _ emit: (RecordBatch) throws -> Bool) throws {
        let first = Int64(morsel) * Self.morselRows
        let n = Int(min(Self.morselRows, total - first))
        let base = start &+ first &* step
        let values = (0..<n).map { base &+ Int64($0) &* step }
        _ = try emit(RecordBatch(schema: Schema([]), columns: [Column(type: .int64, values: .int64(values))], rowCount: n))
    }
}
