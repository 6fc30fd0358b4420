import Foundation

/// A growable byte buffer in raw memory for a batch's message values: appends are one
/// `memcpy` with no uniqueness or exclusivity checks (the consumer thread appends every
/// message). Reused across batches, so its pages are faulted in once.
final class MessageBuffer: @unchecked Sendable {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(4096, capacity)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Room for `more` bytes after `count`.
    func reserve(_ more: Int) {
        guard count + more > capacity else { return }
        let grown = max(capacity * 2, count + more)
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
        fresh.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = fresh
        capacity = grown
    }

    @inline(__always) func append(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count + 1)
        if let src = bytes.baseAddress, bytes.count > 0 { (base + count).copyMemory(from: src, byteCount: bytes.count) }
        count += bytes.count
    }

    @inline(__always) func append(_ byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always) subscript(i: Int) -> UInt8 {
        get { base.load(fromByteOffset: i, as: UInt8.self) }
        set { base.storeBytes(of: newValue, toByteOffset: i, as: UInt8.self) }
    }

    /// The bytes written so far.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
