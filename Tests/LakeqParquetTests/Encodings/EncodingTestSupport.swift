#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import LakeqParquet

/// Deterministic PRNG for reproducible property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func mask64(_ w: Int) -> UInt64 { w >= 64 ? ~0 : (UInt64(1) << UInt64(w)) - 1 }

/// Obviously-correct LSB-first bit reader: value i is bits [i*w, (i+1)*w) of the byte stream.
func referenceUnpack(_ bytes: [UInt8], bitWidth w: Int, count: Int) -> [UInt64] {
    var out: [UInt64] = []
    for i in 0..<count {
        var v: UInt64 = 0
        for b in 0..<w {
            let bit = i * w + b
            if (bytes[bit / 8] >> UInt8(bit % 8)) & 1 == 1 { v |= UInt64(1) << UInt64(b) }
        }
        out.append(v)
    }
    return out
}

/// Obviously-correct LSB-first bit writer.
func referencePack(_ values: [UInt64], bitWidth w: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: (values.count * w + 7) / 8)
    for (i, v) in values.enumerated() {
        for b in 0..<w where (v >> UInt64(b)) & 1 == 1 {
            let bit = i * w + b
            out[bit / 8] |= UInt8(1) << UInt8(bit % 8)
        }
    }
    return out
}

/// Runs `body` with `bytes` placed so that they end exactly at an inaccessible page: any read
/// past the end crashes the test instead of passing silently.
func withGuardedBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let dataPages = max(1, (bytes.count + page - 1) / page)
    let total = (dataPages + 1) * page
    let base = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
    precondition(base != MAP_FAILED)
    defer { munmap(base, total) }
    let guardPage = base + dataPages * page
    precondition(mprotect(guardPage, page, PROT_NONE) == 0)
    let start = guardPage - bytes.count
    bytes.withUnsafeBytes { if $0.count > 0 { start.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
    return try body(UnsafeRawBufferPointer(start: start, count: bytes.count))
}

/// True if `body` throws a `ParquetError.corrupt`.
func throwsCorrupt(_ body: () throws -> Void) -> Bool {
    do { try body() } catch let e as ParquetError {
        if case .corrupt = e { return true }
        return false
    } catch { return false }
    return false
}

extension SplitMix64 {
    /// A value in `0 ..< n`.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
