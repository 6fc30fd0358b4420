import LakeqColumnar
import Testing

@Suite struct ReductionsTests {
    /// Lengths around the vector widths, so the scalar tails are covered.
    static let lengths = [0, 1, 7, 8, 9, 15, 16, 17, 33, 1000]

    @Test(arguments: lengths) func sumsMatchPlainLoops(n: Int) {
        let doubles = (0..<n).map { Double($0 % 17) * 0.25 - 1.5 }
        let sum = doubles.withUnsafeBufferPointer { Reductions.sum($0) }
        #expect(abs(sum - doubles.reduce(0, +)) <= 1e-9 * max(1, abs(sum)))
        let ints = (0..<n).map { Int32($0 % 2 == 0 ? Int32.max - Int32($0) : Int32.min + Int32($0)) }
        #expect(ints.withUnsafeBufferPointer { Reductions.sum($0) } == ints.reduce(Int64(0)) { $0 + Int64($1) })
        let longs = (0..<n).map { Int64($0) * 3 - 100 }
        #expect(longs.withUnsafeBufferPointer { Reductions.checkedSum($0) } == longs.reduce(0, +))
    }

    @Test func checkedSumReportsOverflowAndHandlesWideValues() {
        let big: [Int64] = [Int64.max - 5, 3, 2] + [Int64](repeating: 0, count: 20)
        #expect(big.withUnsafeBufferPointer { Reductions.checkedSum($0) } == Int64.max)
        let over: [Int64] = [Int64.max, 1] + [Int64](repeating: 0, count: 20)
        #expect(over.withUnsafeBufferPointer { Reductions.checkedSum($0) } == nil)
        // Wide values that cancel out: the lane-wise sum is not used, the checked one is exact.
        let cancel: [Int64] = (0..<40).map { $0 % 2 == 0 ? Int64(1) << 62 : -(Int64(1) << 62) }
        #expect(cancel.withUnsafeBufferPointer { Reductions.checkedSum($0) } == 0)
    }

    @Test(arguments: lengths) func extremesFollowSQLOrder(n: Int) {
        let values = (0..<n).map { Double(($0 * 7919) % 101) - 50 }
        #expect(values.withUnsafeBufferPointer { Reductions.extreme($0, less: true) } == values.min())
        #expect(values.withUnsafeBufferPointer { Reductions.extreme($0, less: false) } == values.max())
        let ints = (0..<n).map { Int32(($0 * 7919) % 101) - 50 }
        #expect(ints.withUnsafeBufferPointer { Reductions.extreme($0, less: true) } == ints.min())
        #expect(ints.withUnsafeBufferPointer { Reductions.extreme($0, less: false) } == ints.max())
    }

    @Test func nanOrdersAfterEveryNumber() {
        for position in [0, 5, 12] {
            var values = (0..<20).map { Double($0) }
            values[position] = .nan
            // min passes NaN by, max finds it (DuckDB's order).
            #expect(values.withUnsafeBufferPointer { Reductions.extreme($0, less: true) } == (position == 0 ? 1 : 0))
            #expect(values.withUnsafeBufferPointer { Reductions.extreme($0, less: false) }?.isNaN == true)
        }
        let allNaN = [Double](repeating: .nan, count: 11)
        #expect(allNaN.withUnsafeBufferPointer { Reductions.extreme($0, less: true) }?.isNaN == true)
        #expect(allNaN.withUnsafeBufferPointer { Reductions.extreme($0, less: false) }?.isNaN == true)
        let infinities: [Double] = [.infinity, -.infinity] + [Double](repeating: 1, count: 9)
        #expect(infinities.withUnsafeBufferPointer { Reductions.extreme($0, less: true) } == -.infinity)
        #expect(infinities.withUnsafeBufferPointer { Reductions.extreme($0, less: false) } == .infinity)
        #expect([Double]().withUnsafeBufferPointer { Reductions.extreme($0, less: true) } == nil)
    }
}
