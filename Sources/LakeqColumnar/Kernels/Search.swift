/// Membership tests over a whole buffer: whether a dictionary page holds a value (dictionary
/// filtering of `=` and `IN`, `AccessPlan.dictionary(_:type:containsAnyOf:)`).
///
/// `Array.contains` compiles to a loop that compares and branches once per value (an early
/// exit LLVM does not vectorize: ~1.2 ns per value on a 83k-entry `user_id` dictionary). Here
/// 64 values at a time are compared in SIMD lanes without a branch, then one test per block.
/// Baseline x86-64 (SSE2) has no 64-bit lane compare, so equality is `x ^ value == 0`, found
/// by `(x | -x) >> 63` being 0 only for a zero `x` (subtract, or and shift exist for 64-bit
/// lanes). Measured in `Benchmarks/Kernels`. Nothing here reads out of bounds: the tail after
/// the last full block is done one value at a time.
public enum Search {
    /// Whether any element of `p` equals `value`.
    @inlinable
    public static func contains(_ p: UnsafeBufferPointer<Int64>, _ value: Int64) -> Bool {
        let n = p.count
        guard let base = p.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        let wanted = SIMD8<UInt64>(repeating: UInt64(bitPattern: value))
        var i = 0
        while i &+ 64 <= n {
            // A lane stays 1 while every value it saw differs from `value`.
            var differ = SIMD8<UInt64>(repeating: 1)
            for k in 0..<8 {
                let x = raw.loadUnaligned(fromByteOffset: (i &+ k &* 8) &* 8, as: SIMD8<UInt64>.self) ^ wanted
                differ &= (x | (0 &- x)) &>> 63
            }
            if differ.wrappedSum() != 8 { return true }
            i &+= 64
        }
        while i < n {
            if base[i] == value { return true }
            i &+= 1
        }
        return false
    }
}
