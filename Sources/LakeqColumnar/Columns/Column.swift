/// The values buffer of a column. Which case holds a `DataType`:
/// - `.boolean`: boolean
/// - `.int32`: int8/16/32, uint8/16/32 (bit pattern), date32, time(millis), decimal(p ≤ 9)
/// - `.int64`: int64, uint64 (bit pattern), time(micros/nanos), timestamp, decimal(p ≤ 18)
/// - `.float32`, `.float64`
/// - `.bytes`: string, binary, json, decimal stored as byte arrays
/// - `.fixed`: fixedBinary, float16, int96, uuid, decimal stored as fixed bytes
/// - `.dictionary`: any of the above, kept as a dictionary plus per-row indices
/// - `.list`: list and map (offsets into one child column of entries)
/// - `.structure`: struct (one child column per field)
///
/// Null slots hold an arbitrary (zeroed) value, so every buffer has one slot per row.
public enum ColumnValues: Sendable {
    case boolean([Bool])
    case int32([Int32])
    case int64([Int64])
    case float32([Float])
    case float64([Double])
    case bytes(ByteArrays)
    case fixed(FixedBytes)
    indirect case dictionary(dictionary: ColumnValues, indices: [Int32])
    indirect case list(ListValues)
    indirect case structure(StructValues)

    /// Number of slots.
    public var count: Int {
        switch self {
        case .boolean(let v): return v.count
        case .int32(let v): return v.count
        case .int64(let v): return v.count
        case .float32(let v): return v.count
        case .float64(let v): return v.count
        case .bytes(let v): return v.count
        case .fixed(let v): return v.count
        case .dictionary(_, let idx): return idx.count
        case .list(let l): return l.count
        case .structure(let s): return s.count
        }
    }

    /// Bytes of the buffers holding the values (children and offsets included; validity
    /// bitmaps are the column's): what a cache that keeps them is charged.
    public var byteCount: Int {
        switch self {
        case .boolean(let v): return v.count
        case .int32(let v): return v.count * 4
        case .int64(let v): return v.count * 8
        case .float32(let v): return v.count * 4
        case .float64(let v): return v.count * 8
        case .bytes(let b): return b.data.count + b.offsets.count * 4
        case .fixed(let f): return f.data.count
        case .dictionary(let d, let indices): return d.byteCount + indices.count * 4
        case .list(let l): return l.offsets.count * 4 + l.entries.values.byteCount
        case .structure(let s): return s.children.reduce(0) { $0 + $1.values.byteCount }
        }
    }

    /// An empty buffer of the same storage kind.
    public func emptyLike() -> ColumnValues {
        switch self {
        case .boolean: return .boolean([])
        case .int32: return .int32([])
        case .int64: return .int64([])
        case .float32: return .float32([])
        case .float64: return .float64([])
        case .bytes: return .bytes(ByteArrays())
        case .fixed(let f): return .fixed(FixedBytes(width: f.width))
        case .dictionary(let d, _): return d.emptyLike()
        case .list(let l): return .list(ListValues(offsets: [0], entries: l.entries.emptyLike()))
        case .structure(let s): return .structure(StructValues(children: s.children.map { $0.emptyLike() }, count: 0))
        }
    }

    /// Slots at `indices`, in that order; dictionaries stay dictionaries.
    public func gather(_ indices: [Int32]) -> ColumnValues {
        switch self {
        case .boolean(let v): return .boolean(indices.map { v[Int($0)] })
        case .int32(let v): return .int32(v.gatherValues(indices))
        case .int64(let v): return .int64(v.gatherValues(indices))
        case .float32(let v): return .float32(v.gatherValues(indices))
        case .float64(let v): return .float64(v.gatherValues(indices))
        case .bytes(let v): return .bytes(v.gather(indices))
        case .fixed(let f):
            var out = FixedBytes(width: f.width)
            out.data.reserveCapacity(indices.count * f.width)
            for i in indices { out.data.append(contentsOf: f[Int(i)]) }
            return .fixed(out)
        case .dictionary(let d, let idx): return .dictionary(dictionary: d, indices: idx.gatherValues(indices))
        case .list(let l): return .list(l.gather(indices))
        case .structure(let s): return .structure(s.gather(indices))
        }
    }

    /// The same values with any dictionary expanded.
    public func materialized() -> ColumnValues {
        if case .dictionary(let d, let idx) = self { return d.materialized().gather(idx) }
        return self
    }
}

extension Array where Element: BitwiseCopyable {
    /// `self[indices[k]]` for each k.
    @inlinable public func gatherValues(_ indices: [Int32]) -> [Element] {
        withUnsafeBufferPointer { src in
            [Element](unsafeUninitializedCapacity: indices.count) { out, n in
                indices.withUnsafeBufferPointer { idx in
                    for k in 0..<idx.count { out.initializeElement(at: k, to: src[Int(idx[k])]) }
                }
                n = indices.count
            }
        }
    }
}

/// One column of a batch: its type, values and validity.
public struct Column: Sendable {
    public var type: DataType
    public var values: ColumnValues
    /// `nil` means every slot is valid.
    public var validity: Bitmap?

    public init(type: DataType, values: ColumnValues, validity: Bitmap? = nil) {
        self.type = type
        self.values = values
        self.validity = validity
    }

    @inlinable public var count: Int { values.count }

    @inlinable public func isNull(_ i: Int) -> Bool {
        guard let v = validity else { return false }
        return !v[i]
    }

    /// Number of null slots.
    public var nullCount: Int { validity.map { $0.count - $0.setCount } ?? 0 }

    /// An empty column of the same type and storage.
    public func emptyLike() -> Column { Column(type: type, values: values.emptyLike()) }

    /// Rows at `indices`, in that order.
    public func gather(_ indices: [Int32]) -> Column {
        var validityOut: Bitmap?
        if let v = validity {
            var b = Bitmap(count: indices.count, value: true)
            for (k, i) in indices.enumerated() where !v[Int(i)] { b[k] = false }
            validityOut = b
        }
        return Column(type: type, values: values.gather(indices), validity: validityOut)
    }
}

/// Columns of equal length under a schema.
public struct RecordBatch: Sendable {
    public var schema: Schema
    public var columns: [Column]
    public var rowCount: Int

    public init(schema: Schema, columns: [Column], rowCount: Int) {
        self.schema = schema
        self.columns = columns
        self.rowCount = rowCount
    }
}

extension Array where Element: BitwiseCopyable & ExpressibleByIntegerLiteral {
    /// Appends `count` elements copied from possibly unaligned little-endian bytes.
    @inlinable public mutating func appendRaw(_ bytes: UnsafeRawBufferPointer, count n: Int) {
        precondition(bytes.count >= n * MemoryLayout<Element>.stride)
        guard n > 0 else { return }
        if let start = bytes.baseAddress, Int(bitPattern: start) % MemoryLayout<Element>.alignment == 0 {
            // Aligned (a page without levels in front of its values): one copy into the new
            // elements, without first zero-filling them.
            start.withMemoryRebound(to: Element.self, capacity: n) { append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
            return
        }
        let base = self.count
        // Zero-fill then copy over: Array has no uninitialized append.
        append(contentsOf: repeatElement(0, count: n))
        withUnsafeMutableBytes { dst in
            UnsafeMutableRawBufferPointer(rebasing: dst[(base * MemoryLayout<Element>.stride)...])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<(n * MemoryLayout<Element>.stride)]))
        }
    }
}
