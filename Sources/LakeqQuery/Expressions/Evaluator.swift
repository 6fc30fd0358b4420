import LakeqColumnar

/// Evaluates bound expressions a whole batch at a time.
///
/// Comparisons, boolean logic, arithmetic, IN, LIKE and the time functions have typed column
/// kernels (string predicates run once per dictionary entry); the rarer forms (CASE, CAST,
/// string functions) go through a per-row `Scalar` path.
public enum Evaluator {
    public static func evaluate(_ e: BoundExpr, _ batch: RecordBatch) throws -> Column {
        let n = batch.rowCount
        switch e.kind {
        case .column(let i):
            return batch.columns[i]
        case .literal(let s):
            return ColumnFactory.constant(s, type: e.type, count: n)
        case .comparison(let op, let l, let r):
            return try compare(op, l, r, batch)
        case .and(let l, let r):
            let a = try evaluate(l, batch), b = try evaluate(r, batch)
            return logical(a, b, isAnd: true)
        case .or(let l, let r):
            let a = try evaluate(l, batch), b = try evaluate(r, batch)
            return logical(a, b, isAnd: false)
        case .not(let x):
            let a = try evaluate(x, batch)
            guard case .boolean(let v) = a.values else { throw QueryError.execution("NOT needs a boolean") }
            return Column(type: .boolean, values: .boolean(v.map { !$0 }), validity: a.validity)
        case .isNull(let x, let negated):
            let a = try evaluate(x, batch)
            var out = [Bool](repeating: negated, count: n)
            if let v = a.validity { for i in 0..<n where !v[i] { out[i] = !negated } }
            return Column(type: .boolean, values: .boolean(out))
        case .inList(let x, let list, let negated):
            let a = try evaluate(x, batch)
            return try inList(a, list, negated: negated)
        case .like(let x, let pattern, let negated):
            let a = try evaluate(x, batch)
            return like(a, pattern, negated: negated)
        case .arithmetic(let op, let l, let r):
            return try arithmetic(op, try evaluate(l, batch), try evaluate(r, batch), type: e.type, text: e.text)
        case .function(.structExtract, let args):
            guard args.count == 2, case .literal(.int(let k)) = args[1].kind else { throw QueryError.execution("struct_extract needs a constant field") }
            return try NestedFunctions.field(try evaluate(args[0], batch), Int(clamping: k))
        case .function(let f, let args):
            let cols = try args.map { try evaluate($0, batch) }
            if let fast = try Functions.vectorized(f, cols, type: e.type, count: n) { return fast }
            return try rowWise(e, cols, n) { row in try Functions.apply(f, cols.map { Scalar.from($0, row: row) }, type: e.type) }
        case .cast(let x):
            return try Casts.column(try evaluate(x, batch), to: e.type)
        case .caseWhen(let whens, let elseResult):
            return try caseWhen(whens, elseResult, type: e.type, batch)
        case .distinctFrom(let l, let r, let negated):
            let a = try evaluate(l, batch), b = try evaluate(r, batch)
            let eq = try compare(.equal, BoundExpr(kind: .column(0), type: l.type, text: ""), BoundExpr(kind: .column(1), type: r.type, text: ""),
                                 RecordBatch(schema: Schema([]), columns: [a, b], rowCount: n))
            guard case .boolean(var same) = eq.values else { throw QueryError.execution("IS DISTINCT FROM needs comparable values") }
            for i in 0..<n {
                let na = a.isNull(i), nb = b.isNull(i)
                if na || nb { same[i] = na && nb }
            }
            if !negated { same = same.map { !$0 } }
            return Column(type: .boolean, values: .boolean(same))
        }
    }

    /// CASE: the first branch whose condition is true, per row. Each result is evaluated only
    /// on the rows that take it (a branch may hold a cast that would fail on the others).
    static func caseWhen(_ whens: [BoundExpr.WhenClause], _ elseResult: BoundExpr?, type: DataType, _ batch: RecordBatch) throws -> Column {
        let n = batch.rowCount
        var choice = [Int32](repeating: elseResult == nil ? -1 : Int32(whens.count), count: n)
        var open = [Bool](repeating: true, count: n)
        for (k, w) in whens.enumerated() {
            let t = try truth(w.condition, batch)
            for i in 0..<n where open[i] && t[i] { choice[i] = Int32(k); open[i] = false }
        }
        let branches = whens.map(\.result) + [elseResult].compactMap { $0 }
        var expanded: [Column] = []
        for (k, result) in branches.enumerated() {
            let rows = (0..<n).filter { choice[$0] == Int32(k) }.map { Int32($0) }
            if rows.isEmpty { expanded.append(ColumnKernels.nulls(type, count: n)); continue }
            let cheap: Bool = { switch result.kind { case .column, .literal: return true; default: return false } }()
            if cheap || rows.count == n {
                expanded.append(try Casts.column(try evaluate(result, batch), to: type))
                continue
            }
            let used = result.columnsUsed
            let sub = RecordBatch(schema: Schema([]), columns: batch.columns.enumerated().map { used.contains($0.offset) ? $0.element.gather(rows) : $0.element }, rowCount: rows.count)
            let value = try Casts.column(try evaluate(result, sub), to: type)
            var map = [Int32](repeating: -1, count: n)
            for (j, r) in rows.enumerated() { map[Int(r)] = Int32(j) }
            expanded.append(ColumnKernels.gatherOrNull(value, map))
        }
        return ColumnKernels.choose(expanded, choice: choice, type: type)
    }

    /// Rows where `predicate` is true (not false, not NULL).
    public static func select(_ predicate: BoundExpr, _ batch: RecordBatch) throws -> [Int32] {
        compact(try truth(predicate, batch))
    }

    /// Per row: is the predicate true? AND and OR of conditions combine their truth masks
    /// directly (true-and-true, true-or-true), so no NULL bookkeeping is needed for them.
    static func truth(_ e: BoundExpr, _ batch: RecordBatch) throws -> [Bool] {
        switch e.kind {
        case .and(let l, let r), .or(let l, let r):
            var a = try truth(l, batch)
            let b = try truth(r, batch)
            let isAnd: Bool
            if case .and = e.kind { isAnd = true } else { isAnd = false }
            a.withUnsafeMutableBytes { x in
                b.withUnsafeBytes { y in
                    if isAnd { for i in 0..<x.count { x[i] &= y[i] } } else { for i in 0..<x.count { x[i] |= y[i] } }
                }
            }
            return a
        default:
            return truth(of: try evaluate(e, batch))
        }
    }

    /// The rows where a boolean column is true and not NULL.
    static func truth(of c: Column) -> [Bool] {
        guard case .boolean(var v) = c.values else { return [] }
        let n = v.count
        if let valid = c.validity {
            // NULL is not true: clear the rows of unset validity bits, eight rows at a time.
            valid.words.withUnsafeBufferPointer { words in
                v.withUnsafeMutableBytes { BitSpreading.and($0, bits: words) }
            }
        }
        return v
    }

    public static func selection(of c: Column) -> [Int32] { compact(truth(of: c)) }

    /// Indices of the true entries.
    static func compact(_ v: [Bool]) -> [Int32] {
        let n = v.count
        // Branch-free compaction: write every index, advance only past selected ones.
        // The flag is added as its byte (a Bool is stored as 0 or 1): written as `p[i] ? 1 : 0`
        // LLVM emits a branch, which mispredicts on every other row of a 50% filter.
        return [Int32](unsafeUninitializedCapacity: n + 1) { out, count in
            var k = 0
            v.withUnsafeBytes { p in
                for i in 0..<n {
                    out[k] = Int32(truncatingIfNeeded: i)
                    k &+= Int(p[i] & 1)
                }
            }
            count = k
        }
    }

    /// Maps per-dictionary-entry results onto rows.
    static func gatherFlags(_ perEntry: [Bool], _ idx: [Int32]) -> [Bool] {
        [Bool](unsafeUninitializedCapacity: idx.count) { out, count in
            perEntry.withUnsafeBufferPointer { e in
                idx.withUnsafeBufferPointer { ix in
                    for i in 0..<ix.count { out[i] = e[Int(ix[i])] }
                }
            }
            count = idx.count
        }
    }

    private static func rowWise(_ e: BoundExpr, _ inputs: [Column], _ n: Int, _ f: (Int) throws -> Scalar) throws -> Column {
        var out: [Scalar] = []
        out.reserveCapacity(n)
        for row in 0..<n { out.append(try f(row)) }
        return ColumnFactory.fromScalars(out, type: e.type)
    }

    // MARK: boolean logic

    static func logical(_ a: Column, _ b: Column, isAnd: Bool) -> Column {
        guard case .boolean(let x) = a.values, case .boolean(let y) = b.values else {
            return Column(type: .boolean, values: .boolean([]))
        }
        let n = x.count
        if a.validity == nil && b.validity == nil {
            var out = [Bool](repeating: false, count: n)
            if isAnd { for i in 0..<n { out[i] = x[i] && y[i] } } else { for i in 0..<n { out[i] = x[i] || y[i] } }
            return Column(type: .boolean, values: .boolean(out))
        }
        // Three-valued logic on byte arrays, branch-free: a side is "true" when valid and set,
        // "false" when valid and clear.
        let av = a.validity?.unpacked() ?? [Bool](repeating: true, count: n)
        let bv = b.validity?.unpacked() ?? [Bool](repeating: true, count: n)
        var out = [Bool](repeating: false, count: n)
        var validBools = [Bool](repeating: false, count: n)
        // Bools are bytes of 0 or 1: bitwise byte arithmetic keeps the loop branch-free.
        x.withUnsafeBytes { xb in y.withUnsafeBytes { yb in av.withUnsafeBytes { ab in bv.withUnsafeBytes { bb in
            out.withUnsafeMutableBytes { ob in validBools.withUnsafeMutableBytes { vb in
                for i in 0..<n {
                    let aT = ab[i] & xb[i], aF = ab[i] & (xb[i] ^ 1)
                    let bT = bb[i] & yb[i], bF = bb[i] & (yb[i] ^ 1)
                    if isAnd {
                        ob[i] = aT & bT
                        vb[i] = aF | bF | (aT & bT)
                    } else {
                        ob[i] = aT | bT
                        vb[i] = aT | bT | (aF & bF)
                    }
                }
            }}
        }}}}
        let valid = Bitmap(bools: validBools)
        return Column(type: .boolean, values: .boolean(out), validity: valid)
    }

    // MARK: comparison

    static func compare(_ op: BinaryOperator, _ l: BoundExpr, _ r: BoundExpr, _ batch: RecordBatch) throws -> Column {
        let a = try evaluate(l, batch)
        if case .literal(let lit) = r.kind, let fast = compareToConstant(op, a, lit) { return fast }
        let b = try evaluate(r, batch)
        let n = batch.rowCount
        let validity = Bitmap.and(a.validity, b.validity)
        if let x = Vectors.int64s(a), let y = Vectors.int64s(b), sameScale(a.type, b.type) {
            return Column(type: .boolean, values: .boolean(compareArrays(op, x, y)), validity: validity)
        }
        if SQLType.isNumeric(a.type) && SQLType.isNumeric(b.type), let x = Vectors.doubles(a), let y = Vectors.doubles(b) {
            return Column(type: .boolean, values: .boolean(compareArrays(op, x, y)), validity: validity)
        }
        var out = [Bool](repeating: false, count: n)
        for i in 0..<n {
            let c = Scalar.compare(Scalar.from(a, row: i), Scalar.from(b, row: i))
            out[i] = test(op, c)
        }
        return Column(type: .boolean, values: .boolean(out), validity: validity)
    }

    private static func sameScale(_ a: DataType, _ b: DataType) -> Bool {
        switch (a, b) {
        case (.decimal(_, let s), .decimal(_, let t)): return s == t
        case (.decimal, _), (_, .decimal): return false
        case (.date32, .timestamp), (.timestamp, .date32): return false
        default: return true
        }
    }

    @inline(__always) static func test(_ op: BinaryOperator, _ c: Int) -> Bool {
        switch op {
        case .equal: return c == 0
        case .notEqual: return c != 0
        case .less: return c < 0
        case .lessOrEqual: return c <= 0
        case .greater: return c > 0
        case .greaterOrEqual: return c >= 0
        default: return false
        }
    }

    static func compareArrays<T: Comparable>(_ op: BinaryOperator, _ x: [T], _ y: [T]) -> [Bool] {
        let n = x.count
        var out = [Bool](repeating: false, count: n)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                out.withUnsafeMutableBufferPointer { o in
                    switch op {
                    case .equal: for i in 0..<n { o[i] = x[i] == y[i] }
                    case .notEqual: for i in 0..<n { o[i] = x[i] != y[i] }
                    case .less: for i in 0..<n { o[i] = x[i] < y[i] }
                    case .lessOrEqual: for i in 0..<n { o[i] = x[i] <= y[i] }
                    case .greater: for i in 0..<n { o[i] = x[i] > y[i] }
                    case .greaterOrEqual: for i in 0..<n { o[i] = x[i] >= y[i] }
                    default: break
                    }
                }
            }
        }
        return out
    }

    static func compareConstant<T: Comparable>(_ op: BinaryOperator, _ x: UnsafeBufferPointer<T>, _ c: T) -> [Bool] {
        let n = x.count
        return [Bool](unsafeUninitializedCapacity: n) { o, count in
            switch op {
            case .equal: for i in 0..<n { o[i] = x[i] == c }
            case .notEqual: for i in 0..<n { o[i] = x[i] != c }
            case .less: for i in 0..<n { o[i] = x[i] < c }
            case .lessOrEqual: for i in 0..<n { o[i] = x[i] <= c }
            case .greater: for i in 0..<n { o[i] = x[i] > c }
            case .greaterOrEqual: for i in 0..<n { o[i] = x[i] >= c }
            default: for i in 0..<n { o[i] = false }
            }
            count = n
        }
    }

    /// Column-versus-literal comparisons without materializing the literal.
    static func compareToConstant(_ op: BinaryOperator, _ a: Column, _ lit: Scalar) -> Column? {
        if lit.isNull {
            return Column(type: .boolean, values: .boolean(Array(repeating: false, count: a.count)), validity: Bitmap(count: a.count, value: false))
        }
        switch (a.values, a.type, lit) {
        case (.int32(let v), .int32, .int(let c)):
            guard let c32 = Int32(exactly: c) else { return nil }
            return Column(type: .boolean, values: .boolean(v.withUnsafeBufferPointer { compareConstant(op, $0, c32) }), validity: a.validity)
        case (.int32(let v), .date32, .date(let c)):
            return Column(type: .boolean, values: .boolean(v.withUnsafeBufferPointer { compareConstant(op, $0, c) }), validity: a.validity)
        case (.int64(let v), .int64, .int(let c)), (.int64(let v), .timestamp, .timestamp(let c)):
            return Column(type: .boolean, values: .boolean(v.withUnsafeBufferPointer { compareConstant(op, $0, c) }), validity: a.validity)
        case (.float64(let v), _, _):
            guard let c = lit.asDouble else { return nil }
            return Column(type: .boolean, values: .boolean(v.withUnsafeBufferPointer { compareConstant(op, $0, c) }), validity: a.validity)
        case (.boolean(let v), _, .bool(let c)):
            let out = v.map { test(op, $0 == c ? 0 : (!$0 ? -1 : 1)) }
            return Column(type: .boolean, values: .boolean(out), validity: a.validity)
        case (.dictionary(let d, let idx), _, .string(let s)):
            // Evaluate once per dictionary entry, then gather.
            guard case .bytes(let dict) = d else { return nil }
            let target = Array(s.utf8)
            var perEntry = [Bool](repeating: false, count: dict.count)
            for k in 0..<dict.count { perEntry[k] = test(op, compareBytes(dict[k], target)) }
            return Column(type: .boolean, values: .boolean(gatherFlags(perEntry, idx)), validity: a.validity)
        case (.bytes(let b), _, .string(let s)):
            let target = Array(s.utf8)
            let out = (0..<b.count).map { test(op, compareBytes(b[$0], target)) }
            return Column(type: .boolean, values: .boolean(out), validity: a.validity)
        default:
            return nil
        }
    }

    static func compareBytes(_ a: ArraySlice<UInt8>, _ b: [UInt8]) -> Int {
        let n = min(a.count, b.count)
        var i = a.startIndex
        for k in 0..<n {
            let x = a[i], y = b[k]
            if x != y { return x < y ? -1 : 1 }
            i += 1
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    // MARK: IN and LIKE

    static func inList(_ a: Column, _ list: [Scalar], negated: Bool) throws -> Column {
        let hasNull = list.contains(where: \.isNull)
        let set = Set(list.filter { !$0.isNull })
        let n = a.count
        var out = [Bool](repeating: false, count: n)
        if case .dictionary(let d, let idx) = a.values {
            let dc = Column(type: a.type, values: d)
            let perEntry = (0..<d.count).map { set.contains(Scalar.from(dc, row: $0)) }
            for i in 0..<n { out[i] = perEntry[Int(idx[i])] }
        } else if let ints = Vectors.int64s(a), case .int64 = a.type {
            let s = Set(list.compactMap { if case .int(let v) = $0 { return v } else { return nil } })
            for i in 0..<n { out[i] = s.contains(ints[i]) }
        } else {
            for i in 0..<n { out[i] = set.contains(Scalar.from(a, row: i)) || set.contains(normalizeForSet(Scalar.from(a, row: i))) }
        }
        var validity = a.validity
        if hasNull {
            // x IN (..., NULL) is NULL rather than false when x matches nothing.
            var v = validity ?? Bitmap(count: n, value: true)
            for i in 0..<n where !out[i] { v[i] = false }
            validity = v
        }
        if negated { out = out.map { !$0 } }
        return Column(type: .boolean, values: .boolean(out), validity: validity)
    }

    private static func normalizeForSet(_ s: Scalar) -> Scalar {
        if case .double(let d) = s, let i = Int64(exactly: d) { return .int(i) }
        if case .int(let i) = s { return .double(Double(i)) }
        return s
    }

    static func like(_ a: Column, _ pattern: LikePattern, negated: Bool) -> Column {
        let n = a.count
        var out = [Bool](repeating: false, count: 0)
        switch a.values {
        case .dictionary(.bytes(let dict), let idx):
            let perEntry = (0..<dict.count).map { pattern.matches(dict[$0]) != negated }
            out = gatherFlags(perEntry, idx)
        case .bytes(let b):
            out = (0..<n).map { pattern.matches(b[$0]) != negated }
        default:
            out = [Bool](repeating: false, count: n)
            for i in 0..<n {
                if case .string(let s) = Scalar.from(a, row: i) { out[i] = pattern.matches(Array(s.utf8)) != negated }
            }
        }
        return Column(type: .boolean, values: .boolean(out), validity: a.validity)
    }

    // MARK: arithmetic

    static func arithmetic(_ op: BinaryOperator, _ a: Column, _ b: Column, type: DataType, text: String) throws -> Column {
        let n = a.count
        let validity = Bitmap.and(a.validity, b.validity)
        if op == .concat {
            var out = ByteArrays()
            for i in 0..<n {
                if case .string(let x) = Scalar.from(a, row: i), case .string(let y) = Scalar.from(b, row: i) {
                    out.append(Array((x + y).utf8))
                } else { out.appendEmpty() }
            }
            return Column(type: .string, values: .bytes(out), validity: validity)
        }
        if case .int64 = type, let x = Vectors.int64s(a), let y = Vectors.int64s(b) {
            var out = [Int64](repeating: 0, count: n)
            var overflow = false
            var divZero = false
            for i in 0..<n {
                if let v = validity, !v[i] { continue }
                switch op {
                case .add: let (r, o) = x[i].addingReportingOverflow(y[i]); out[i] = r; overflow = overflow || o
                case .subtract: let (r, o) = x[i].subtractingReportingOverflow(y[i]); out[i] = r; overflow = overflow || o
                case .multiply: let (r, o) = x[i].multipliedReportingOverflow(by: y[i]); out[i] = r; overflow = overflow || o
                case .modulo:
                    if y[i] == 0 { divZero = true } else if y[i] == -1 { out[i] = 0 } else { out[i] = x[i] % y[i] }
                default: break
                }
            }
            if overflow { throw QueryError.execution("integer overflow in \(text)") }
            var valid = validity
            if divZero {
                // Modulo by zero is NULL, as in DuckDB.
                var v = valid ?? Bitmap(count: n, value: true)
                for i in 0..<n where y[i] == 0 { v[i] = false }
                valid = v
            }
            return Column(type: .int64, values: .int64(out), validity: valid)
        }
        guard let x = Vectors.doubles(a), let y = Vectors.doubles(b) else {
            throw QueryError.execution("cannot compute \(text) on these types")
        }
        var out = [Double](repeating: 0, count: n)
        var valid = validity
        switch op {
        case .add: for i in 0..<n { out[i] = x[i] + y[i] }
        case .subtract: for i in 0..<n { out[i] = x[i] - y[i] }
        case .multiply: for i in 0..<n { out[i] = x[i] * y[i] }
        case .divide, .modulo:
            var v = valid ?? Bitmap(count: n, value: true)
            for i in 0..<n {
                if y[i] == 0 { v[i] = false } else { out[i] = op == .divide ? x[i] / y[i] : x[i].truncatingRemainder(dividingBy: y[i]) }
            }
            valid = v
        default: break
        }
        return Column(type: .float64, values: .float64(out), validity: valid)
    }
}

/// Typed views of engine columns.
public enum Vectors {
    /// Integer-like storage (INTEGER, BIGINT, DATE, TIMESTAMP, DECIMAL) widened to Int64.
    public static func int64s(_ c: Column) -> [Int64]? {
        switch c.values {
        case .int64(let v): return v
        case .int32(let v): return v.map { Int64($0) }
        case .dictionary(let d, let idx):
            guard let dv = int64s(Column(type: c.type, values: d)) else { return nil }
            return idx.map { dv[Int($0)] }
        default: return nil
        }
    }

    /// Numeric storage as doubles (decimals scaled).
    public static func doubles(_ c: Column) -> [Double]? {
        switch (c.values, c.type) {
        case (.float64(let v), _): return v
        case (.int64(let v), .decimal(_, let s)): let f = SQLType.pow10(s); return v.map { Double($0) / f }
        case (.int64(let v), _): return v.map { Double($0) }
        case (.int32(let v), _): return v.map { Double($0) }
        case (.float32(let v), _): return v.map { Double($0) }
        default: return nil
        }
    }
}

/// Building engine columns from scalars and constants.
public enum ColumnFactory {
    public static func constant(_ s: Scalar, type: DataType, count n: Int) -> Column {
        if s.isNull {
            let one = fromScalars([.null], type: type)
            return Column(type: type, values: one.values.gather([Int32](repeating: 0, count: n)), validity: Bitmap(count: n, value: false))
        }
        switch (s, type) {
        case (.date(let d), .date32): return Column(type: type, values: .int32([Int32](repeating: d, count: n)))
        case (.int(let v), .int32): return Column(type: type, values: .int32([Int32](repeating: Int32(truncatingIfNeeded: v), count: n)))
        case (.int(let v), .int64), (.timestamp(let v), .timestamp), (.decimal(let v, _), .decimal):
            return Column(type: type, values: .int64([Int64](repeating: v, count: n)))
        case (.bool(let b), .boolean): return Column(type: type, values: .boolean([Bool](repeating: b, count: n)))
        case (.string, .string):
            // One dictionary entry referenced by every row.
            let one = fromScalars([s], type: type)
            return Column(type: type, values: .dictionary(dictionary: one.values, indices: [Int32](repeating: 0, count: n)))
        default:
            if let d = s.asDouble, type == .float64 { return Column(type: type, values: .float64([Double](repeating: d, count: n))) }
            return fromScalars([Scalar](repeating: s, count: n), type: type)
        }
    }

    public static func fromScalars(_ values: [Scalar], type: DataType) -> Column {
        let n = values.count
        var valid = Bitmap(count: n, value: true)
        var anyNull = false
        for (i, v) in values.enumerated() where v.isNull { valid[i] = false; anyNull = true }
        let validity = anyNull ? valid : nil
        switch type {
        case .boolean:
            return Column(type: type, values: .boolean(values.map { if case .bool(let b) = $0 { return b }; return false }), validity: validity)
        case .int32:
            return Column(type: type, values: .int32(values.map { if case .int(let v) = $0 { return Int32(truncatingIfNeeded: v) }; return 0 }), validity: validity)
        case .date32:
            return Column(type: type, values: .int32(values.map { if case .date(let v) = $0 { return v }; return 0 }), validity: validity)
        case .float64:
            return Column(type: type, values: .float64(values.map { $0.asDouble ?? 0 }), validity: validity)
        case .string:
            var b = ByteArrays()
            for v in values { if case .string(let s) = v { b.append(Array(s.utf8)) } else { b.appendEmpty() } }
            return Column(type: type, values: .bytes(b), validity: validity)
        case .list(let e):
            var offsets: [Int32] = [0]
            var entries: [Scalar] = []
            for v in values {
                if case .list(let l) = v { entries += l }
                offsets.append(Int32(truncatingIfNeeded: entries.count))
            }
            return Column(type: type, values: .list(ListValues(offsets: offsets, entries: fromScalars(entries, type: e.type))), validity: validity)
        case .map(let k, let v):
            var offsets: [Int32] = [0]
            var keys: [Scalar] = [], vals: [Scalar] = []
            for x in values {
                if case .map(let ks, let vs) = x { keys += ks; vals += vs }
                offsets.append(Int32(truncatingIfNeeded: keys.count))
            }
            let entries = Column(type: DataType.mapEntries(key: k, value: v),
                                 values: .structure(StructValues(children: [fromScalars(keys, type: k.type), fromScalars(vals, type: v.type)], count: keys.count)))
            return Column(type: type, values: .list(ListValues(offsets: offsets, entries: entries)), validity: validity)
        case .structure(let fields):
            let children = fields.indices.map { f in
                fromScalars(values.map { if case .structure(_, let xs) = $0, f < xs.count { return xs[f] }; return .null }, type: fields[f].type)
            }
            return Column(type: type, values: .structure(StructValues(children: children, count: n)), validity: validity)
        default:
            return Column(type: type, values: .int64(values.map {
                switch $0 {
                case .int(let v), .timestamp(let v), .decimal(let v, _): return v
                case .date(let d): return Int64(d)
                default: return 0
                }
            }), validity: validity)
        }
    }
}
