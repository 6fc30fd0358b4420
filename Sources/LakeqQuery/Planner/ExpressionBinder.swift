import LakeqColumnar

/// Expression binding: names to column ids, types checked and coerced, functions resolved.
extension SelectBinder {
    func bind(_ e: Expr, _ mode: Mode) throws -> BoundExpr {
        let text = e.description
        if case .grouped = mode, let bound = try bindGroupedLeaf(e, text: text) { return bound }
        switch e.kind {
        case .literal(let l):
            return try Self.bindLiteral(l, text: text)
        case .column(let c):
            if let field = structFieldRewrite(c, location: e.location) {
                var bound = try bind(field, mode)
                bound.text = text
                return bound
            }
            return try resolveColumn(c, location: e.location)
        case .fieldAccess(let x, let name):
            return try bindFieldAccess(x, name, mode, text: text)
        case .structPack(let names, let values):
            return try bindStructPack(names, values, mode, text: text)
        case .subscript(let x, let index):
            return try bindSubscript(x, index, mode, text: text)
        case .unary(.not, let x):
            let b = try bind(x, mode)
            try expectBoolean(b, "NOT")
            return BoundExpr(kind: .not(b), type: .boolean, text: text)
        case .unary(.negate, let x):
            let b = try bind(x, mode)
            guard SQLType.isNumeric(b.type) || TypeRules.isNullLiteral(b) else { throw QueryError.binding("cannot negate \(SQLType.name(b.type)): \(text)") }
            let zero = BoundExpr(kind: .literal(.int(0)), type: .int64, text: "0")
            let type: DataType = b.type == .float64 ? .float64 : (TypeRules.isInteger(b.type) ? .int64 : .float64)
            return BoundExpr(kind: .arithmetic(.subtract, zero, b), type: type, text: text)
        case .binary(let op, let l, let r):
            if op == .add || op == .subtract, let interval = try intervalOperand(r) {
                return try addInterval(try bind(l, mode), interval, negate: op == .subtract, text: text)
            }
            if op == .add, let interval = try intervalOperand(l) {
                return try addInterval(try bind(r, mode), interval, negate: false, text: text)
            }
            return try bindBinary(op, try bind(l, mode), try bind(r, mode), text: text)
        case .isNull(let x, let negated):
            return BoundExpr(kind: .isNull(try bind(x, mode), negated: negated), type: .boolean, text: text)
        case .isDistinctFrom(let l, let r, let negated):
            var a = try bind(l, mode), b = try bind(r, mode)
            guard TypeRules.comparable(a.type, b.type) || TypeRules.isNullLiteral(a) || TypeRules.isNullLiteral(b) else {
                throw QueryError.binding("cannot compare \(SQLType.name(a.type)) with \(SQLType.name(b.type)): \(text)")
            }
            if a.type != b.type, let t = TypeRules.common(a.type, b.type) { a = try TypeRules.coerce(a, to: t); b = try TypeRules.coerce(b, to: t) }
            if TypeRules.isNullLiteral(a) { a = try TypeRules.coerce(a, to: b.type) }
            if TypeRules.isNullLiteral(b) { b = try TypeRules.coerce(b, to: a.type) }
            return BoundExpr(kind: .distinctFrom(a, b, negated: negated), type: .boolean, text: text)
        case .isBoolean(let x, let value, let negated):
            let b = try bind(x, mode)
            try expectBoolean(b, "IS TRUE/FALSE")
            // x IS TRUE: true only when x is true (never NULL).
            let eq = BoundExpr(kind: .comparison(.equal, b, BoundExpr(kind: .literal(.bool(value)), type: .boolean, text: "")), type: .boolean, text: text)
            let notNull = BoundExpr(kind: .isNull(b, negated: true), type: .boolean, text: text)
            let both = BoundExpr(kind: .and(notNull, eq), type: .boolean, text: text)
            return negated ? BoundExpr(kind: .not(both), type: .boolean, text: text) : both
        case .inList(let x, let list, let negated):
            let b = try bind(x, mode)
            let bound = try list.map { try bind($0, mode) }
            if bound.allSatisfy({ if case .literal = $0.kind { return true } else { return false } }) {
                let values = try zip(list, bound).map { item, lit -> Scalar in
                    guard case .literal(let v) = lit.kind else { return .null }
                    let value = try TypeRules.coerceLiteral(v, to: b.type)
                    guard TypeRules.fits(value, b.type) else {
                        throw QueryError.binding("cannot compare \(SQLType.name(b.type)) with \(SQLType.name(lit.type)) \(item) in \(text)")
                    }
                    return value
                }
                return BoundExpr(kind: .inList(b, values, negated: negated), type: .boolean, text: text)
            }
            // Non-constant entries: a chain of equalities.
            var any: BoundExpr?
            for item in bound {
                let eq = try bindBinary(.equal, b, item, text: text)
                any = any.map { BoundExpr(kind: .or($0, eq), type: .boolean, text: text) } ?? eq
            }
            guard let any else { throw QueryError.binding("empty IN list") }
            return negated ? BoundExpr(kind: .not(any), type: .boolean, text: text) : any
        case .between(let x, let lo, let hi, let negated):
            let b = try bind(x, mode)
            let low = try bind(lo, mode), high = try bind(hi, mode)
            // Each half has its own text: pushdown splits the AND, and EXPLAIN shows the halves.
            let ge = try bindBinary(negated ? .less : .greaterOrEqual, b, low, text: "(\(b.text) \(negated ? "<" : ">=") \(low.text))")
            let le = try bindBinary(negated ? .greater : .lessOrEqual, b, high, text: "(\(b.text) \(negated ? ">" : "<=") \(high.text))")
            return BoundExpr(kind: negated ? .or(ge, le) : .and(ge, le), type: .boolean, text: text)
        case .like(let x, let p, let ci, let negated):
            let b = try bind(x, mode)
            guard b.type == .string || TypeRules.isNullLiteral(b) else { throw QueryError.binding("LIKE needs a VARCHAR, got \(SQLType.name(b.type)): \(text)") }
            guard case .literal(.string(let pattern)) = p.kind else { throw QueryError.unsupported("LIKE patterns must be string constants: \(text)") }
            return BoundExpr(kind: .like(b, pattern: LikePattern(pattern, caseInsensitive: ci), negated: negated), type: .boolean, text: text)
        case .caseWhen(let operand, let branches, let elseResult):
            let op = try operand.map { try bind($0, mode) }
            var whens: [BoundExpr.WhenClause] = []
            for br in branches {
                var cond = try bind(br.condition, mode)
                if let op { cond = try bindBinary(.equal, op, cond, text: text) }
                if TypeRules.isNullLiteral(cond) { cond = BoundExpr(kind: .literal(.null), type: .boolean, text: cond.text) }
                try expectBoolean(cond, "CASE WHEN")
                whens.append(.init(condition: cond, result: try bind(br.result, mode)))
            }
            let other = try elseResult.map { try bind($0, mode) }
            let type = try TypeRules.commonType(whens.map(\.result) + [other].compactMap { $0 }, text: text)
            whens = try whens.map { .init(condition: $0.condition, result: try TypeRules.coerce($0.result, to: type)) }
            return BoundExpr(kind: .caseWhen(whens, elseResult: try other.map { try TypeRules.coerce($0, to: type) }), type: type, text: text)
        case .cast(let x, let t):
            let b = try bind(x, mode)
            let target = TypeRules.engineType(t)
            if case .literal(let v) = b.kind { return BoundExpr(kind: .literal(try Casts.cast(v, to: target)), type: target, text: text) }
            return BoundExpr(kind: .cast(b), type: target, text: text)
        case .extract(let field, let x):
            return try bindDatePart(field, try bind(x, mode), text: text)
        case .function(let f):
            if Self.isAggregateCall(f) {
                switch mode {
                case .rows: throw QueryError.binding("aggregates are not allowed in \(clause): \(text)")
                case .grouped: return try bindAggregate(f, text: text)
                }
            }
            if f.filter != nil { throw QueryError.binding("FILTER applies to aggregates only: \(text)") }
            if f.name.lowercased() == "grouping" { return try bindGrouping(f, mode, text: text) }
            if f.name.lowercased() == "unnest" { return try bindUnnest(f, mode, text: text) }
            return try bindFunction(f, mode, text: text)
        case .window(let f, let w):
            guard windowsAllowed else { throw QueryError.binding("window functions are not allowed in \(clause): \(text)") }
            return try bindWindow(e, f, w, mode, text: text)
        case .interval:
            throw QueryError.binding("an INTERVAL can only be added to or subtracted from a DATE or TIMESTAMP: \(text)")
        case .subquery(let q):
            return try bindScalarSubquery(q, mode, text: text)
        case .exists(let q):
            return try bindExistsValue(q, mode, text: text)
        case .inSubquery(let x, let q, let negated):
            let mark = try bindInSubqueryValue(try bind(x, mode), q, mode, text: text)
            return negated ? BoundExpr(kind: .not(mark), type: .boolean, text: text) : mark
        }
    }

    /// In the grouped mode: group keys and aggregates are columns of the aggregate's output;
    /// other bare columns are an error.
    private func bindGroupedLeaf(_ e: Expr, text: String) throws -> BoundExpr? {
        if let k = groupExprs.firstIndex(of: e) { return .column(groupIds[k], groupBound[k].type, text) }
        if case .column(let c) = e.kind, structFieldRewrite(c, location: e.location) != nil { return nil }
        if case .column(let c) = e.kind {
            // A bare column matches a GROUP BY entry naming the same column.
            let cands = scope.candidates(c)
            if cands.count == 1 {
                let id = cands[0].id
                if let k = groupBound.firstIndex(where: { if case .column(let g) = $0.kind { return g == id } else { return false } }) {
                    return .column(groupIds[k], groupBound[k].type, text)
                }
            }
            if cands.isEmpty, c.qualifier == nil, let aliased = selectAliases[c.name.lowercased()], !Self.containsWindow(aliased) {
                return try bind(aliased, .grouped)
            }
            if !cands.isEmpty || scope.outer == nil {
                _ = try resolveColumn(c, location: e.location)
                throw QueryError.binding("column \(c.name) must appear in GROUP BY or be used in an aggregate function")
            }
        }
        return nil
    }

    // MARK: names

    func resolveColumn(_ c: ColumnRef, location: SourceLocation) throws -> BoundExpr {
        let local = scope.candidates(c)
        if let first = local.first {
            if local.contains(where: { $0.id != first.id }) {
                throw QueryError.binding("column reference \(c) is ambiguous (it is in " + local.map { $0.qualifier ?? "?" }.joined(separator: " and ") + ")")
            }
            return .column(first.id, first.type, c.description)
        }
        if let outer = scope.outer {
            let found = outer.candidates(c)
            if let first = found.first {
                if found.contains(where: { $0.id != first.id }) { throw QueryError.binding("column reference \(c) is ambiguous") }
                outerReferences?.ids.insert(first.id)
                return .column(first.id, first.type, c.description)
            }
            if let further = outer.outer, !further.candidates(c).isEmpty {
                throw QueryError.unsupported("subqueries may refer to the columns of the query just around them only: \(c)")
            }
        }
        var message = "unknown column \(c)"
        let names = scope.columns.map(\.name) + (scope.outer?.columns.map(\.name) ?? [])
        if let close = Names.closest(to: c.name, in: names) { message += " (did you mean \(close)?)" }
        throw QueryError.binding(message + " at line \(location.line), column \(location.column)")
    }

    func expectBoolean(_ e: BoundExpr, _ what: String) throws {
        guard e.type == .boolean || TypeRules.isNullLiteral(e) else { throw QueryError.binding("\(what) needs a boolean, got \(SQLType.name(e.type)): \(e.text)") }
    }

    func expectString(_ e: BoundExpr, _ what: String) throws {
        guard e.type == .string || TypeRules.isNullLiteral(e) else { throw QueryError.binding("\(what) needs a VARCHAR, got \(SQLType.name(e.type)): \(e.text)") }
    }

    static func bindLiteral(_ l: Literal, text: String) throws -> BoundExpr {
        switch l {
        case .integer(let v): return BoundExpr(kind: .literal(.int(v)), type: .int64, text: text)
        case .decimal(_, let d): return BoundExpr(kind: .literal(.double(d)), type: .float64, text: text)
        case .string(let s): return BoundExpr(kind: .literal(.string(s)), type: .string, text: text)
        case .boolean(let b): return BoundExpr(kind: .literal(.bool(b)), type: .boolean, text: text)
        case .null: return BoundExpr(kind: .literal(.null), type: .int32, text: text)
        case .date(let s):
            guard let d = PartitionTyping.parseDate(s) else { throw QueryError.binding("invalid DATE literal '\(s)' (expected YYYY-MM-DD)") }
            return BoundExpr(kind: .literal(.date(d)), type: .date32, text: text)
        case .timestamp(let s):
            guard let t = TimestampText.parse(s) else { throw QueryError.binding("invalid TIMESTAMP literal '\(s)'") }
            return BoundExpr(kind: .literal(.timestamp(t)), type: .timestamp(.micros, utc: true), text: text)
        }
    }

    // MARK: operators

    func bindBinary(_ op: BinaryOperator, _ l: BoundExpr, _ r: BoundExpr, text: String) throws -> BoundExpr {
        switch op {
        case .and, .or:
            try expectBoolean(l, op.sql)
            try expectBoolean(r, op.sql)
            let a = TypeRules.isNullLiteral(l) ? BoundExpr(kind: .literal(.null), type: .boolean, text: l.text) : l
            let b = TypeRules.isNullLiteral(r) ? BoundExpr(kind: .literal(.null), type: .boolean, text: r.text) : r
            return BoundExpr(kind: op == .and ? .and(a, b) : .or(a, b), type: .boolean, text: text)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            var (a, b) = (l, r)
            // A constant next to a typed column is read as that type (strings as dates, …).
            if case .literal(let v) = b.kind, a.type != b.type { b = BoundExpr(kind: .literal(try TypeRules.coerceLiteral(v, to: a.type)), type: v.isNull ? a.type : a.type, text: b.text) }
            if case .literal(let v) = a.kind, a.type != b.type { a = BoundExpr(kind: .literal(try TypeRules.coerceLiteral(v, to: b.type)), type: b.type, text: a.text) }
            if case .literal(let v) = b.kind, !TypeRules.fits(v, a.type) {
                throw QueryError.binding("cannot compare \(SQLType.name(a.type)) with \(b.text): \(text)")
            }
            if case .literal(let v) = a.kind, !TypeRules.fits(v, b.type) {
                throw QueryError.binding("cannot compare \(a.text) with \(SQLType.name(b.type)): \(text)")
            }
            guard TypeRules.comparable(a.type, b.type) || TypeRules.isNullLiteral(a) || TypeRules.isNullLiteral(b) else {
                throw QueryError.binding("cannot compare \(SQLType.name(a.type)) with \(SQLType.name(b.type)): \(text)")
            }
            // Constants go on the right so kernels can compare against them directly.
            if case .literal = a.kind, !isLiteral(b) { return BoundExpr(kind: .comparison(op.flipped, b, a), type: .boolean, text: text) }
            return BoundExpr(kind: .comparison(op, a, b), type: .boolean, text: text)
        case .concat:
            return BoundExpr(kind: .arithmetic(.concat, try castToText(l), try castToText(r)), type: .string, text: text)
        case .add, .subtract, .multiply, .divide, .modulo:
            if let temporal = try temporalArithmetic(op, l, r, text: text) { return temporal }
            guard (SQLType.isNumeric(l.type) || TypeRules.isNullLiteral(l)), (SQLType.isNumeric(r.type) || TypeRules.isNullLiteral(r)) else {
                throw QueryError.binding("operator \(op.sql) needs numbers, got \(SQLType.name(l.type)) and \(SQLType.name(r.type)): \(text)")
            }
            let type: DataType = (op != .divide && TypeRules.isInteger(l.type) && TypeRules.isInteger(r.type)) ? .int64 : .float64
            return BoundExpr(kind: .arithmetic(op, l, r), type: type, text: text)
        }
    }

    private func castToText(_ e: BoundExpr) throws -> BoundExpr {
        if e.type == .string { return e }
        if TypeRules.isNullLiteral(e) { return BoundExpr(kind: .literal(.null), type: .string, text: e.text) }
        return try TypeRules.coerce(e, to: .string)
    }

    /// DATE ± integer days, DATE − DATE (days), as DuckDB.
    private func temporalArithmetic(_ op: BinaryOperator, _ l: BoundExpr, _ r: BoundExpr, text: String) throws -> BoundExpr? {
        if l.type == .date32, TypeRules.isInteger(r.type), op == .add || op == .subtract {
            let days = op == .add ? r : BoundExpr(kind: .arithmetic(.subtract, .literal(.int(0), .int64), r), type: .int64, text: r.text)
            return BoundExpr(kind: .function(.addInterval, [l, .literal(.int(0), .int64), days, .literal(.int(0), .int64), .literal(.bool(true), .boolean)]),
                             type: .date32, text: text)
        }
        if r.type == .date32, TypeRules.isInteger(l.type), op == .add {
            return BoundExpr(kind: .function(.addInterval, [r, .literal(.int(0), .int64), l, .literal(.int(0), .int64), .literal(.bool(true), .boolean)]),
                             type: .date32, text: text)
        }
        if l.type == .date32, r.type == .date32, op == .subtract {
            return BoundExpr(kind: .function(.dateDiff, [.literal(.string("day"), .string), r, l]), type: .int64, text: text)
        }
        if TypeRules.isTemporal(l.type) || TypeRules.isTemporal(r.type) {
            throw QueryError.binding("operator \(op.sql) is not defined for \(SQLType.name(l.type)) and \(SQLType.name(r.type)) (use date_diff or an INTERVAL): \(text)")
        }
        return nil
    }

    /// An INTERVAL operand as (months, days, microseconds), if `e` is one.
    private func intervalOperand(_ e: Expr) throws -> (Int64, Int64, Int64)? {
        guard case .interval(let value, let unit) = e.kind else { return nil }
        return try Self.parseInterval(value, unit)
    }

    static func parseInterval(_ value: String, _ unit: String) throws -> (Int64, Int64, Int64) {
        var words = value.split(whereSeparator: { $0 == " " }).map(String.init)
        if !unit.isEmpty { words.append(unit) }
        guard words.count % 2 == 0, !words.isEmpty else { throw QueryError.binding("invalid INTERVAL '\(value)' \(unit)") }
        var months: Int64 = 0, days: Int64 = 0, micros: Int64 = 0
        for k in stride(from: 0, to: words.count, by: 2) {
            guard let n = Int64(words[k]) else { throw QueryError.binding("invalid INTERVAL amount \(words[k])") }
            var u = words[k + 1].lowercased()
            if u.hasSuffix("s") && u.count > 1 { u.removeLast() }
            switch u {
            case "year": months += n * 12
            case "month": months += n
            case "week": days += n * 7
            case "day": days += n
            case "hour": micros += n * 3_600_000_000
            case "minute": micros += n * 60_000_000
            case "second": micros += n * 1_000_000
            case "millisecond": micros += n * 1000
            case "microsecond": micros += n
            default: throw QueryError.binding("unknown INTERVAL unit \(words[k + 1])")
            }
        }
        return (months, days, micros)
    }

    /// `x ± INTERVAL …`: a TIMESTAMP (a DATE is read as its midnight, as DuckDB does).
    private func addInterval(_ x: BoundExpr, _ interval: (Int64, Int64, Int64), negate: Bool, text: String) throws -> BoundExpr {
        guard TypeRules.isTemporal(x.type) else {
            throw QueryError.binding("an INTERVAL can only be added to a DATE or TIMESTAMP, not \(SQLType.name(x.type)): \(text)")
        }
        let s: Int64 = negate ? -1 : 1
        let args: [BoundExpr] = [x, .literal(.int(s * interval.0), .int64), .literal(.int(s * interval.1), .int64),
                                 .literal(.int(s * interval.2), .int64), .literal(.bool(false), .boolean)]
        return BoundExpr(kind: .function(.addInterval, args), type: .timestamp(.micros, utc: true), text: text)
    }

    private func isLiteral(_ e: BoundExpr) -> Bool { if case .literal = e.kind { return true } else { return false } }

    // MARK: functions

    private func bindDatePart(_ field: String, _ x: BoundExpr, text: String) throws -> BoundExpr {
        let f = field.lowercased()
        let known = ["year", "month", "day", "hour", "minute", "second", "dayofweek", "dow", "doy", "dayofyear", "quarter", "week",
                     "epoch", "isodow", "millisecond", "microsecond", "decade", "century", "millennium"]
        guard known.contains(f) else { throw QueryError.binding("EXTRACT: unknown field \(field)") }
        guard TypeRules.isTemporal(x.type) || TypeRules.isNullLiteral(x) else { throw QueryError.binding("EXTRACT needs a DATE or TIMESTAMP: \(text)") }
        return BoundExpr(kind: .function(.datePart, [.literal(.string(f), .string), x]), type: .int64, text: text)
    }

    static let functionNames: [String] = ScalarFunction.allCases.map(\.rawValue).filter { !$0.hasPrefix("+") }
        + AggregateFunction.allCases.map(\.rawValue) + ["extract", "substring", "ifnull", "ceiling", "pow", "log", "datediff",
                                                        "datepart", "strlen", "char_length", "instr", "position", "lcase", "ucase"]

    private func bindFunction(_ f: FunctionCall, _ mode: Mode, text: String) throws -> BoundExpr {
        let name = f.name.lowercased()
        let synonyms = ["substring": "substr", "dow": "dayofweek", "char_length": "length", "strlen": "length", "ifnull": "coalesce",
                        "ceiling": "ceil", "pow": "power", "log": "log10", "datediff": "date_diff", "datepart": "date_part",
                        "instr": "strpos", "position": "strpos", "lcase": "lower", "ucase": "upper", "doy": "dayofyear",
                        "weekofyear": "week", "list_element": "list_extract", "array_extract": "list_extract",
                        "array_length": "len", "list_length": "len", "list_has": "list_contains", "array_contains": "list_contains"]
        let canonical = synonyms[name] ?? name
        guard let fn = ScalarFunction(rawValue: canonical), fn != .addInterval else {
            throw QueryError.binding("unknown function \(f.name)" + (Names.closest(to: name, in: Self.functionNames).map { " (did you mean \($0)?)" } ?? ""))
        }
        if f.distinct || !f.orderBy.isEmpty { throw QueryError.binding("DISTINCT and ORDER BY apply to aggregates only: \(text)") }
        if fn == .dateAdd {
            guard f.arguments.count == 2, case .interval(let v, let u) = f.arguments[1].kind else { throw QueryError.binding("date_add(DATE or TIMESTAMP, INTERVAL …): \(text)") }
            return try addInterval(try bind(f.arguments[0], mode), try Self.parseInterval(v, u), negate: false, text: text)
        }
        var args = try f.arguments.map { try bind($0, mode) }
        func arity(_ r: ClosedRange<Int>) throws {
            guard r.contains(args.count) else { throw QueryError.binding("\(name) takes \(r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound) to \(r.upperBound)") argument(s): \(text)") }
        }
        func numeric(_ i: Int) throws {
            guard SQLType.isNumeric(args[i].type) || TypeRules.isNullLiteral(args[i]) else { throw QueryError.binding("\(name) needs a number: \(text)") }
        }
        func temporal(_ i: Int) throws {
            guard TypeRules.isTemporal(args[i].type) || TypeRules.isNullLiteral(args[i]) else { throw QueryError.binding("\(name) needs a DATE or TIMESTAMP: \(text)") }
        }
        let type: DataType
        switch fn {
        case .dateTrunc:
            try arity(2...2)
            try expectString(args[0], name)
            try temporal(1)
            // A DATE truncates to a TIMESTAMP, as in DuckDB.
            type = .timestamp(.micros, utc: true)
            args[1] = try TypeRules.coerce(args[1], to: type)
        case .year, .month, .day, .hour, .minute, .second, .dayOfWeek, .dayOfYear, .week, .quarter:
            try arity(1...1)
            return try bindDatePart(fn.rawValue, args[0], text: text)
        case .epoch:
            try arity(1...1); try temporal(0); type = .float64
        case .datePart:
            try arity(2...2)
            guard case .literal(.string(let part)) = args[0].kind else { throw QueryError.binding("date_part needs a constant part name: \(text)") }
            return try bindDatePart(part, args[1], text: text)
        case .dateDiff:
            try arity(3...3)
            guard case .literal(.string(let part)) = args[0].kind else { throw QueryError.binding("date_diff needs a constant part name: \(text)") }
            guard ["year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond", "microsecond"].contains(part.lowercased().hasSuffix("s") ? String(part.lowercased().dropLast()) : part.lowercased()) else {
                throw QueryError.binding("date_diff: unknown part '\(part)'")
            }
            try temporal(1); try temporal(2)
            type = .int64
        case .dateAdd:
            try arity(2...2)
            guard case .interval(let v, let u) = f.arguments[1].kind else { throw QueryError.binding("date_add needs an INTERVAL: \(text)") }
            return try addInterval(args[0], try Self.parseInterval(v, u), negate: false, text: text)
        case .makeDate:
            try arity(3...3)
            for i in 0..<3 { try numeric(i) }
            type = .date32
        case .strftime:
            try arity(2...2)
            if args[0].type == .string && TypeRules.isTemporal(args[1].type) { args.swapAt(0, 1) }
            try temporal(0)
            try expectString(args[1], name)
            type = .string
        case .lower, .upper, .trim, .ltrim, .rtrim, .reverse:
            try arity(fn == .trim || fn == .ltrim || fn == .rtrim ? 1...2 : 1...1)
            for i in args.indices { try expectString(args[i], name) }
            type = .string
        case .length:
            try arity(1...1)
            if args[0].type.isNested { return try bindNestedFunction(.listLength, args, name: name, text: text) }
            try expectString(args[0], name); type = .int64
        case .structExtract, .listExtract, .mapExtractValue, .listLength, .cardinality, .mapKeys, .mapValues,
             .listSum, .listAvg, .listMin, .listMax, .listCount, .listContains, .listValue,
             .structPack, .map, .mapFromEntries:
            return try bindNestedFunction(fn, args, name: name, text: text)
        case .substr:
            try arity(2...3); try expectString(args[0], name)
            for i in 1..<args.count { try numeric(i) }
            type = .string
        case .left, .right:
            try arity(2...2); try expectString(args[0], name); try numeric(1); type = .string
        case .concat:
            args = try args.map(castToText)
            type = .string
        case .replace:
            try arity(3...3); for i in 0..<3 { try expectString(args[i], name) }; type = .string
        case .strpos:
            try arity(2...2); try expectString(args[0], name); try expectString(args[1], name); type = .int64
        case .startsWith, .endsWith, .contains:
            try arity(2...2); try expectString(args[0], name); try expectString(args[1], name); type = .boolean
        case .regexpMatches:
            try arity(2...3); for i in args.indices { try expectString(args[i], name) }
            type = .boolean
        case .regexpReplace:
            try arity(3...4); for i in args.indices { try expectString(args[i], name) }
            type = .string
        case .coalesce, .greatest, .least:
            guard !args.isEmpty else { throw QueryError.binding("\(name) needs arguments") }
            type = try TypeRules.commonType(args, text: text)
            args = try args.map { try TypeRules.coerce($0, to: type) }
        case .nullif:
            try arity(2...2)
            type = try TypeRules.commonType(args, text: text)
            args = try args.map { try TypeRules.coerce($0, to: type) }
        case .ifThen:
            try arity(3...3)
            try expectBoolean(args[0], "if")
            type = try TypeRules.commonType([args[1], args[2]], text: text)
            args = [args[0], try TypeRules.coerce(args[1], to: type), try TypeRules.coerce(args[2], to: type)]
            return BoundExpr(kind: .caseWhen([.init(condition: args[0], result: args[1])], elseResult: args[2]), type: type, text: text)
        case .round:
            try arity(1...2)
            try numeric(0)
            type = TypeRules.isInteger(args[0].type) ? .int64 : .float64
        case .abs:
            try arity(1...1)
            try numeric(0)
            type = TypeRules.isInteger(args[0].type) ? .int64 : (args[0].type == .int32 ? .int64 : (TypeRules.isNullLiteral(args[0]) ? .int64 : args[0].type))
        case .floor, .ceil:
            try arity(1...1); try numeric(0)
            type = TypeRules.isInteger(args[0].type) ? .int64 : .float64
        case .sign:
            try arity(1...1); try numeric(0); type = .int64
        case .sqrt, .ln, .log10, .exp:
            try arity(1...1); try numeric(0); type = .float64
        case .power:
            try arity(2...2); try numeric(0); try numeric(1); type = .float64
        case .addInterval:
            throw QueryError.binding("unknown function \(f.name)")
        }
        return BoundExpr(kind: .function(fn, args), type: type, text: text)
    }

    /// `GROUPING(a, …)`: per row, a bit per argument, set when that key is not grouped in the row's set.
    private func bindGrouping(_ f: FunctionCall, _ mode: Mode, text: String) throws -> BoundExpr {
        guard case .grouped = mode else { throw QueryError.binding("GROUPING is allowed only with GROUP BY: \(text)") }
        let keys = try f.arguments.map { a -> Int in
            guard let k = groupExprs.firstIndex(of: a) else { throw QueryError.binding("GROUPING arguments must be GROUP BY expressions: \(a)") }
            return k
        }
        guard let sets = groupingSets, let column = groupingSetColumn else {
            return .literal(.int(0), .int64)
        }
        var whens: [BoundExpr.WhenClause] = []
        for (i, set) in sets.enumerated() {
            var value: Int64 = 0
            for k in keys { value = value << 1 | (set.contains(k) ? 0 : 1) }
            let cond = BoundExpr(kind: .comparison(.equal, .column(column, .int64, "grouping set"), .literal(.int(Int64(i)), .int64)), type: .boolean, text: text)
            whens.append(.init(condition: cond, result: .literal(.int(value), .int64)))
        }
        return BoundExpr(kind: .caseWhen(whens, elseResult: nil), type: .int64, text: text)
    }

    // MARK: aggregates

    private func bindAggregate(_ f: FunctionCall, text: String) throws -> BoundExpr {
        if let j = aggregates.firstIndex(where: { $0.call == f }) {
            return .column(aggregates[j].id, aggregates[j].spec.type, text)
        }
        let joinsBefore = pendingJoins.count
        let spec = try aggregateSpec(f, argumentMode: .rows, text: text)
        // A subquery in the arguments (or FILTER) joins the rows the aggregate reads: its join
        // goes under the aggregate, not above it with the select list's.
        aggregateInputJoins += pendingJoins[joinsBefore...]
        pendingJoins.removeSubrange(joinsBefore...)
        let id = registry.add(text, spec.type)
        aggregates.append((id, spec, f))
        return .column(id, spec.type, text)
    }

    /// The aggregate of a call, its arguments bound in `argumentMode` (the rows for GROUP BY
    /// aggregates; the current mode for window aggregates).
    func aggregateSpec(_ f: FunctionCall, argumentMode: Mode, text: String) throws -> AggregateSpec {
        guard let agg = AggregateFunction.named(f.name.lowercased()) else { throw QueryError.binding("unknown aggregate \(f.name)") }
        if case .rows = argumentMode {
            for a in f.arguments where Self.containsAggregate(a) { throw QueryError.binding("aggregates cannot be nested: \(text)") }
        }
        var args = try f.arguments.map { try bind($0, argumentMode) }
        func arity(_ r: ClosedRange<Int>) throws {
            guard r.contains(args.count) else { throw QueryError.binding("\(f.name) takes \(r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound) to \(r.upperBound)") argument(s): \(text)") }
        }
        func numericArg() throws {
            guard SQLType.isNumeric(args[0].type) || TypeRules.isNullLiteral(args[0]) else { throw QueryError.binding("\(agg.rawValue) needs a numeric argument: \(text)") }
        }
        let type: DataType
        switch agg {
        case .countStar:
            try arity(0...0); type = .int64
        case .count, .approxCountDistinct:
            try arity(1...1); type = .int64
        case .countIf:
            try arity(1...1); try expectBoolean(args[0], "count_if"); type = .int64
        case .sum:
            try arity(1...1); try numericArg()
            if case .decimal(_, let s) = args[0].type { type = .decimal(precision: 18, scale: s) } else { type = TypeRules.isInteger(args[0].type) || TypeRules.isNullLiteral(args[0]) ? .int64 : .float64 }
        case .avg, .stddevSamp, .stddevPop, .varSamp, .varPop:
            try arity(1...1); try numericArg(); type = .float64
        case .min, .max:
            try arity(1...1); type = args[0].type
        case .median:
            try arity(1...1)
            type = SQLType.isNumeric(args[0].type) ? .float64 : args[0].type
        case .quantileCont:
            try arity(2...2); try numericArg(); type = .float64
        case .quantileDisc, .approxQuantile:
            try arity(2...2); type = args[0].type
        case .stringAgg:
            try arity(1...2)
            args[0] = try castToText(args[0])
            if args.count == 1 { args.append(.literal(.string(","), .string)) }
            guard case .literal(.string) = args[1].kind else { throw QueryError.binding("string_agg needs a constant separator: \(text)") }
            type = .string
        case .boolAnd, .boolOr:
            try arity(1...1); try expectBoolean(args[0], agg.rawValue); type = .boolean
        case .argMin, .argMax:
            try arity(2...2); type = args[0].type
        }
        if agg == .quantileCont || agg == .quantileDisc || agg == .approxQuantile {
            guard case .literal(let q) = args[1].kind, let fraction = q.asDouble, fraction >= 0, fraction <= 1 else {
                throw QueryError.binding("\(agg.rawValue) needs a constant fraction between 0 and 1: \(text)")
            }
            args[1] = .literal(.double(fraction), .float64)
        }
        let filter = try f.filter.map { e -> BoundExpr in
            let b = try bind(e, argumentMode)
            try expectBoolean(b, "FILTER")
            return b
        }
        let orderBy = try f.orderBy.map { SortKey(expr: try bind($0.expr, argumentMode), descending: $0.descending, nullsFirst: $0.nullsFirst ?? false) }
        return AggregateSpec(function: agg, argument: args.first, distinct: f.distinct, type: type, text: text,
                             extraArguments: Array(args.dropFirst()), filter: filter, orderBy: orderBy)
    }

    // MARK: windows

    private func bindWindow(_ e: Expr, _ f: FunctionCall, _ w: WindowDefinition, _ mode: Mode, text: String) throws -> BoundExpr {
        if let existing = windows.first(where: { $0.ast == e }) { return .column(existing.id, existing.spec.type, text) }
        windowsAllowed = false
        defer { windowsAllowed = true }
        let partition = try w.partitionBy.map { try bind($0, mode) }
        let order = try w.orderBy.map { SortKey(expr: try bind($0.expr, mode), descending: $0.descending, nullsFirst: $0.nullsFirst ?? false) }
        let name = f.name.lowercased()
        let args = Self.isAggregateCall(f) ? [] : try f.arguments.map { try bind($0, mode) }
        func arity(_ r: ClosedRange<Int>) throws {
            guard r.contains(args.count) else { throw QueryError.binding("\(name) takes \(r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound) to \(r.upperBound)") argument(s): \(text)") }
        }
        func constantInt(_ i: Int, _ what: String) throws -> Int {
            guard case .literal(.int(let v)) = args[i].kind, v >= 0, v <= Int64(Int32.max) else { throw QueryError.binding("\(name): \(what) must be a non-negative integer constant: \(text)") }
            return Int(v)
        }
        let function: WindowSpec.Function
        var type: DataType = .int64
        switch name {
        case "row_number": try arity(0...0); function = .rowNumber
        case "rank": try arity(0...0); function = .rank
        case "dense_rank": try arity(0...0); function = .denseRank
        case "percent_rank": try arity(0...0); function = .percentRank; type = .float64
        case "cume_dist": try arity(0...0); function = .cumeDist; type = .float64
        case "ntile":
            try arity(1...1)
            guard TypeRules.isInteger(args[0].type) else { throw QueryError.binding("ntile needs an integer: \(text)") }
            function = .ntile(args[0])
        case "lag", "lead":
            try arity(1...3)
            let offset = args.count > 1 ? try constantInt(1, "the offset") : 1
            var defaultValue: BoundExpr?
            if args.count > 2 { defaultValue = try TypeRules.coerce(args[2], to: args[0].type) }
            function = name == "lag" ? .lag(args[0], offset: offset, defaultValue: defaultValue) : .lead(args[0], offset: offset, defaultValue: defaultValue)
            type = args[0].type
        case "first_value", "first": try arity(1...1); function = .firstValue(args[0]); type = args[0].type
        case "last_value", "last": try arity(1...1); function = .lastValue(args[0]); type = args[0].type
        case "nth_value":
            try arity(2...2)
            let n = try constantInt(1, "the position")
            guard n >= 1 else { throw QueryError.binding("nth_value positions start at 1: \(text)") }
            function = .nthValue(args[0], n)
            type = args[0].type
        default:
            guard Self.isAggregateCall(f) else {
                throw QueryError.binding("unknown window function \(f.name)")
            }
            let spec = try aggregateSpec(f, argumentMode: mode, text: text)
            if spec.distinct { throw QueryError.unsupported("DISTINCT aggregates over a window are not supported: \(text)") }
            function = .aggregate(spec)
            type = spec.type
        }
        var frame: WindowSpec.Frame?
        if let fr = w.frame {
            func bound(_ b: WindowFrame.Bound) throws -> WindowSpec.FrameBound {
                switch b {
                case .unboundedPreceding: return .unboundedPreceding
                case .unboundedFollowing: return .unboundedFollowing
                case .currentRow: return .currentRow
                case .preceding(let e), .following(let e):
                    let v = try bind(e, .rows)
                    guard case .literal(let s) = v.kind, let n = s.asDouble, n >= 0, n == n.rounded(), let i = Int64(exactly: n) else {
                        throw QueryError.binding("window frame offsets must be non-negative integer constants: \(e)")
                    }
                    if case .preceding = b { return .preceding(i) }
                    return .following(i)
                }
            }
            frame = .init(unit: fr.unit == .rows ? .rows : .range, start: try bound(fr.start), end: try bound(fr.end))
            if frame?.start == .unboundedFollowing || frame?.end == .unboundedPreceding {
                throw QueryError.binding("invalid window frame: \(fr)")
            }
            if fr.unit == .range, let f = frame, [f.start, f.end].contains(where: { if case .preceding = $0 { return true }; if case .following = $0 { return true }; return false }) {
                guard order.count == 1, SQLType.isNumeric(order[0].expr.type) || TypeRules.isTemporal(order[0].expr.type) else {
                    throw QueryError.binding("RANGE with an offset needs exactly one numeric or date ORDER BY key: \(text)")
                }
            }
        }
        let spec = WindowSpec(function: function, partitionBy: partition, orderBy: order, frame: frame, type: type, text: text)
        let id = registry.add(text, type)
        windows.append((id, spec, e))
        return .column(id, type, text)
    }
}
