import LakeqColumnar

/// A chunk's values as a dictionary plus one index per non-null value.
struct DictionaryEncoded {
    var dictionary: ColumnValues
    var indices: [Int32]
}

/// Builds chunk dictionaries with open-addressing hash tables: numbers keyed by their 64-bit
/// pattern, byte strings by a hash over their bytes in place, so no value is allocated.
enum DictionaryEncoder {
    /// PLAIN-encoded size of a dictionary page holding `values`.
    static func plainSize(_ values: ColumnValues) -> Int {
        switch values {
        case .boolean(let v): return (v.count + 7) / 8
        case .int32(let v): return v.count * 4
        case .int64(let v): return v.count * 8
        case .float32(let v): return v.count * 4
        case .float64(let v): return v.count * 8
        case .bytes(let b): return b.data.count + 4 * b.count
        case .fixed(let f): return f.data.count
        case .dictionary(_, let i): return i.count * 4
        case .list, .structure: return 0
        }
    }

    /// Dictionary-encodes dense `values`; `nil` once the dictionary's PLAIN size passes `limit`
    /// (or for booleans, which are never dictionary-encoded).
    static func encode(_ values: ColumnValues, limit: Int) -> DictionaryEncoded? {
        switch values {
        case .int32(let v):
            return encodeNumeric(v, width: 4, limit: limit) { UInt64(UInt32(bitPattern: $0)) }.map { .init(dictionary: .int32($0.0), indices: $0.1) }
        case .int64(let v):
            return encodeNumeric(v, width: 8, limit: limit) { UInt64(bitPattern: $0) }.map { .init(dictionary: .int64($0.0), indices: $0.1) }
        case .float32(let v):
            return encodeNumeric(v, width: 4, limit: limit) { UInt64($0.bitPattern) }.map { .init(dictionary: .float32($0.0), indices: $0.1) }
        case .float64(let v):
            return encodeNumeric(v, width: 8, limit: limit) { $0.bitPattern }.map { .init(dictionary: .float64($0.0), indices: $0.1) }
        case .bytes(let b):
            return b.data.withUnsafeBytes { data in
                b.offsets.withUnsafeBufferPointer { off in
                    encodeBytes(count: b.count, fixedWidth: nil, limit: limit) { i in
                        UnsafeRawBufferPointer(rebasing: data[Int(off[i])..<Int(off[i + 1])])
                    }
                }
            }.map { .init(dictionary: .bytes($0.0), indices: $0.1) }
        case .fixed(let f):
            let w = f.width
            guard w > 0 else { return nil }
            return f.data.withUnsafeBytes { data in
                encodeBytes(count: f.count, fixedWidth: w, limit: limit) { i in
                    UnsafeRawBufferPointer(rebasing: data[(i * w)..<((i + 1) * w)])
                }
            }.map { .init(dictionary: .fixed(FixedBytes(width: w, data: $0.0.data)), indices: $0.1) }
        case .boolean, .dictionary, .list, .structure:
            return nil
        }
    }

    /// Reuses an input dictionary: entries no non-null row refers to are dropped and the
    /// indices renumbered. `indices` must already be checked against the dictionary's size.
    static func reuse(dictionary: ColumnValues, indices: [Int32], limit: Int) -> DictionaryEncoded? {
        let n = dictionary.count
        var used = [Bool](repeating: false, count: n)
        for i in indices { used[Int(i)] = true }
        var result: DictionaryEncoded
        if used.allSatisfy({ $0 }) {
            result = DictionaryEncoded(dictionary: dictionary, indices: indices)
        } else {
            var remap = [Int32](repeating: -1, count: n)
            var keep: [Int32] = []
            for i in 0..<n where used[i] {
                remap[i] = Int32(keep.count)
                keep.append(Int32(i))
            }
            result = DictionaryEncoded(dictionary: dictionary.gather(keep), indices: indices.map { remap[Int($0)] })
        }
        if case .boolean = result.dictionary { return nil }
        return plainSize(result.dictionary) > limit ? nil : result
    }

    private static func encodeNumeric<T>(_ v: [T], width: Int, limit: Int, key: (T) -> UInt64) -> ([T], [Int32])? {
        var bits = 10
        var mask = (1 << bits) - 1
        var keys = [UInt64](repeating: 0, count: 1 << bits)
        var slots = [Int32](repeating: -1, count: 1 << bits)
        var dict: [T] = []
        var indices = [Int32](repeating: 0, count: v.count)
        let maxEntries = limit / width
        let ok: Bool = v.withUnsafeBufferPointer { src in
            indices.withUnsafeMutableBufferPointer { out in
                for i in 0..<src.count {
                    let x = src[i]
                    let k = key(x)
                    var h = Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
                    while true {
                        let s = slots[h]
                        if s < 0 {
                            let id = Int32(dict.count)
                            if dict.count >= maxEntries { return false }
                            dict.append(x)
                            keys[h] = k
                            slots[h] = id
                            out[i] = id
                            if dict.count * 2 > slots.count {
                                // Grow and rehash at half load.
                                bits += 1
                                mask = (1 << bits) - 1
                                var nk = [UInt64](repeating: 0, count: 1 << bits)
                                var ns = [Int32](repeating: -1, count: 1 << bits)
                                for j in 0..<slots.count where slots[j] >= 0 {
                                    var p = Int(truncatingIfNeeded: (keys[j] &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
                                    while ns[p] >= 0 { p = (p + 1) & mask }
                                    nk[p] = keys[j]
                                    ns[p] = slots[j]
                                }
                                keys = nk
                                slots = ns
                            }
                            break
                        }
                        if keys[h] == k { out[i] = s; break }
                        h = (h + 1) & mask
                    }
                }
                return true
            }
        }
        return ok ? (dict, indices) : nil
    }

    private static func encodeBytes(
        count n: Int, fixedWidth: Int?, limit: Int, _ get: (Int) -> UnsafeRawBufferPointer
    ) -> (ByteArrays, [Int32])? {
        var bits = 10
        var mask = (1 << bits) - 1
        var slots = [Int32](repeating: -1, count: 1 << bits)
        var hashes: [UInt64] = []
        var dict = ByteArrays()
        var indices = [Int32](repeating: 0, count: n)
        var plain = 0
        for i in 0..<n {
            let v = get(i)
            let hv = Hashing.bytes(v)
            var h = Int(truncatingIfNeeded: hv >> UInt64(64 - bits))
            while true {
                let s = slots[h]
                if s < 0 {
                    plain += v.count + (fixedWidth == nil ? 4 : 0)
                    if plain > limit { return nil }
                    let id = Int32(hashes.count)
                    dict.append(v)
                    hashes.append(hv)
                    slots[h] = id
                    indices[i] = id
                    if hashes.count * 2 > slots.count {
                        bits += 1
                        mask = (1 << bits) - 1
                        var ns = [Int32](repeating: -1, count: 1 << bits)
                        for (j, hj) in hashes.enumerated() {
                            var p = Int(truncatingIfNeeded: hj >> UInt64(64 - bits))
                            while ns[p] >= 0 { p = (p + 1) & mask }
                            ns[p] = Int32(j)
                        }
                        slots = ns
                    }
                    break
                }
                if hashes[Int(s)] == hv {
                    let equal = dict.data.withUnsafeBytes { d in
                        StatisticsBuilder.compareRaw(UnsafeRawBufferPointer(rebasing: d[dict.range(Int(s))]), v) == 0
                    }
                    if equal { indices[i] = s; break }
                }
                h = (h + 1) & mask
            }
        }
        return (dict, indices)
    }
}
