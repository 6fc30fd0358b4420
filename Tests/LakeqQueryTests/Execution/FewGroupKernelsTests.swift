import Testing
@testable import LakeqQuery

/// `FewGroupKernels`: counts and sums through four copies of the group slots equal the plain
/// row-by-row loop (sums exactly, on values whose sums are exact in a Double), for every row
/// count around the four-row step and for group counts up to the limit.
@Suite struct FewGroupKernelsTests {
    @Test(arguments: [1, 2, 5, 17, FewGroupKernels.maxGroups])
    func matchesTheRowByRowLoop(groupCount k: Int) {
        var rng = SystemRandomNumberGenerator()
        for n in [0, 1, 3, 4, 5, 7, 255, 256, 1000, 4099] {
            let groups = (0..<n).map { _ in Int32.random(in: 0..<Int32(k), using: &rng) }
            let values = (0..<n).map { _ in Double(Int.random(in: -1000...1000, using: &rng)) / 4 }
            var expectedCounts = [Int64](repeating: 7, count: k), expectedSums = [Double](repeating: 0.5, count: k)
            for i in 0..<n {
                expectedCounts[Int(groups[i])] += 1
                expectedSums[Int(groups[i])] += values[i]
            }
            var counts = [Int64](repeating: 7, count: k), sums = [Double](repeating: 0.5, count: k)
            groups.withUnsafeBufferPointer { g in
                counts.withUnsafeMutableBufferPointer { FewGroupKernels.count(g, groupCount: k, into: $0) }
                values.withUnsafeBufferPointer { v in
                    sums.withUnsafeMutableBufferPointer { FewGroupKernels.sum(g, v, groupCount: k, into: $0) }
                }
            }
            #expect(counts == expectedCounts, "k \(k), n \(n)")
            #expect(sums == expectedSums, "k \(k), n \(n)")
        }
    }

    @Test func appliesOnlyToFewGroupsAndEnoughRows() {
        #expect(FewGroupKernels.applies(groupCount: 5, rows: 100_000))
        #expect(!FewGroupKernels.applies(groupCount: FewGroupKernels.maxGroups + 1, rows: 100_000))
        #expect(!FewGroupKernels.applies(groupCount: 5, rows: FewGroupKernels.minRows - 1))
    }
}
