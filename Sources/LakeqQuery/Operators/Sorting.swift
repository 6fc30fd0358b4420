import LakeqColumnar

/// ORDER BY: a stable sort of row indices by several keys.
enum Sorting {
    /// Row order of `batch` by `keys` (evaluated in `keyColumns`); with `limit`, only the first
    /// `limit` indices are guaranteed to be in order.
    static func sortedIndices(_ batch: RecordBatch, keyColumns: [Int], keys: [SortKey], limit: Int?) -> [Int32] {
        let n = batch.rowCount
        let columns = keyColumns.map { batch.columns[$0] }
        if let limit, limit * 8 < n {
            return topN(columns, keys: keys, limit: limit, rows: n)
        }
        // Typed fast path: one non-null double or integer key.
        if columns.count == 1, columns[0].validity == nil, let d = Vectors.doubles(columns[0]), columns[0].type == .float64 {
            let desc = keys[0].descending
            var idx = Array(0..<Int32(n))
            idx.sort { a, b in
                let x = d[Int(a)], y = d[Int(b)]
                if x != y { return desc ? x > y : x < y }
                return a < b
            }
            return limit.map { Array(idx.prefix($0)) } ?? idx
        }
        let values: [[Scalar]] = columns.map { c in (0..<n).map { Scalar.from(c, row: $0) } }
        var idx = Array(0..<Int32(n))
        idx.sort { a, b in
            for (k, key) in keys.enumerated() {
                let x = values[k][Int(a)], y = values[k][Int(b)]
                if x.isNull || y.isNull {
                    if x.isNull && y.isNull { continue }
                    return x.isNull == key.nullsFirst
                }
                let c = Scalar.compare(x, y)
                if c != 0 { return key.descending ? c > 0 : c < 0 }
            }
            return a < b
        }
        return limit.map { Array(idx.prefix($0)) } ?? idx
    }

    /// Typed row comparators, one per key: no per-row allocation for numbers.
    static func comparators(_ columns: [Column], keys: [SortKey]) -> (Int, Int) -> Int {
        let parts: [(Int, Int) -> Int] = zip(columns, keys).map { c, key in
            let nullsFirst = key.nullsFirst
            let desc = key.descending
            let base: (Int, Int) -> Int
            if case .float64(let d) = c.values {
                base = { a, b in d[a] < d[b] ? -1 : (d[a] > d[b] ? 1 : 0) }
            } else if case .int64(let v) = c.values {
                base = { a, b in v[a] < v[b] ? -1 : (v[a] > v[b] ? 1 : 0) }
            } else if case .int32(let v) = c.values {
                base = { a, b in v[a] < v[b] ? -1 : (v[a] > v[b] ? 1 : 0) }
            } else {
                base = { a, b in Scalar.compare(Scalar.from(c, row: a), Scalar.from(c, row: b)) }
            }
            return { a, b in
                let na = c.isNull(a), nb = c.isNull(b)
                if na || nb {
                    if na && nb { return 0 }
                    return na == nullsFirst ? -1 : 1
                }
                let r = base(a, b)
                return desc ? -r : r
            }
        }
        return { a, b in
            for p in parts { let r = p(a, b); if r != 0 { return r } }
            return a < b ? -1 : (a > b ? 1 : 0)
        }
    }

    /// The first `limit` rows in order, keeping a small sorted buffer instead of sorting all.
    static func topN(_ columns: [Column], keys: [SortKey], limit: Int, rows n: Int) -> [Int32] {
        guard limit > 0 else { return [] }
        let cmp = comparators(columns, keys: keys)
        var best: [Int] = []
        best.reserveCapacity(limit + 1)
        for i in 0..<n {
            if best.count == limit, cmp(i, best[limit - 1]) >= 0 { continue }
            // Binary search for the insertion point.
            var lo = 0, hi = best.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if cmp(best[mid], i) <= 0 { lo = mid + 1 } else { hi = mid }
            }
            best.insert(i, at: lo)
            if best.count > limit { best.removeLast() }
        }
        return best.map { Int32($0) }
    }
}
