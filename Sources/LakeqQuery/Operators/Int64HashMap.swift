/// An open-addressing hash map from Int64 keys to dense Int32 ids, with linear probing and a
/// multiplicative hash: much cheaper per lookup than `Dictionary`'s SipHash for group-by.
struct Int64HashMap {
    private var keys: [Int64]
    /// -1 marks an empty slot.
    private var ids: [Int32]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [Int64](repeating: 0, count: size)
        ids = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always) private static func slot(_ key: Int64, _ mask: Int) -> Int {
        // Fibonacci hashing: the high bits of the product are well mixed.
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The id of `key`, or `newId` after inserting it (`inserted` tells which).
    @inline(__always) mutating func findOrInsert(_ key: Int64, newId: Int32) -> (id: Int32, inserted: Bool) {
        if count * 2 >= ids.count { grow() }
        var i = Self.slot(key, mask)
        while true {
            let id = ids[i]
            if id < 0 {
                keys[i] = key
                ids[i] = newId
                count += 1
                return (newId, true)
            }
            if keys[i] == key { return (id, false) }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldIds = ids
        let size = ids.count * 2
        keys = [Int64](repeating: 0, count: size)
        ids = [Int32](repeating: -1, count: size)
        mask = size - 1
        count = 0
        for j in 0..<oldIds.count where oldIds[j] >= 0 {
            var i = Self.slot(oldKeys[j], mask)
            while ids[i] >= 0 { i = (i + 1) & mask }
            keys[i] = oldKeys[j]
            ids[i] = oldIds[j]
            count += 1
        }
    }

    /// Calls `body` with every key.
    func forEachKey(_ body: (Int64) -> Void) {
        for i in 0..<ids.count where ids[i] >= 0 { body(keys[i]) }
    }
}

/// A set of Int64 on the same table, for count(DISTINCT) of integer-like values.
struct Int64HashSet {
    private var map = Int64HashMap(capacity: 8)

    var count: Int { map.count }

    mutating func insert(_ v: Int64) { _ = map.findOrInsert(v, newId: 0) }

    mutating func formUnion(_ other: Int64HashSet) { other.map.forEachKey { insert($0) } }
}
