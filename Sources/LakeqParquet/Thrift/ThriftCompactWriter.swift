/// Writes Thrift compact protocol into a growing byte array.
///
/// Encoding a struct is `structBegin()`, one `writeFieldHeader` + value per present field in
/// increasing id order (so ids can be delta-encoded), then `structEnd()`, which writes STOP.
public struct ThriftCompactWriter {
    public var bytes: [UInt8]

    private var lastFieldId: Int16 = 0
    private var fieldIdStack: [Int16] = []

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: Primitives

    public mutating func writeByte(_ b: UInt8) { bytes.append(b) }

    /// Unsigned LEB128.
    public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private static func zigzag(_ v: Int64) -> UInt64 {
        UInt64(bitPattern: (v << 1) ^ (v >> 63))
    }

    public mutating func writeI8(_ v: Int8) { bytes.append(UInt8(bitPattern: v)) }
    public mutating func writeI16(_ v: Int16) { writeVarint(Self.zigzag(Int64(v))) }
    public mutating func writeI32(_ v: Int32) { writeVarint(Self.zigzag(Int64(v))) }
    public mutating func writeI64(_ v: Int64) { writeVarint(Self.zigzag(v)) }

    public mutating func writeDouble(_ v: Double) {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func writeBinary(_ v: [UInt8]) {
        writeVarint(UInt64(v.count))
        bytes.append(contentsOf: v)
    }

    public mutating func writeString(_ v: String) {
        let utf8 = v.utf8
        writeVarint(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// A bool list element: 1 = true, 2 = false, as the reference implementations write it.
    public mutating func writeBool(_ v: Bool) { bytes.append(v ? 1 : 2) }

    // MARK: Structs

    public mutating func structBegin() {
        fieldIdStack.append(lastFieldId)
        lastFieldId = 0
    }

    /// Writes the STOP byte and restores the enclosing struct's last field id.
    public mutating func structEnd() {
        bytes.append(0)
        lastFieldId = fieldIdStack.popLast() ?? 0
    }

    /// Field header for a non-bool field; use `writeBoolField` for bools, whose value is the type.
    public mutating func writeFieldHeader(id: Int16, type: ThriftType) {
        writeFieldHeader(id: id, nibble: type.rawValue)
    }

    public mutating func writeBoolField(id: Int16, _ value: Bool) {
        writeFieldHeader(id: id, nibble: value ? 1 : 2)
    }

    private mutating func writeFieldHeader(id: Int16, nibble: UInt8) {
        let delta = Int(id) - Int(lastFieldId)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | nibble)
        } else {
            bytes.append(nibble)
            writeI16(id)
        }
        lastFieldId = id
    }

    // MARK: Collections

    public mutating func writeListHeader(_ elementType: ThriftType, count: Int) {
        if count < 15 {
            bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            bytes.append(0xf0 | elementType.rawValue)
            writeVarint(UInt64(count))
        }
    }

    public mutating func writeMapHeader(key: ThriftType, value: ThriftType, count: Int) {
        writeVarint(UInt64(count))
        if count > 0 { bytes.append(key.rawValue << 4 | value.rawValue) }
    }

    /// Writes a list header then each element with `element`.
    public mutating func writeList<C: Collection>(
        _ elementType: ThriftType,
        _ items: C,
        _ element: (inout ThriftCompactWriter, C.Element) -> Void
    ) {
        writeListHeader(elementType, count: items.count)
        for item in items { element(&self, item) }
    }
}
