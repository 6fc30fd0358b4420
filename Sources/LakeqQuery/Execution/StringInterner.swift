import LakeqColumnar

/// Interns byte strings as dense ids 0, 1, 2, … (first seen first): the key code of a
/// VARCHAR column in group and join tables. Open addressing over (hash, id) slots; the
/// bytes live once in a `ByteArrays`.
final class StringInterner {
    private(set) var strings = ByteArrays()
    /// Per slot: high 32 bits of the hash, low 32 bits id + 1 (0 = empty).
    private var slots: [UInt64]
    private var mask: Int

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    var count: Int { strings.count }

    /// Bytes held: the strings, their offsets and the slots.
    var bytes: Int { strings.data.capacity + strings.offsets.capacity * 4 + slots.capacity * 8 }

    /// The id of these bytes, adding them if new.
    @inline(__always)
    func intern(_ p: UnsafeRawBufferPointer) -> Int32 {
        let h = Hashing.bytes(p)
        if let id = find(p, h) { return id }
        if (strings.count + 1) * 2 > slots.count { grow() }
        let id = Int32(strings.count)
        strings.append(p)
        insertSlot(h, id)
        return id
    }

    /// The id of these bytes, or -1 when they were never interned.
    @inline(__always)
    func lookup(_ p: UnsafeRawBufferPointer) -> Int32 { find(p, Hashing.bytes(p)) ?? -1 }

    private func find(_ p: UnsafeRawBufferPointer, _ h: UInt64) -> Int32? {
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

    private func insertSlot(_ h: UInt64, _ id: Int32) {
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = (h >> 32) << 32 | UInt64(id + 1)
    }

    private func grow() {
        let size = slots.count * 2
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for id in 0..<strings.count {
            let r = strings.range(id)
            let h = strings.data.withUnsafeBytes { Hashing.bytes(UnsafeRawBufferPointer(rebasing: $0[r])) }
            insertSlot(h, Int32(id))
        }
    }

    /// Ids of every entry of a byte array column, interning new ones.
    func internAll(_ b: ByteArrays) -> [Int32] {
        var out = [Int32](repeating: 0, count: b.count)
        b.data.withUnsafeBytes { raw in
            for i in 0..<b.count {
                out[i] = intern(UnsafeRawBufferPointer(rebasing: raw[b.range(i)]))
            }
        }
        return out
    }

    /// Ids of every entry (-1 where absent), interning nothing.
    func lookupAll(_ b: ByteArrays) -> [Int32] {
        var out = [Int32](repeating: 0, count: b.count)
        b.data.withUnsafeBytes { raw in
            for i in 0..<b.count {
                out[i] = lookup(UnsafeRawBufferPointer(rebasing: raw[b.range(i)]))
            }
        }
        return out
    }
}

/// Byte equality without a libc call for short strings.
@inline(__always)
func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}
