/// Whole-buffer reductions (sum, min, max) written with Swift SIMD types.
///
/// The compiler does not vectorize a floating-point sum on its own (IEEE addition is not
/// associative, so it keeps one dependent chain of adds); eight independent lanes break the
/// chain. Integer sums widen `Int32` to `Int64` lane-wise, so no per-value overflow check is
/// needed (2^32 values of 32 bits cannot overflow 64). Callers pass raw buffers; nothing here
/// reads out of bounds (the tail after the last full vector is done one value at a time).
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

    /// The sum of `p`, or nil when it overflows Int64. A lane-wise wrapping sum is exact when
    /// every value fits in 32 bits (checked in the same pass); otherwise a checked loop decides.
    @inlinable
    public static func checkedSum(_ p: UnsafeBufferPointer<Int64>) -> Int64? {
        let n = p.count
        guard let base = p.baseAddress, n > 0 else { return 0 }
        if n < (1 << 31) {
            var acc = SIMD8<Int64>(repeating: 0)
            var lo = SIMD8<Int64>(repeating: 0), hi = SIMD8<Int64>(repeating: 0)
            var i = 0
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Int64>.self)
                acc &+= v
                lo = pointwiseMin(lo, v)
                hi = pointwiseMax(hi, v)
                i &+= 8
            }
            var total = acc.wrappedSum()
            var small = lo.min() >= Int64(Int32.min) && hi.max() <= Int64(Int32.max)
            while i < n {
                let v = base[i]
                small = small && v >= Int64(Int32.min) && v <= Int64(Int32.max)
                total &+= v
                i &+= 1
            }
            if small { return total }
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
        var i = 0
        // Comparisons with NaN are false, so NaN never replaces a lane's best; NaNs are
        // counted apart (x != x) and decide the result at the end.
        var best = SIMD8<Double>(repeating: less ? .infinity : -.infinity)
        var nans = SIMD8<Int64>(repeating: 0)
        let one = SIMD8<Int64>(repeating: 1)
        let raw = UnsafeRawPointer(base)
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
            if less { best.replace(with: v, where: v .< best) } else { best.replace(with: v, where: v .> best) }
            nans &+= one.replacing(with: 0, where: v .== v)
            i &+= 8
        }
        var b = less ? best.min() : best.max()
        var nanCount = nans.wrappedSum()
        var numbers = i - Int(nanCount)
        while i < n {
            let x = base[i]
            if x.isNaN { nanCount += 1 } else {
                numbers += 1
                if less ? x < b : x > b { b = x }
            }
            i &+= 1
        }
        if nanCount > 0 && (!less || numbers == 0) { return .nan }
        return b
    }

    /// The least (`less`) or greatest value of `p`; nil when empty.
    @inlinable
    public static func extreme<T: FixedWidthInteger & SIMDScalar>(_ p: UnsafeBufferPointer<T>, less: Bool) -> T? {
        let n = p.count
        guard let base = p.baseAddress, n > 0 else { return nil }
        var best = SIMD8<T>(repeating: base[0])
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.stride, as: SIMD8<T>.self)
            best = less ? pointwiseMin(best, v) : pointwiseMax(best, v)
            i &+= 8
        }
        var b = less ? best.min() : best.max()
        while i < n { b = less ? Swift.min(b, base[i]) : Swift.max(b, base[i]); i &+= 1 }
        return b
    }
}
