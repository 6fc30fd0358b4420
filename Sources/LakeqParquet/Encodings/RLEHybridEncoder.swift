// Encoder for the RLE/bit-packed hybrid, using the same run selection as parquet-mr and arrow:
// values are considered in groups of 8; a value repeated at least 8 times starting at a group
// boundary becomes an RLE run, everything else is bit-packed in runs of up to 63 groups (so the
// run header always fits in one byte).

/// Streaming RLE/bit-packed hybrid encoder (no length prefix). Bits above `bitWidth` are dropped.
public struct RLEHybridEncoder {
    /// Bits per value, 0...32.
    public let bitWidth: Int
    @usableFromInline let mask: UInt32
    @usableFromInline var out: [UInt8] = []
    /// Committed bit-packed groups of the open bit-packed run, followed by the `numBuffered`
    /// (< 8) values of the current group.
    @usableFromInline var literals: [UInt32] = []
    @usableFromInline var numBuffered = 0
    @usableFromInline var current: UInt32 = 0
    /// Length of the run of `current` counted since the last group boundary or RLE run.
    @usableFromInline var repeatCount = 0

    static let maxGroupsPerRun = 63

    public init(bitWidth: Int) {
        precondition(bitWidth >= 0 && bitWidth <= 32, "RLEHybridEncoder: bit width must be 0...32")
        self.bitWidth = bitWidth
        mask = bitWidth == 32 ? ~0 : (1 &<< UInt32(bitWidth)) &- 1
        literals.reserveCapacity(Self.maxGroupsPerRun * 8 + 8)
    }

    /// Appends one value.
    public mutating func append(_ value: UInt32) {
        let v = value & mask
        if v == current {
            repeatCount &+= 1
            // Already an RLE run: just count.
            if repeatCount > 8 { return }
        } else {
            if repeatCount >= 8 { writeRLERun() }
            repeatCount = 1
            current = v
        }
        literals.append(v)
        numBuffered &+= 1
        if numBuffered == 8 { endGroup() }
    }

    /// Appends many values; long runs are counted with a tight scan instead of value by value.
    public mutating func append(contentsOf values: UnsafeBufferPointer<UInt32>) {
        guard let p = values.baseAddress else { return }
        let n = values.count
        var i = 0
        while i < n {
            let v = p[i] & mask
            if repeatCount >= 8 && v == current {
                var j = i &+ 1
                while j < n && p[j] & mask == v { j &+= 1 }
                repeatCount &+= j &- i
                i = j
                continue
            }
            append(v)
            i &+= 1
        }
    }

    /// Flushes everything and returns the encoded bytes; the encoder is empty afterwards.
    public mutating func finish() -> [UInt8] {
        var result: [UInt8] = []
        flush(into: &result)
        return result
    }

    /// Flushes everything, appending the encoded bytes to `buffer`; the encoder is empty afterwards.
    public mutating func flush(into buffer: inout [UInt8]) {
        let committed = literals.count &- numBuffered
        if repeatCount > 0 && committed == 0 && (numBuffered == 0 || numBuffered == repeatCount) {
            writeRLERun()
        } else if !literals.isEmpty {
            // Pad the last group with zeros; readers stop at their expected count.
            while literals.count & 7 != 0 { literals.append(0) }
            writeBitPackedRun()
        }
        buffer.append(contentsOf: out)
        out.removeAll(keepingCapacity: true)
        literals.removeAll(keepingCapacity: true)
        numBuffered = 0
        repeatCount = 0
        current = 0
    }

    /// One-shot convenience: encodes `values` with `bitWidth`.
    public static func encode(_ values: UnsafeBufferPointer<UInt32>, bitWidth: Int) -> [UInt8] {
        var e = RLEHybridEncoder(bitWidth: bitWidth)
        e.append(contentsOf: values)
        return e.finish()
    }

    // MARK: internals

    @usableFromInline
    mutating func endGroup() {
        numBuffered = 0
        if repeatCount >= 8 {
            // The 8 buffered values are all `current` and start an RLE run: drop them and close
            // the bit-packed run before it.
            literals.removeLast(8)
            if !literals.isEmpty { writeBitPackedRun() }
            return
        }
        if literals.count >= Self.maxGroupsPerRun * 8 { writeBitPackedRun() }
        repeatCount = 0
    }

    @usableFromInline
    mutating func writeRLERun() {
        // Run lengths are limited to 2^31 - 1 by the spec; split longer runs.
        var left = repeatCount
        while left > 0 {
            let n = min(left, Int(Int32.max))
            Varint.appendULEB(UInt64(n) << 1, to: &out)
            var v = current
            for _ in 0..<((bitWidth + 7) / 8) {
                out.append(UInt8(truncatingIfNeeded: v))
                v >>= 8
            }
            left -= n
        }
        repeatCount = 0
        numBuffered = 0
        literals.removeAll(keepingCapacity: true)
    }

    @usableFromInline
    mutating func writeBitPackedRun() {
        let groups = literals.count / 8
        Varint.appendULEB(UInt64(groups) << 1 | 1, to: &out)
        literals.withUnsafeBufferPointer {
            BitPacking.pack32($0.baseAddress!, count: groups * 8, bitWidth: bitWidth, into: &out)
        }
        literals.removeAll(keepingCapacity: true)
    }
}
