/// Least-significant-digit radix sort of row numbers by unsigned key words: the ORDER BY of
/// integer and double keys without NULLs (`Sorting.orderedWords`). Each pass is stable, so
/// ties keep row order and the result equals the comparison sort's, in time linear in the
/// rows: a merge sort of ten million rows by two keys spent ~3 s comparing; the passes cost
/// a read and a scattered write of each row's (word, row) per varying byte.
///
/// The loops over rows use raw pointers: the scatter writes through per-bucket offsets that
/// a checked array would test on every row.
enum RadixSort {
    /// Row order (0..<rows) by `words[0]`, then `words[1]`, …; ties by row.
    static func sortedRows(_ words: [[UInt64]], rows n: Int) -> [Int32] {
        var rows = Array(0..<Int32(n))
        guard n > 1, !words.isEmpty else { return rows }
        var spareRows = [Int32](repeating: 0, count: n)
        var keys = [UInt64](repeating: 0, count: n)
        var spareKeys = [UInt64](repeating: 0, count: n)
        // The last key first: each later (stable) pass keeps the order of its ties.
        for (pass, word) in words.reversed().enumerated() {
            precondition(word.count >= n, "a key has fewer words than rows")
            rows.withUnsafeMutableBufferPointer { r in
                keys.withUnsafeMutableBufferPointer { k in
                    word.withUnsafeBufferPointer { w in
                        // The rows are in the order of the keys sorted so far: this key's
                        // words follow them (the first pass, rows in order, copies).
                        if pass == 0 {
                            k.baseAddress!.update(from: w.baseAddress!, count: n)
                        } else {
                            for i in 0..<n { k[i] = w[Int(r[i])] }
                        }
                    }
                }
            }
            sortByBytes(&keys, &rows, spareKeys: &spareKeys, spareRows: &spareRows, n)
        }
        return rows
    }

    /// Sorts (keys[i], rows[i]) by keys, stably, a byte at a time from the lowest; bytes on
    /// which every key agrees take no pass. Results end in `keys`/`rows` (the spares are
    /// scratch of the same size).
    private static func sortByBytes(_ keys: inout [UInt64], _ rows: inout [Int32],
                                    spareKeys: inout [UInt64], spareRows: inout [Int32], _ n: Int) {
        // The eight bytes' histograms in one read of the keys.
        var counts = [Int](repeating: 0, count: 8 * 256)
        counts.withUnsafeMutableBufferPointer { c in
            keys.withUnsafeBufferPointer { k in
                for i in 0..<n {
                    let x = k[i]
                    for b in 0..<8 { c[b &* 256 &+ Int((x >> UInt64(b &* 8)) & 0xFF)] &+= 1 }
                }
            }
        }
        var offsets = [Int](repeating: 0, count: 256)
        for b in 0..<8 {
            let varies = counts.withUnsafeBufferPointer { c in !(0..<256).contains { c[b * 256 + $0] == n } }
            guard varies else { continue }
            var total = 0
            for v in 0..<256 {
                offsets[v] = total
                total += counts[b * 256 + v]
            }
            let shift = UInt64(b * 8)
            keys.withUnsafeBufferPointer { k in
                rows.withUnsafeBufferPointer { r in
                    spareKeys.withUnsafeMutableBufferPointer { sk in
                        spareRows.withUnsafeMutableBufferPointer { sr in
                            offsets.withUnsafeMutableBufferPointer { o in
                                for i in 0..<n {
                                    let x = k[i]
                                    let bucket = Int((x >> shift) & 0xFF)
                                    let at = o[bucket]
                                    o[bucket] = at &+ 1
                                    sk[at] = x
                                    sr[at] = r[i]
                                }
                            }
                        }
                    }
                }
            }
            swap(&keys, &spareKeys)
            swap(&rows, &spareRows)
        }
    }
}
