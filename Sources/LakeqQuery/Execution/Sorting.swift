import Foundation
import LakeqColumnar

/// ORDER BY: row orders by several keys, stable (ties keep row order).
///
/// Keys are first turned into typed arrays (integers, doubles, bytes) with NULL flags, so
/// comparisons never box values; integer and double keys without NULLs become ordered
/// words (`orderedWords`), radix-sorted (`RadixSort`) or, for few rows, compared as words.
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
        if let words = orderedWords(keyColumns) {
            idx = sortByWords(words, rows: n)
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

    /// Each key as unsigned words whose order is the key's order (direction applied), or nil
    /// when a key has NULLs or is not an integer, boolean or double. Comparing words is one
    /// instruction where the comparator switches over value kinds per call (about 20 ns): ten
    /// million rows by two keys sorted in 14 s that way.
    static func orderedWords(_ keys: [KeyColumn]) -> [[UInt64]]? {
        var out: [[UInt64]] = []
        out.reserveCapacity(keys.count)
        let sign: UInt64 = 1 << 63
        for key in keys {
            guard key.nulls == nil else { return nil }
            let flip: UInt64 = key.descending ? ~0 : 0
            switch key.values {
            case .ints(let v):
                out.append(v.map { (UInt64(bitPattern: $0) ^ sign) ^ flip })
            case .doubles(let v):
                out.append(v.map { x in
                    // NaN after every number (all NaNs equal), -0.0 equal to 0.0, as `compare`.
                    if x.isNaN { return UInt64.max ^ flip }
                    let bits = (x == 0 ? 0.0 : x).bitPattern
                    return (bits & sign != 0 ? ~bits : bits | sign) ^ flip
                })
            case .bytes, .scalars:
                return nil
            }
        }
        return out
    }

    /// Rows from which `sortByWords` radix-sorts.
    static let radixSortMinimumRows = 4096

    /// Row order by `words` (from `orderedWords`), ties by row: a radix sort for many rows,
    /// else a comparison sort over the rows' words laid out row by row.
    static func sortByWords(_ words: [[UInt64]], rows n: Int) -> [Int32] {
        // Past a few thousand rows the radix passes beat n log n comparisons; below, their
        // fixed cost (histograms of 8 x 256 counts per key) does not pay.
        if n >= radixSortMinimumRows { return RadixSort.sortedRows(words, rows: n) }
        // Row-major words so one row's keys sit together.
        let k = words.count
        var flat = [UInt64](repeating: 0, count: n * k)
        for (j, w) in words.enumerated() {
            for i in 0..<n { flat[i * k + j] = w[i] }
        }
        var idx = Array(0..<Int32(n))
        flat.withUnsafeBufferPointer { f in
            idx.sort { a, b in
                let x = Int(a) * k, y = Int(b) * k
                for j in 0..<k where f[x + j] != f[y + j] { return f[x + j] < f[y + j] }
                return a < b
            }
        }
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
