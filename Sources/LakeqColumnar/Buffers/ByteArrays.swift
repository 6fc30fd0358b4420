/// Variable-length byte strings stored Arrow-style: one data buffer plus `count + 1` offsets.
public struct ByteArrays: Hashable, Sendable {
    /// `offsets[i]..<offsets[i+1]` is the byte range of value `i`.
    public var offsets: [Int32]
    public var data: [UInt8]

    public init() {
        offsets = [0]
        data = []
    }

    public init(offsets: [Int32], data: [UInt8]) {
        self.offsets = offsets
        self.data = data
    }

    public init<S: Sequence>(strings: S) where S.Element == String {
        self.init()
        for s in strings { append(Array(s.utf8)) }
    }

    @inlinable public var count: Int { offsets.count - 1 }

    @inlinable public func range(_ i: Int) -> Range<Int> { Int(offsets[i])..<Int(offsets[i + 1]) }

    /// The bytes of value `i` (copies).
    @inlinable public subscript(i: Int) -> ArraySlice<UInt8> { data[range(i)] }

    /// Value `i` decoded as UTF-8 (invalid sequences repaired).
    public func string(at i: Int) -> String {
        let r = range(i)
        return data.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[r]), as: UTF8.self) }
    }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        data.append(contentsOf: bytes)
        offsets.append(Int32(truncatingIfNeeded: data.count))
    }

    /// Appends raw bytes (the common parse path: no generic collection machinery).
    @inlinable
    public mutating func append(_ raw: UnsafeRawBufferPointer) {
        let n = raw.count
        if n > 0 {
            let old = data.count
            if data.capacity < old + n { data.reserveCapacity(Swift.max(old + n, data.capacity * 2)) }
            data.append(contentsOf: UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n))
        }
        offsets.append(Int32(truncatingIfNeeded: data.count))
    }

    public mutating func appendEmpty() { offsets.append(offsets[offsets.count - 1]) }

    public mutating func append(contentsOf other: ByteArrays) {
        let base = Int32(truncatingIfNeeded: data.count)
        data.append(contentsOf: other.data)
        offsets.reserveForAppending(other.count)
        for i in 1..<other.offsets.count { offsets.append(base &+ other.offsets[i]) }
    }

    /// Values at `indices`, in that order.
    public func gather(_ indices: [Int32]) -> ByteArrays {
        var out = ByteArrays()
        out.offsets.reserveCapacity(indices.count + 1)
        var total = 0
        for i in indices { total += Int(offsets[Int(i) + 1] - offsets[Int(i)]) }
        out.data.reserveCapacity(total)
        data.withUnsafeBufferPointer { src in
            offsets.withUnsafeBufferPointer { off in
                for i in indices {
                    let idx = Int(i)
                    out.data.append(contentsOf: UnsafeBufferPointer(rebasing: src[Int(off[idx])..<Int(off[idx + 1])]))
                    out.offsets.append(Int32(truncatingIfNeeded: out.data.count))
                }
            }
        }
        return out
    }
}

/// Fixed-width byte strings, `width` bytes each, back to back.
public struct FixedBytes: Hashable, Sendable {
    public var width: Int
    public var data: [UInt8]

    public init(width: Int, data: [UInt8] = []) {
        self.width = width
        self.data = data
    }

    @inlinable public var count: Int { width == 0 ? 0 : data.count / width }
    @inlinable public subscript(i: Int) -> ArraySlice<UInt8> { data[(i * width)..<((i + 1) * width)] }
}
