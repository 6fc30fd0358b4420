import Testing
@testable import LakeqParquet

/// Runs `body` on a reader over `bytes`.
private func read<T>(_ bytes: [UInt8], _ body: (inout ThriftCompactReader) throws -> T) throws -> T {
    try bytes.withUnsafeBytes { buffer in
        var r = ThriftCompactReader(buffer)
        return try body(&r)
    }
}

private func expectCorrupt(_ bytes: [UInt8], _ body: (inout ThriftCompactReader) throws -> Void) {
    #expect(throws: ParquetError.self) { try read(bytes, body) }
}

/// Skipping a value: it must step over exactly every valid input and refuse truncated or
/// too-deep ones.
private let skippers: [(name: String, skip: (inout ThriftCompactReader, ThriftType) throws -> Void)] = [
    ("skip", { r, t in try r.skip(t) }),
    ("skip reporting errors", { r, t in try r.skipReportingErrors(t) }),
]

@Suite struct ThriftCompactTests {
    @Test func varintBoundaries() throws {
        let cases: [(UInt64, Int)] = [
            (0, 1), (1, 1), (127, 1), (128, 2), (16383, 2), (16384, 3), ((1 << 21) - 1, 3), (1 << 21, 4),
            (1 << 28, 5), (1 << 35, 6), ((1 << 56) - 1, 8), (1 << 56, 9), (UInt64(Int64.max), 9), (1 << 63, 10), (UInt64.max, 10),
        ]
        for (value, length) in cases {
            var w = ThriftCompactWriter()
            w.writeVarint(value)
            #expect(w.bytes.count == length, "\(value)")
            let (back, pos) = try read(w.bytes) { r in (try r.readVarint(), r.position) }
            #expect(back == value)
            #expect(pos == length)
        }
    }

    @Test func zigzagExtremes() throws {
        var w = ThriftCompactWriter()
        let i16s: [Int16] = [0, -1, 1, .min, .max]
        let i32s: [Int32] = [0, -1, 1, -64, 64, .min, .max]
        let i64s: [Int64] = [0, -1, 1, .min, .max, Int64(Int32.min) - 1]
        i16s.forEach { w.writeI16($0) }
        i32s.forEach { w.writeI32($0) }
        i64s.forEach { w.writeI64($0) }
        let bytes = w.bytes
        // -1 zigzags to 1 and 1 to 2.
        #expect(Array(bytes[0..<3]) == [0x00, 0x01, 0x02])
        try read(bytes) { (r) throws in
            for v in i16s { #expect(try r.readI16() == v) }
            for v in i32s { #expect(try r.readI32() == v) }
            for v in i64s { #expect(try r.readI64() == v) }
            #expect(r.remaining == 0)
        }
    }

    @Test func narrowIntegersRejectOutOfRangeValues() {
        var w = ThriftCompactWriter()
        w.writeI64(Int64(Int32.max) + 1)
        expectCorrupt(w.bytes) { _ = try $0.readI32() }
        var w16 = ThriftCompactWriter()
        w16.writeI32(Int32(Int16.min) - 1)
        expectCorrupt(w16.bytes) { _ = try $0.readI16() }
    }

    @Test func malformedVarints() {
        // 11 bytes of continuation.
        expectCorrupt([UInt8](repeating: 0x80, count: 10) + [0x01]) { _ = try $0.readVarint() }
        // 10th byte carrying bits past 64.
        expectCorrupt([UInt8](repeating: 0xff, count: 9) + [0x02]) { _ = try $0.readVarint() }
        // Truncated.
        expectCorrupt([0x80, 0x80]) { _ = try $0.readVarint() }
        expectCorrupt([]) { _ = try $0.readByte() }
    }

    @Test func doublesAndBinary() throws {
        let doubles: [Double] = [0, -0.0, 1.5, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        var w = ThriftCompactWriter()
        doubles.forEach { w.writeDouble($0) }
        w.writeBinary([])
        w.writeBinary([0, 255, 7])
        w.writeString("héllo")
        #expect(Array(w.bytes[8..<16]) == [0, 0, 0, 0, 0, 0, 0, 0x80])  // -0.0, little-endian
        try read(w.bytes) { (r) throws in
            for d in doubles { #expect(try r.readDouble().bitPattern == d.bitPattern) }
            #expect(try r.readBinary() == [])
            #expect(try r.readBinary() == [0, 255, 7])
            #expect(try r.readString() == "héllo")
        }
        // Length prefix past the end, and a double cut short.
        expectCorrupt([0x05, 1, 2]) { _ = try $0.readBinary() }
        expectCorrupt([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]) { _ = try $0.readBinary() }
        expectCorrupt([1, 2, 3, 4, 5, 6, 7]) { _ = try $0.readDouble() }
    }

    @Test func fieldIdDeltasAndLongForm() throws {
        var w = ThriftCompactWriter()
        w.structBegin()
        w.writeFieldHeader(id: 1, type: .i32)  // delta 1
        w.writeI32(7)
        w.writeFieldHeader(id: 16, type: .i32)  // delta 15: still short
        w.writeI32(8)
        w.writeFieldHeader(id: 40, type: .i32)  // delta 24: long form
        w.writeI32(9)
        w.writeFieldHeader(id: 3, type: .i32)  // backwards: long form
        w.writeI32(10)
        w.writeFieldHeader(id: -2, type: .i64)  // negative ids are legal Thrift
        w.writeI64(11)
        w.structEnd()
        #expect(w.bytes[0] == 0x15)
        #expect(w.bytes[2] == 0xf5)
        #expect(w.bytes[4] == 0x05)  // long form: type nibble only, then zigzag i16 id
        #expect(w.bytes[5] == 80)
        #expect(w.bytes.last == 0)

        let fields: [(Int16, Int64)] = try read(w.bytes) { (r) throws in
            var out: [(Int16, Int64)] = []
            try r.structBegin()
            while let f = try r.readFieldHeader() {
                out.append((f.id, f.type == .i64 ? try r.readI64() : Int64(try r.readI32())))
            }
            r.structEnd()
            #expect(r.remaining == 0)
            return out
        }
        #expect(fields.map(\.0) == [1, 16, 40, 3, -2])
        #expect(fields.map(\.1) == [7, 8, 9, 10, 11])
    }

    @Test func nestedStructRestoresLastFieldId() throws {
        var w = ThriftCompactWriter()
        w.structBegin()
        w.writeFieldHeader(id: 5, type: .struct)
        w.structBegin()
        w.writeFieldHeader(id: 1, type: .i32)
        w.writeI32(1)
        w.writeFieldHeader(id: 20, type: .i32)
        w.writeI32(2)
        w.structEnd()
        w.writeFieldHeader(id: 6, type: .i32)  // delta from 5, not from the inner 20
        w.writeI32(3)
        w.structEnd()
        #expect(w.bytes.contains(0x15))

        let ids: [Int16] = try read(w.bytes) { (r) throws in
            var ids: [Int16] = []
            try r.structBegin()
            while let f = try r.readFieldHeader() {
                ids.append(f.id)
                if f.type == .struct {
                    try r.structBegin()
                    while let g = try r.readFieldHeader() {
                        ids.append(g.id)
                        _ = try r.readI32()
                    }
                    r.structEnd()
                } else {
                    _ = try r.readI32()
                }
            }
            r.structEnd()
            return ids
        }
        #expect(ids == [5, 1, 20, 6])
    }

    @Test func boolFieldsAndBoolLists() throws {
        var w = ThriftCompactWriter()
        w.structBegin()
        w.writeBoolField(id: 1, true)
        w.writeBoolField(id: 2, false)
        w.structEnd()
        #expect(w.bytes == [0x11, 0x12, 0x00])
        let values: [Bool] = try read(w.bytes) { (r) throws in
            var out: [Bool] = []
            try r.structBegin()
            while let f = try r.readFieldHeader() {
                #expect(f.type == .bool)
                out.append(try r.readBool())
            }
            r.structEnd()
            return out
        }
        #expect(values == [true, false])

        // Elements: 1 = true; 2 (reference implementations) and 0 (the spec text) are false.
        let list = try read([0x41, 1, 2, 0, 1]) { r in try r.readList(of: .bool) { try $0.readBool() } }
        #expect(list == [true, false, false, true])
        // A header with element type 2 also means bool.
        #expect(try read([0x12, 1]) { r in try r.readList(of: .bool) { try $0.readBool() } } == [true])
        expectCorrupt([0x11, 3]) { r in _ = try r.readList(of: .bool) { try $0.readBool() } }

        var lw = ThriftCompactWriter()
        lw.writeList(.bool, [true, false]) { w, b in w.writeBool(b) }
        #expect(lw.bytes == [0x21, 1, 2])
    }

    @Test func listHeaders() throws {
        for count in [0, 1, 14, 15, 300] {
            var w = ThriftCompactWriter()
            w.writeList(.i32, 0..<Int32(count)) { w, v in w.writeI32(v) }
            let back = try read(w.bytes) { r in try r.readList(of: .i32) { try $0.readI32() } }
            #expect(back == Array(0..<Int32(count)))
        }
        // Element type mismatch.
        expectCorrupt([0x15, 0x02]) { r in _ = try r.readList(of: .i64) { try $0.readI64() } }
    }

    @Test func hostileListSizesThrowWithoutAllocating() {
        // 2^31 elements of i32, with 3 bytes of payload behind it.
        expectCorrupt([0xf5, 0x80, 0x80, 0x80, 0x80, 0x08, 1, 2, 3]) { r in
            _ = try r.readList(of: .i32) { try $0.readI32() }
        }
        // 2^31 - 1: fits an Int32 but not the remaining bytes.
        expectCorrupt([0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0]) { r in _ = try r.readListHeader() }
        // Same through skip, inside a struct, and for maps.
        expectCorrupt([0x19, 0xfc, 0x80, 0x80, 0x80, 0x80, 0x08, 0]) { r in try r.skip(.struct) }
        expectCorrupt([0xff, 0xff, 0xff, 0xff, 0x07, 0x55, 0]) { r in try r.skip(.map) }
        expectCorrupt([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x55]) { r in try r.skip(.map) }
    }

    @Test func skipEveryType() throws {
        var w = ThriftCompactWriter()
        w.structBegin()
        w.writeBoolField(id: 1, true)
        w.writeFieldHeader(id: 2, type: .i8); w.writeI8(-3)
        w.writeFieldHeader(id: 3, type: .i16); w.writeI16(-300)
        w.writeFieldHeader(id: 4, type: .i32); w.writeI32(1 << 20)
        w.writeFieldHeader(id: 5, type: .i64); w.writeI64(.min)
        w.writeFieldHeader(id: 6, type: .double); w.writeDouble(3.25)
        w.writeFieldHeader(id: 7, type: .binary); w.writeBinary([1, 2, 3])
        w.writeFieldHeader(id: 8, type: .list)
        w.writeList(.bool, [true, false, true]) { w, b in w.writeBool(b) }
        w.writeFieldHeader(id: 9, type: .set)
        w.writeList(.binary, ["a", "bc"]) { w, s in w.writeString(s) }
        w.writeFieldHeader(id: 10, type: .map)
        w.writeMapHeader(key: .i32, value: .list, count: 2)
        for k in 0..<2 as Range<Int32> {
            w.writeI32(k)
            w.writeList(.double, [1.0, 2.0]) { w, d in w.writeDouble(d) }
        }
        w.writeFieldHeader(id: 11, type: .map)
        w.writeMapHeader(key: .i32, value: .i32, count: 0)
        w.writeFieldHeader(id: 12, type: .struct)
        w.structBegin()
        w.writeFieldHeader(id: 1, type: .list)
        w.writeList(.struct, 0..<3) { w, _ in
            w.structBegin()
            w.writeBoolField(id: 4, false)
            w.structEnd()
        }
        w.structEnd()
        w.structEnd()
        w.writeI32(42)  // sentinel after the struct

        for (name, skip) in skippers {
            try read(w.bytes) { (r) throws in
                try skip(&r, .struct)
                #expect(try r.readI32() == 42, "\(name)")
                #expect(r.remaining == 0, "\(name)")
            }
            // Every strict prefix of the struct must fail cleanly.
            let structBytes = Array(w.bytes.dropLast())
            for n in 0..<structBytes.count {
                expectCorrupt(Array(structBytes.prefix(n))) { r in try skip(&r, .struct) }
            }
        }
    }

    /// The fast skipper (`ThriftSkipper`) and the error-reporting walk agree on every
    /// mutation of a valid struct: both accept it ending at the same byte, or both refuse it.
    @Test func fastAndReportingSkipsAgreeOnMutatedInput() throws {
        var w = ThriftCompactWriter()
        w.structBegin()
        w.writeBoolField(id: 1, true)
        w.writeFieldHeader(id: 3, type: .i64); w.writeI64(-123_456_789)
        w.writeFieldHeader(id: 7, type: .binary); w.writeBinary([9, 8, 7, 6])
        w.writeFieldHeader(id: 8, type: .list)
        w.writeList(.bool, [true, false]) { w, b in w.writeBool(b) }
        w.writeFieldHeader(id: 10, type: .map)
        w.writeMapHeader(key: .i32, value: .double, count: 2)
        for k in 0..<2 as Range<Int32> { w.writeI32(k); w.writeDouble(Double(k)) }
        w.writeFieldHeader(id: 40, type: .struct)
        w.structBegin()
        w.writeFieldHeader(id: 1, type: .list)
        w.writeList(.struct, 0..<2) { w, _ in w.structBegin(); w.writeFieldHeader(id: 2, type: .i32); w.writeI32(7); w.structEnd() }
        w.structEnd()
        w.structEnd()
        let valid = w.bytes
        var rng = SplitMix64(seed: 77)
        for trial in 0..<20_000 {
            var bytes = valid
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if trial % 7 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1)))) }
            for type in [ThriftType.struct, .list, .map, .binary] {
                let fast: Int? = bytes.withUnsafeBytes { buffer in
                    var p = 0
                    return ThriftSkipper.skip(buffer, &p, type: type.rawValue, inStruct: false, depth: 0) ? p : nil
                }
                let slow: Int? = try? read(bytes) { (r) throws -> Int in
                    try r.skipReportingErrors(type)
                    return r.position
                }
                #expect(fast == slow, "trial \(trial), \(type): \(bytes)")
            }
        }
    }

    @Test func nestingDepthIsCapped() throws {
        // Field 1 of type struct, nested 100 deep, then the STOPs.
        for (name, skip) in skippers {
            let deep = [UInt8](repeating: 0x1c, count: 100) + [UInt8](repeating: 0, count: 101)
            expectCorrupt(deep) { r in try skip(&r, .struct) }
            // Lists of lists nest too.
            let deepLists = [UInt8](repeating: 0x19, count: 100) + [0x05, 0]
            expectCorrupt(deepLists) { r in try skip(&r, .list) }
            // A modest depth is fine.
            let ok = [UInt8](repeating: 0x1c, count: 20) + [UInt8](repeating: 0, count: 21)
            try read(ok) { (r) throws in
                try skip(&r, .struct)
                #expect(r.remaining == 0, "\(name)")
            }
        }
    }

    @Test func badTypesAndPositions() {
        expectCorrupt([0x1d]) { r in try r.skip(.struct) }  // field type 13 does not exist
        expectCorrupt([0x11, 0x33]) { r in try r.skip(.list) }  // a bool list element of 0x33
        expectCorrupt([0x1d]) { r in _ = try r.readListHeader() }
        expectCorrupt([0x01, 0xd5]) { r in _ = try r.readMapHeader() }
        expectCorrupt([1, 2, 3]) { r in
            r.position = -5
            _ = try r.readByte()
        }
        expectCorrupt([1, 2, 3]) { r in
            r.position = 100
            _ = try r.readBinary()
        }
    }
}
