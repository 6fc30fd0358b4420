import LakeqParquet
import Testing
@testable import LakeqQuery

/// `AccessPlan.sparseRows`: which row-group rows a point lookup's survivors are, so the other
/// columns decode only the pages holding them. (The answers themselves are checked by the
/// lookups in Tests/sql/pruning/pruning.test, with pruning on and off.)
@Suite struct SparseLateMaterializationTests {
    @Test func survivorsOfAWholeRowGroupAreTheirPositions() {
        let rows = AccessPlan.sparseRows([3, 4, 5, 90, 255], of: 1000, within: nil)
        #expect(rows?.ranges == [3..<6, 90..<91, 255..<256])
    }

    @Test func positionsAmongPageIndexCandidatesMapBackToRowGroupRows() {
        // Read rows 100..<150 and 400..<450 (page-index candidates): position 0 is row 100,
        // position 49 is row 149, position 50 is row 400.
        let candidates = RowRanges([100..<150, 400..<450])
        let rows = AccessPlan.sparseRows([0, 49, 50, 99], of: 100 * 16, within: candidates)
        #expect(rows == RowRanges([100..<101, 149..<150, 400..<401, 449..<450]))
    }

    @Test func denseSelectionsDecodeWholeChunks() {
        #expect(AccessPlan.sparseRows((0..<100).map(Int32.init), of: 1000, within: nil) == nil, "one row in ten is not sparse")
        #expect(AccessPlan.sparseRows((0..<62).map(Int32.init), of: 1000, within: nil) != nil)
        #expect(AccessPlan.sparseRows(stride(from: 0, to: 5000 * 20, by: 20).map(Int32.init), of: 5000 * 20, within: nil) == nil,
                "too many ranges to check per page")
    }

    @Test func selectionsThatAreNotAscendingOrOutOfRangeAreLeftToTheGather() {
        #expect(AccessPlan.sparseRows([5, 3], of: 1000, within: nil) == nil)
        #expect(AccessPlan.sparseRows([5, 5], of: 1000, within: nil) == nil)
        #expect(AccessPlan.sparseRows([-1], of: 1000, within: nil) == nil)
        #expect(AccessPlan.sparseRows([1000], of: 1000, within: nil) == nil)
        #expect(AccessPlan.sparseRows([60], of: 1000, within: RowRanges([0..<50])) == nil, "past the candidate rows")
        #expect(AccessPlan.sparseRows([], of: 1000, within: nil) == RowRanges([]))
    }
}
