import LakeqColumnar

/// Column kernels of the functions over LIST, STRUCT and MAP values (DuckDB semantics, see
/// spec/sql.md "Nested types"): field access, element and key lookup, lengths and the
/// `list_*` aggregates over each row's elements. Child columns are used as they are (a
/// struct field is its child column; element lookups gather from the entries column).
enum NestedFunctions {
    static func evaluate(_ f: ScalarFunction, _ args: [Column], type: DataType, count n: Int) throws -> Column? {
        switch f {
        case .structExtract:
            // Evaluated by `field(_:_:)` from the bound field index (this path has only columns).
            throw QueryError.execution("internal: struct_extract without its field index")
        case .listExtract:
            let (list, valid) = try lists(args[0], f)
            let index = args[1]
            var picks = [Int32](repeating: -1, count: n)
            let constant: Int64? = index.validity == nil ? constantInt(index) : nil
            for i in 0..<n where valid(i) && !index.isNull(i) {
                guard let k = constant ?? intValue(index, i) else { continue }
                let r = list.range(i)
                // 1-based from the front, -1 the last element; 0 and beyond either end are NULL (as DuckDB).
                if k > 0 && k <= Int64(r.count) { picks[i] = Int32(truncatingIfNeeded: r.lowerBound + Int(k) - 1) }
                else if k < 0 && k >= -Int64(r.count) { picks[i] = Int32(truncatingIfNeeded: r.upperBound + Int(k)) }
            }
            return ColumnKernels.gatherOrNull(list.entries, picks)
        case .mapExtractValue:
            let (map, valid) = try lists(args[0], f)
            guard case .structure(let kv) = map.entries.values, kv.children.count == 2 else { throw QueryError.execution("map lookup needs a MAP") }
            let keys = kv.children[0], values = kv.children[1]
            var picks = [Int32](repeating: -1, count: n)
            let constantKey = constantScalar(args[1])
            for i in 0..<n where valid(i) && !args[1].isNull(i) {
                let key = constantKey ?? Scalar.from(args[1], row: i)
                // The first entry with the key wins (Parquet maps may repeat keys).
                for e in map.range(i) where !keys.isNull(e) && Scalar.compare(Scalar.from(keys, row: e), key) == 0 {
                    picks[i] = Int32(truncatingIfNeeded: e)
                    break
                }
            }
            return ColumnKernels.gatherOrNull(values, picks)
        case .listLength, .cardinality:
            let (list, _) = try lists(args[0], f)
            var out = [Int64](repeating: 0, count: n)
            list.offsets.withUnsafeBufferPointer { o in for i in 0..<n { out[i] = Int64(o[i + 1] &- o[i]) } }
            return Column(type: .int64, values: .int64(out), validity: args[0].validity)
        case .mapKeys, .mapValues:
            let (map, _) = try lists(args[0], f)
            guard case .structure(let kv) = map.entries.values, kv.children.count == 2 else { throw QueryError.execution("\(f.rawValue) needs a MAP") }
            let child = kv.children[f == .mapKeys ? 0 : 1]
            return Column(type: type, values: .list(ListValues(offsets: map.offsets, entries: child)), validity: args[0].validity)
        case .listSum, .listAvg, .listMin, .listMax, .listCount:
            return try listAggregate(f, args[0], type: type, count: n)
        case .listValue:
            // Row i's list is argument 0…k-1 at row i: entries interleaved from the arguments.
            guard case .list(let element) = type else { throw QueryError.execution("list_value needs a list type") }
            let k = args.count
            let offsets = (0...n).map { Int32(truncatingIfNeeded: $0 * k) }
            guard k > 0 else { return Column(type: type, values: .list(ListValues(offsets: offsets, entries: ColumnKernels.nulls(element.type, count: 0)))) }
            let all = ColumnKernels.concat(args, type: element.type)
            var order: [Int32] = []
            order.reserveCapacity(n * k)
            for i in 0..<n { for j in 0..<k { order.append(Int32(truncatingIfNeeded: j * n + i)) } }
            return Column(type: type, values: .list(ListValues(offsets: offsets, entries: all.gather(order))))
        case .structPack:
            let children = args.map { Column(type: $0.type, values: $0.values, validity: $0.validity) }
            return Column(type: type, values: .structure(StructValues(children: children, count: n)))
        case .map:
            guard case .map(let k, let v) = type else { throw QueryError.execution("map needs a MAP type") }
            guard args.count == 2 else {
                return Column(type: type, values: .list(ListValues(offsets: [Int32](repeating: 0, count: n + 1),
                                                                   entries: ColumnKernels.nulls(.mapEntries(key: k, value: v), count: 0))))
            }
            let (keys, keysValid) = try lists(args[0], f), (values, valuesValid) = try lists(args[1], f)
            return try buildMap(type: type, count: n, valid: { keysValid($0) && valuesValid($0) },
                                keys: keys.entries, values: values.entries, keyRange: keys.range, valueRange: values.range)
        case .mapFromEntries:
            let (list, valid) = try lists(args[0], f)
            guard case .structure(let kv) = list.entries.values, kv.children.count == 2 else { throw QueryError.execution("map_from_entries needs STRUCT entries") }
            for e in 0..<list.entries.count where list.entries.isNull(e) {
                throw QueryError.execution("map_from_entries: an entry is NULL (a map entry needs a key and a value)")
            }
            return try buildMap(type: type, count: n, valid: valid, keys: kv.children[0], values: kv.children[1],
                                keyRange: list.range, valueRange: list.range)
        case .listContains:
            let (list, valid) = try lists(args[0], f)
            var out = [Bool](repeating: false, count: n)
            var validity = Bitmap(count: n, value: true)
            var anyNull = false
            for i in 0..<n {
                guard valid(i), !args[1].isNull(i) else { validity[i] = false; anyNull = true; continue }
                let needle = Scalar.from(args[1], row: i)
                out[i] = list.range(i).contains { !list.entries.isNull($0) && Scalar.compare(Scalar.from(list.entries, row: $0), needle) == 0 }
            }
            return Column(type: .boolean, values: .boolean(out), validity: anyNull ? validity : nil)
        default:
            return nil
        }
    }

    /// Field `k` of a STRUCT column: the child column, NULL where the struct is.
    static func field(_ c: Column, _ k: Int) throws -> Column {
        guard case .structure(let s) = c.values, k >= 0, k < s.children.count else {
            throw QueryError.execution("struct_extract needs a STRUCT with field \(k), got \(SQLType.name(c.type))")
        }
        var child = s.children[k]
        child.validity = Bitmap.and(child.validity, c.validity)
        return child
    }

    /// A MAP column from per-row key and value ranges (NULL where `valid` is false), checked as
    /// DuckDB checks: equally many keys and values, no NULL key, no key twice in one map.
    private static func buildMap(type: DataType, count n: Int, valid: (Int) -> Bool, keys: Column, values: Column,
                                 keyRange: (Int) -> Range<Int>, valueRange: (Int) -> Range<Int>) throws -> Column {
        guard case .map(let k, let v) = type else { throw QueryError.execution("map needs a MAP type") }
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(n + 1)
        var keyPicks: [Int32] = [], valuePicks: [Int32] = []
        var validity = Bitmap(count: n, value: true)
        var anyNull = false
        for i in 0..<n {
            if valid(i) {
                let kr = keyRange(i), vr = valueRange(i)
                guard kr.count == vr.count else {
                    throw QueryError.execution("map: the key list (\(kr.count) keys) does not align with the value list (\(vr.count) values)")
                }
                var seen = Set<Scalar>()
                for e in kr {
                    guard !keys.isNull(e) else { throw QueryError.execution("map keys can not be NULL") }
                    let key = Scalar.from(keys, row: e)
                    guard seen.insert(key).inserted else { throw QueryError.execution("map keys must be unique: \(Casts.text(key)) appears twice") }
                    keyPicks.append(Int32(truncatingIfNeeded: e))
                }
                for e in vr { valuePicks.append(Int32(truncatingIfNeeded: e)) }
            } else {
                validity[i] = false
                anyNull = true
            }
            offsets.append(Int32(truncatingIfNeeded: keyPicks.count))
        }
        let entries = Column(type: .mapEntries(key: k, value: v),
                             values: .structure(StructValues(children: [keys.gather(keyPicks), values.gather(valuePicks)], count: keyPicks.count)))
        return Column(type: type, values: .list(ListValues(offsets: offsets, entries: entries)), validity: anyNull ? validity : nil)
    }

    /// The list storage of a LIST or MAP column and a per-row validity test.
    private static func lists(_ c: Column, _ f: ScalarFunction) throws -> (ListValues, (Int) -> Bool) {
        guard case .list(let l) = c.values else { throw QueryError.execution("\(f.rawValue) needs a LIST or MAP, got \(SQLType.name(c.type))") }
        return (l, { !c.isNull($0) })
    }

    /// The value of a column that holds one value in every row (a constant argument), else nil.
    private static func constantScalar(_ c: Column) -> Scalar? {
        guard c.validity == nil, c.count > 0 else { return nil }
        switch c.values {
        case .dictionary(let d, _) where d.count == 1: return Scalar.from(c, row: 0)
        case .int64(let v): return v.allSatisfy({ $0 == v[0] }) ? Scalar.from(c, row: 0) : nil
        case .int32(let v): return v.allSatisfy({ $0 == v[0] }) ? Scalar.from(c, row: 0) : nil
        default: return nil
        }
    }

    private static func constantInt(_ c: Column) -> Int64? {
        switch c.values {
        case .int64(let v): return v.isEmpty || v.allSatisfy({ $0 == v[0] }) ? v.first : nil
        case .int32(let v): return v.isEmpty || v.allSatisfy({ $0 == v[0] }) ? v.first.map(Int64.init) : nil
        default: return nil
        }
    }

    private static func intValue(_ c: Column, _ i: Int) -> Int64? {
        switch c.values {
        case .int64(let v): return v[i]
        case .int32(let v): return Int64(v[i])
        default:
            if case .int(let k) = Scalar.from(c, row: i) { return k }
            return nil
        }
    }

    /// `list_sum`, `list_avg`, `list_min`, `list_max`, `list_count` of each row's non-NULL
    /// elements; NULL for a NULL or empty list (list_count: 0 for empty, NULL for NULL).
    private static func listAggregate(_ f: ScalarFunction, _ c: Column, type: DataType, count n: Int) throws -> Column {
        let (list, valid) = try lists(c, f)
        let entries = Column(type: list.entries.type, values: list.entries.values.materialized(), validity: list.entries.validity)
        var validity = Bitmap(count: n, value: true)
        var anyNull = false
        func null(_ i: Int) { validity[i] = false; anyNull = true }
        switch f {
        case .listCount:
            var out = [Int64](repeating: 0, count: n)
            for i in 0..<n {
                guard valid(i) else { null(i); continue }
                let r = list.range(i)
                out[i] = Int64(entries.validity.map { v in r.reduce(0) { $0 + (v[$1] ? 1 : 0) } } ?? r.count)
            }
            return Column(type: .int64, values: .int64(out), validity: anyNull ? validity : nil)
        case .listSum where type == .float64, .listAvg:
            var out = [Double](repeating: 0, count: n)
            let scale: Double = { if case .decimal(_, let s) = entries.type { return SQLType.pow10(s) }; return 1 }()
            for i in 0..<n {
                guard valid(i) else { null(i); continue }
                var sum = 0.0, k = 0
                for e in list.range(i) where !entries.isNull(e) {
                    switch entries.values {
                    case .float64(let v): sum += v[e]
                    case .int64(let v): sum += Double(v[e]) / scale
                    case .int32(let v): sum += Double(v[e])
                    default: throw QueryError.execution("\(f.rawValue) needs a list of numbers")
                    }
                    k += 1
                }
                if k == 0 { null(i); continue }
                out[i] = f == .listAvg ? sum / Double(k) : sum
            }
            return Column(type: .float64, values: .float64(out), validity: anyNull ? validity : nil)
        case .listSum:
            // Integers and decimals (unscaled): exact, an overflow is an error as for sum().
            var out = [Int64](repeating: 0, count: n)
            for i in 0..<n {
                guard valid(i) else { null(i); continue }
                var sum: Int64 = 0, k = 0
                for e in list.range(i) where !entries.isNull(e) {
                    let x: Int64
                    switch entries.values {
                    case .int64(let v): x = v[e]
                    case .int32(let v): x = Int64(v[e])
                    default: throw QueryError.execution("\(f.rawValue) needs a list of numbers")
                    }
                    let (s, overflow) = sum.addingReportingOverflow(x)
                    if overflow { throw QueryError.execution("list_sum overflows BIGINT") }
                    sum = s
                    k += 1
                }
                if k == 0 { null(i); continue }
                out[i] = sum
            }
            return Column(type: type, values: .int64(out), validity: anyNull ? validity : nil)
        default:
            // min / max: keep the element type.
            var picks = [Int32](repeating: -1, count: n)
            let wantMax = f == .listMax
            for i in 0..<n where valid(i) {
                var best: Int = -1
                var bestValue: Scalar = .null
                for e in list.range(i) where !entries.isNull(e) {
                    let v = Scalar.from(entries, row: e)
                    if best < 0 { best = e; bestValue = v; continue }
                    let cmp = Scalar.compare(v, bestValue)
                    if wantMax ? cmp > 0 : cmp < 0 { best = e; bestValue = v }
                }
                picks[i] = Int32(truncatingIfNeeded: best)
            }
            return ColumnKernels.gatherOrNull(list.entries, picks)
        }
    }
}
