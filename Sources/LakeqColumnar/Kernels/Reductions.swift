/// Whole-buffer reductions (sum, min, max): the aggregates without GROUP BY.
///
/// Swift SIMD types where the compiler does not vectorize on its own: a floating-point sum
/// (IEEE addition is not associative, so LLVM keeps one dependent chain of adds; independent
/// lanes break it) and a floating-point min/max with SQL's NaN order. Integer sums widen
/// `Int32` to `Int64` lane-wise, so no per-value overflow check is needed (2^32 values of 32
/// bits cannot overflow 64). Plain loops where LLVM vectorizes them itself (integer sums and
/// min/max; the code is built for baseline x86-64, SSE2). Measured per value in
/// `Benchmarks/Kernels`. Nothing here reads out of bounds: the tail after the last full
/// vector is done one value at a time.
public enum Reductions {
    /// The sum of `p`, summed in eight lanes (the rounding differs from a left-to-right sum
    /// in the last bits, as in any parallel sum).
    @inlinable
    public static func sum(_ p: UnsafeBufferPointer<Double>) -> Double {
        let n = p.count
        guard let base = p.baseAddress, n > 0 else { return 0 }
        var acc0 = SIMD8<Double>(repeating: 0), acc1 = SIMD8<Double>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 16 <= n {
            acc0 += raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
            acc1 += raw.loadUnaligned(fromByteOffset: (i &+ 8) &* 8, as: SIMD8<Double>.self)
            i &+= 16
        }
        var total = (acc0 + acc1).sum()
        while i < n { total += base[i]; i &+= 1 }
        return total
    }

    /// The sum of `p` widened to Int64: never overflows for fewer than 2^32 values.
    @inlinable
    public static func sum(_ p: UnsafeBufferPointer<Int32>) -> Int64 {
        let n = p.count
        guard let base = p.baseAddress, n > 0 else { return 0 }
        var acc = SIMD8<Int64>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Int32>.self)
            acc &+= SIMD8<Int64>(truncatingIfNeeded: v)
            i &+= 8
        }
        var total = acc.wrappedSum()
        while i < n { total &+= Int64(base[i]); i &+= 1 }
        return total
    }

    /// The sum of `p`, or nil when it overflows Int64. A wrapping sum is exact when every
    /// value fits in 32 bits (fewer than 2^31 values), which the same pass checks by OR-ing
    /// the values shifted into unsigned range; otherwise a checked loop decides. Plain loops:
    /// LLVM vectorizes both the wrapping sum and the OR with SSE2.
    @inlinable
    public static func checkedSum(_ p: UnsafeBufferPointer<Int64>) -> Int64? {
        if p.count < (1 << 31) {
            var total: Int64 = 0
            var wide: UInt64 = 0
            for v in p {
                total &+= v
                wide |= UInt64(bitPattern: v &+ 0x8000_0000)
            }
            if wide >> 32 == 0 { return total }
        }
        var total: Int64 = 0
        for v in p {
            let (r, o) = total.addingReportingOverflow(v)
            if o { return nil }
            total = r
        }
        return total
    }

    /// The least (`less`) or greatest value of `p` with SQL's NaN order (NaN after every
    /// number: max finds it, min passes it by unless every value is NaN); nil when empty.
    @inlinable
    public static func extreme(_ p: UnsafeBufferPointer<Double>, less: Bool) -> Double? {
        let n = p.count
        guard let base = p.baseAddress, n > 0 else { return nil }
        // Fast pass: four two-lane minima/maxima (a compare-and-select is minpd/maxpd; wider
        // generic vectors cost mask shuffles on baseline x86-64). A comparison with NaN is
        // false, so NaN never becomes a lane's best; `v - v` is 0 for finite values and NaN
        // for NaN and ±infinity, so `special` tells whether the careful pass must decide.
        let start = SIMD2<Double>(repeating: less ? .infinity : -.infinity)
        var b0 = start, b1 = start, b2 = start, b3 = start
        var special = SIMD2<Double>(repeating: 0)
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= n {
            let v0 = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD2<Double>.self)
            let v1 = raw.loadUnaligned(fromByteOffset: (i &+ 2) &* 8, as: SIMD2<Double>.self)
            let v2 = raw.loadUnaligned(fromByteOffset: (i &+ 4) &* 8, as: SIMD2<Double>.self)
            let v3 = raw.loadUnaligned(fromByteOffset: (i &+ 6) &* 8, as: SIMD2<Double>.self)
            if less {
                b0 = b0.replacing(with: v0, where: v0 .< b0); b1 = b1.replacing(with: v1, where: v1 .< b1)
                b2 = b2.replacing(with: v2, where: v2 .< b2); b3 = b3.replacing(with: v3, where: v3 .< b3)
            } else {
                b0 = b0.replacing(with: v0, where: v0 .> b0); b1 = b1.replacing(with: v1, where: v1 .> b1)
                b2 = b2.replacing(with: v2, where: v2 .> b2); b3 = b3.replacing(with: v3, where: v3 .> b3)
            }
            special += (v0 - v0) + (v1 - v1) + (v2 - v2) + (v3 - v3)
            i &+= 8
        }
        var b = less ? pointwiseMin(pointwiseMin(b0, b1), pointwiseMin(b2, b3)).min()
                     : pointwiseMax(pointwiseMax(b0, b1), pointwiseMax(b2, b3)).max()
        var clean = !special.sum().isNaN
        while i < n {
            let x = base[i]
            clean = clean && x.isFinite
            if less ? x < b : x > b { b = x }
            i &+= 1
        }
        if clean { return b }
        // NaN or infinity somewhere: one careful pass.
        var best: Double?
        var sawNaN = false
        for x in p {
            if x.isNaN { sawNaN = true; continue }
            if let cur = best { if less ? x < cur : x > cur { best = x } } else { best = x }
        }
        if sawNaN && (!less || best == nil) { return .nan }
        return best
    }

    /// The least (`less`) or greatest value of `p`; nil when empty. A plain loop: baseline
    /// x86-64 (SSE2) has no packed 32- or 64-bit integer min/max, and LLVM turns this loop
    /// into branch-free compare-and-moves, faster than generic SIMD types emulating them.
    @inlinable
    public static func extreme<T: FixedWidthInteger>(_ p: UnsafeBufferPointer<T>, less: Bool) -> T? {
        guard var b = p.first else { return nil }
        if less { for x in p { b = Swift.min(b, x) } } else { for x in p { b = Swift.max(b, x) } }
        return b
    }
}
