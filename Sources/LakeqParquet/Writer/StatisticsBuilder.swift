import LakeqColumnar

/// The order min/max statistics follow for one column (its TYPE_DEFINED_ORDER).
enum StatOrder: Sendable {
    case boolean
    case int32, uint32, int64, uint64
    /// IEEE floats: NaN ignored, -0.0 / +0.0 equal (bounds written as -0.0 / +0.0).
    case float, double, float16
    /// Unsigned lexicographic bytes (strings, binary, uuid, fixed).
    case bytes
    /// Big-endian two's complement integers of any width (byte-array decimals).
    case signedBytes
    /// No order (INT96): no min/max written.
    case none

    static func of(_ type: DataType, storage: StorageKind) -> StatOrder {
        switch type {
        case .boolean: return .boolean
        case .uint8, .uint16, .uint32: return .uint32
        case .uint64: return .uint64
        case .float16: return .float16
        case .float32: return .float
        case .float64: return .double
        case .int96: return .none
        case .decimal:
            switch storage {
            case .int32: return .int32
            case .int64: return .int64
            default: return .signedBytes
            }
        case .string, .binary, .json, .uuid, .fixedBinary: return .bytes
        default: return storage == .int32 ? .int32 : .int64
        }
    }

    /// Whether bounds may be truncated (only unsigned byte orders keep their meaning when cut).
    var truncatable: Bool { self == .bytes }
}

/// One page's or chunk's untruncated bounds, PLAIN-encoded without length prefix.
struct Bounds {
    var min: [UInt8]
    var max: [UInt8]
}

/// Computes and compares statistics bounds.
enum StatisticsBuilder {
    /// Three-way compare of two encoded bounds under `order`.
    static func compare(_ a: [UInt8], _ b: [UInt8], _ order: StatOrder) -> Int {
        func le<T: FixedWidthInteger>(_ x: [UInt8], _: T.Type) -> T {
            var v: T = 0
            for (i, byte) in x.prefix(MemoryLayout<T>.size).enumerated() { v |= T(truncatingIfNeeded: byte) << (8 * i) }
            return v
        }
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        switch order {
        case .boolean: return cmp(a.first ?? 0, b.first ?? 0)
        case .int32: return cmp(Int32(bitPattern: le(a, UInt32.self)), Int32(bitPattern: le(b, UInt32.self)))
        case .uint32: return cmp(le(a, UInt32.self), le(b, UInt32.self))
        case .int64: return cmp(Int64(bitPattern: le(a, UInt64.self)), Int64(bitPattern: le(b, UInt64.self)))
        case .uint64: return cmp(le(a, UInt64.self), le(b, UInt64.self))
        case .float: return cmp(Float(bitPattern: le(a, UInt32.self)), Float(bitPattern: le(b, UInt32.self)))
        case .double: return cmp(Double(bitPattern: le(a, UInt64.self)), Double(bitPattern: le(b, UInt64.self)))
        case .float16: return cmp(HalfFloat.toFloat(le(a, UInt16.self)), HalfFloat.toFloat(le(b, UInt16.self)))
        case .bytes: return compareBytes(a[...], b[...])
        case .signedBytes: return compareSignedBigEndian(a[...], b[...])
        case .none: return 0
        }
    }

    @inline(__always)
    static func compareBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in compareRaw(UnsafeRawBufferPointer(pa), UnsafeRawBufferPointer(pb)) } }
    }

    /// Unsigned lexicographic compare (a shorter prefix sorts first).
    @inline(__always)
    static func compareRaw(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = Swift.min(a.count, b.count)
        if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let c = memcmp(pa, pb, n)
            if c != 0 { return c < 0 ? -1 : 1 }
        }
        return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
    }

    /// Compares big-endian two's complement integers of possibly different widths.
    static func compareSignedBigEndian(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        let negA = (a.first ?? 0) & 0x80 != 0, negB = (b.first ?? 0) & 0x80 != 0
        if negA != negB { return negA ? -1 : 1 }
        // Same sign: sign-extend to a common width, then compare bytes unsigned.
        let n = Swift.max(a.count, b.count)
        let fill: UInt8 = negA ? 0xFF : 0
        for i in 0..<n {
            let x = i < n - a.count ? fill : a[a.startIndex + i - (n - a.count)]
            let y = i < n - b.count ? fill : b[b.startIndex + i - (n - b.count)]
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }

    /// Merges page bounds into chunk bounds.
    static func merge(_ a: Bounds?, _ b: Bounds?, _ order: StatOrder) -> Bounds? {
        guard let a else { return b }
        guard let b else { return a }
        return Bounds(
            min: compare(b.min, a.min, order) < 0 ? b.min : a.min,
            max: compare(b.max, a.max, order) > 0 ? b.max : a.max)
    }

    /// The `Statistics` to write for `bounds` (truncating long byte bounds) and `nullCount`.
    static func statistics(_ bounds: Bounds?, nullCount: Int, order: StatOrder, truncateTo limit: Int) -> Statistics {
        var s = Statistics(nullCount: Int64(nullCount))
        guard let bounds, order != .none else { return s }
        let (lo, loExact) = truncateMin(bounds.min, order, limit)
        let (hi, hiExact) = truncateMax(bounds.max, order, limit)
        s.minValue = lo
        s.maxValue = hi
        s.isMinValueExact = loExact
        s.isMaxValueExact = hiExact
        return s
    }

    /// A lower bound of at most `limit` bytes: the prefix.
    static func truncateMin(_ v: [UInt8], _ order: StatOrder, _ limit: Int) -> ([UInt8], Bool) {
        guard order.truncatable, v.count > limit else { return (v, true) }
        return (Array(v.prefix(limit)), false)
    }

    /// An upper bound of at most `limit` bytes: the prefix with its last non-0xFF byte
    /// incremented and what follows dropped. All 0xFF: no shorter upper bound exists, keep `v`.
    static func truncateMax(_ v: [UInt8], _ order: StatOrder, _ limit: Int) -> ([UInt8], Bool) {
        guard order.truncatable, v.count > limit else { return (v, true) }
        var p = Array(v.prefix(limit))
        while let last = p.last {
            if last != 0xFF {
                p[p.count - 1] = last + 1
                return (p, false)
            }
            p.removeLast()
        }
        return (v, true)
    }

    /// BoundaryOrder of a column index from its non-null pages' bounds.
    static func boundaryOrder(_ pages: [Bounds?], _ order: StatOrder) -> BoundaryOrder {
        var asc = true, desc = true
        var prev: Bounds?
        for case let b? in pages {
            if let p = prev {
                let cmin = compare(p.min, b.min, order), cmax = compare(p.max, b.max, order)
                if cmin > 0 || cmax > 0 { asc = false }
                if cmin < 0 || cmax < 0 { desc = false }
            }
            prev = b
        }
        return asc ? .ascending : (desc ? .descending : .unordered)
    }

    // MARK: computing bounds over values

    static func encode<T: BitwiseCopyable>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v) { Array($0) }
    }

    /// Bounds of `values[range]` (dense: no null slots). `nil` when empty, all NaN, or no order.
    static func bounds(_ values: ColumnValues, _ range: Range<Int>, _ order: StatOrder) -> Bounds? {
        guard !range.isEmpty, order != .none else { return nil }
        switch values {
        case .boolean(let v):
            var anyFalse = false, anyTrue = false
            for i in range { if v[i] { anyTrue = true } else { anyFalse = true } }
            return Bounds(min: [anyFalse ? 0 : 1], max: [anyTrue ? 1 : 0])
        case .int32(let v):
            if order == .uint32 {
                return v.withUnsafeBufferPointer { p in
                    p.withMemoryRebound(to: UInt32.self) { u in
                        let (lo, hi) = minMax(u, range)
                        return Bounds(min: encode(lo), max: encode(hi))
                    }
                }
            }
            return v.withUnsafeBufferPointer { p in
                let (lo, hi) = minMax(p, range)
                return Bounds(min: encode(lo), max: encode(hi))
            }
        case .int64(let v):
            if order == .uint64 {
                return v.withUnsafeBufferPointer { p in
                    p.withMemoryRebound(to: UInt64.self) { u in
                        let (lo, hi) = minMax(u, range)
                        return Bounds(min: encode(lo), max: encode(hi))
                    }
                }
            }
            return v.withUnsafeBufferPointer { p in
                let (lo, hi) = minMax(p, range)
                return Bounds(min: encode(lo), max: encode(hi))
            }
        case .float32(let v):
            return v.withUnsafeBufferPointer { p in
                guard let (lo, hi) = floatMinMax(p, range) else { return nil }
                return Bounds(min: encode(lo), max: encode(hi))
            }
        case .float64(let v):
            return v.withUnsafeBufferPointer { p in
                guard let (lo, hi) = floatMinMax(p, range) else { return nil }
                return Bounds(min: encode(lo), max: encode(hi))
            }
        case .bytes(let b):
            return b.data.withUnsafeBytes { data in
                b.offsets.withUnsafeBufferPointer { off in
                    let get = { (i: Int) in UnsafeRawBufferPointer(rebasing: data[Int(off[i])..<Int(off[i + 1])]) }
                    return byteBounds(range, order, get)
                }
            }
        case .fixed(let f):
            let w = f.width
            if order == .float16 {
                var lo: Float = .infinity, hi: Float = -.infinity, any = false
                for i in range {
                    let bits = UInt16(f.data[i * w]) | UInt16(f.data[i * w + 1]) << 8
                    let x = HalfFloat.toFloat(bits)
                    if x.isNaN { continue }
                    any = true
                    if x < lo { lo = x }
                    if x > hi { hi = x }
                }
                guard any else { return nil }
                return Bounds(min: encode(halfBits(lo, forMin: true, f, range)), max: encode(halfBits(hi, forMin: false, f, range)))
            }
            return f.data.withUnsafeBytes { data in
                byteBounds(range, order) { i in UnsafeRawBufferPointer(rebasing: data[(i * w)..<((i + 1) * w)]) }
            }
        case .dictionary, .list, .structure:
            return nil
        }
    }

    /// The half-float bit pattern of bound `x` (found among the values), zero signed as the spec says.
    private static func halfBits(_ x: Float, forMin: Bool, _ f: FixedBytes, _ range: Range<Int>) -> UInt16 {
        if x == 0 { return forMin ? 0x8000 : 0x0000 }
        for i in range {
            let bits = UInt16(f.data[i * f.width]) | UInt16(f.data[i * f.width + 1]) << 8
            if HalfFloat.toFloat(bits) == x { return bits }
        }
        return 0
    }

    @inline(__always)
    static func byteBounds(_ range: Range<Int>, _ order: StatOrder, _ get: (Int) -> UnsafeRawBufferPointer) -> Bounds {
        var lo = range.lowerBound, hi = range.lowerBound
        var loV = get(lo), hiV = loV
        for i in range.dropFirst() {
            let v = get(i)
            if order == .signedBytes {
                if compareSignedBigEndian(ArraySlice(v), ArraySlice(loV)) < 0 { lo = i; loV = v }
                if compareSignedBigEndian(ArraySlice(v), ArraySlice(hiV)) > 0 { hi = i; hiV = v }
            } else {
                if compareRaw(v, loV) < 0 { lo = i; loV = v }
                if compareRaw(v, hiV) > 0 { hi = i; hiV = v }
            }
        }
        _ = (lo, hi)
        return Bounds(min: Array(loV), max: Array(hiV))
    }

    @inline(__always)
    static func minMax<T: FixedWidthInteger>(_ p: UnsafeBufferPointer<T>, _ range: Range<Int>) -> (T, T) {
        var lo = T.max, hi = T.min
        for i in range {
            let x = p[i]
            lo = Swift.min(lo, x)
            hi = Swift.max(hi, x)
        }
        return (lo, hi)
    }

    /// Min and max ignoring NaN; a zero bound becomes -0.0 (min) / +0.0 (max). `nil` if all NaN.
    @inline(__always)
    static func floatMinMax<T: BinaryFloatingPoint>(_ p: UnsafeBufferPointer<T>, _ range: Range<Int>) -> (T, T)? {
        var lo = T.infinity, hi = -T.infinity, any = false
        for i in range {
            let x = p[i]
            if x.isNaN { continue }
            any = true
            if x < lo { lo = x }
            if x > hi { hi = x }
        }
        guard any else { return nil }
        if lo == 0 { lo = -T(0) }
        if hi == 0 { hi = T(0) }
        return (lo, hi)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
