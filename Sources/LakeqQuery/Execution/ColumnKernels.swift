import LakeqColumnar

/// Whole-column building blocks of the operators: concatenation, slicing, gathers with NULL
/// slots, and per-row choice between columns (CASE, COALESCE, outer-join padding).
///
/// Every kernel works on raw storage (no `Scalar` per row); dictionary columns are expanded
/// only where a result must mix rows of several sources.
enum ColumnKernels {
    /// The column with any dictionary expanded.
    static func materialize(_ c: Column) -> Column {
        guard case .dictionary = c.values else { return c }
        return Column(type: c.type, values: c.values.materialized(), validity: c.validity)
    }

    /// An empty column of engine type `type`.
    static func empty(_ type: DataType) -> Column {
        Column(type: type, values: emptyValues(type))
    }

    static func emptyValues(_ type: DataType) -> ColumnValues {
        switch type {
        case .boolean: return .boolean([])
        case .int32, .date32: return .int32([])
        case .float64: return .float64([])
        case .string: return .bytes(ByteArrays())
        default: return .int64([])
        }
    }

    /// A column of `n` NULLs.
    static func nulls(_ type: DataType, count n: Int) -> Column {
        let values: ColumnValues
        switch type {
        case .boolean: values = .boolean([Bool](repeating: false, count: n))
        case .int32, .date32: values = .int32([Int32](repeating: 0, count: n))
        case .float64: values = .float64([Double](repeating: 0, count: n))
        case .string: values = .bytes(ByteArrays(offsets: [Int32](repeating: 0, count: n + 1), data: []))
        case .list(let e): values = .list(ListValues(offsets: [Int32](repeating: 0, count: n + 1), entries: nulls(e.type, count: 0)))
        case .map(let k, let v):
            values = .list(ListValues(offsets: [Int32](repeating: 0, count: n + 1), entries: nulls(DataType.mapEntries(key: k, value: v), count: 0)))
        case .structure(let fields): values = .structure(StructValues(children: fields.map { nulls($0.type, count: n) }, count: n))
        default: values = .int64([Int64](repeating: 0, count: n))
        }
        return Column(type: type, values: values, validity: Bitmap(count: n, value: false))
    }

    /// Rows of several columns of one type, one after another.
    static func concat(_ parts: [Column], type: DataType) -> Column {
        let parts = parts.filter { $0.count > 0 }
        if parts.isEmpty { return empty(type) }
        if parts.count == 1 { return parts[0] }
        let total = parts.reduce(0) { $0 + $1.count }
        var validity: Bitmap?
        if parts.contains(where: { $0.validity != nil }) {
            var v = Bitmap(count: 0, value: false)
            for p in parts {
                if let pv = p.validity { v.append(contentsOf: pv) } else { v.append(repeating: true, count: p.count) }
            }
            validity = v
        }
        // Dictionaries sharing one dictionary (a partition value, a join's build column) stay dictionaries.
        if case .dictionary(let d0, _) = parts[0].values, parts.allSatisfy({ if case .dictionary(let d, _) = $0.values { return sameStorage(d, d0) } else { return false } }) {
            var idx: [Int32] = []
            idx.reserveCapacity(total)
            for p in parts { if case .dictionary(_, let i) = p.values { idx.append(contentsOf: i) } }
            return Column(type: type, values: .dictionary(dictionary: d0, indices: idx), validity: validity)
        }
        let values: ColumnValues
        switch parts[0].values.materialized() {
        case .boolean:
            var out: [Bool] = []
            out.reserveCapacity(total)
            for p in parts { if case .boolean(let v) = p.values.materialized() { out.append(contentsOf: v) } }
            values = .boolean(out)
        case .int32:
            var out: [Int32] = []
            out.reserveCapacity(total)
            for p in parts { if case .int32(let v) = p.values.materialized() { out.append(contentsOf: v) } }
            values = .int32(out)
        case .int64:
            var out: [Int64] = []
            out.reserveCapacity(total)
            for p in parts { if case .int64(let v) = p.values.materialized() { out.append(contentsOf: v) } }
            values = .int64(out)
        case .float64:
            var out: [Double] = []
            out.reserveCapacity(total)
            for p in parts { if case .float64(let v) = p.values.materialized() { out.append(contentsOf: v) } }
            values = .float64(out)
        case .bytes:
            var out = ByteArrays()
            var bytes = 0
            for p in parts { if case .bytes(let b) = p.values { bytes += b.data.count } }
            out.data.reserveCapacity(bytes)
            out.offsets.reserveCapacity(total + 1)
            for p in parts { if case .bytes(let b) = p.values.materialized() { out.append(contentsOf: b) } }
            values = .bytes(out)
        default:
            // Other storage (never produced by the engine's normalization) goes row by row.
            let scalars = parts.flatMap { p in (0..<p.count).map { Scalar.from(p, row: $0) } }
            return ColumnFactory.fromScalars(scalars, type: type)
        }
        return Column(type: type, values: values, validity: validity)
    }

    private static func sameStorage(_ a: ColumnValues, _ b: ColumnValues) -> Bool {
        switch (a, b) {
        case (.bytes(let x), .bytes(let y)):
            return x.data.count == y.data.count && x.offsets.count == y.offsets.count && x.data.withUnsafeBufferPointer({ p in y.data.withUnsafeBufferPointer { q in p.baseAddress == q.baseAddress } })
        default: return false
        }
    }

    /// Rows `range` of a column.
    static func slice(_ c: Column, _ range: Range<Int>) -> Column {
        if range.lowerBound == 0 && range.count == c.count { return c }
        var validity: Bitmap?
        if let v = c.validity {
            var b = Bitmap(count: 0, value: false)
            for i in range { b.append(v[i]) }
            validity = b
        }
        let values: ColumnValues
        switch c.values {
        case .boolean(let v): values = .boolean(Array(v[range]))
        case .int32(let v): values = .int32(Array(v[range]))
        case .int64(let v): values = .int64(Array(v[range]))
        case .float32(let v): values = .float32(Array(v[range]))
        case .float64(let v): values = .float64(Array(v[range]))
        case .bytes(let b):
            let start = b.offsets[range.lowerBound]
            let end = b.offsets[range.upperBound]
            values = .bytes(ByteArrays(offsets: b.offsets[range.lowerBound...range.upperBound].map { $0 - start },
                                       data: Array(b.data[Int(start)..<Int(end)])))
        case .dictionary(let d, let idx): values = .dictionary(dictionary: d, indices: Array(idx[range]))
        case .fixed, .list, .structure: values = c.values.gather((range.lowerBound..<range.upperBound).map { Int32($0) })
        }
        return Column(type: c.type, values: values, validity: validity)
    }

    /// Rows of `batch` in `range`.
    static func slice(_ batch: RecordBatch, _ range: Range<Int>) -> RecordBatch {
        RecordBatch(schema: batch.schema, columns: batch.columns.map { slice($0, range) }, rowCount: range.count)
    }

    /// `c[indices[k]]`, or NULL where `indices[k] < 0` (outer-join padding).
    static func gatherOrNull(_ c: Column, _ indices: [Int32]) -> Column {
        var anyMissing = false
        for i in indices where i < 0 { anyMissing = true; break }
        if !anyMissing { return c.gather(indices) }
        let safe = indices.map { max(0, $0) }
        var out = c.count == 0 ? nulls(c.type, count: indices.count) : c.gather(safe)
        var v = out.validity ?? Bitmap(count: indices.count, value: true)
        for (k, i) in indices.enumerated() where i < 0 { v[k] = false }
        out.validity = v
        return out
    }

    /// Per row `i`, the value of `columns[choice[i]]` at row `i` (NULL where `choice[i] < 0`).
    /// All columns have engine type `type` and equal length.
    static func choose(_ columns: [Column], choice: [Int32], type: DataType) -> Column {
        let n = choice.count
        if type.isNested {
            // Nested values are rebuilt from scalars (CASE over lists and structs is rare).
            return ColumnFactory.fromScalars((0..<n).map { i in
                let k = Int(choice[i])
                return k >= 0 ? Scalar.from(columns[k], row: i) : .null
            }, type: type)
        }
        let cols = columns.map(materialize)
        var valid = [Bool](repeating: true, count: n)
        var anyNull = false
        for i in 0..<n {
            let k = Int(choice[i])
            if k < 0 || cols[k].isNull(i) { valid[i] = false; anyNull = true }
        }
        let validity = anyNull ? Bitmap(bools: valid) : nil
        func pick<T>(_ extract: (ColumnValues) -> [T]?, _ zero: T) -> [T] {
            let arrays = cols.map { extract($0.values) ?? [] }
            var out = [T](repeating: zero, count: n)
            for i in 0..<n {
                let k = Int(choice[i])
                if k >= 0, i < arrays[k].count { out[i] = arrays[k][i] }
            }
            return out
        }
        switch emptyValues(type) {
        case .boolean:
            return Column(type: type, values: .boolean(pick({ if case .boolean(let v) = $0 { return v } else { return nil } }, false)), validity: validity)
        case .int32:
            return Column(type: type, values: .int32(pick({ if case .int32(let v) = $0 { return v } else { return nil } }, 0)), validity: validity)
        case .float64:
            return Column(type: type, values: .float64(pick({ if case .float64(let v) = $0 { return v } else { return nil } }, 0)), validity: validity)
        case .bytes:
            var out = ByteArrays()
            let arrays: [ByteArrays] = cols.map { if case .bytes(let b) = $0.values { return b } else { return ByteArrays() } }
            for i in 0..<n {
                let k = Int(choice[i])
                if k >= 0, valid[i], i < arrays[k].count {
                    let b = arrays[k]
                    b.data.withUnsafeBytes { raw in out.append(UnsafeRawBufferPointer(rebasing: raw[b.range(i)])) }
                } else {
                    out.appendEmpty()
                }
            }
            return Column(type: type, values: .bytes(out), validity: validity)
        default:
            return Column(type: type, values: .int64(pick({ if case .int64(let v) = $0 { return v } else { return nil } }, 0)), validity: validity)
        }
    }

    /// Batches of equal width concatenated into one.
    static func concat(_ batches: [RecordBatch], types: [DataType]) -> RecordBatch {
        let rows = batches.reduce(0) { $0 + $1.rowCount }
        if batches.count == 1 { return batches[0] }
        let columns = types.indices.map { c in concat(batches.map { $0.columns[c] }, type: types[c]) }
        return RecordBatch(schema: Schema([]), columns: columns, rowCount: rows)
    }
}

extension ColumnKernels {
    /// The column with rows where `mask` is false made NULL.
    static func masked(_ c: Column, _ mask: [Bool]) -> Column {
        var out = c
        let m = Bitmap(bools: mask)
        out.validity = Bitmap.and(c.validity, m)
        return out
    }
}
