// DELTA_BINARY_PACKED (Encodings.md, encoding 5):
//   header := uleb(blockSize) uleb(miniblocksPerBlock) uleb(totalCount) zigzag(firstValue)
//   block  := zigzag(minDelta) miniblocksPerBlock x UInt8(bitWidth) miniblock bodies
// Each value is previous &+ minDelta &+ unpacked; all arithmetic wraps (the writer's deltas may
// have overflowed). Miniblocks not needed in the last block have no body; their widths are junk.

/// Decoder and encoder for DELTA_BINARY_PACKED (INT32 and INT64).
public enum DeltaBinaryPacked {
    /// Values per chunk when unpacking a miniblock (bounded stack scratch whatever the header says).
    static let chunk = 256

    /// Decodes one DELTA_BINARY_PACKED stream from the start of `data`.
    ///
    /// Throws `corrupt` if the header's total count exceeds `maxValues` (this bounds the
    /// allocation), if the header is inconsistent, or if the data ends before the last value.
    /// `bytesRead` is where the stream ends, which DELTA_BYTE_ARRAY needs to find the next one.
    ///
    /// Headers are accepted when the block size is a multiple of the miniblock count and
    /// miniblocks hold a multiple of 8 values; the spec's stricter "multiples of 128 and 32" is
    /// not required because it is not needed to decode safely (its own examples use 8).
    @_specialize(where T == Int32)
    @_specialize(where T == Int64)
    public static func decode<T: FixedWidthInteger & SignedInteger>(
        _ data: UnsafeRawBufferPointer, maxValues: Int, as: T.Type
    ) throws -> (values: [T], bytesRead: Int) {
        var r = ByteCursor(data)
        let blockSize = try r.uleb(maxBits: 32, "DELTA_BINARY_PACKED block size")
        let miniblocks = try r.uleb(maxBits: 32, "DELTA_BINARY_PACKED miniblock count")
        let total = try r.uleb(maxBits: 64, "DELTA_BINARY_PACKED value count")
        let first = try r.zigzag("DELTA_BINARY_PACKED first value")
        guard blockSize > 0, miniblocks > 0, blockSize % miniblocks == 0, (blockSize / miniblocks) % 8 == 0 else {
            throw ParquetError.corrupt("DELTA_BINARY_PACKED: bad block size \(blockSize) / miniblock count \(miniblocks)")
        }
        guard total <= UInt64(max(maxValues, 0)) else {
            throw ParquetError.corrupt("DELTA_BINARY_PACKED: \(total) values, more than the \(maxValues) expected")
        }
        let count = Int(total)
        if count == 0 { return ([], r.pos) }
        let perMini = Int(blockSize / miniblocks)
        let miniCount = Int(miniblocks)
        let base = data.baseAddress!  // non-nil: the header was read from it

        let values = try [T](unsafeUninitializedCapacity: count) { buf, initialized in
            let out = buf.baseAddress!
            var prev = T(truncatingIfNeeded: first)
            out[0] = prev
            var n = 1
            try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: chunk) { scratchBuf in
                let scratch = scratchBuf.baseAddress!
                while n < count {
                    let minDelta = T(truncatingIfNeeded: try r.zigzag("DELTA_BINARY_PACKED min delta"))
                    guard r.remaining >= miniCount else {
                        throw ParquetError.corrupt("DELTA_BINARY_PACKED: miniblock widths run past the end of the data")
                    }
                    let widths = r.pos
                    r.pos &+= miniCount
                    var m = 0
                    while m < miniCount && n < count {
                        let w = Int(base.load(fromByteOffset: widths &+ m, as: UInt8.self))
                        guard w <= 64 else {
                            throw ParquetError.corrupt("DELTA_BINARY_PACKED: miniblock bit width \(w)")
                        }
                        let take = min(perMini, count &- n)
                        var done = 0
                        while done < take {
                            let c = min(chunk, take &- done)
                            let c8 = (c &+ 7) & ~7
                            // `done` is a multiple of 8 values, so this chunk starts on a byte.
                            let off = r.pos &+ (done &>> 3) &* w
                            let avail = data.count &- off
                            let needed = (c8 &>> 3) &* w
                            if needed <= avail {
                                BitUnpacking.unpack64(base + off, bitWidth: w, count: c8, readable: avail, into: scratch)
                            } else {
                                // Only the padding of the final miniblock may be missing.
                                guard off <= data.count, (c &* w &+ 7) &>> 3 <= avail else {
                                    throw ParquetError.corrupt("DELTA_BINARY_PACKED: miniblock runs past the end of the data")
                                }
                                unpackShort(base + off, avail, w, c8, scratch)
                            }
                            for k in 0..<c {
                                prev = prev &+ minDelta &+ T(truncatingIfNeeded: scratch[k])
                                out[n &+ done &+ k] = prev
                            }
                            done &+= c
                        }
                        n &+= take
                        // A full body is perMini * w / 8 bytes; clamp in case the padding was cut.
                        r.pos = min(r.pos &+ (perMini &>> 3) &* w, data.count)
                        m &+= 1
                    }
                }
            }
            initialized = count
        }
        return (values, r.pos)
    }

    /// Unpacks from fewer bytes than a whole number of groups by zero-filling a copy.
    @inline(never)
    static func unpackShort(_ src: UnsafeRawPointer, _ avail: Int, _ w: Int, _ count: Int, _ dst: UnsafeMutablePointer<UInt64>) {
        let bytes = (count &>> 3) &* w
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes) { tmp in
            let raw = UnsafeMutableRawPointer(tmp.baseAddress!)
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            raw.copyMemory(from: src, byteCount: avail)
            BitUnpacking.unpack64(UnsafeRawPointer(raw), bitWidth: w, count: count, into: dst)
        }
    }

    /// Appends `values` as one DELTA_BINARY_PACKED stream: blocks of 128 values, 4 miniblocks
    /// of 32. Deltas are computed with wrapping arithmetic in `T`'s width.
    @_specialize(where T == Int32)
    @_specialize(where T == Int64)
    public static func encode<T: FixedWidthInteger & SignedInteger>(_ values: UnsafeBufferPointer<T>, into out: inout [UInt8]) {
        let blockSize = 128, miniblocks = 4, perMini = 32
        let count = values.count
        Varint.appendULEB(UInt64(blockSize), to: &out)
        Varint.appendULEB(UInt64(miniblocks), to: &out)
        Varint.appendULEB(UInt64(count), to: &out)
        Varint.appendZigzag(count > 0 ? Int64(values[0]) : 0, to: &out)
        if count <= 1 { return }
        var adjusted = [UInt64](repeating: 0, count: blockSize)
        var prev = values[0]
        var i = 1
        while i < count {
            let n = min(blockSize, count &- i)
            var minDelta = T.max
            var p = prev
            for k in 0..<n {
                let d = values[i &+ k] &- p
                minDelta = Swift.min(minDelta, d)
                p = values[i &+ k]
            }
            p = prev
            let minBits = T.Magnitude(truncatingIfNeeded: minDelta)
            for k in 0..<n {
                let d = T.Magnitude(truncatingIfNeeded: values[i &+ k] &- p)
                // d - minDelta, taken modulo 2^bitWidth(T), is the non-negative distance.
                adjusted[k] = UInt64(truncatingIfNeeded: d &- minBits)
                p = values[i &+ k]
            }
            for k in n..<blockSize { adjusted[k] = 0 }
            Varint.appendZigzag(Int64(minDelta), to: &out)
            var widths = [Int](repeating: 0, count: miniblocks)
            let used = (n &+ perMini &- 1) / perMini
            for m in 0..<used {
                var acc: UInt64 = 0
                for k in (m * perMini)..<((m + 1) * perMini) { acc |= adjusted[k] }
                widths[m] = 64 - acc.leadingZeroBitCount
            }
            for m in 0..<miniblocks { out.append(UInt8(widths[m])) }
            adjusted.withUnsafeBufferPointer { a in
                for m in 0..<used {
                    BitPacking.pack64(a.baseAddress! + m * perMini, count: perMini, bitWidth: widths[m], into: &out)
                }
            }
            prev = values[i &+ n &- 1]
            i &+= n
        }
    }
}
