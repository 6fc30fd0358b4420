import Foundation

/// Growable raw memory for the parse hot path: appends are a capacity check and a store (no
/// uniqueness checks or reference counting, as `Array.append` has). Not reference-counted:
/// its owner calls `deallocate()` exactly once; copies share the memory. The only unsafe
/// code of ingest's parsing, kept here with its tests (Tests/LakeqIngestTests/RawStorageTests).
struct RawStorage {
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var capacity = 0
    /// Bytes in use.
    var used = 0

    /// Makes room for `n` more bytes.
    @inline(__always) mutating func reserveMore(_ n: Int) {
        if used + n > capacity { grow(to: used + n) }
    }

    mutating func grow(to needed: Int) {
        let newCapacity = Swift.max(needed, capacity * 2, 256)
        let p = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        if let base {
            p.copyMemory(from: base, byteCount: used)
            base.deallocate()
        }
        base = p
        capacity = newCapacity
    }

    @inline(__always) mutating func append<T: BitwiseCopyable>(_ value: T) {
        let size = MemoryLayout<T>.stride
        reserveMore(size)
        base.unsafelyUnwrapped.storeBytes(of: value, toByteOffset: used, as: T.self)
        used += size
    }

    @inline(__always) mutating func append(bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        guard n > 0 else { return }
        reserveMore(n)
        let src = bytes.baseAddress.unsafelyUnwrapped, dst = base.unsafelyUnwrapped + used
        // Short values (most fields) by two overlapping word copies inside [0, n): a call to
        // memcpy costs more than the copy.
        if n >= 8 && n <= 16 {
            dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
            (dst + n - 8).storeBytes(of: (src + n - 8).loadUnaligned(as: UInt64.self), as: UInt64.self)
        } else if n >= 4 && n < 8 {
            dst.storeBytes(of: src.loadUnaligned(as: UInt32.self), as: UInt32.self)
            (dst + n - 4).storeBytes(of: (src + n - 4).loadUnaligned(as: UInt32.self), as: UInt32.self)
        } else if n < 4 {
            for i in 0..<n { dst.storeBytes(of: src.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self) }
        } else {
            dst.copyMemory(from: src, byteCount: n)
        }
        used += n
    }

    /// Appends `n` zero bytes.
    @inline(__always) mutating func appendZeros(_ n: Int) {
        switch n {
        case 1: append(UInt8(0))
        case 4: append(UInt32(0))
        case 8: append(UInt64(0))
        default:
            guard n > 0 else { return }
            reserveMore(n)
            (base.unsafelyUnwrapped + used).initializeMemory(as: UInt8.self, repeating: 0, count: n)
            used += n
        }
    }

    /// Element `i` of a storage holding `T`s; `i` must be below `used / stride`.
    @inline(__always) func load<T: BitwiseCopyable>(_ i: Int, as: T.Type) -> T {
        precondition(i >= 0 && (i + 1) * MemoryLayout<T>.stride <= used, "RawStorage.load out of range")
        return base.unsafelyUnwrapped.load(fromByteOffset: i * MemoryLayout<T>.stride, as: T.self)
    }

    /// The first `used / stride` elements as an array (a copy).
    func array<T: BitwiseCopyable>(of: T.Type) -> [T] {
        let n = used / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: n) { buf, initialized in
            if n > 0, let base { UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: base, byteCount: n * MemoryLayout<T>.stride) }
            initialized = n
        }
    }

    mutating func deallocate() {
        base?.deallocate()
        base = nil
        capacity = 0
        used = 0
    }
}

/// Reusable memory for a field's unescaped text. The buffer `CSVScanner.text` / `JSONLScanner.text`
/// return points into it and stays valid until the scratch is used again (memory a class
/// owns: unlike an array's, it may be pointed into past a closure).
public final class TextScratch {
    private var storage = RawStorage()

    public init() {}
    deinit { storage.deallocate() }

    func reset() { storage.used = 0 }
    @inline(__always) func append(_ byte: UInt8) { storage.append(byte) }
    func append(bytes: UnsafeRawBufferPointer) { storage.append(bytes: bytes) }

    /// The text written since the last reset.
    var bytes: UnsafeRawBufferPointer {
        storage.used == 0 ? UnsafeRawBufferPointer(start: nil, count: 0) : UnsafeRawBufferPointer(start: storage.base, count: storage.used)
    }
}
