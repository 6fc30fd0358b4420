/// Steps over compact-protocol values with plain byte loads and no error values: the footer
/// index walks every column chunk of every file a query opens this way (`ParquetFooter`), so
/// skipping is the larger part of opening a footer. It checks what `ThriftCompactReader`'s
/// own skip checks (bounds, types, varint lengths, collection sizes against the bytes left,
/// bool bytes, nesting depth) but only answers whether the value is well formed; the reader
/// redoes a malformed one slowly to say what is wrong.
///
/// Every load is preceded by a `position < buffer.count` check; nothing here traps on input.
enum ThriftSkipper {
    /// Advances `position` past one value of compact type `type` (a type nibble) and returns
    /// true; false, with `position` anywhere, when the bytes are not such a value. `inStruct`:
    /// the value is a struct field, whose bool lives in its header (no byte).
    static func skip(_ buffer: UnsafeRawBufferPointer, _ position: inout Int, type: UInt8, inStruct: Bool, depth: Int) -> Bool {
        let end = buffer.count
        switch type {
        case 1, 2:  // bool
            if inStruct { return true }
            guard position < end, buffer[position] <= 2 else { return false }
            position += 1
            return true
        case 3:  // i8
            guard position < end else { return false }
            position += 1
            return true
        case 4, 5, 6:  // i16, i32, i64
            return skipVarint(buffer, &position)
        case 7:  // double
            guard end - position >= 8 else { return false }
            position += 8
            return true
        case 8:  // binary
            return skipBinary(buffer, &position)
        case 9, 10:  // list, set
            guard position < end else { return false }
            let header = buffer[position]
            position += 1
            let element = header & 0x0f
            guard isType(element) else { return false }
            var count = Int(header >> 4)
            if count == 15 {
                guard let n = varint(buffer, &position), n <= UInt64(Int32.max) else { return false }
                count = Int(n)
            }
            guard count <= end - position, depth < ThriftCompactReader.maxDepth else { return false }
            for _ in 0..<count {
                guard skip(buffer, &position, type: element, inStruct: false, depth: depth + 1) else { return false }
            }
            return true
        case 11:  // map
            guard let n = varint(buffer, &position), n <= UInt64(Int32.max) else { return false }
            if n == 0 { return true }
            guard position < end else { return false }
            let types = buffer[position]
            position += 1
            let key = types >> 4, value = types & 0x0f
            guard isType(key), isType(value), Int(n) <= (end - position) / 2, depth < ThriftCompactReader.maxDepth else { return false }
            for _ in 0..<Int(n) {
                guard skip(buffer, &position, type: key, inStruct: false, depth: depth + 1),
                      skip(buffer, &position, type: value, inStruct: false, depth: depth + 1) else { return false }
            }
            return true
        case 12:  // struct
            guard depth < ThriftCompactReader.maxDepth else { return false }
            while true {
                guard position < end else { return false }
                let header = buffer[position]
                position += 1
                if header == 0 { return true }
                let field = header & 0x0f
                guard isType(field) else { return false }
                if header >> 4 == 0, !skipVarint(buffer, &position) { return false }  // an absolute field id
                // Scalars, most of a footer's fields, are stepped over here, without a call.
                switch field {
                case 1, 2:  // bool: in the header
                    continue
                case 4, 5, 6:
                    guard skipVarint(buffer, &position) else { return false }
                case 8:
                    guard skipBinary(buffer, &position) else { return false }
                default:
                    guard skip(buffer, &position, type: field, inStruct: true, depth: depth + 1) else { return false }
                }
            }
        default:
            return false
        }
    }

    /// A compact type nibble (bool true/false, i8 … struct); 0 (STOP) is not a type.
    @inline(__always)
    private static func isType(_ nibble: UInt8) -> Bool { nibble >= 1 && nibble <= 12 }

    /// A length varint and that many bytes.
    @inline(__always)
    private static func skipBinary(_ buffer: UnsafeRawBufferPointer, _ position: inout Int) -> Bool {
        guard let n = varint(buffer, &position), n <= UInt64(buffer.count - position) else { return false }
        position += Int(n)
        return true
    }

    @inline(__always)
    private static func skipVarint(_ buffer: UnsafeRawBufferPointer, _ position: inout Int) -> Bool {
        let end = buffer.count
        if end - position >= 10 {  // room for the longest varint: no bounds check per byte
            var p = position
            for _ in 0..<10 {
                let b = buffer[p]
                p += 1
                if b & 0x80 == 0 {
                    position = p
                    return true
                }
            }
            return false
        }
        var i = 0
        while i < 10 {
            guard position < end else { return false }
            let b = buffer[position]
            position += 1
            if b & 0x80 == 0 { return true }
            i += 1
        }
        return false
    }

    /// An unsigned LEB128 of at most 10 bytes whose bits fit in 64.
    @inline(__always)
    private static func varint(_ buffer: UnsafeRawBufferPointer, _ position: inout Int) -> UInt64? {
        let end = buffer.count
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for i in 0..<10 {
            guard position < end else { return nil }
            let b = buffer[position]
            position += 1
            if i == 9 && b > 1 { return nil }
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }
}
