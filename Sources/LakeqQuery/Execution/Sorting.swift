import Foundation
import LakeqColumnar

/// ORDER BY: row orders by several keys, stable (ties keep row order).
///
/// Keys are first turned into typed arrays (integers, doubles, bytes) with NULL flags, so
/// comparisons never box values; one non-NULL integer or double key sorts (key, row) pairs.
enum Sorting {
    /// One key in comparable form.
    struct KeyColumn {
        enum Values {
            case ints([Int64])
            case doubles([Double])
            case bytes(ByteArrays)
            case scalars([Scalar])
        }
        var values: Values
        var nulls: [Bool]?
        var descending: Bool
        var nullsFirst: Bool

        init(_ c: Column, _ key: SortKey) {
            descending = key.descending
            nullsFirst = key.nullsFirst
            nulls = c.validity.map { v in (0..<c.count).map { !v[$0] } }
            switch c.type {
            case .float64:
                values = .doubles(Vectors.doubles(c) ?? [])
            case .string:
                if case .bytes(let b) = ColumnKernels.materialize(c).values { values = .bytes(b) } else { values = .scalars((0..<c.count).map { Scalar.from(c, row: $0) }) }
            case .boolean:
                if case .boolean(let b) = c.values.materialized() { values = .ints(b.map { $0 ? 1 : 0 }) } else { values = .ints([]) }
            default:
                if let v = Vectors.int64s(c) { values = .ints(v) } else { values = .scalars((0..<c.count).map { Scalar.from(c, row: $0) }) }
            }
        }

        /// Three-way comparison of rows `a` and `b` under this key (direction and NULLs applied).
        @inline(__always) func compare(_ a: Int, _ b: Int) -> Int {
            if let nulls {
                let na = nulls[a], nb = nulls[b]
                if na || nb {
                    if na && nb { return 0 }
                    return na == nullsFirst ? -1 : 1
                }
            }
            var r: Int
            switch values {
            case .ints(let v): r = v[a] < v[b] ? -1 : (v[a] > v[b] ? 1 : 0)
            case .doubles(let v):
                let x = v[a], y = v[b]
                if x.isNaN || y.isNaN { r = x.isNaN ? (y.isNaN ? 0 : 1) : -1 } else { r = x < y ? -1 : (x > y ? 1 : 0) }
            case .bytes(let s): r = Sorting.compareBytes(s, a, b)
            case .scalars(let v): r = Scalar.compare(v[a], v[b])
            }
            return descending ? -r : r
        }
    }

    /// Three-way comparison of row `a` of `x` and row `b` of `y`: the same key over two
    /// batches (the heads of two sorted runs in an external merge). Both sides come from
    /// columns of the same type without dictionaries, so their value kinds agree.
    @inline(__always) static func compare(_ x: KeyColumn, _ a: Int, _ y: KeyColumn, _ b: Int) -> Int {
        let na = x.nulls?[a] ?? false, nb = y.nulls?[b] ?? false
        if na || nb {
            if na && nb { return 0 }
            return na == x.nullsFirst ? -1 : 1
        }
        var r: Int
        switch (x.values, y.values) {
        case (.ints(let v), .ints(let w)): r = v[a] < w[b] ? -1 : (v[a] > w[b] ? 1 : 0)
        case (.doubles(let v), .doubles(let w)):
            let p = v[a], q = w[b]
            if p.isNaN || q.isNaN { r = p.isNaN ? (q.isNaN ? 0 : 1) : -1 } else { r = p < q ? -1 : (p > q ? 1 : 0) }
        case (.bytes(let s), .bytes(let t)): r = compareBytes(s, a, t, b)
        case (.scalars(let v), .scalars(let w)): r = Scalar.compare(v[a], w[b])
        default: r = 0  // unreachable: both sides are built from the same column type
        }
        return x.descending ? -r : r
    }

    @inline(__always) static func compareBytes(_ s: ByteArrays, _ a: Int, _ t: ByteArrays, _ b: Int) -> Int {
        let ra = s.range(a), rb = t.range(b)
        let n = min(ra.count, rb.count)
        let c: Int32 = n == 0 ? 0 : s.data.withUnsafeBytes { p in
            t.data.withUnsafeBytes { q in memcmp(p.baseAddress! + ra.lowerBound, q.baseAddress! + rb.lowerBound, n) }
        }
        if c != 0 { return c < 0 ? -1 : 1 }
        return ra.count == rb.count ? 0 : (ra.count < rb.count ? -1 : 1)
    }

    @inline(__always) static func compareBytes(_ s: ByteArrays, _ a: Int, _ b: Int) -> Int {
        let ra = s.range(a), rb = s.range(b)
        let n = min(ra.count, rb.count)
        let c: Int32 = s.data.withUnsafeBytes { p in n == 0 ? 0 : memcmp(p.baseAddress! + ra.lowerBound, p.baseAddress! + rb.lowerBound, n) }
        if c != 0 { return c < 0 ? -1 : 1 }
        return ra.count == rb.count ? 0 : (ra.count < rb.count ? -1 : 1)
    }

    /// Row order of `rows` rows by `keys` (evaluated in `columns`); with `limit`, only the
    /// first `limit` indices, in order.
    static func sortedIndices(_ columns: [Column], keys: [SortKey], rows n: Int, limit: Int?) -> [Int32] {
        if let limit, limit <= 0 { return [] }
        let keyColumns = zip(columns, keys).map { KeyColumn($0, $1) }
        if let limit, limit * 8 < n {
            return topN(keyColumns, limit: limit, rows: n)
        }
        var idx: [Int32]
        if keyColumns.count == 1, keyColumns[0].nulls == nil {
            let k = keyColumns[0]
            switch k.values {
            case .ints(let v):
                var pairs = (0..<n).map { (k.descending ? ~v[$0] : v[$0], Int32($0)) }
                pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                idx = pairs.map(\.1)
            default:
                idx = Array(0..<Int32(n))
                idx.sort { a, b in
                    let c = k.compare(Int(a), Int(b))
                    return c != 0 ? c < 0 : a < b
                }
            }
        } else {
            idx = Array(0..<Int32(n))
            idx.sort { a, b in
                for k in keyColumns {
                    let c = k.compare(Int(a), Int(b))
                    if c != 0 { return c < 0 }
                }
                return a < b
            }
        }
        if let limit { return Array(idx.prefix(limit)) }
        return idx
    }

    /// The old entry point: keys already evaluated as columns of `batch`.
    static func sortedIndices(_ batch: RecordBatch, keyColumns: [Int], keys: [SortKey], limit: Int?) -> [Int32] {
        sortedIndices(keyColumns.map { batch.columns[$0] }, keys: keys, rows: batch.rowCount, limit: limit)
    }

    /// The first `limit` rows in order, keeping a small sorted buffer instead of sorting all.
    private static func topN(_ keys: [KeyColumn], limit: Int, rows n: Int) -> [Int32] {
        func cmp(_ a: Int, _ b: Int) -> Int {
            for k in keys {
                let c = k.compare(a, b)
                if c != 0 { return c }
            }
            return a < b ? -1 : (a > b ? 1 : 0)
        }
        var best: [Int] = []
        best.reserveCapacity(limit + 1)
        for i in 0..<n {
            if best.count == limit, cmp(i, best[limit - 1]) >= 0 { continue }
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
