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
        let newCount = count + n
        let needWords = (newCount + 63) >> 6
        if bit {
            var i = count
            // Fill bit by bit up to a word boundary, then whole words.
            while i < newCount && i & 63 != 0 { if i >> 6 >= storage.count { storage.append(0) }; storage[i >> 6] |= 1 << UInt64(i & 63); i += 1 }
            while storage.count < needWords { storage.append(~0) }
            count = newCount
            clearTail()
        } else {
            while storage.count < needWords { storage.append(0) }
            count = newCount
        }
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
