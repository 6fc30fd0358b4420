import LakeqColumnar

/// Maps group-key tuples to dense group ids 0, 1, 2, … in first-seen order.
///
/// Keys are encoded to Int64 codes (`KeyEncoder`). One integer-like key hashes its codes in
/// an `Int64HashMap`; one VARCHAR key uses its interned id directly (a dictionary column is
/// hashed once per dictionary entry, rows then map through their indices); several keys
/// hash fixed-width code tuples (one word per key plus a NULL mask) in an open-addressing
/// table over flat arrays.
final class GroupTable {
    enum Kind { case none, integer, string, tuple }

    let kind: Kind
    let keyTypes: [DataType]
    private(set) var count = 0
    let encoders: [KeyEncoder]

    // One integer-like key: directly indexed while its values span a small range (a perfect
    // hash, as DuckDB's perfect hash aggregate, decided here from the values seen rather than
    // from statistics), hashed once they do not.
    private var usesDirect = true
    /// Group of value `directBase + i` at `i` (-1 until seen).
    private var direct: [Int32] = []
    private var directBase: Int64 = 0
    private var rowsSeen = 0
    private var intMap = Int64HashMap(capacity: 0)
    private var intKeys: [Int64] = []
    private var nullGroup: Int32?
    // One VARCHAR key: group of each interned id (-1 until seen), and back.
    private var internToGroup: [Int32] = []
    private var groupToIntern: [Int32] = []
    // Several keys: `width` words per group (codes, then the NULL mask).
    private let width: Int
    private var tupleKeys: [Int64] = []
    private var tupleHashes: [UInt64] = []
    private var slots: [Int32] = []
    private var slotMask = 0
    // Several VARCHAR keys: group of each combination of interned ids (-1 until seen), see `stringTupleIds`.
    private var usesCombinations = true
    private var combinations: [Int32] = []
    private var combinationSizes: [Int] = []

    init(keyTypes: [DataType]) {
        self.keyTypes = keyTypes
        encoders = keyTypes.map { KeyEncoder(type: $0) }
        width = keyTypes.count + 1
        if keyTypes.isEmpty {
            kind = .none
            count = 1
        } else if keyTypes.count == 1 && encoders[0].kind != .nested {
            kind = encoders[0].kind == .string ? .string : .integer
        } else {
            // Several keys, or one nested key (its codes are per-worker ids, translated on merge).
            kind = .tuple
            slots = [Int32](repeating: -1, count: 1024)
            slotMask = 1023
        }
    }

    /// About how many bytes the table holds (array capacities, interned strings). O(1): asked
    /// after every batch against the memory limit.
    var estimatedBytes: Int {
        var b = direct.capacity * 4 + intKeys.capacity * 8 + intMap.bytes
        b += internToGroup.capacity * 4 + groupToIntern.capacity * 4
        b += tupleKeys.capacity * 8 + tupleHashes.capacity * 8 + slots.capacity * 4 + combinations.capacity * 4
        for e in encoders where e.kind == .string || e.kind == .nested { b += e.interner.bytes }
        return b
    }

    /// Group ids for `rows` of the key columns.
    func groupIds(_ keys: [Column], rowCount n: Int) -> [Int32] {
        switch kind {
        case .none:
            return [Int32](repeating: 0, count: n)
        case .integer:
            return integerIds(keys[0], n)
        case .string:
            return stringIds(keys[0], n)
        case .tuple:
            if let ids = stringTupleIds(keys, n) { return ids }
            let codes = zip(encoders, keys).map { $0.encode($1, insert: true) }
            return tupleIds(codes, validities: keys.map(\.validity), n)
        }
    }

    /// Several VARCHAR keys whose interned values are few (GROUP BY country, show; the strings
    /// of a join's build side): a direct table over the combinations of interned ids caches
    /// each combination's group, so a row costs its codes (once per dictionary entry for
    /// dictionary columns), an index computation and one load; the tuple hash table is asked
    /// only the first time a combination appears. Ids are stable across batches, so the cache
    /// is kept for the table's life (widened as the interners grow, given up past
    /// `combinationLimit`). Nil when the keys do not fit.
    private func stringTupleIds(_ keys: [Column], _ n: Int) -> [Int32]? {
        guard usesCombinations, encoders.allSatisfy({ $0.kind == .string }) else { return nil }
        let codes = zip(encoders, keys).map { $0.encode($1, insert: true) }
        // Slot 0 of each key is NULL, value id c is at c + 1.
        let needed = encoders.map { $0.interner.count + 1 }
        if zip(needed, combinationSizes).contains(where: { $0 > $1 }) || combinationSizes.isEmpty {
            guard widenCombinations(needed) else {
                usesCombinations = false
                combinations = []
                return nil
            }
        }
        let k = keys.count
        var slots = [Int](repeating: 0, count: n)
        var stride = 1
        for j in 0..<k {
            let validity = keys[j].validity
            let size = combinationSizes[j]
            let inRange: Bool = codes[j].withUnsafeBufferPointer { c in
                slots.withUnsafeMutableBufferPointer { out in
                    for i in 0..<n {
                        guard validity?[i] ?? true else { continue }
                        let code = c[i]
                        // Interning gives ids below the interner's count; anything else goes the hashed way.
                        guard code >= 0 && code < Int64(size - 1) else { return false }
                        out[i] += (Int(code) + 1) &* stride
                    }
                    return true
                }
            }
            guard inRange else { return nil }
            stride *= size
        }
        var out = [Int32](repeating: 0, count: n)
        var row = [Int64](repeating: 0, count: width)
        combinations.withUnsafeMutableBufferPointer { table in
            for i in 0..<n {
                let slot = slots[i]
                var g = table[slot]
                if g < 0 {
                    var mask: Int64 = 0
                    for j in 0..<k {
                        if let v = keys[j].validity, !v[i] {
                            mask |= 1 << Int64(j)
                            row[j] = 0
                        } else {
                            row[j] = codes[j][i]
                        }
                    }
                    row[k] = mask
                    g = findOrInsertTuple(row, Self.tupleHash(row, keyCount: k))
                    table[slot] = g
                }
                out[i] = g
            }
        }
        return out
    }

    /// Resizes the combination cache to hold `needed` slots per key (doubling), refilled from
    /// the groups so far; false past the limit.
    private func widenCombinations(_ needed: [Int]) -> Bool {
        var sizes = combinationSizes.isEmpty ? needed.map { _ in 16 } : combinationSizes
        var total = 1
        for j in sizes.indices {
            while sizes[j] < needed[j] { sizes[j] *= 2 }
            let (product, overflow) = total.multipliedReportingOverflow(by: sizes[j])
            guard !overflow, product <= Self.combinationLimit else { return false }
            total = product
        }
        combinationSizes = sizes
        combinations = [Int32](repeating: -1, count: total)
        let k = keyTypes.count
        for g in 0..<count {
            let base = g * width
            let mask = tupleKeys[base + k]
            var slot = 0, stride = 1
            for j in 0..<k {
                if mask & (1 << Int64(j)) == 0 { slot += (Int(tupleKeys[base + j]) + 1) * stride }
                stride *= sizes[j]
            }
            combinations[slot] = Int32(g)
        }
        return true
    }

    /// Most slots of the combination cache (16 MiB).
    private static let combinationLimit = 1 << 22

    /// The hash of a code tuple (codes with NULLs zeroed, then the NULL mask), as `tupleIds` computes it.
    private static func tupleHash(_ row: [Int64], keyCount k: Int) -> UInt64 {
        var h: UInt64 = 0x2545_F491_4F6C_DD1D
        for j in 0..<k { h = Hashing.combine(h, row[j]) }
        return Hashing.finish(Hashing.combine(h, row[k]))
    }

    private func integerIds(_ c: Column, _ n: Int) -> [Int32] {
        let values = encoders[0].encode(c, insert: true)
        var out = [Int32](repeating: 0, count: n)
        guard n > 0 else { return out }
        let validity = c.validity
        rowsSeen += n
        if usesDirect {
            var lo = Int64.max, hi = Int64.min
            values.withUnsafeBufferPointer { v in
                if let validity {
                    for i in 0..<n where validity[i] { lo = min(lo, v[i]); hi = max(hi, v[i]) }
                } else {
                    lo = Reductions.extreme(v, less: true) ?? 0
                    hi = Reductions.extreme(v, less: false) ?? 0
                }
            }
            if lo <= hi && !coverDirect(lo, hi) { leaveDirect() }
        }
        // Work on locals: class properties in a hot loop pay dynamic exclusivity checks.
        var keysOut = intKeys
        intKeys = []
        var groups = count
        if usesDirect {
            var table = direct
            direct = []
            let base = directBase
            table.withUnsafeMutableBufferPointer { d in
                values.withUnsafeBufferPointer { v in
                    out.withUnsafeMutableBufferPointer { o in
                        for i in 0..<n {
                            if let validity, !validity[i] {
                                if nullGroup == nil { nullGroup = Int32(groups); keysOut.append(0); groups += 1 }
                                o[i] = nullGroup ?? 0
                                continue
                            }
                            let k = v[i]
                            let slot = Int(truncatingIfNeeded: k &- base)
                            var g = d[slot]
                            if g < 0 {
                                g = Int32(truncatingIfNeeded: groups)
                                d[slot] = g
                                keysOut.append(k)
                                groups += 1
                            }
                            o[i] = g
                        }
                    }
                }
            }
            direct = table
        } else {
            var map = intMap
            intMap = Int64HashMap(capacity: 0)
            // A row whose key equals the previous row's takes its group without a probe: keys
            // come clustered more often than not (a time truncated to the day within a file of
            // one day, a sort key), and a run costs one compare per row instead of a hash.
            var previousKey: Int64 = 0
            var previousGroup: Int32 = -1
            values.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { o in
                    for i in 0..<n {
                        if let validity, !validity[i] {
                            if nullGroup == nil { nullGroup = Int32(groups); keysOut.append(0); groups += 1 }
                            o[i] = nullGroup ?? 0
                            continue
                        }
                        let k = v[i]
                        if k == previousKey && previousGroup >= 0 {
                            o[i] = previousGroup
                            continue
                        }
                        let (g, inserted) = map.findOrInsert(k, newId: Int32(groups))
                        if inserted { keysOut.append(k); groups += 1 }
                        o[i] = g
                        previousKey = k
                        previousGroup = g
                    }
                }
            }
            intMap = map
        }
        intKeys = keysOut
        count = groups
        return out
    }

    /// The most slots the direct table may have after `rows` rows: 16 per row seen (so a
    /// few rows never allocate much), 64Ki at least, 4Mi (16 MiB) at most.
    private static func directLimit(rows: Int) -> Int64 { Int64(min(1 << 22, max(1 << 16, rows.multipliedReportingOverflow(by: 16).overflow ? Int.max : rows * 16))) }

    /// Widens the direct table to cover `lo...hi`; false when that would pass the limit.
    private func coverDirect(_ lo: Int64, _ hi: Int64) -> Bool {
        let newLo = direct.isEmpty ? lo : min(lo, directBase)
        let oldHi = directBase &+ Int64(direct.count) &- 1
        let newHi = direct.isEmpty ? hi : max(hi, oldHi)
        let (span, overflow) = newHi.subtractingReportingOverflow(newLo)
        guard !overflow, span < Self.directLimit(rows: rowsSeen) else { return false }
        let size = Int(span) + 1
        if direct.isEmpty {
            direct = [Int32](repeating: -1, count: size)
            directBase = newLo
        } else if newLo < directBase {
            var widened = [Int32](repeating: -1, count: size)
            let shift = Int(directBase - newLo)
            widened.withUnsafeMutableBufferPointer { w in
                direct.withUnsafeBufferPointer { d in
                    guard let to = w.baseAddress, let from = d.baseAddress else { return }
                    (to + shift).update(from: from, count: d.count)
                }
            }
            direct = widened
            directBase = newLo
        } else if size > direct.count {
            direct.append(contentsOf: repeatElement(-1, count: size - direct.count))
        }
        return true
    }

    /// Moves every group from the direct table into the hash map, for good.
    private func leaveDirect() {
        var map = Int64HashMap(capacity: max(count, 1024))
        for (g, k) in intKeys.enumerated() where nullGroup != Int32(g) { _ = map.findOrInsert(k, newId: Int32(g)) }
        intMap = map
        direct = []
        usesDirect = false
    }

    private func groupOfIntern(_ id: Int32) -> Int32 {
        let i = Int(id)
        while internToGroup.count <= i { internToGroup.append(-1) }
        if internToGroup[i] >= 0 { return internToGroup[i] }
        let g = Int32(count)
        internToGroup[i] = g
        groupToIntern.append(id)
        count += 1
        return g
    }

    private func nullStringGroup() -> Int32 {
        if let g = nullGroup { return g }
        let g = Int32(count)
        nullGroup = g
        groupToIntern.append(-1)
        count += 1
        return g
    }

    private func stringIds(_ c: Column, _ n: Int) -> [Int32] {
        var out = [Int32](repeating: 0, count: n)
        if case .dictionary(.bytes(let dict), let idx) = c.values {
            // The entries rows use are interned in one call (a filtered batch keeps its whole
            // dictionary: unused entries get no group), then rows map to groups through their
            // dictionary index, a group made the first time a row uses its entry. The maps are
            // taken into locals for the batch: a class's arrays cost an exclusivity check per
            // access, which per entry was as much as the interning itself.
            let rows = min(n, idx.count)
            let validity = c.validity
            // With many rows per entry (an unfiltered row group) nearly every entry is used:
            // interning them all is cheaper than a pass over the rows to find which.
            var used: [Bool]?
            if rows < 8 * dict.count {
                var marks = [Bool](repeating: false, count: dict.count)
                idx.withUnsafeBufferPointer { ix in
                    marks.withUnsafeMutableBufferPointer { u in
                        if let validity {
                            for i in 0..<rows where validity[i] { u[Int(ix[i])] = true }
                        } else {
                            for i in 0..<rows { u[Int(ix[i])] = true }
                        }
                    }
                }
                used = marks
            }
            let ids = encoders[0].interner.internAll(dict, used: used)
            var toGroup = internToGroup
            internToGroup = []
            var toIntern = groupToIntern
            groupToIntern = []
            var groups = count
            var nullG = nullGroup
            let interned = encoders[0].interner.count
            if toGroup.count < interned { toGroup.append(contentsOf: repeatElement(-1, count: interned - toGroup.count)) }
            var perEntry = [Int32](repeating: -1, count: dict.count)
            perEntry.withUnsafeMutableBufferPointer { e in
                ids.withUnsafeBufferPointer { entryId in
                    toGroup.withUnsafeMutableBufferPointer { tg in
                        idx.withUnsafeBufferPointer { ix in
                            out.withUnsafeMutableBufferPointer { o in
                                // Entries whose string already has a group map to it before the
                                // rows are read, so the row loop's new-group branch is taken only
                                // for strings this batch sees first (after the first row groups:
                                // never), and its common path is a plain gather.
                                for entry in 0..<dict.count where entryId[entry] >= 0 { e[entry] = tg[Int(entryId[entry])] }
                                /// The group of an entry without one yet: its string's group,
                                /// made now if the string has none (first seen in row order).
                                func newGroup(_ entry: Int) -> Int32 {
                                    let id = Int(entryId[entry])
                                    var g = tg[id]
                                    if g < 0 {
                                        g = Int32(groups)
                                        tg[id] = g
                                        toIntern.append(Int32(id))
                                        groups += 1
                                    }
                                    e[entry] = g
                                    return g
                                }
                                if let validity {
                                    for i in 0..<rows {
                                        if !validity[i] {
                                            if nullG == nil {
                                                nullG = Int32(groups)
                                                toIntern.append(-1)
                                                groups += 1
                                            }
                                            o[i] = nullG ?? 0
                                            continue
                                        }
                                        let entry = Int(ix[i])
                                        let g = e[entry]
                                        o[i] = g >= 0 ? g : newGroup(entry)
                                    }
                                } else {
                                    for i in 0..<rows {
                                        let entry = Int(ix[i])
                                        let g = e[entry]
                                        o[i] = g >= 0 ? g : newGroup(entry)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            internToGroup = toGroup
            groupToIntern = toIntern
            count = groups
            nullGroup = nullG
            return out
        }
        let codes = encoders[0].encode(c, insert: true)
        for i in 0..<n {
            if c.isNull(i) { out[i] = nullStringGroup(); continue }
            out[i] = groupOfIntern(Int32(codes[i]))
        }
        return out
    }

    private func tupleIds(_ codes: [[Int64]], validities: [Bitmap?], _ n: Int) -> [Int32] {
        let k = codes.count
        var masks = [Int64](repeating: 0, count: n)
        for (j, v) in validities.enumerated() {
            guard let v else { continue }
            for i in 0..<n where !v[i] { masks[i] |= 1 << Int64(j) }
        }
        var hashes = [UInt64](repeating: 0x2545_F491_4F6C_DD1D, count: n)
        for j in 0..<k {
            codes[j].withUnsafeBufferPointer { c in
                for i in 0..<n { hashes[i] = Hashing.combine(hashes[i], masks[i] & (1 << Int64(j)) != 0 ? 0 : c[i]) }
            }
        }
        for i in 0..<n { hashes[i] = Hashing.finish(Hashing.combine(hashes[i], masks[i])) }
        var out = [Int32](repeating: 0, count: n)
        var row = [Int64](repeating: 0, count: width)
        for i in 0..<n {
            for j in 0..<k { row[j] = masks[i] & (1 << Int64(j)) != 0 ? 0 : codes[j][i] }
            row[k] = masks[i]
            out[i] = findOrInsertTuple(row, hashes[i])
        }
        return out
    }

    private func findOrInsertTuple(_ row: [Int64], _ h: UInt64) -> Int32 {
        if (count + 1) * 2 > slots.count { growSlots() }
        var s = Int(truncatingIfNeeded: h) & slotMask
        let w = width
        while true {
            let g = slots[s]
            if g < 0 { break }
            if tupleHashes[Int(g)] == h {
                let base = Int(g) * w
                var equal = true
                for j in 0..<w where tupleKeys[base + j] != row[j] { equal = false; break }
                if equal { return g }
            }
            s = (s + 1) & slotMask
        }
        let g = Int32(count)
        slots[s] = g
        tupleKeys.append(contentsOf: row)
        tupleHashes.append(h)
        count += 1
        return g
    }

    private func growSlots() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        slotMask = size - 1
        for g in 0..<count {
            var s = Int(truncatingIfNeeded: tupleHashes[g]) & slotMask
            while slots[s] >= 0 { s = (s + 1) & slotMask }
            slots[s] = Int32(g)
        }
    }

    /// The key of group `g` as scalars.
    func key(_ g: Int) -> [Scalar] {
        (0..<keyTypes.count).map { Scalar.from(keyColumn($0), row: g) }
    }

    /// Key column `k` of every group, in group order.
    func keyColumn(_ k: Int) -> Column {
        let type = keyTypes[k]
        switch kind {
        case .none:
            return ColumnKernels.empty(type)
        case .integer:
            var validity: Bitmap?
            if let g = nullGroup {
                var v = Bitmap(count: count, value: true)
                v[Int(g)] = false
                validity = v
            }
            return encoders[0].decode(intKeys, validity: validity)
        case .string:
            var validity: Bitmap?
            if let g = nullGroup {
                var v = Bitmap(count: count, value: true)
                v[Int(g)] = false
                validity = v
            }
            return encoders[0].decode(groupToIntern.map { Int64($0) }, validity: validity)
        case .tuple:
            var codes = [Int64](repeating: 0, count: count)
            var valid = [Bool](repeating: true, count: count)
            var anyNull = false
            for g in 0..<count {
                codes[g] = tupleKeys[g * width + k]
                if tupleKeys[g * width + width - 1] & (1 << Int64(k)) != 0 { valid[g] = false; anyNull = true }
            }
            return encoders[k].decode(codes, validity: anyNull ? Bitmap(bools: valid) : nil)
        }
    }

    /// Ids in this table of every group of `other` (same key types), adding new ones.
    func mapGroups(of other: GroupTable) -> [Int32] {
        var out = [Int32](repeating: 0, count: other.count)
        switch kind {
        case .none:
            return out
        case .integer:
            rowsSeen += other.rowsSeen
            var lo = Int64.max, hi = Int64.min
            for g in 0..<other.count where other.nullGroup != Int32(g) {
                lo = min(lo, other.intKeys[g]); hi = max(hi, other.intKeys[g])
            }
            if usesDirect && lo <= hi && !coverDirect(lo, hi) { leaveDirect() }
            var keys = intKeys
            intKeys = []
            var groups = count
            keys.reserveCapacity(groups + other.count)
            var map = intMap
            intMap = Int64HashMap(capacity: 0)
            var table = direct
            direct = []
            for g in 0..<other.count {
                if other.nullGroup == Int32(g) {
                    if let n = nullGroup { out[g] = n } else {
                        nullGroup = Int32(groups); keys.append(0); out[g] = Int32(groups); groups += 1
                    }
                    continue
                }
                let k = other.intKeys[g]
                if usesDirect {
                    let slot = Int(k - directBase)
                    if table[slot] < 0 { table[slot] = Int32(groups); keys.append(k); groups += 1 }
                    out[g] = table[slot]
                } else {
                    let (id, inserted) = map.findOrInsert(k, newId: Int32(groups))
                    if inserted { keys.append(k); groups += 1 }
                    out[g] = id
                }
            }
            direct = table
            intMap = map
            intKeys = keys
            count = groups
            return out
        case .string:
            let translate = encoders[0].interner.internAll(other.encoders[0].interner.strings)
            for g in 0..<other.count {
                let id = other.groupToIntern[g]
                out[g] = id < 0 ? nullStringGroup() : groupOfIntern(translate[Int(id)])
            }
            return out
        case .tuple:
            let translators = zip(encoders, other.encoders).map { $0.translator(from: $1) }
            var row = [Int64](repeating: 0, count: width)
            let k = keyTypes.count
            for g in 0..<other.count {
                let base = g * width
                let mask = other.tupleKeys[base + k]
                var h: UInt64 = 0x2545_F491_4F6C_DD1D
                for j in 0..<k {
                    let isNull = mask & (1 << Int64(j)) != 0
                    row[j] = isNull ? 0 : translators[j](other.tupleKeys[base + j])
                    h = Hashing.combine(h, row[j])
                }
                row[k] = mask
                out[g] = findOrInsertTuple(row, Hashing.finish(Hashing.combine(h, mask)))
            }
            return out
        }
    }
}
