/// A Parquet metadata struct that round-trips through the Thrift compact protocol.
public protocol ThriftStruct: Sendable {
    init(from reader: inout ThriftCompactReader) throws
    func write(to writer: inout ThriftCompactWriter)
}

extension ThriftStruct {
    /// Decodes one struct from the start of `buffer`; `bytesRead` lets callers find what follows
    /// (a page header is followed by its page, a footer by its length word).
    public static func decode(_ buffer: UnsafeRawBufferPointer) throws -> (value: Self, bytesRead: Int) {
        var reader = ThriftCompactReader(buffer)
        let value = try Self(from: &reader)
        return (value, reader.position)
    }

    /// Convenience over `decode(_:)` for byte arrays.
    public static func decode(_ bytes: [UInt8]) throws -> (value: Self, bytesRead: Int) {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    public func serialized() -> [UInt8] {
        var writer = ThriftCompactWriter()
        write(to: &writer)
        return writer.bytes
    }
}

func missingField(_ field: String) -> ParquetError {
    .corrupt("thrift: missing required field \(field)")
}

// Reader helpers used by the metadata structs.
extension ThriftCompactReader {
    mutating func readStructList<T: ThriftStruct>(_: T.Type = T.self) throws -> [T] {
        try readList(of: .struct) { try T(from: &$0) }
    }

    mutating func readStringList() throws -> [String] {
        try readList(of: .binary) { try $0.readString() }
    }

    mutating func readBinaryList() throws -> [[UInt8]] {
        try readList(of: .binary) { try $0.readBinary() }
    }

    mutating func readI64List() throws -> [Int64] {
        try readList(of: .i64) { try $0.readI64() }
    }

    /// Reads a (possibly empty) struct body without keeping it: for unions' empty member structs.
    mutating func skipStruct() throws { try skip(.struct) }
}

// Writer helpers: each writes the field only when the value is present, keeping the model code
// to one line per field.
extension ThriftCompactWriter {
    mutating func field(_ id: Int16, _ v: Int8?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .i8)
        writeI8(v)
    }

    mutating func field(_ id: Int16, _ v: Int16?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .i16)
        writeI16(v)
    }

    mutating func field(_ id: Int16, _ v: Int32?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .i32)
        writeI32(v)
    }

    mutating func field(_ id: Int16, _ v: Int64?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .i64)
        writeI64(v)
    }

    mutating func field(_ id: Int16, _ v: Bool?) {
        guard let v else { return }
        writeBoolField(id: id, v)
    }

    mutating func field(_ id: Int16, _ v: String?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .binary)
        writeString(v)
    }

    mutating func field(_ id: Int16, _ v: [UInt8]?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .binary)
        writeBinary(v)
    }

    mutating func field<T: ThriftStruct>(_ id: Int16, _ v: T?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .struct)
        v.write(to: &self)
    }

    mutating func field<T: ThriftStruct>(_ id: Int16, _ v: [T]?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .list)
        writeList(.struct, v) { w, e in e.write(to: &w) }
    }

    mutating func field(_ id: Int16, _ v: [String]?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .list)
        writeList(.binary, v) { w, e in w.writeString(e) }
    }

    mutating func field(_ id: Int16, _ v: [[UInt8]]?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .list)
        writeList(.binary, v) { w, e in w.writeBinary(e) }
    }

    mutating func field(_ id: Int16, _ v: [Int64]?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .list)
        writeList(.i64, v) { w, e in w.writeI64(e) }
    }

    mutating func field(_ id: Int16, _ v: [Bool]?) {
        guard let v else { return }
        writeFieldHeader(id: id, type: .list)
        writeList(.bool, v) { w, e in w.writeBool(e) }
    }

    /// An empty struct as a union member (e.g. `LogicalType.STRING`).
    mutating func emptyStructField(_ id: Int16) {
        writeFieldHeader(id: id, type: .struct)
        structBegin()
        structEnd()
    }
}
