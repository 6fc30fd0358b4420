/// A growable raw byte buffer reused across pages, so decompressing a page neither allocates
/// nor zero-fills. Views into it stay valid until the next `reserve`.
final class ScratchBuffer {
    private(set) var memory: UnsafeMutableRawBufferPointer

    init() { memory = UnsafeMutableRawBufferPointer(start: nil, count: 0) }

    deinit { memory.deallocate() }

    /// At least `count` bytes; previous contents are not kept.
    func reserve(_ count: Int) -> UnsafeMutableRawBufferPointer {
        if memory.count < count {
            memory.deallocate()
            memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 64 << 10), alignment: 64)
        }
        return UnsafeMutableRawBufferPointer(rebasing: memory[0..<count])
    }
}
