import LakeqColumnar

/// Interns byte strings as dense ids 0, 1, 2, … (first seen first): the key code of a
/// VARCHAR column in group and join tables. Open addressing over (hash, id) slots; the
/// bytes live once in a `ByteArrays`.
///
/// The tables live in a struct (`Table`) the class holds: a call on the class borrows it once,
/// and the bulk calls (`internAll`, `lookupAll`) borrow it once per column rather than once
/// per string. (Each access to a class's stored array is a dynamic exclusivity check; a
/// per-string call paid four of them, a third of the cost of interning a short string.)
final class StringInterner {
    private var table: Table

    init(capacity: Int = 64) {
        table = Table(capacity: capacity)
    }

    var strings: ByteArrays { table.strings }
    var count: Int { table.strings.count }

    /// Bytes held: the strings, their offsets and the slots.
    var bytes: Int { table.strings.data.capacity + table.strings.offsets.capacity * 4 + table.slots.capacity * 8 }

    /// The id of these bytes, adding them if new.
    @inline(__always)
    func intern(_ p: UnsafeRawBufferPointer) -> Int32 { table.intern(p, Hashing.bytes(p)) }

    /// The id of these bytes, or -1 when they were never interned.
    @inline(__always)
    func lookup(_ p: UnsafeRawBufferPointer) -> Int32 { table.find(p, Hashing.bytes(p)) ?? -1 }

    /// Ids of every entry of a byte array column, interning new ones; with `used`, only the
    /// entries it marks (the others get -1), in entry order.
    func internAll(_ b: ByteArrays, used: [Bool]? = nil) -> [Int32] {
        var out = [Int32](repeating: -1, count: b.count)
        table.withEntries(b, used: used, into: &out) { t, p, h in t.intern(p, h) }
        return out
    }

    /// Ids of every entry (-1 where absent), interning nothing.
    func lookupAll(_ b: ByteArrays) -> [Int32] {
        var out = [Int32](repeating: -1, count: b.count)
        table.withEntries(b, used: nil, into: &out) { t, p, h in t.find(p, h) ?? -1 }
        return out
    }

    struct Table {
        var strings = ByteArrays()
        /// Per slot: high 32 bits of the hash, low 32 bits id + 1 (0 = empty).
        var slots: [UInt64]
        var mask: Int

        init(capacity: Int) {
            var size = 16
            while size < capacity * 2 { size <<= 1 }
            slots = [UInt64](repeating: 0, count: size)
            mask = size - 1
        }

        /// Calls `body` with each (marked) entry of `b` and its hash, storing what it returns.
        @inline(__always)
        mutating func withEntries(_ b: ByteArrays, used: [Bool]?, into out: inout [Int32],
                                  _ body: (inout Table, UnsafeRawBufferPointer, UInt64) -> Int32) {
            b.data.withUnsafeBytes { raw in
                out.withUnsafeMutableBufferPointer { o in
                    for i in 0..<b.count {
                        if let used, !used[i] { continue }
                        let p = UnsafeRawBufferPointer(rebasing: raw[b.range(i)])
                        o[i] = body(&self, p, Hashing.bytes(p))
                    }
                }
            }
        }

        @inline(__always)
        mutating func intern(_ p: UnsafeRawBufferPointer, _ h: UInt64) -> Int32 {
            if let id = find(p, h) { return id }
            if (strings.count + 1) * 2 > slots.count { grow() }
            let id = Int32(strings.count)
            strings.append(p)
            insertSlot(h, id)
            return id
        }

        func find(_ p: UnsafeRawBufferPointer, _ h: UInt64) -> Int32? {
            let tag = h >> 32
            var i = Int(truncatingIfNeeded: h) & mask
            return slots.withUnsafeBufferPointer { s in
                strings.data.withUnsafeBytes { data in
                    strings.offsets.withUnsafeBufferPointer { off in
                        while true {
                            let slot = s[i]
                            if slot == 0 { return nil }
                            if slot >> 32 == tag {
                                let id = Int(slot & 0xFFFF_FFFF) - 1
                                let start = Int(off[id]), end = Int(off[id + 1])
                                if end - start == p.count && (p.count == 0 || memcmpEqual(data.baseAddress! + start, p.baseAddress!, p.count)) {
                                    return Int32(id)
                                }
                            }
                            i = (i + 1) & mask
                        }
                    }
                }
            }
        }

        private mutating func insertSlot(_ h: UInt64, _ id: Int32) {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = (h >> 32) << 32 | UInt64(id + 1)
        }

        private mutating func grow() {
            let size = slots.count * 2
            slots = [UInt64](repeating: 0, count: size)
            mask = size - 1
            for id in 0..<strings.count {
                let r = strings.range(id)
                let h = strings.data.withUnsafeBytes { Hashing.bytes(UnsafeRawBufferPointer(rebasing: $0[r])) }
                insertSlot(h, Int32(id))
            }
        }
    }
}

/// Byte equality without a libc call for short strings: 8 bytes at a time, the tail in one
/// overlapping load (short strings: two 4-byte loads, or up to three bytes).
@inline(__always)
func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    if n >= 8 {
        var i = 0
        while i + 8 < n {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        return a.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
    }
    if n >= 4 {
        return a.loadUnaligned(fromByteOffset: 0, as: UInt32.self) == b.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
            && a.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
    }
    for i in 0..<n where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
    return true
}
