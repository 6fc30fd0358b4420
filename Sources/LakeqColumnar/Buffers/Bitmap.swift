/// A packed bit vector, used for validity (1 = value present).
public struct Bitmap: Hashable, Sendable {
    @usableFromInline internal(set) var storage: [UInt64]
    public var words: [UInt64] { storage }
    public private(set) var count: Int

    /// A bitmap of `count` bits, all set to `value`.
    public init(count: Int, value: Bool) {
        self.count = count
        let wordCount = (count + 63) >> 6
        storage = [UInt64](repeating: value ? ~0 : 0, count: wordCount)
        if value { clearTail() }
    }

    /// A bitmap from booleans.
    public init<S: Sequence>(_ bits: S) where S.Element == Bool {
        self.init(count: 0, value: false)
        for b in bits { append(b) }
    }

    /// Packs booleans 64 at a time.
    public init(bools: [Bool]) {
        let n = bools.count
        var words = [UInt64](repeating: 0, count: (n + 63) >> 6)
        bools.withUnsafeBytes { b in
            for w in 0..<words.count {
                var word: UInt64 = 0
                let start = w << 6, end = Swift.min(start + 64, n)
                if end - start == 64 {
                    // Bools are bytes of 0 or 1: a multiply gathers 8 of them into one byte.
                    for k in 0..<8 {
                        let eight = b.loadUnaligned(fromByteOffset: start + 8 * k, as: UInt64.self)
                        word |= ((eight &* 0x0102_0408_1020_4080) >> 56) << UInt64(8 * k)
                    }
                } else {
                    for i in start..<end { word |= UInt64(b[i]) << UInt64(i - start) }
                }
                words[w] = word
            }
        }
        self.init(words: words, count: n)
    }

    /// One boolean per bit.
    public func unpacked() -> [Bool] {
        [Bool](unsafeUninitializedCapacity: count) { out, initialized in
            // Words are little-endian bit order: their bytes in memory are the bits in row order.
            storage.withUnsafeBytes { bits in
                if let src = bits.baseAddress, let dst = out.baseAddress {
                    BitSpreading.expand(src, count: count, into: UnsafeMutableRawPointer(dst))
                }
            }
            initialized = count
        }
    }

    @inlinable public subscript(i: Int) -> Bool {
        get { (storage[i >> 6] >> UInt64(i & 63)) & 1 == 1 }
        set {
            let mask: UInt64 = 1 << UInt64(i & 63)
            if newValue { storage[i >> 6] |= mask } else { storage[i >> 6] &= ~mask }
        }
    }

    public mutating func append(_ bit: Bool) {
        if count & 63 == 0 { storage.append(0) }
        if bit { storage[count >> 6] |= 1 << UInt64(count & 63) }
        count += 1
    }

    /// Appends `n` copies of `bit`.
    public mutating func append(repeating bit: Bool, count n: Int) {
        guard n > 0 else { return }
        let shift = count & 63
        // The partial word's high bits first (they are zero: the tail invariant), then whole
        // words; bits past the new count are cleared again.
        if bit && shift != 0 { storage[count >> 6] |= ~0 << UInt64(shift) }
        growWords(to: count + n, filling: bit ? ~0 : 0)
        count += n
        if bit { clearTail() }
    }

    /// Appends all bits of `other`.
    public mutating func append(contentsOf other: Bitmap) {
        if count & 63 == 0 {
            storage.append(contentsOf: other.storage)
            count += other.count
            return
        }
        for i in 0..<other.count { append(other[i]) }
    }

    /// Number of set bits.
    public var setCount: Int { storage.reduce(0) { $0 + $1.nonzeroBitCount } }

    private mutating func clearTail() {
        let rem = count & 63
        if rem != 0, !words.isEmpty { storage[storage.count - 1] &= (1 << UInt64(rem)) - 1 }
    }
}

extension Bitmap {
    /// Appends one bit per level: set where `levels[i] == target`. Returns how many were set.
    @discardableResult
    public mutating func append(levels: UnsafeBufferPointer<UInt32>, equalTo target: UInt32) -> Int {
        var set = 0
        var i = 0
        let n = levels.count
        // Fill the current partial word bit by bit, then whole words 64 levels at a time.
        while i < n && count & 63 != 0 {
            let b = levels[i] == target
            append(b)
            set &+= b ? 1 : 0
            i += 1
        }
        while n - i >= 64 {
            var w: UInt64 = 0
            for k in 0..<64 { w |= (levels[i + k] == target ? 1 : 0) << UInt64(k) }
            storage.append(w)
            count += 64
            set &+= w.nonzeroBitCount
            i += 64
        }
        while i < n {
            let b = levels[i] == target
            append(b)
            set &+= b ? 1 : 0
            i += 1
        }
        return set
    }
}

extension Bitmap {
    /// A bitmap over existing words (bits past `count` must be zero).
    public init(words: [UInt64], count: Int) {
        precondition(words.count == (count + 63) >> 6)
        storage = words
        self.count = count
    }

    /// Bitwise AND of two validity bitmaps (nil = all valid).
    public static func and(_ a: Bitmap?, _ b: Bitmap?) -> Bitmap? {
        guard let a else { return b }
        guard let b else { return a }
        return Bitmap(words: zip(a.storage, b.storage).map { $0 & $1 }, count: a.count)
    }

    /// Bits as booleans.
    public var bools: [Bool] { unpacked() }

    /// Appends `n` bits packed LSB first at `bits` (the layout of Parquet's bit-packed runs and
    /// of this bitmap's words), reading `(n + 7) / 8` bytes. Returns how many were set.
    ///
    /// Whole 64-bit words are merged at once: a bit-packed run of 1-bit levels becomes
    /// validity without unpacking each level.
    @discardableResult
    public mutating func append(packedBits bits: UnsafeRawPointer, count n: Int) -> Int {
        guard n > 0 else { return 0 }
        let shift = count & 63
        let first = count >> 6
        growWords(to: count + n, filling: 0)
        var set = 0
        // Straight into the words: per-word `append` and subscripts cost a uniqueness check
        // each (this runs once per bit-packed run of levels, every 512 rows or so).
        storage.withUnsafeMutableBufferPointer { s in
            var done = 0
            var wi = first
            while done < n {
                let take = min(64, n - done)
                var w: UInt64 = 0
                if take == 64 {
                    w = UInt64(littleEndian: bits.loadUnaligned(fromByteOffset: done >> 3, as: UInt64.self))
                } else {
                    // The last partial word: only (take + 7) / 8 bytes are readable.
                    for b in 0..<((take + 7) >> 3) {
                        w |= UInt64(bits.load(fromByteOffset: (done >> 3) + b, as: UInt8.self)) << UInt64(8 * b)
                    }
                    w &= (1 << UInt64(take)) - 1
                }
                set &+= w.nonzeroBitCount
                if shift == 0 {
                    s[wi] = w
                } else {
                    s[wi] |= w << UInt64(shift)
                    // The high bits spill into the next (still zero) word only if any are left.
                    if shift + take > 64 { s[wi + 1] = w >> UInt64(64 - shift) }
                }
                wi += 1
                done += take
            }
        }
        count += n
        return set
    }

    /// Appends zero (or all-one) words until `bitCount` bits fit. Words past `count` are zero
    /// (the tail invariant), so new bits can be or-ed in.
    @inline(__always)
    private mutating func growWords(to bitCount: Int, filling word: UInt64) {
        let need = (bitCount + 63) >> 6
        if storage.count < need {
            storage.reserveForAppending(need - storage.count)
            storage.append(contentsOf: repeatElement(word, count: need - storage.count))
        }
    }

    /// Number of set bits in `start ..< start + n`.
    public func setCount(in start: Int, count n: Int) -> Int {
        var total = 0
        var i = start
        let end = start + n
        while i < end && i & 63 != 0 { total &+= self[i] ? 1 : 0; i += 1 }
        while end - i >= 64 { total &+= storage[i >> 6].nonzeroBitCount; i += 64 }
        while i < end { total &+= self[i] ? 1 : 0; i += 1 }
        return total
    }
}

