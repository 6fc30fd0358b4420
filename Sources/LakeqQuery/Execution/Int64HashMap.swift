/// An open-addressing hash map from Int64 keys to dense Int32 ids, with linear probing and a
/// multiplicative hash: much cheaper per lookup than `Dictionary`'s SipHash for group-by.
struct Int64HashMap {
    /// Key and id side by side, so a probe touches one cache line.
    private struct Slot {
        var key: Int64
        /// -1 marks an empty slot.
        var id: Int32
    }

    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(key: 0, id: -1), count: size)
        mask = size - 1
    }

    @inline(__always) private static func slot(_ key: Int64, _ mask: Int) -> Int {
        // Fibonacci hashing: the high bits of the product are well mixed.
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The id of `key`, or `newId` after inserting it (`inserted` tells which).
    @inline(__always) mutating func findOrInsert(_ key: Int64, newId: Int32) -> (id: Int32, inserted: Bool) {
        if count * 2 >= slots.count { grow() }
        let mask = self.mask
        var i = Self.slot(key, mask)
        return slots.withUnsafeMutableBufferPointer { table in
            while true {
                let id = table[i].id
                if id < 0 {
                    table[i] = Slot(key: key, id: newId)
                    count += 1
                    return (newId, true)
                }
                if table[i].key == key { return (id, false) }
                i = (i + 1) & mask
            }
        }
    }

    /// The id of `key`, or -1.
    @inline(__always) func find(_ key: Int64) -> Int32 {
        let mask = self.mask
        var i = Self.slot(key, mask)
        return slots.withUnsafeBufferPointer { table in
            while true {
                let id = table[i].id
                if id < 0 { return -1 }
                if table[i].key == key { return id }
                i = (i + 1) & mask
            }
        }
    }

    private mutating func grow() {
        let old = slots
        let size = slots.count * 2
        slots = [Slot](repeating: Slot(key: 0, id: -1), count: size)
        mask = size - 1
        count = 0
        for s in old where s.id >= 0 {
            var i = Self.slot(s.key, mask)
            while slots[i].id >= 0 { i = (i + 1) & mask }
            slots[i] = s
            count += 1
        }
    }

    /// Bytes of the slot array.
    var bytes: Int { slots.capacity * MemoryLayout<Slot>.stride }

    /// Calls `body` with every key.
    func forEachKey(_ body: (Int64) -> Void) {
        for s in slots where s.id >= 0 { body(s.key) }
    }
}

/// A set of Int64 on the same table, for count(DISTINCT) of integer-like values.
struct Int64HashSet {
    private var map = Int64HashMap(capacity: 8)

    var count: Int { map.count }

    mutating func insert(_ v: Int64) { _ = map.findOrInsert(v, newId: 0) }

    mutating func formUnion(_ other: Int64HashSet) { other.map.forEachKey { insert($0) } }

    func mapKeys(_ body: (Int64) -> Void) { map.forEachKey(body) }
}
