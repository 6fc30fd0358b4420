/// Decoder of raw snappy blocks (google/snappy's `format_description.txt`): the block's
/// uncompressed length as a varint, then tags, each a literal (bytes that follow it) or a copy
/// (length and offset back into the output already written).
///
/// Why not libsnappy: the pyarrow-written dictionary pages of high-cardinality columns decode to
/// ~3 bytes per tag, literals of 1–3 bytes alternating with copies of 6–7 whose kind (one- or
/// two-byte offset) is random. libsnappy 1.1.9 decodes them at ~0.5 GB/s here, half of it in
/// calls to `memmove`; this loop does ~0.9 GB/s (`Benchmarks/README.md`, "Snappy"). Two things
/// make the difference: the literal/copy branch is the only branch on the kind (a copy's length,
/// offset and tag size come from arithmetic on the tag, so the random one-/two-byte-offset choice
/// is never mispredicted), and every short literal or non-overlapping copy is one 16-byte move.
///
/// Unsafe code: all of it is in this file. Bounds are checked as follows. The fast loop runs
/// only while at least 21 input bytes remain (a 5-byte tag, or a 1-byte tag and a 16-byte
/// literal move) and 64 output bytes remain (the longest copy, 64 bytes, moved in 16-byte
/// pieces); every copy's offset is checked against the bytes already written. Near the ends,
/// the careful loop checks every read and write exactly. Tests: `SnappyDecoderTests`.
enum SnappyDecoder {
    /// The uncompressed length a block declares, and the size of that varint; nil when the
    /// varint is truncated or longer than 32 bits allow.
    static func declaredLength(_ src: UnsafeRawBufferPointer) -> (length: Int, headerBytes: Int)? {
        var length = 0
        for i in 0..<min(5, src.count) {
            let byte = src[i]
            length |= Int(byte & 0x7f) << (7 * i)
            if byte & 0x80 == 0 {
                return length <= Int(UInt32.max) ? (length, i + 1) : nil
            }
        }
        return nil
    }

    /// Decodes the tags of `src` (after its `headerBytes`-byte length) into exactly `dst`.
    /// false when the block is corrupt: a tag past the end, a copy reaching before the start
    /// of the output or past its end, or an output of another length.
    static func decodeBody(_ src: UnsafeRawBufferPointer, headerBytes: Int, into dst: UnsafeMutableRawBufferPointer) -> Bool {
        guard headerBytes <= src.count else { return false }
        guard let srcBase = src.baseAddress, let opStart = dst.baseAddress else {
            return headerBytes == src.count && dst.isEmpty
        }
        var ip = srcBase + headerBytes
        let ipEnd = srcBase + src.count
        var op = opStart
        let opEnd = opStart + dst.count

        if ipEnd - ip > 21 && dst.count > 64 {
            let ipLimit = ipEnd - 21
            let opLimit = opEnd - 64
            while ip < ipLimit && op < opLimit {
                let tag = UInt32(ip.load(as: UInt8.self))
                let kind = tag & 3
                if kind == 0 {
                    let length = Int(tag >> 2) &+ 1
                    if _fastPath(length <= 16) {
                        move16(op, ip + 1)
                        op += length
                        ip += length &+ 1
                        continue
                    }
                    guard let end = literal(tag: tag, at: ip, ipEnd: ipEnd, to: &op, opEnd: opEnd) else { return false }
                    ip = end
                    continue
                }
                // Copy with a 1-, 2- or 4-byte offset: tag sizes 2, 3, 5 by kind, picked by shift.
                let tagBytes = Int((0x0503_0201 as UInt32) >> (kind << 3) & 0xff)
                let length = kind == 1 ? Int((tag >> 2) & 7) &+ 4 : Int(tag >> 2) &+ 1
                let word = UInt64(UInt32(littleEndian: ip.loadUnaligned(fromByteOffset: 1, as: UInt32.self)))
                let mask = (UInt64(1) << UInt64((tagBytes &- 1) << 3)) &- 1
                let offset = Int(word & mask) | (kind == 1 ? Int(tag >> 5) << 8 : 0)
                ip += tagBytes
                guard offset != 0, offset <= op - opStart else { return false }
                let from = UnsafeRawPointer(op - offset)
                // One 16-byte move is exact when the source ends before op (offset >= length).
                if _fastPath(offset >= length && length <= 16) {
                    move16(op, from)
                } else if offset >= 16 {
                    move16(op, from)
                    move16(op + 16, from + 16)
                    if length > 32 {
                        move16(op + 32, from + 32)
                        if length > 48 { move16(op + 48, from + 48) }
                    }
                } else if offset >= 8 {
                    var i = 0
                    repeat {
                        (op + i).storeBytes(of: (from + i).loadUnaligned(as: UInt64.self), as: UInt64.self)
                        i &+= 8
                    } while i < length
                } else {
                    copyBytewise(op, from, length)
                }
                op += length
            }
        }

        while ip < ipEnd {
            let tag = UInt32(ip.load(as: UInt8.self))
            let kind = tag & 3
            if kind == 0 {
                guard let end = literal(tag: tag, at: ip, ipEnd: ipEnd, to: &op, opEnd: opEnd) else { return false }
                ip = end
                continue
            }
            let tagBytes = Int((0x0503_0201 as UInt32) >> (kind << 3) & 0xff)
            guard ipEnd - ip >= tagBytes else { return false }
            let length = kind == 1 ? Int((tag >> 2) & 7) &+ 4 : Int(tag >> 2) &+ 1
            var offset = kind == 1 ? Int(tag >> 5) << 8 : 0
            for i in 1..<tagBytes { offset |= Int(ip.load(fromByteOffset: i, as: UInt8.self)) << (8 * (i - 1)) }
            ip += tagBytes
            guard offset != 0, offset <= op - opStart, length <= opEnd - op else { return false }
            copyBytewise(op, op - offset, length)
            op += length
        }
        return op == opEnd
    }

    /// A literal whose length is over 16 or whose bytes may reach the end of either buffer:
    /// copies it with exact bounds and returns the input position after it (nil: corrupt).
    @inline(__always)
    private static func literal(
        tag: UInt32, at ip: UnsafeRawPointer, ipEnd: UnsafeRawPointer,
        to op: inout UnsafeMutableRawPointer, opEnd: UnsafeMutableRawPointer
    ) -> UnsafeRawPointer? {
        var start = ip + 1
        var length = Int(tag >> 2) &+ 1
        if length > 60 {
            // Tags 60–63: the length minus one follows in 1–4 little-endian bytes.
            let extra = length &- 60
            guard ipEnd - start >= extra else { return nil }
            var value = 0
            for i in 0..<extra { value |= Int(start.load(fromByteOffset: i, as: UInt8.self)) << (8 * i) }
            length = value &+ 1
            start += extra
        }
        guard length <= ipEnd - start, length <= opEnd - op else { return nil }
        op.copyMemory(from: start, byteCount: length)
        op += length
        return start + length
    }

    @inline(__always)
    private static func move16(_ to: UnsafeMutableRawPointer, _ from: UnsafeRawPointer) {
        to.storeBytes(of: from.loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
    }

    /// Byte by byte, so a copy whose source overlaps its destination repeats the pattern.
    @inline(__always)
    private static func copyBytewise(_ to: UnsafeMutableRawPointer, _ from: UnsafeRawPointer, _ count: Int) {
        for i in 0..<count {
            to.storeBytes(of: from.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
        }
    }
}
