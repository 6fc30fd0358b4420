import LakeqColumnar
import Testing

/// `Array.appendRaw`: values copied out of page bytes, aligned (one copy) or not (zero-fill then copy).
@Suite struct AppendRawTests {
    /// Little-endian bytes of `values` at `offset` inside a buffer, so the start can be misaligned.
    private func withBytes<T>(_ values: [T], offset: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        let size = values.count * MemoryLayout<T>.stride
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: size + offset + 8, alignment: 16)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0xAB)
        values.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + size)]).copyMemory(from: $0) }
        body(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + size + 8)]))
    }

    @Test("doubles at every offset, onto empty and non-empty arrays", arguments: 0..<9)
    func doubles(offset: Int) {
        let values = (0..<1000).map { Double($0) * 1.5 - 7 }
        withBytes(values, offset: offset) { bytes in
            var fresh: [Double] = []
            fresh.appendRaw(bytes, count: values.count)
            #expect(fresh == values)
            var existing: [Double] = [42, 43]
            existing.appendRaw(bytes, count: 10)
            #expect(existing == [42, 43] + values.prefix(10))
        }
    }

    @Test("Int32 and Int64 at misaligned and aligned starts", arguments: [0, 1, 2, 4, 6])
    func integers(offset: Int) {
        let ints32: [Int32] = [1, -2, .max, .min, 0]
        withBytes(ints32, offset: offset) { bytes in
            var out: [Int32] = [9]
            out.appendRaw(bytes, count: 5)
            #expect(out == [9] + ints32)
        }
        let ints64: [Int64] = [.max, .min, -1, 0, 1 << 40]
        withBytes(ints64, offset: offset) { bytes in
            var out: [Int64] = []
            out.appendRaw(bytes, count: 5)
            #expect(out == ints64)
        }
    }

    @Test func zeroCountAppendsNothing() {
        var out: [Double] = [1]
        withBytes([2.0], offset: 3) { out.appendRaw($0, count: 0) }
        #expect(out == [1])
    }
}
