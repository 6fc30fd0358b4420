import Testing
@testable import LakeqParquet

@Suite struct RowRangesTests {
    @Test func normalizesAndIntersects() {
        let a = RowRanges([10..<20, 0..<5, 4..<8, 30..<30])
        #expect(a.ranges == [0..<8, 10..<20])
        #expect(a.count == 18)
        let b = RowRanges([6..<12, 15..<40])
        #expect(a.intersection(b).ranges == [6..<8, 10..<12, 15..<20])
        #expect(a.intersection(RowRanges([])).isEmpty)
        #expect(a.overlaps(7..<9) && !a.overlaps(8..<10))
    }
}
