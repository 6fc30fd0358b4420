import LakeqColumnar

/// A statistics bound decoded to a comparable value.
public enum StatValue: Hashable, Sendable, CustomStringConvertible {
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case bytes([UInt8])

    public var description: String {
        switch self {
        case .bool(let b): return String(b)
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .double(let v): return String(v)
        case .bytes(let b):
            if let s = String(validating: b, as: UTF8.self) { return "\"\(s)\"" }
            return "0x" + b.map { String($0, radix: 16).leftPadded(2) }.joined()
        }
    }

    /// Orders two bounds of the same kind (bytes compare as unsigned bytes).
    public static func < (a: StatValue, b: StatValue) -> Bool? {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return !x && y
        case (.int(let x), .int(let y)): return x < y
        case (.uint(let x), .uint(let y)): return x < y
        case (.double(let x), .double(let y)): return x < y
        case (.bytes(let x), .bytes(let y)): return x.lexicographicallyPrecedes(y)
        default: return nil
        }
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// The statistics of a column chunk (or page) that are safe to prune with.
public struct ChunkStatistics: Sendable {
    public var min: StatValue?
    public var max: StatValue?
    /// `nil` means unknown (not zero).
    public var nullCount: Int64?
    public var distinctCount: Int64?
    public var isMinExact: Bool
    public var isMaxExact: Bool

    /// Decodes the trustworthy bounds of `stats` for `column`.
    ///
    /// `min_value`/`max_value` follow the column order; the deprecated `min`/`max` are used
    /// only where their signed comparison agrees with the type's order. NaN bounds are dropped.
    public init(_ stats: Statistics, column: ColumnDescriptor, hasColumnOrders: Bool) {
        nullCount = stats.nullCount
        distinctCount = stats.distinctCount
        isMinExact = stats.isMinValueExact ?? true
        isMaxExact = stats.isMaxValueExact ?? true
        var lo = stats.minValue
        var hi = stats.maxValue
        let isBytes = column.physicalType == .byteArray || column.physicalType == .fixedLenByteArray
        if lo == nil || hi == nil {
            // Deprecated fields were compared signed: fine for signed numbers, wrong for
            // byte arrays and unsigned integers.
            if column.sortOrder == .signed && !isBytes {
                lo = stats.min
                hi = stats.max
            } else {
                lo = nil
                hi = nil
            }
        } else if isBytes && !hasColumnOrders {
            lo = nil
            hi = nil
        }
        if column.sortOrder == .undefined { lo = nil; hi = nil }
        min = lo.flatMap { Self.decode($0, column) }
        max = hi.flatMap { Self.decode($0, column) }
    }

    static func decode(_ b: [UInt8], _ column: ColumnDescriptor) -> StatValue? {
        func le<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard b.count == MemoryLayout<T>.size else { return nil }
            var v: T = 0
            for (i, byte) in b.enumerated() { v |= T(truncatingIfNeeded: byte) << (8 * i) }
            return v
        }
        switch column.physicalType {
        case .boolean: return b.count == 1 ? .bool(b[0] != 0) : nil
        case .int32:
            guard let v = le(UInt32.self) else { return nil }
            return column.sortOrder == .unsigned ? .uint(UInt64(v)) : .int(Int64(Int32(bitPattern: v)))
        case .int64:
            guard let v = le(UInt64.self) else { return nil }
            return column.sortOrder == .unsigned ? .uint(v) : .int(Int64(bitPattern: v))
        case .float:
            guard let v = le(UInt32.self) else { return nil }
            let f = Float(bitPattern: v)
            return f.isNaN ? nil : .double(Double(f))
        case .double:
            guard let v = le(UInt64.self) else { return nil }
            let d = Double(bitPattern: v)
            return d.isNaN ? nil : .double(d)
        case .int96: return nil
        case .byteArray, .fixedLenByteArray:
            if case .decimal = column.dataType { return nil }  // signed big-endian: not byte-comparable
            if case .float16 = column.dataType { return nil }
            return .bytes(b)
        }
    }
}

extension ParquetFile {
    /// True when the footer declares column orders (required to trust byte-array bounds).
    public var hasColumnOrders: Bool { !(footer.columnOrders ?? []).isEmpty }

    /// Trustworthy statistics of one column chunk, if it has any (decoding its metadata on
    /// first use: a chunk that does not decode is an error, never "no statistics").
    public func statistics(rowGroup: Int, column: Int) throws -> ChunkStatistics? {
        guard let stats = try columnChunk(rowGroup: rowGroup, column: column).metaData?.statistics else { return nil }
        return ChunkStatistics(stats, column: schema.columns[column], hasColumnOrders: hasColumnOrders)
    }

    /// Every page header of a column chunk, in order (parsing headers only).
    public func pageHeaders(rowGroup: Int, column: Int) throws -> [PageHeader] {
        let (offset, length) = try chunkRange(rowGroup: rowGroup, column: column)
        let bytes = try file.slice(offset, length, what: "\(path): row group \(rowGroup) column \(column)")
        var headers: [PageHeader] = []
        var pos = 0
        while pos < bytes.count {
            let (h, size) = try PageHeader.decode(UnsafeRawBufferPointer(rebasing: bytes[pos...]))
            guard h.compressedPageSize >= 0, Int(h.compressedPageSize) <= bytes.count - pos - size else {
                throw ParquetError.corrupt("\(path): page runs past the end of its column chunk")
            }
            pos += size + Int(h.compressedPageSize)
            headers.append(h)
        }
        return headers
    }
}
