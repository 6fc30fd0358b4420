import Dispatch
import Foundation

/// The content hash that identifies an ingested source (no SHA-256 is available without
/// adding swift-crypto, and the hash only has to tell files apart, not resist attackers).
///
/// `lakeq-fnv1a64w`: the source is cut into 1 MiB blocks; each block is hashed with 64-bit
/// FNV-1a taken over little-endian 8-byte words (the tail bytes one by one), which is
/// ~8× faster than byte-wise FNV-1a; the block hashes, in order, are then hashed the same
/// way. Blocks hash in parallel. The text form is `<16 hex digits>-<size in bytes>`, so two
/// sources collide only if they have the same size and the same 64-bit hash.
public enum ContentHash {
    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3
    static let block = 1 << 20

    @inline(__always) static func mix(_ h: UInt64, _ w: UInt64) -> UInt64 { (h ^ w) &* prime }

    static func hashBlock(_ b: UnsafeRawBufferPointer) -> UInt64 {
        var h = offset
        let words = b.count / 8
        for i in 0..<words { h = mix(h, UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))) }
        for i in (words * 8)..<b.count { h = mix(h, UInt64(b[i])) }
        return h
    }

    /// The hash of `bytes` in its text form, using up to `threads` threads.
    public static func hash(_ bytes: UnsafeRawBufferPointer, threads: Int) -> String {
        let blocks = (bytes.count + block - 1) / block
        var hashes = [UInt64](repeating: 0, count: blocks)
        hashes.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress
            let workers = max(1, min(threads, blocks))
            let per = (blocks + workers - 1) / max(1, workers)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = w * per, hi = min(blocks, lo + per)
                guard lo < hi else { return }
                for i in lo..<hi {
                    let s = i * block, e = min(bytes.count, s + block)
                    outBase?[i] = hashBlock(UnsafeRawBufferPointer(rebasing: bytes[s..<e]))
                }
            }
        }
        var h = offset
        for x in hashes { h = mix(h, x) }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + "-\(bytes.count)"
    }
}
