/// A minimal FlatBuffers serializer for the Arrow IPC metadata (`Message`, `Schema`,
/// `RecordBatch` tables): tables with scalar, offset and union fields, strings, vectors of
/// tables and vectors of structs. No flatbuffers package is available to the project, and
/// Arrow needs only this subset.
///
/// Objects are laid out front to back: a table, then the objects its fields point to (a
/// FlatBuffers `uoffset` must point forward, which a parent written before its children
/// satisfies). Each table's vtable sits right before it. Scalars are aligned to their size
/// relative to the start of the buffer, which the caller keeps 8-byte aligned.
public indirect enum FlatBufferValue: Sendable {
    /// A table; `fields[i]` is the field with id `i` (nil: absent, the reader's default).
    case table([FlatBufferField?])
    case string(String)
    case tables([FlatBufferValue])
    /// A vector of structs: `count` structs of raw little-endian `bytes`, `alignment`-aligned.
    case structs(bytes: [UInt8], count: Int, alignment: Int)
}

/// One field of a FlatBuffers table.
public enum FlatBufferField: Sendable {
    case uint8(UInt8)
    case bool(Bool)
    case int16(Int16)
    case int32(Int32)
    case int64(Int64)
    /// An offset to a table, string or vector.
    case offset(FlatBufferValue)

    var size: Int {
        switch self {
        case .uint8, .bool: return 1
        case .int16: return 2
        case .int32, .offset: return 4
        case .int64: return 8
        }
    }
}

public enum FlatBufferWriter {
    /// The bytes of a buffer whose root is `root` (a table).
    public static func serialize(_ root: FlatBufferValue) -> [UInt8] {
        var out = Output()
        out.bytes = [0, 0, 0, 0]  // the root offset, patched below
        let at = out.write(root)
        out.patch(0, to: at)
        return out.bytes
    }

    private struct Output {
        var bytes: [UInt8] = []

        mutating func pad(to alignment: Int) {
            while bytes.count % alignment != 0 { bytes.append(0) }
        }

        mutating func put<T: FixedWidthInteger>(_ v: T) {
            withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func set<T: FixedWidthInteger>(_ v: T, at i: Int) {
            withUnsafeBytes(of: v.littleEndian) { raw in for k in 0..<raw.count { bytes[i + k] = raw[k] } }
        }

        /// Points the uoffset at `slot` to `target` (which lies after it).
        mutating func patch(_ slot: Int, to target: Int) {
            set(UInt32(target - slot), at: slot)
        }

        /// Writes `value` and what it points to; returns where it starts.
        mutating func write(_ value: FlatBufferValue) -> Int {
            switch value {
            case .string(let s):
                pad(to: 4)
                let at = bytes.count
                let utf8 = Array(s.utf8)
                put(UInt32(utf8.count))
                bytes.append(contentsOf: utf8)
                bytes.append(0)
                return at
            case .structs(let raw, let count, let alignment):
                // The length sits right before the (aligned) first struct.
                let align = max(4, alignment)
                while (bytes.count + 4) % align != 0 { bytes.append(0) }
                let at = bytes.count
                put(UInt32(count))
                bytes.append(contentsOf: raw)
                return at
            case .tables(let items):
                pad(to: 4)
                let at = bytes.count
                put(UInt32(items.count))
                let slots = items.indices.map { at + 4 + 4 * $0 }
                for _ in items { put(UInt32(0)) }
                for (slot, item) in zip(slots, items) { patch(slot, to: write(item)) }
                return at
            case .table(let fields):
                return writeTable(fields)
            }
        }

        mutating func writeTable(_ fields: [FlatBufferField?]) -> Int {
            // Inline layout: the soffset to the vtable, then fields largest first (each aligned).
            let present = fields.indices.filter { fields[$0] != nil }
            let order = present.sorted { (fields[$0]?.size ?? 0) > (fields[$1]?.size ?? 0) }
            var layout: [Int: Int] = [:]  // field id -> offset within the table
            var size = 4
            for id in order {
                guard let f = fields[id] else { continue }
                while size % f.size != 0 { size += 1 }
                layout[id] = size
                size += f.size
            }
            let fieldCount = (present.last ?? -1) + 1
            // The vtable (2-byte entries) right before the table, which starts 8-aligned.
            let vtableSize = 4 + 2 * fieldCount
            pad(to: 2)
            while (bytes.count + vtableSize) % 8 != 0 { bytes.append(0) }
            let vtable = bytes.count
            put(UInt16(vtableSize))
            put(UInt16(size))
            for id in 0..<fieldCount { put(UInt16(layout[id] ?? 0)) }
            let table = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: size))
            set(Int32(table - vtable), at: table)
            var children: [(slot: Int, value: FlatBufferValue)] = []
            for id in present {
                guard let f = fields[id], let offset = layout[id] else { continue }
                let at = table + offset
                switch f {
                case .uint8(let v): set(v, at: at)
                case .bool(let v): set(UInt8(v ? 1 : 0), at: at)
                case .int16(let v): set(v, at: at)
                case .int32(let v): set(v, at: at)
                case .int64(let v): set(v, at: at)
                case .offset(let child): children.append((at, child))
                }
            }
            for (slot, child) in children { patch(slot, to: write(child)) }
            return table
        }
    }
}
