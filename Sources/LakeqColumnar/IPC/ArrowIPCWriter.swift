/// Writes the Arrow IPC *stream* format (`application/vnd.apache.arrow.stream`): a schema
/// message, one record-batch message per batch, then the end-of-stream marker. pyarrow reads
/// it with `pyarrow.ipc.open_stream`.
///
/// Each message is `0xFFFFFFFF`, the metadata length, a FlatBuffers `Message` (padded to 8
/// bytes), then the body: every buffer 8-byte aligned, uncompressed, little-endian.
///
/// Types: BOOLEAN → Bool, INTEGER → Int32, BIGINT → Int64, DOUBLE → Float64, VARCHAR →
/// Utf8, DATE → Date32 (days), TIMESTAMP → Timestamp(µs, "UTC", or no zone for local
/// timestamps), DECIMAL(p, s) → Decimal128(p, s). Dictionary columns are written as their
/// values. Other storage types (unsigned, float32, binary…) are widened or written as their
/// nearest Arrow type; see `ArrowIPCWriter.arrowType(_:)`. Nested columns follow the Arrow
/// columnar layout: LIST → List (validity, int32 offsets, the element child), STRUCT → Struct
/// (validity, one child per field), MAP → Map (`keysSorted` false) over a non-null
/// `entries: Struct<key, value>` child. Field nodes and buffers are written depth first, each
/// column before its children, as the format requires.
public struct ArrowIPCWriter: Sendable {
    public let schema: Schema

    /// Arrow metadata version V5.
    static let metadataVersion: Int16 = 4

    public init(schema: Schema) { self.schema = schema }

    /// The schema message (write it first).
    public func schemaMessage() -> [UInt8] {
        let fields = schema.fields.map { Self.fieldTable($0.name, type: $0.type, nullable: $0.nullable) }
        let schemaTable = FlatBufferValue.table([.int16(0), .offset(.tables(fields))])
        return Self.message(headerType: 1, header: schemaTable, body: [])
    }

    /// One record-batch message holding `batch` (its columns in schema order).
    public func batchMessage(_ batch: RecordBatch) -> [UInt8] {
        var body: [UInt8] = []
        var nodes: [UInt8] = []
        var buffers: [UInt8] = []
        func appendBuffer(_ bytes: [UInt8]) {
            while body.count % 8 != 0 { body.append(0) }
            let offset = body.count
            body.append(contentsOf: bytes)
            Self.put(Int64(offset), into: &buffers)
            Self.put(Int64(bytes.count), into: &buffers)
        }
        for (i, column) in batch.columns.enumerated() {
            let type = i < schema.fields.count ? schema.fields[i].type : column.type
            Self.appendColumn(column, type: type, rows: batch.rowCount, nodes: &nodes, appendBuffer: appendBuffer)
        }
        while body.count % 8 != 0 { body.append(0) }
        let header = FlatBufferValue.table([
            .int64(Int64(batch.rowCount)),
            .offset(.structs(bytes: nodes, count: nodes.count / 16, alignment: 8)),
            .offset(.structs(bytes: buffers, count: buffers.count / 16, alignment: 8)),
        ])
        return Self.message(headerType: 3, header: header, body: body)
    }

    /// The end-of-stream marker.
    public static let endOfStream: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]

    /// A whole stream: schema, batches, end marker.
    public func stream(_ batches: [RecordBatch]) -> [UInt8] {
        var out = schemaMessage()
        for b in batches { out += batchMessage(b) }
        return out + Self.endOfStream
    }

    // MARK: messages

    static func message(headerType: UInt8, header: FlatBufferValue, body: [UInt8]) -> [UInt8] {
        let message = FlatBufferValue.table([
            .int16(metadataVersion), .uint8(headerType), .offset(header), .int64(Int64(body.count)),
        ])
        var meta = FlatBufferWriter.serialize(message)
        while meta.count % 8 != 0 { meta.append(0) }
        var out: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]
        out.reserveCapacity(8 + meta.count + body.count)
        put(Int32(meta.count), into: &out)
        out += meta
        out += body
        return out
    }

    static func put<T: FixedWidthInteger>(_ v: T, into out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    // MARK: columns

    /// The field node and buffers of `column`'s first `rows` slots as Arrow type `type`, then
    /// (depth first) those of its children. A column whose storage does not match its nested
    /// type is written as NULLs of that type rather than trapping.
    static func appendColumn(_ column: Column, type: DataType, rows: Int, nodes: inout [UInt8], appendBuffer: ([UInt8]) -> Void) {
        var column = column
        if type.isNested && !storageMatches(column.values, type, rows: rows) { column = Column.nulls(type, count: rows) }
        let nulls = column.validity.map { v in min(rows, v.count) - v.setCount(in: 0, count: min(rows, v.count)) } ?? 0
        put(Int64(rows), into: &nodes)
        put(Int64(nulls), into: &nodes)
        appendBuffer(nulls == 0 ? [] : bitmapBytes(column.validity, rows: rows))
        switch (type, column.values) {
        case (.list(let element), .list(let l)):
            let (offsets, entries) = rebased(l, rows: rows)
            appendBuffer(raw(offsets))
            appendColumn(entries, type: element.type, rows: entries.count, nodes: &nodes, appendBuffer: appendBuffer)
        case (.map(let key, let value), .list(let l)):
            let (offsets, entries) = rebased(l, rows: rows)
            appendBuffer(raw(offsets))
            appendColumn(entries, type: .mapEntries(key: key, value: value), rows: entries.count, nodes: &nodes, appendBuffer: appendBuffer)
        case (.structure(let fields), .structure(let s)):
            for (k, f) in fields.enumerated() {
                let child = k < s.children.count && s.children[k].count >= rows ? s.children[k] : Column.nulls(f.type, count: rows)
                appendColumn(child, type: f.type, rows: rows, nodes: &nodes, appendBuffer: appendBuffer)
            }
        default:
            for buffer in valueBuffers(column, type: type, rows: rows) { appendBuffer(buffer) }
        }
    }

    static func storageMatches(_ values: ColumnValues, _ type: DataType, rows: Int) -> Bool {
        switch (type, values) {
        case (.list, .list(let l)), (.map, .list(let l)):
            guard l.offsets.count > rows, l.offsets[0] >= 0, Int(l.offsets[rows]) <= l.entries.count else { return false }
            for r in 0..<rows where l.offsets[r] > l.offsets[r + 1] { return false }
            return true
        case (.structure(let fields), .structure(let s)): return s.children.count == fields.count
        default: return false
        }
    }

    /// The first `rows` slots' offsets starting at 0 and exactly the entries they span.
    static func rebased(_ l: ListValues, rows: Int) -> ([Int32], Column) {
        guard rows > 0, l.offsets.count > rows else { return ([0], l.entries.emptyLike()) }
        let base = l.offsets[0], end = l.offsets[rows]
        let offsets = base == 0 ? Array(l.offsets.prefix(rows + 1)) : l.offsets.prefix(rows + 1).map { $0 - base }
        if base == 0 && Int(end) == l.entries.count { return (offsets, l.entries) }
        return (offsets, l.entries.gather((base..<end).map { $0 }))
    }

    // MARK: types

    /// A schema `Field` table: name, nullability, type and (for nested types) child fields.
    static func fieldTable(_ name: String, type: DataType, nullable: Bool) -> FlatBufferValue {
        let (typeId, typeTable) = arrowType(type)
        let children: [FlatBufferValue]
        switch type {
        case .list(let e): children = [fieldTable(e.name, type: e.type, nullable: e.nullable)]
        case .structure(let fields): children = fields.map { fieldTable($0.name, type: $0.type, nullable: $0.nullable) }
        case .map(let k, let v):
            children = [fieldTable("entries", type: .structure(fields: [
                Field(name: "key", type: k.type, nullable: false), Field(name: "value", type: v.type, nullable: v.nullable),
            ]), nullable: false)]
        default: children = []
        }
        return .table([
            .offset(.string(name)), .bool(nullable), .uint8(typeId), .offset(typeTable), nil, .offset(.tables(children)),
        ])
    }

    /// The Arrow `Type` union member (id and table) for an engine type.
    static func arrowType(_ t: DataType) -> (UInt8, FlatBufferValue) {
        func int(_ bits: Int32, _ signed: Bool) -> (UInt8, FlatBufferValue) { (2, .table([.int32(bits), .bool(signed)])) }
        switch t {
        case .boolean: return (6, .table([]))
        case .int8: return int(8, true)
        case .int16: return int(16, true)
        case .int32: return int(32, true)
        case .int64: return int(64, true)
        case .uint8: return int(8, false)
        case .uint16: return int(16, false)
        case .uint32: return int(32, false)
        case .uint64: return int(64, false)
        case .float16, .float32, .float64: return (3, .table([.int16(2)]))
        case .string, .json, .uuid: return (5, .table([]))
        case .binary, .fixedBinary, .int96: return (4, .table([]))
        case .date32: return (8, .table([.int16(0)]))
        case .timestamp(_, let utc), .time(_, let utc):
            // Values are written in microseconds (see valueBuffers).
            return (10, .table([.int16(2), utc ? .offset(.string("UTC")) : nil]))
        case .decimal(let p, let s): return (7, .table([.int32(Int32(p)), .int32(Int32(s)), .int32(128)]))
        case .list: return (12, .table([]))
        case .structure: return (13, .table([]))
        case .map: return (17, .table([.bool(false)]))
        }
    }

    // MARK: buffers

    static func bitmapBytes(_ validity: Bitmap?, rows: Int) -> [UInt8] {
        let n = (rows + 7) / 8
        guard let v = validity else { return [UInt8](repeating: 0xFF, count: n) }
        var out = [UInt8](repeating: 0, count: n)
        for r in 0..<rows where v[r] { out[r >> 3] |= 1 << UInt8(r & 7) }
        return out
    }

    static func raw<T>(_ values: [T]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }

    /// The value buffers (after validity) of a column: one for fixed-width types, offsets and
    /// data for strings and binary.
    static func valueBuffers(_ column: Column, type: DataType, rows: Int) -> [[UInt8]] {
        let values = column.values.materialized()
        switch (type, values) {
        case (.boolean, .boolean(let v)):
            var out = [UInt8](repeating: 0, count: (rows + 7) / 8)
            for r in 0..<rows where v[r] { out[r >> 3] |= 1 << UInt8(r & 7) }
            return [out]
        case (.decimal, _):
            var out: [UInt8] = []
            out.reserveCapacity(rows * 16)
            for r in 0..<rows {
                var lo: UInt64 = 0, hi: UInt64 = 0
                switch values {
                case .int32(let v): lo = UInt64(bitPattern: Int64(v[r])); hi = v[r] < 0 ? .max : 0
                case .int64(let v): lo = UInt64(bitPattern: v[r]); hi = v[r] < 0 ? .max : 0
                case .bytes(let b): (lo, hi) = decimal128(bigEndian: b[r])
                case .fixed(let f): (lo, hi) = decimal128(bigEndian: f[r])
                default: break
                }
                put(lo, into: &out)
                put(hi, into: &out)
            }
            return [out]
        case (.timestamp(let unit, _), .int64(let v)), (.time(let unit, _), .int64(let v)):
            switch unit {
            case .micros: return [raw(v)]
            case .millis: return [raw(v.map { $0 &* 1000 })]
            case .nanos: return [raw(v.map { $0 / 1000 })]
            }
        case (.time(.millis, _), .int32(let v)):
            return [raw(v.map { Int64($0) &* 1000 })]
        case (.float16, .fixed(let f)):
            return [raw((0..<rows).map { r -> Double in
                let b = f[r]
                return Double(HalfFloat.toFloat(UInt16(b[b.startIndex]) | UInt16(b[b.startIndex + 1]) << 8))
            })]
        case (.float32, .float32(let v)): return [raw(v.map { Double($0) })]
        case (_, .boolean(let v)): return [raw(v.map { $0 ? UInt8(1) : 0 })]
        case (.int8, .int32(let v)), (.uint8, .int32(let v)): return [raw(v.prefix(rows).map { UInt8(truncatingIfNeeded: $0) })]
        case (.int16, .int32(let v)), (.uint16, .int32(let v)): return [raw(v.prefix(rows).map { UInt16(truncatingIfNeeded: $0) })]
        case (_, .int32(let v)): return [raw(Array(v.prefix(rows)))]
        case (_, .int64(let v)): return [raw(Array(v.prefix(rows)))]
        case (_, .float32(let v)): return [raw(v.map { Double($0) })]
        case (_, .float64(let v)): return [raw(Array(v.prefix(rows)))]
        case (_, .bytes(let b)):
            let base = b.offsets.first ?? 0
            let offsets = b.offsets.prefix(rows + 1).map { $0 - base }
            let end = Int(b.offsets[min(rows, b.count)])
            return [raw(Array(offsets)), Array(b.data[Int(base)..<end])]
        case (_, .fixed(let f)):
            var offsets: [Int32] = [0]
            for r in 0..<rows { offsets.append(Int32((r + 1) * f.width)) }
            return [raw(offsets), Array(f.data.prefix(rows * f.width))]
        case (_, .dictionary):
            return []  // materialized above
        case (_, .list), (_, .structure):
            return []  // a nested storage under a flat type: not produced by the engine
        }
    }

    /// A big-endian two's complement integer of up to 16 bytes as little-endian 128-bit halves.
    static func decimal128(bigEndian bytes: ArraySlice<UInt8>) -> (UInt64, UInt64) {
        let negative = (bytes.first ?? 0) & 0x80 != 0
        var le = [UInt8](repeating: negative ? 0xFF : 0, count: 16)
        for (k, b) in bytes.reversed().prefix(16).enumerated() { le[k] = b }
        var lo: UInt64 = 0, hi: UInt64 = 0
        for k in 0..<8 { lo |= UInt64(le[k]) << UInt64(8 * k); hi |= UInt64(le[8 + k]) << UInt64(8 * k) }
        return (lo, hi)
    }
}
