import LakeqColumnar

/// Turns a key column of any engine type into one Int64 code per row, so group and join
/// tables hash and compare fixed-width words only: integer-like values are their own code,
/// booleans 0/1, doubles their bit pattern (-0.0 and NaN made canonical), strings a dense id
/// from a `StringInterner` (computed once per dictionary entry for dictionary columns).
final class KeyEncoder {
    enum Kind { case integer, boolean, double, string, nested }

    let type: DataType
    let kind: Kind
    /// The ids of VARCHAR keys; shared by the build and probe sides of a join.
    let interner: StringInterner
    /// LIST / STRUCT / MAP keys: interned by an unambiguous text of the value (its Swift
    /// description: strings quoted, types tagged), each code's value kept for `decode`.
    private var nestedValues: [Int64: Scalar] = [:]

    init(type: DataType) {
        self.type = type
        switch type {
        case .boolean: kind = .boolean
        case .float64, .float32: kind = .double
        case .string: kind = .string
        case .list, .structure, .map: kind = .nested
        default: kind = .integer
        }
        interner = StringInterner()
    }

    @inline(__always) static func doubleCode(_ d: Double) -> Int64 {
        if d == 0 { return 0 }
        if d.isNaN { return 0x7FF8_0000_0000_0000 }
        return Int64(bitPattern: d.bitPattern)
    }

    /// Codes of every row. With `insert` false, a string never seen gets code -1 (it can match
    /// nothing). NULL rows get code 0; their validity comes back separately.
    func encode(_ c: Column, insert: Bool) -> [Int64] {
        switch kind {
        case .integer:
            return Vectors.int64s(c) ?? [Int64](repeating: 0, count: c.count)
        case .boolean:
            guard case .boolean(let b) = c.values.materialized() else { return [Int64](repeating: 0, count: c.count) }
            return b.map { $0 ? 1 : 0 }
        case .double:
            guard let d = Vectors.doubles(c) else { return [Int64](repeating: 0, count: c.count) }
            return d.map(Self.doubleCode)
        case .nested:
            var texts = ByteArrays()
            var values: [Scalar] = []
            values.reserveCapacity(c.count)
            for i in 0..<c.count {
                let v = Scalar.from(c, row: i)
                values.append(v)
                texts.append(Array(String(describing: v).utf8))
            }
            let ids = (insert ? interner.internAll(texts) : interner.lookupAll(texts)).map { Int64($0) }
            if insert { for (i, id) in ids.enumerated() where nestedValues[id] == nil { nestedValues[id] = values[i] } }
            return ids
        case .string:
            switch c.values {
            case .dictionary(.bytes(let dict), let idx):
                let perEntry = insert ? interner.internAll(dict) : interner.lookupAll(dict)
                return [Int64](unsafeUninitializedCapacity: idx.count) { out, n in
                    perEntry.withUnsafeBufferPointer { e in
                        idx.withUnsafeBufferPointer { ix in
                            for i in 0..<ix.count { out[i] = Int64(e[Int(ix[i])]) }
                        }
                    }
                    n = idx.count
                }
            case .bytes(let b):
                let ids = insert ? interner.internAll(b) : interner.lookupAll(b)
                return ids.map { Int64($0) }
            default:
                let m = ColumnKernels.materialize(c)
                if case .bytes(let b) = m.values { return (insert ? interner.internAll(b) : interner.lookupAll(b)).map { Int64($0) } }
                return [Int64](repeating: 0, count: c.count)
            }
        }
    }

    /// Codes per dictionary entry, when the column is dictionary-encoded: lets callers work
    /// once per entry instead of once per row.
    func encodeDictionary(_ c: Column, insert: Bool) -> (entries: [Int64], indices: [Int32])? {
        guard kind == .string, case .dictionary(.bytes(let dict), let idx) = c.values else { return nil }
        let perEntry = insert ? interner.internAll(dict) : interner.lookupAll(dict)
        return (perEntry.map { Int64($0) }, idx)
    }

    /// The column of values for `codes` (NULL where `valid` is false).
    func decode(_ codes: [Int64], validity: Bitmap?) -> Column {
        switch kind {
        case .integer:
            switch type {
            case .int32, .date32: return Column(type: type, values: .int32(codes.map { Int32(truncatingIfNeeded: $0) }), validity: validity)
            default: return Column(type: type, values: .int64(codes), validity: validity)
            }
        case .boolean: return Column(type: type, values: .boolean(codes.map { $0 != 0 }), validity: validity)
        case .nested:
            return ColumnFactory.fromScalars(codes.enumerated().map { i, c in validity?[i] ?? true ? nestedValues[c] ?? .null : .null }, type: type)
        case .double: return Column(type: type, values: .float64(codes.map { Double(bitPattern: UInt64(bitPattern: $0)) }), validity: validity)
        case .string:
            let strings = interner.strings
            var out = ByteArrays()
            out.offsets.reserveCapacity(codes.count + 1)
            strings.data.withUnsafeBytes { raw in
                for (i, c) in codes.enumerated() {
                    if c >= 0, c < strings.count, validity?[i] ?? true {
                        out.append(UnsafeRawBufferPointer(rebasing: raw[strings.range(Int(c))]))
                    } else {
                        out.appendEmpty()
                    }
                }
            }
            return Column(type: type, values: .bytes(out), validity: validity)
        }
    }

    /// Code in this encoder of code `c` of `other` (same type): re-interns strings.
    func translator(from other: KeyEncoder) -> (Int64) -> Int64 {
        guard kind == .string || kind == .nested else { return { $0 } }
        let map = interner.internAll(other.interner.strings)
        for (c, v) in other.nestedValues where c >= 0 && Int(c) < map.count { nestedValues[Int64(map[Int(c)])] = v }
        return { c in c >= 0 && Int(c) < map.count ? Int64(map[Int(c)]) : c }
    }
}
