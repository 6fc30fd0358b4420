import LakeqColumnar

/// ORDER BY: a stable sort of row indices by several keys.
enum Sorting {
    /// Row order of `batch` by `keys` (evaluated in `keyColumns`); with `limit`, only the first
    /// `limit` indices are guaranteed to be in order.
    static func sortedIndices(_ batch: RecordBatch, keyColumns: [Int], keys: [SortKey], limit: Int?) -> [Int32] {
        let n = batch.rowCount
        let columns = keyColumns.map { batch.columns[$0] }
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
}
