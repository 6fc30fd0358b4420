/// Per-group counts and sums when there are few groups (GROUP BY device: 5), where adding row
/// by row into one slot per group makes every row wait for the previous row's store to the
/// same slot (a store-to-load forwarding chain, ~5 cycles a row, longer for a floating-point
/// add). Four copies of the slots, row i into copy i % 4, break the chain four ways; the copies
/// are added together at the end. Sums are added in a different order than one slot would
/// (the last bits of a DOUBLE sum may differ, as with any parallel sum).
enum FewGroupKernels {
    /// Group counts at most this use the copies (4 × this many slots stay in L1).
    static let maxGroups = 256
    /// Fewer rows than this go row by row (the copies cost a clear and a fold).
    static let minRows = 256

    static func applies(groupCount: Int, rows: Int) -> Bool {
        groupCount <= maxGroups && rows >= minRows
    }

    /// `counts[g] += 1` for every row's group `g` (ids below `groupCount`).
    static func count(_ groups: UnsafeBufferPointer<Int32>, groupCount k: Int, into counts: UnsafeMutableBufferPointer<Int64>) {
        withUnsafeTemporaryAllocation(of: Int64.self, capacity: 4 * k) { lanes in
            lanes.initialize(repeating: 0)
            let n = groups.count
            var i = 0
            while i + 4 <= n {
                lanes[Int(groups[i])] &+= 1
                lanes[k + Int(groups[i + 1])] &+= 1
                lanes[2 * k + Int(groups[i + 2])] &+= 1
                lanes[3 * k + Int(groups[i + 3])] &+= 1
                i += 4
            }
            while i < n { lanes[Int(groups[i])] &+= 1; i += 1 }
            for g in 0..<k { counts[g] &+= lanes[g] &+ lanes[k + g] &+ lanes[2 * k + g] &+ lanes[3 * k + g] }
        }
    }

    /// `sums[g] += values[i]` for every row `i` of group `g`.
    static func sum(_ groups: UnsafeBufferPointer<Int32>, _ values: UnsafeBufferPointer<Double>, groupCount k: Int,
                    into sums: UnsafeMutableBufferPointer<Double>) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * k) { lanes in
            lanes.initialize(repeating: 0)
            let n = min(groups.count, values.count)
            var i = 0
            while i + 4 <= n {
                lanes[Int(groups[i])] += values[i]
                lanes[k + Int(groups[i + 1])] += values[i + 1]
                lanes[2 * k + Int(groups[i + 2])] += values[i + 2]
                lanes[3 * k + Int(groups[i + 3])] += values[i + 3]
                i += 4
            }
            while i < n { lanes[Int(groups[i])] += values[i]; i += 1 }
            for g in 0..<k { sums[g] += (lanes[g] + lanes[k + g]) + (lanes[2 * k + g] + lanes[3 * k + g]) }
        }
    }
}
