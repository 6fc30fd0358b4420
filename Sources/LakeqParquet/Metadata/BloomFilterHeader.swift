/// `BloomFilterHeader` of parquet.thrift: the bitset's size and its algorithm, hash and
/// compression, each a union of which only one member exists today (SPLIT_BLOCK, XXHASH,
/// UNCOMPRESSED). The bitset follows the header.
public struct BloomFilterHeader: ThriftStruct, Equatable {
    public var numBytes: Int32
    /// False when a union names a member this reader does not know (a future algorithm):
    /// the filter must then not be used.
    public var isSplitBlockXXHashUncompressed: Bool

    public init(numBytes: Int32) {
        self.numBytes = numBytes
        isSplitBlockXXHashUncompressed = true
    }

    public init(from r: inout ThriftCompactReader) throws {
        var numBytes: Int32?
        var known = (algorithm: false, hash: false, compression: false)
        /// Whether a union struct holds field 1 (the only member defined so far).
        func unionHasFirstMember(_ r: inout ThriftCompactReader) throws -> Bool {
            var first = false
            try r.structBegin()
            while let f = try r.readFieldHeader() {
                if f.id == 1 && f.type == .struct { first = true }
                try r.skip(f.type)
            }
            r.structEnd()
            return first
        }
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .i32): numBytes = try r.readI32()
            case (2, .struct): known.algorithm = try unionHasFirstMember(&r)
            case (3, .struct): known.hash = try unionHasFirstMember(&r)
            case (4, .struct): known.compression = try unionHasFirstMember(&r)
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let numBytes else { throw missingField("BloomFilterHeader.numBytes") }
        self.numBytes = numBytes
        isSplitBlockXXHashUncompressed = known.algorithm && known.hash && known.compression
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, numBytes)
        for id: Int16 in 2...4 {
            // Each union holds its one empty member struct.
            w.writeFieldHeader(id: id, type: .struct)
            w.structBegin()
            w.emptyStructField(1)
            w.structEnd()
        }
        w.structEnd()
    }
}
