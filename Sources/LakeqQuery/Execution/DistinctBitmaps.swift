import LakeqColumnar

/// The distinct values of one integer-like argument per group, as bits: group `g` owns
/// `words` words from `g · words`, bit `v - base` set when `v` was seen; `counts[g]` is the
/// number of bits set. No hashing and nothing allocated per group, which makes
/// count(DISTINCT user_id) GROUP BY country a bit test per row. It costs one bit per
/// possible value per group, so `Accumulator` uses it only while that stays within a byte
/// budget and falls back to hash sets past it (DuckDB and DataFusion hash (group, value)
/// pairs; a dense value range lets us skip the hash).
struct DistinctBitmaps {
    /// The least value covered: a multiple of 64, so widening moves whole words.
    private(set) var base: Int64 = 0
    /// Words per group (0 until a value arrives).
    private(set) var words = 0
    private var bits: [UInt64] = []
    /// Distinct values per group.
    private(set) var counts: [Int64] = []

    var groupCount: Int { counts.count }
    var bytes: Int { bits.count * 8 }

    /// Adds empty groups up to `n`; false (nothing changed) when the bits would pass `budget` bytes.
    mutating func grow(to n: Int, budget: Int) -> Bool {
        guard n > counts.count else { return true }
        let (total, overflow) = n.multipliedReportingOverflow(by: words)
        guard !overflow, total <= budget / 8 else { return false }
        bits.append(contentsOf: repeatElement(0, count: total - bits.count))
        counts.append(contentsOf: repeatElement(0, count: n - counts.count))
        return true
    }

    /// Widens the covered range to hold `lo...hi`; false (nothing changed) past `budget` bytes.
    mutating func cover(_ lo: Int64, _ hi: Int64, budget: Int) -> Bool {
        let newBase = words == 0 ? lo & ~63 : min(base, lo & ~63)
        let (oldLast, o1) = base.addingReportingOverflow(Int64(words) &* 64 &- 1)
        let last = words == 0 ? hi : max(hi, oldLast)
        let (span, o2) = last.subtractingReportingOverflow(newBase)
        guard !o1, !o2, span < Int64(budget) * 8 else { return false }
        let newWords = Int(span / 64) + 1
        if newWords == words && newBase == base { return true }
        let groups = max(counts.count, 1)
        let (total, o3) = groups.multipliedReportingOverflow(by: newWords)
        guard !o3, total <= budget / 8 else { return false }
        var widened = [UInt64](repeating: 0, count: counts.count * newWords)
        let shift = Int((base - newBase) / 64)
        if words > 0 {
            widened.withUnsafeMutableBufferPointer { w in
                bits.withUnsafeBufferPointer { b in
                    guard let to = w.baseAddress, let from = b.baseAddress else { return }
                    for g in 0..<counts.count {
                        (to + g * newWords + shift).update(from: from + g * words, count: words)
                    }
                }
            }
        }
        bits = widened
        base = newBase
        words = newWords
        return true
    }

    /// Whether `v` lies in the covered range.
    @inline(__always) func covers(_ v: Int64) -> Bool {
        v >= base && (v - base) / 64 < Int64(words)
    }

    /// Sets the bits of `values[i]` in group `groups[i]` for every valid row. Every value
    /// must be covered and every group below `groupCount` (callers `cover` and `grow` first).
    mutating func insert(groups: [Int32], values: [Int64], validity: Bitmap?) {
        let n = min(groups.count, values.count)
        let w = words, b = base
        bits.withUnsafeMutableBufferPointer { bits in
            counts.withUnsafeMutableBufferPointer { counts in
                groups.withUnsafeBufferPointer { gs in
                    values.withUnsafeBufferPointer { vs in
                        for i in 0..<n {
                            if let validity, !validity[i] { continue }
                            let offset = Int(truncatingIfNeeded: vs[i] &- b)
                            let g = Int(gs[i])
                            let word = g &* w &+ offset >> 6
                            let mask: UInt64 = 1 << UInt64(offset & 63)
                            let old = bits[word]
                            // Branch-free: repeats are common and unpredictable.
                            bits[word] = old | mask
                            counts[g] &+= Int64((~old & mask) >> UInt64(offset & 63))
                        }
                    }
                }
            }
        }
    }

    /// Adds `v` (covered) to group `g` (below `groupCount`).
    mutating func insert(_ v: Int64, group g: Int) {
        let offset = Int(v - base)
        let word = g * words + offset >> 6
        let mask: UInt64 = 1 << UInt64(offset & 63)
        if bits[word] & mask == 0 { bits[word] |= mask; counts[g] += 1 }
    }

    /// Adds every value of group `from` of `other` (whose range this one covers) to group `into`.
    mutating func merge(_ other: DistinctBitmaps, from: Int, into: Int) {
        guard other.words > 0 else { return }
        let shift = Int((other.base - base) / 64)
        var added: Int64 = 0
        for k in 0..<other.words {
            let theirs = other.bits[from * other.words + k]
            if theirs == 0 { continue }
            let i = into * words + shift + k
            added += Int64((theirs & ~bits[i]).nonzeroBitCount)
            bits[i] |= theirs
        }
        counts[into] += added
    }

    /// Calls `body` with every value of group `g`, ascending.
    func forEach(group g: Int, _ body: (Int64) -> Void) {
        guard g < counts.count, words > 0 else { return }
        for k in 0..<words {
            var word = bits[g * words + k]
            while word != 0 {
                let bit = word.trailingZeroBitCount
                body(base + Int64(k * 64 + bit))
                word &= word - 1
            }
        }
    }
}
