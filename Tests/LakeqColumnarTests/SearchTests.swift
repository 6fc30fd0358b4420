import Testing
import LakeqColumnar

/// `Search.contains` against `Array.contains`: the value at every position of buffers of every
/// length across the 64-value blocks and the tail, absent values, and 64-bit patterns whose
/// halves or sign alone match the value.
struct SearchTests {
    @Test func findsTheValueAtEveryPositionAndNothingElse() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int64(bitPattern: state >> 11)
        }
        for n in [0, 1, 7, 8, 63, 64, 65, 127, 128, 129, 200] {
            let values = (0..<n).map { _ in next() }
            values.withUnsafeBufferPointer { buf in
                for (i, v) in values.enumerated() {
                    #expect(Search.contains(buf, v), "n \(n), position \(i)")
                }
                for absent in [Int64.min, Int64.max, 0, -1, 42] where !values.contains(absent) {
                    #expect(!Search.contains(buf, absent), "n \(n), absent \(absent)")
                }
            }
        }
    }

    @Test func comparesAllSixtyFourBits() {
        let value: Int64 = 0x0000_0001_0000_0000
        // Same low half, same high half, only the sign bit, and the value's negation differ.
        var near: [Int64] = [0, 0x0000_0001_0000_0001, 0x0000_0002_0000_0000, value | Int64.min, -value]
        near += Array(repeating: 5, count: 70)
        near.withUnsafeBufferPointer { buf in
            #expect(!Search.contains(buf, value))
            #expect(Search.contains(buf, -value))
            #expect(Search.contains(buf, 5))
        }
        var withValue = near
        withValue[66] = value
        withValue.withUnsafeBufferPointer { #expect(Search.contains($0, value)) }
    }
}
