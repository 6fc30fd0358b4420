/// Storage of list and map columns (Arrow's list layout): slot `i` holds the entries
/// `offsets[i] ..< offsets[i + 1]` of the child column `entries`. A null or empty slot has no
/// entries; validity lives on the owning `Column`, as for every other type.
///
/// A map's entries are a `structure` column of two children, the keys and the values.
public struct ListValues: Sendable {
    /// `count + 1` non-decreasing offsets, the first 0 and the last `entries.count`.
    public var offsets: [Int32]
    public var entries: Column

    public init(offsets: [Int32], entries: Column) {
        self.offsets = offsets
        self.entries = entries
    }

    @inlinable public var count: Int { offsets.count - 1 }

    /// Entry positions of slot `i` in `entries`.
    @inlinable public func range(_ i: Int) -> Range<Int> { Int(offsets[i])..<Int(offsets[i + 1]) }

    /// Slots at `indices`, in that order (entries copied).
    public func gather(_ indices: [Int32]) -> ListValues {
        var newOffsets: [Int32] = [0]
        newOffsets.reserveCapacity(indices.count + 1)
        var entryIndices: [Int32] = []
        for i in indices {
            let r = range(Int(i))
            for e in r { entryIndices.append(Int32(truncatingIfNeeded: e)) }
            newOffsets.append(Int32(truncatingIfNeeded: entryIndices.count))
        }
        return ListValues(offsets: newOffsets, entries: entries.gather(entryIndices))
    }

    /// True when offsets start at 0, never decrease and end at the entry count.
    public var isWellFormed: Bool {
        guard let first = offsets.first, first == 0, let last = offsets.last, Int(last) == entries.count else { return false }
        var prev: Int32 = 0
        for o in offsets { if o < prev { return false }; prev = o }
        return true
    }
}

/// Storage of struct columns: one child column per field, each with `count` slots. A slot
/// where the struct is null still has a (null or arbitrary) slot in every child.
public struct StructValues: Sendable {
    public var children: [Column]
    /// Slots; kept explicitly so a struct without fields still has a length.
    public var count: Int

    public init(children: [Column], count: Int) {
        self.children = children
        self.count = count
    }

    public func gather(_ indices: [Int32]) -> StructValues {
        StructValues(children: children.map { $0.gather(indices) }, count: indices.count)
    }
}

extension Column {
    /// The columns one after another (all of the same type and storage kind; dictionaries are
    /// expanded unless they share one). Nested columns concatenate their children.
    public static func concatenate(_ parts: [Column]) -> Column {
        guard let first = parts.first else { return Column(type: .int32, values: .int32([])) }
        if parts.count == 1 { return first }
        let total = parts.reduce(0) { $0 + $1.count }
        var validity: Bitmap?
        if parts.contains(where: { $0.validity != nil }) {
            var v = Bitmap(count: 0, value: false)
            for p in parts {
                if let pv = p.validity { for i in 0..<p.count { v.append(pv[i]) } } else { v.append(repeating: true, count: p.count) }
            }
            validity = v
        }
        let values: ColumnValues
        switch first.values {
        case .list:
            var offsets: [Int32] = [0]
            offsets.reserveCapacity(total + 1)
            var entries: [Column] = []
            for p in parts {
                guard case .list(let l) = p.values else { continue }
                let base = offsets[offsets.count - 1]
                for i in 1..<l.offsets.count { offsets.append(base &+ l.offsets[i]) }
                entries.append(l.entries)
            }
            values = .list(ListValues(offsets: offsets, entries: concatenate(entries)))
        case .structure(let s0):
            var children: [Column] = []
            for f in 0..<s0.children.count {
                children.append(concatenate(parts.compactMap { p -> Column? in
                    if case .structure(let s) = p.values, f < s.children.count { return s.children[f] }
                    return nil
                }))
            }
            values = .structure(StructValues(children: children, count: total))
        default:
            var acc = first.values.materialized()
            for p in parts.dropFirst() { acc = Self.append(acc, p.values.materialized()) }
            values = acc
        }
        return Column(type: first.type, values: values, validity: validity)
    }

    private static func append(_ a: ColumnValues, _ b: ColumnValues) -> ColumnValues {
        switch (a, b) {
        case (.boolean(var x), .boolean(let y)): x.append(contentsOf: y); return .boolean(x)
        case (.int32(var x), .int32(let y)): x.append(contentsOf: y); return .int32(x)
        case (.int64(var x), .int64(let y)): x.append(contentsOf: y); return .int64(x)
        case (.float32(var x), .float32(let y)): x.append(contentsOf: y); return .float32(x)
        case (.float64(var x), .float64(let y)): x.append(contentsOf: y); return .float64(x)
        case (.bytes(var x), .bytes(let y)): x.append(contentsOf: y); return .bytes(x)
        case (.fixed(var x), .fixed(let y)): x.data.append(contentsOf: y.data); return .fixed(x)
        default: return a
        }
    }
}

extension Column {
    /// `count` NULL slots of `type` in its storage (nested types with empty lists and NULL
    /// struct children).
    public static func nulls(_ type: DataType, count n: Int) -> Column {
        let values: ColumnValues
        switch type {
        case .boolean: values = .boolean([Bool](repeating: false, count: n))
        case .int8, .int16, .int32, .uint8, .uint16, .uint32, .date32: values = .int32([Int32](repeating: 0, count: n))
        case .time(let unit, _) where unit == .millis: values = .int32([Int32](repeating: 0, count: n))
        case .decimal(let p, _) where p <= 9: values = .int32([Int32](repeating: 0, count: n))
        case .float32: values = .float32([Float](repeating: 0, count: n))
        case .float64: values = .float64([Double](repeating: 0, count: n))
        case .string, .binary, .json: values = .bytes(ByteArrays(offsets: [Int32](repeating: 0, count: n + 1), data: []))
        case .decimal(let p, _) where p > 18: values = .bytes(ByteArrays(offsets: [Int32](repeating: 0, count: n + 1), data: []))
        case .fixedBinary(let w): values = .fixed(FixedBytes(width: w, data: [UInt8](repeating: 0, count: n * w)))
        case .float16: values = .fixed(FixedBytes(width: 2, data: [UInt8](repeating: 0, count: n * 2)))
        case .int96: values = .fixed(FixedBytes(width: 12, data: [UInt8](repeating: 0, count: n * 12)))
        case .uuid: values = .fixed(FixedBytes(width: 16, data: [UInt8](repeating: 0, count: n * 16)))
        case .list(let e): values = .list(ListValues(offsets: [Int32](repeating: 0, count: n + 1), entries: nulls(e.type, count: 0)))
        case .map(let k, let v):
            values = .list(ListValues(offsets: [Int32](repeating: 0, count: n + 1), entries: nulls(.mapEntries(key: k, value: v), count: 0)))
        case .structure(let fields): values = .structure(StructValues(children: fields.map { nulls($0.type, count: n) }, count: n))
        default: values = .int64([Int64](repeating: 0, count: n))
        }
        return Column(type: type, values: values, validity: Bitmap(count: n, value: false))
    }
}
