// DELTA_BYTE_ARRAY (Encodings.md, encoding 7): prefix lengths as DELTA_BINARY_PACKED, then the
// suffixes as DELTA_LENGTH_BYTE_ARRAY. Value i = first prefix[i] bytes of value i-1 + suffix[i].

import LakeqColumnar

/// Decoder and encoder for DELTA_BYTE_ARRAY (incremental / front coding).
public enum DeltaByteArray {
    /// Decodes exactly `count` byte arrays from `data`.
    ///
    /// Throws `corrupt` when a prefix length is negative or longer than the previous value, or
    /// when either inner stream is malformed. The output size is computed and checked (at most
    /// 2 GiB, the `Int32` offsets limit) before anything that large is allocated.
    public static func decode(_ data: UnsafeRawBufferPointer, count: Int) throws -> ByteArrays {
        let (prefixes, prefixBytes) = try DeltaBinaryPacked.decode(data, maxValues: count, as: Int32.self)
        guard prefixes.count == count else {
            throw ParquetError.corrupt("DELTA_BYTE_ARRAY: \(prefixes.count) prefix lengths, expected \(count)")
        }
        let suffixes = try DeltaLengthByteArray.decodeWithSize(
            UnsafeRawBufferPointer(rebasing: data[prefixBytes...]), count: count).values

        // Pass 1: validate prefixes and size the output.
        let offsets = try [Int32](unsafeUninitializedCapacity: count &+ 1) { o, initialized in
            var prevLen = 0
            var total = 0
            o[0] = 0
            try prefixes.withUnsafeBufferPointer { pre in
                try suffixes.offsets.withUnsafeBufferPointer { so in
                    for i in 0..<count {
                        let p = Int(pre[i])
                        guard p >= 0 && p <= prevLen else {
                            throw ParquetError.corrupt("DELTA_BYTE_ARRAY: prefix length \(p) longer than previous value (\(prevLen))")
                        }
                        let len = p &+ Int(so[i &+ 1] &- so[i])
                        total &+= len
                        guard total <= Int(Int32.max) else {
                            throw ParquetError.unsupported("DELTA_BYTE_ARRAY: more than 2 GiB of values in one page")
                        }
                        o[i &+ 1] = Int32(truncatingIfNeeded: total)
                        prevLen = len
                    }
                }
            }
            initialized = count &+ 1
        }
        // Pass 2: copy prefix from the previous output value, then the suffix.
        let total = Int(offsets[count])
        let bytes = [UInt8](unsafeUninitializedCapacity: total) { d, initialized in
            guard total > 0 else { initialized = 0; return }
            let dst = UnsafeMutableRawPointer(d.baseAddress!)
            prefixes.withUnsafeBufferPointer { pre in
                offsets.withUnsafeBufferPointer { o in
                    suffixes.offsets.withUnsafeBufferPointer { so in
                        suffixes.data.withUnsafeBytes { sd in
                            for i in 0..<count {
                                let start = Int(o[i])
                                let p = Int(pre[i])
                                if p > 0 {
                                    // The previous value ends where this one starts: no overlap.
                                    dst.advanced(by: start).copyMemory(from: dst.advanced(by: Int(o[i &- 1])), byteCount: p)
                                }
                                let s0 = Int(so[i]), sl = Int(so[i &+ 1]) &- s0
                                if sl > 0 {
                                    dst.advanced(by: start &+ p).copyMemory(from: sd.baseAddress! + s0, byteCount: sl)
                                }
                            }
                        }
                    }
                }
            }
            initialized = total
        }
        return ByteArrays(offsets: offsets, data: bytes)
    }

    /// Appends `values` encoded as DELTA_BYTE_ARRAY to `out`.
    public static func encode(_ values: ByteArrays, into out: inout [UInt8]) {
        let n = values.count
        var prefixes = [Int32](repeating: 0, count: n)
        var suffixes = ByteArrays()
        suffixes.offsets.reserveCapacity(n + 1)
        values.data.withUnsafeBufferPointer { d in
            var prevStart = 0, prevLen = 0
            for i in 0..<n {
                let start = Int(values.offsets[i]), len = Int(values.offsets[i + 1]) - start
                var p = 0
                let limit = min(len, prevLen)
                while p < limit && d[prevStart + p] == d[start + p] { p += 1 }
                prefixes[i] = Int32(p)
                suffixes.append(UnsafeBufferPointer(rebasing: d[(start + p)..<(start + len)]))
                prevStart = start
                prevLen = len
            }
        }
        prefixes.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &out) }
        DeltaLengthByteArray.encode(suffixes, into: &out)
    }
}
