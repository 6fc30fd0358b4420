import LakeqColumnar

/// The build side of a hash join: its rows indexed by key, rows of equal keys chained.
///
/// Keys are encoded like group keys (`KeyEncoder`). Build rows are grouped by key: each
/// distinct key gets an id whose `heads` entry is its first row, and `next` links the rest,
/// so probing walks only rows that match (no key comparisons on the chain). One integer key
/// whose values span a small range is indexed directly by value (a perfect hash: the usual
/// dimension-table case, ids 1…n); one VARCHAR key by its interned id; anything else through
/// a hash table over the codes.
final class JoinTable {
    let encoders: [KeyEncoder]
    /// Per key: NULL equals NULL (set operations) instead of never matching (joins).
    let nullEquals: Bool
    private(set) var rowCount = 0
    /// Build rows with a NULL key: they match nothing (unless `nullEquals`).
    private(set) var hasNullKey = false

    private enum Index {
        case empty
        case direct(base: Int64, heads: [Int32])
        case hashed(map: Int64HashMap, heads: [Int32])
        case strings(heads: [Int32])
        case tuple(TupleIndex)
    }

    private var index: Index = .empty
    /// Next build row with the same key, or -1.
    private(set) var next: [Int32] = []
    /// No two build rows share a key (every chain has one row): a probe row has at most one match.
    private(set) var uniqueKeys = true

    init(keyTypes: [DataType], nullEquals: Bool = false) {
        encoders = keyTypes.map { KeyEncoder(type: $0) }
        self.nullEquals = nullEquals
    }

    /// Indexes the build rows (all batches concatenated).
    func build(_ keys: [Column], rowCount n: Int) {
        index(keys, rowCount: n)
        uniqueKeys = !next.contains { $0 >= 0 }
    }

    /// About how many bytes the index holds (chains, heads, hash slots, interned strings),
    /// counted against the query's memory limit.
    var estimatedBytes: Int {
        var b = next.capacity * 4
        switch index {
        case .empty: break
        case .direct(_, let heads), .strings(let heads): b += heads.capacity * 4
        case .hashed(let map, let heads): b += map.bytes + heads.capacity * 4
        case .tuple(let t): b += t.estimatedBytes
        }
        for e in encoders where e.kind == .string || e.kind == .nested { b += e.interner.bytes }
        return b
    }

    private func index(_ keys: [Column], rowCount n: Int) {
        rowCount = n
        next = [Int32](repeating: -1, count: n)
        guard n > 0 else { index = .empty; return }
        var valid = [Bool](repeating: true, count: n)
        var nullMasks = [Int64](repeating: 0, count: n)
        for (j, c) in keys.enumerated() {
            guard let v = c.validity else { continue }
            for i in 0..<n where !v[i] {
                valid[i] = false
                nullMasks[i] |= 1 << Int64(j)
                hasNullKey = true
            }
        }
        let codes = zip(encoders, keys).map { $0.encode($1, insert: true) }
        if keys.count == 1 && !nullEquals {
            let c = codes[0]
            if encoders[0].kind == .string || encoders[0].kind == .nested {
                var heads = [Int32](repeating: -1, count: encoders[0].interner.count)
                chain(c, valid: valid, heads: &heads) { Int($0) }
                index = .strings(heads: heads)
                return
            }
            var lo = Int64.max, hi = Int64.min
            for i in 0..<n where valid[i] { lo = min(lo, c[i]); hi = max(hi, c[i]) }
            if lo <= hi, hi.subtractingReportingOverflow(lo).overflow == false, hi - lo < Int64(max(1024, 4 * n)) {
                var heads = [Int32](repeating: -1, count: Int(hi - lo) + 1)
                chain(c, valid: valid, heads: &heads) { Int($0 - lo) }
                index = .direct(base: lo, heads: heads)
                return
            }
            var map = Int64HashMap(capacity: n)
            var heads: [Int32] = []
            // Rows are chained in reverse so that each chain lists rows in build order.
            for i in stride(from: n - 1, through: 0, by: -1) where valid[i] {
                let (id, inserted) = map.findOrInsert(c[i], newId: Int32(heads.count))
                if inserted { heads.append(Int32(i)) } else { next[i] = heads[Int(id)]; heads[Int(id)] = Int32(i) }
            }
            index = .hashed(map: map, heads: heads)
            return
        }
        let t = TupleIndex(width: keys.count)
        for i in stride(from: n - 1, through: 0, by: -1) where valid[i] || nullEquals {
            let id = t.findOrInsert(codes, row: i, nullMask: nullMasks[i], insert: true)
            if id == t.heads.count { t.heads.append(Int32(i)) } else { next[i] = t.heads[id]; t.heads[id] = Int32(i) }
        }
        index = .tuple(t)
    }

    private func chain(_ codes: [Int64], valid: [Bool], heads: inout [Int32], _ slot: (Int64) -> Int) {
        for i in stride(from: codes.count - 1, through: 0, by: -1) where valid[i] {
            let s = slot(codes[i])
            next[i] = heads[s]
            heads[s] = Int32(i)
        }
    }

    /// The first matching build row of every probe row, or -1; walk on with `next`.
    func probeHeads(_ keys: [Column], rowCount n: Int) -> [Int32] {
        var out = [Int32](repeating: -1, count: n)
        guard n > 0 else { return out }
        if keys.count == 1 && !nullEquals, case .strings(let heads) = index,
           let (entries, idx) = encoders[0].encodeDictionary(keys[0], insert: false) {
            // Once per dictionary entry, then through the indices.
            let perEntry = entries.map { $0 >= 0 && Int($0) < heads.count ? heads[Int($0)] : -1 }
            perEntry.withUnsafeBufferPointer { e in
                idx.withUnsafeBufferPointer { ix in
                    out.withUnsafeMutableBufferPointer { o in for i in 0..<n { o[i] = e[Int(ix[i])] } }
                }
            }
            if let v = keys[0].validity { for i in 0..<n where !v[i] { out[i] = -1 } }
            return out
        }
        let codes = zip(encoders, keys).map { $0.encode($1, insert: false) }
        var nullMasks: [Int64]?
        for (j, c) in keys.enumerated() {
            guard let v = c.validity else { continue }
            if nullMasks == nil { nullMasks = [Int64](repeating: 0, count: n) }
            for i in 0..<n where !v[i] { nullMasks![i] |= 1 << Int64(j) }
        }
        switch index {
        case .empty:
            break
        case .strings(let heads):
            codes[0].withUnsafeBufferPointer { c in
                for i in 0..<n { let k = c[i]; if k >= 0 && Int(k) < heads.count { out[i] = heads[Int(k)] } }
            }
        case .direct(let base, let heads):
            let size = Int64(heads.count)
            heads.withUnsafeBufferPointer { h in
                codes[0].withUnsafeBufferPointer { c in
                    out.withUnsafeMutableBufferPointer { o in
                        for i in 0..<n {
                            let k = c[i] &- base
                            if k >= 0 && k < size { o[i] = h[Int(k)] }
                        }
                    }
                }
            }
        case .hashed(let map, let heads):
            codes[0].withUnsafeBufferPointer { c in
                for i in 0..<n {
                    let id = map.find(c[i])
                    if id >= 0 { out[i] = heads[Int(id)] }
                }
            }
        case .tuple(let t):
            for i in 0..<n {
                let mask = nullMasks?[i] ?? 0
                if mask != 0 && !nullEquals { continue }
                var absent = false
                for j in codes.indices where (encoders[j].kind == .string || encoders[j].kind == .nested) && codes[j][i] < 0 && mask & (1 << Int64(j)) == 0 { absent = true }
                if absent { continue }
                let id = t.findOrInsert(codes, row: i, nullMask: mask, insert: false)
                if id >= 0 && id < t.heads.count { out[i] = t.heads[id] }
            }
        }
        if let nullMasks, !nullEquals {
            for i in 0..<n where nullMasks[i] != 0 { out[i] = -1 }
        }
        return out
    }
}

/// Distinct code tuples (one word per key plus a NULL mask) to dense ids.
final class TupleIndex {
    let width: Int
    private var keys: [Int64] = []
    private var hashes: [UInt64] = []
    private var slots = [Int32](repeating: -1, count: 64)
    private var mask = 63
    var heads: [Int32] = []
    private(set) var count = 0

    init(width: Int) { self.width = width }

    var estimatedBytes: Int { keys.capacity * 8 + hashes.capacity * 8 + slots.capacity * 4 + heads.capacity * 4 }

    /// The id of row `row` of `codes`; with `insert` a new tuple gets id `count`, without it
    /// an unknown tuple answers -1.
    func findOrInsert(_ codes: [[Int64]], row: Int, nullMask: Int64, insert: Bool) -> Int {
        var h: UInt64 = 0x2545_F491_4F6C_DD1D
        for j in 0..<width { h = Hashing.combine(h, nullMask & (1 << Int64(j)) != 0 ? 0 : codes[j][row]) }
        h = Hashing.finish(Hashing.combine(h, nullMask))
        var s = Int(truncatingIfNeeded: h) & mask
        let w = width + 1
        while true {
            let g = slots[s]
            if g < 0 { break }
            if hashes[Int(g)] == h {
                let base = Int(g) * w
                var equal = keys[base + width] == nullMask
                if equal {
                    for j in 0..<width where keys[base + j] != (nullMask & (1 << Int64(j)) != 0 ? 0 : codes[j][row]) { equal = false; break }
                }
                if equal { return Int(g) }
            }
            s = (s + 1) & mask
        }
        guard insert else { return -1 }
        let g = count
        slots[s] = Int32(g)
        for j in 0..<width { keys.append(nullMask & (1 << Int64(j)) != 0 ? 0 : codes[j][row]) }
        keys.append(nullMask)
        hashes.append(h)
        count += 1
        if count * 2 > slots.count { grow() }
        return g
    }

    private func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for g in 0..<count {
            var s = Int(truncatingIfNeeded: hashes[g]) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(g)
        }
    }
}
