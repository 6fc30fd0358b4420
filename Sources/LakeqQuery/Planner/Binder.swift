import Foundation
import LakeqColumnar
import LakeqDelta

/// Resolves tables by name: `NAME` is the directory `lake/NAME`. A directory holding a
/// `_delta_log/` is a Delta table and is read from its log; any other is plain Parquet.
public struct Catalog: Sendable {
    public var lake: String
    /// The Delta version to read tables at when the query does not say (`VERSION AS OF`);
    /// nil reads the latest. Set by `lakeq query --version N`.
    public var version: Int? = nil
    /// What SQL may read: anything the process can (the command line), or only the lake's
    /// own tables (the API service).
    public var access: TableAccess = .unrestricted

    public init(lake: String) { self.lake = lake }

    public func table(named name: String, version explicit: Int64? = nil) throws -> Table {
        if access == .lakeTablesOnly { try TableAccess.checkTableName(name) }
        let path = lake + "/" + name
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: lake)) ?? [])
                .filter { !$0.hasPrefix(".") && !$0.hasPrefix("_") }.sorted()
            var message = "table \(name) not found in lake \(lake)"
            if let close = Names.closest(to: name, in: names) { message += " (did you mean \(close)?)" }
            else if !names.isEmpty { message += " (tables: \(names.joined(separator: ", ")))" }
            throw QueryError.catalog(message)
        }
        let admit: ((String) throws -> Void)? = access == .lakeTablesOnly ? try TableAccess.insideLake(lake) : nil
        try admit?(path)  // the table's folder itself may be a symlink out of the lake
        return try Self.open(name: name, path: path, version: explicit.map { Int($0) } ?? version, admit: admit)
    }

    /// The table at `path`: from its Delta log when it has one (at `version`, default the
    /// latest), else its Parquet files. A version for a plain Parquet directory is an error.
    static func open(name: String, path: String, version: Int?, admit: ((String) throws -> Void)? = nil) throws -> Table {
        guard DeltaTable.isDeltaTable(path) else {
            if let version { throw QueryError.unsupported("VERSION AS OF \(version): \(name) is not a Delta table (no _delta_log)") }
            return try Table(name: name, paths: [path], admit: admit)
        }
        do {
            let snapshot = try DeltaTable(path: path).snapshot(version: version)
            return try Table(name: name, snapshot: snapshot, admit: admit)
        } catch let e as DeltaError {
            throw QueryError.catalog("table \(name): \(e.description)")
        }
    }
}

/// Turns a parsed SELECT into a `QueryPlan`.
public final class Binder {
    enum Scope {
        case scan
        case post
    }

    let catalog: Catalog
    private var table: Table!
    private var groupExprs: [Expr] = []
    private var keyTypes: [DataType] = []
    private var aggregates: [AggregateSpec] = []
    private var aggregateASTs: [FunctionCall] = []
    private var selectAliases: [String: Expr] = [:]

    public init(catalog: Catalog) { self.catalog = catalog }

    public func bind(_ s: SelectStatement) throws -> QueryPlan {
        guard let from = s.from else { throw QueryError.unsupported("SELECT without FROM is not supported") }
        table = try resolve(from)

        // Expand the select list.
        var items: [(expr: Expr, name: String)] = []
        for item in s.items {
            switch item.kind {
            case .wildcard:
                for f in table.schema.fields {
                    items.append((Expr(.column(ColumnRef(f.name)), location: item.location), f.name))
                }
            case .expression(let e, let alias):
                let name: String
                if let alias { name = alias.name } else if case .column(let c) = e.kind { name = resolveName(c.name) ?? c.name } else { name = e.description }
                items.append((e, name))
                if let alias { selectAliases[alias.name.lowercased()] = e }
            }
        }

        let filter = try s.whereClause.map { try bindPredicate($0, scope: .scan, clause: "WHERE") }
        if let filter, containsAggregate(s.whereClause!) { throw QueryError.binding("aggregates are not allowed in WHERE: \(filter.text)") }

        // GROUP BY entries: positions and aliases refer to the select list.
        var groupBy: [Expr] = []
        for g in s.groupBy { groupBy.append(try resolveReference(g, items: items.map(\.expr), clause: "GROUP BY", preferColumns: true)) }
        let hasAggregates = items.contains { containsAggregate($0.expr) } || s.having.map(containsAggregate) == true
            || s.orderBy.contains { containsAggregate($0.expr) }
        var distinct = s.distinct
        var isAggregate = !groupBy.isEmpty || hasAggregates
        if distinct && !isAggregate {
            groupBy = items.map(\.expr)
            isAggregate = true
            distinct = false
        }

        var plan = QueryPlan(table: table, scanColumns: [], filter: filter, isAggregate: isAggregate, groupKeys: [],
                             aggregates: [], having: nil, outputs: [], outputNames: items.map(\.name), orderBy: [],
                             limit: s.limit.map { Int(clamping: $0) }, offset: Int(clamping: s.offset ?? 0), distinct: distinct)
        if isAggregate {
            groupExprs = groupBy
            plan.groupKeys = try groupBy.map { try bind($0, scope: .scan) }
            keyTypes = plan.groupKeys.map(\.type)
            plan.outputs = try items.map { try bind($0.expr, scope: .post) }
            plan.having = try s.having.map { try bindPredicate($0, scope: .post, clause: "HAVING") }
        } else {
            if s.having != nil { throw QueryError.binding("HAVING needs GROUP BY or an aggregate") }
            plan.outputs = try items.map { try bind($0.expr, scope: .scan) }
        }
        let scope: Scope = isAggregate ? .post : .scan
        for o in s.orderBy {
            let expr: BoundExpr
            if case .literal(.integer(let k)) = o.expr.kind {
                guard k >= 1, k <= items.count else { throw QueryError.binding("ORDER BY position \(k) is not in the select list (1...\(items.count))") }
                expr = plan.outputs[Int(k) - 1]
            } else if case .column(let c) = o.expr.kind, c.qualifier == nil,
                      let i = items.firstIndex(where: { $0.name == c.name }) ?? items.firstIndex(where: { $0.name.lowercased() == c.name.lowercased() }),
                      selectAliases[c.name.lowercased()] != nil || resolveName(c.name) == nil || !isAggregate {
                expr = plan.outputs[i]
            } else {
                expr = try bind(o.expr, scope: scope)
            }
            plan.orderBy.append(SortKey(expr: expr, descending: o.descending, nullsFirst: o.nullsFirst ?? false))
        }
        plan.aggregates = aggregates

        // Only the columns the query touches are read; renumber to the scan batch.
        var used = Set<Int>()
        for e in [plan.filter].compactMap({ $0 }) + plan.groupKeys + aggregates.compactMap(\.argument) { used.formUnion(e.columnsUsed) }
        if !isAggregate { for e in plan.outputs + plan.orderBy.map(\.expr) { used.formUnion(e.columnsUsed) } }
        plan.scanColumns = used.sorted()
        let position = Dictionary(uniqueKeysWithValues: plan.scanColumns.enumerated().map { ($1, $0) })
        let remap: (Int) -> Int = { position[$0] ?? 0 }
        plan.filter = plan.filter?.remapColumns(remap)
        plan.groupKeys = plan.groupKeys.map { $0.remapColumns(remap) }
        plan.aggregates = plan.aggregates.map { var a = $0; a.argument = a.argument?.remapColumns(remap); return a }
        if !isAggregate {
            plan.outputs = plan.outputs.map { $0.remapColumns(remap) }
            plan.orderBy = plan.orderBy.map { var k = $0; k.expr = k.expr.remapColumns(remap); return k }
        }
        return plan
    }

    // MARK: tables

    private func resolve(_ ref: TableRef) throws -> Table {
        if catalog.access == .lakeTablesOnly {
            switch ref.kind {
            case .table: break
            case .path(let path, _):
                throw QueryError.forbidden("reading files by path is not allowed here ('\(path)'); name a table of the lake")
            case .function(let name, _):
                throw QueryError.forbidden("table function \(name.name) is not allowed here; name a table of the lake")
            }
        }
        switch ref.kind {
        case .table(let name, let version):
            return try catalog.table(named: name.name, version: version)
        case .path(let path, let version):
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
                return try Catalog.open(name: path, path: path, version: version.map { Int($0) })
            }
            if version != nil { throw QueryError.unsupported("VERSION AS OF needs a Delta table directory, not \(path)") }
            return try Table(name: path, paths: [path])
        case .function(let name, let args):
            guard name.name.lowercased() == "read_parquet" else {
                throw QueryError.binding("unknown table function \(name.name) (expected read_parquet)")
            }
            guard let first = args.first, case .literal(.string(let path)) = first.value.kind else {
                throw QueryError.binding("read_parquet needs a path or glob string as its first argument")
            }
            var hive = true
            for a in args.dropFirst() {
                guard let n = a.name?.name.lowercased() else { continue }
                if n == "hive_partitioning", case .literal(.boolean(let b)) = a.value.kind { hive = b }
            }
            return try Table(name: path, paths: [path], hivePartitioning: hive)
        }
    }

    // MARK: names

    /// The table's spelling of a column name: exact match first, then case-insensitive.
    private func resolveName(_ name: String) -> String? {
        if table.schema.fields.contains(where: { $0.name == name }) { return name }
        return table.schema.fields.first { $0.name.lowercased() == name.lowercased() }?.name
    }

    private func columnIndex(_ c: ColumnRef, location: SourceLocation) throws -> Int {
        if let i = table.schema.fields.firstIndex(where: { $0.name == c.name }) ?? table.schema.fields.firstIndex(where: { $0.name.lowercased() == c.name.lowercased() }) {
            return i
        }
        var message = "unknown column \(c.name)"
        if let close = Names.closest(to: c.name, in: table.schema.fields.map(\.name)) { message += " (did you mean \(close)?)" }
        throw QueryError.binding(message + " at line \(location.line), column \(location.column)")
    }

    private func resolveReference(_ e: Expr, items: [Expr], clause: String, preferColumns: Bool) throws -> Expr {
        if case .literal(.integer(let k)) = e.kind {
            guard k >= 1, k <= items.count else { throw QueryError.binding("\(clause) position \(k) is not in the select list (1...\(items.count))") }
            return items[Int(k) - 1]
        }
        if case .column(let c) = e.kind, c.qualifier == nil, !(preferColumns && resolveName(c.name) != nil),
           let aliased = selectAliases[c.name.lowercased()] {
            return aliased
        }
        return e
    }

    // MARK: expressions

    private func containsAggregate(_ e: Expr) -> Bool {
        switch e.kind {
        case .function(let f):
            if AggregateFunction(rawValue: f.name.lowercased()) != nil { return true }
            return f.arguments.contains(where: containsAggregate)
        case .literal, .column: return false
        case .unary(_, let x), .isNull(let x, _), .isBoolean(let x, _, _), .cast(let x, _), .extract(_, let x): return containsAggregate(x)
        case .binary(_, let l, let r): return containsAggregate(l) || containsAggregate(r)
        case .inList(let x, let l, _): return containsAggregate(x) || l.contains(where: containsAggregate)
        case .between(let x, let lo, let hi, _): return containsAggregate(x) || containsAggregate(lo) || containsAggregate(hi)
        case .like(let x, let p, _, _): return containsAggregate(x) || containsAggregate(p)
        case .caseWhen(let op, let bs, let el):
            return op.map(containsAggregate) == true || bs.contains { containsAggregate($0.condition) || containsAggregate($0.result) }
                || el.map(containsAggregate) == true
        }
    }

    private func bindPredicate(_ e: Expr, scope: Scope, clause: String) throws -> BoundExpr {
        let b = try bind(e, scope: scope)
        guard b.type == .boolean else { throw QueryError.binding("\(clause) needs a boolean expression, got \(SQLType.name(b.type)): \(e)") }
        return b
    }

    func bind(_ e: Expr, scope: Scope) throws -> BoundExpr {
        let text = e.description
        if case .post = scope {
            if let k = groupExprs.firstIndex(of: e) { return BoundExpr(kind: .column(k), type: keyTypes[k], text: text) }
            if case .column(let c) = e.kind {
                // A bare column matches a GROUP BY entry naming the same column.
                if let k = groupExprs.firstIndex(where: { if case .column(let g) = $0.kind { return resolveName(g.name) == resolveName(c.name) } else { return false } }) {
                    return BoundExpr(kind: .column(k), type: keyTypes[k], text: text)
                }
                if let aliased = selectAliases[c.name.lowercased()], resolveName(c.name) == nil {
                    return try bind(aliased, scope: scope)
                }
                _ = try columnIndex(c, location: e.location)
                throw QueryError.binding("column \(c.name) must appear in GROUP BY or be used in an aggregate function")
            }
            if case .function(let f) = e.kind, let agg = AggregateFunction(rawValue: f.name.lowercased()) {
                return try bindAggregate(f, agg, text: text)
            }
        }
        switch e.kind {
        case .literal(let l):
            return try bindLiteral(l, text: text)
        case .column(let c):
            let i = try columnIndex(c, location: e.location)
            return BoundExpr(kind: .column(i), type: table.schema.fields[i].type, text: text)
        case .unary(.not, let x):
            let b = try bind(x, scope: scope)
            try expectBoolean(b, "NOT")
            return BoundExpr(kind: .not(b), type: .boolean, text: text)
        case .unary(.negate, let x):
            let b = try bind(x, scope: scope)
            guard SQLType.isNumeric(b.type) else { throw QueryError.binding("cannot negate \(SQLType.name(b.type)): \(text)") }
            let zero = BoundExpr(kind: .literal(.int(0)), type: .int64, text: "0")
            return BoundExpr(kind: .arithmetic(.subtract, zero, b), type: b.type == .float64 ? .float64 : (isInteger(b.type) ? .int64 : .float64), text: text)
        case .binary(let op, let l, let r):
            return try bindBinary(op, try bind(l, scope: scope), try bind(r, scope: scope), text: text)
        case .isNull(let x, let negated):
            return BoundExpr(kind: .isNull(try bind(x, scope: scope), negated: negated), type: .boolean, text: text)
        case .isBoolean(let x, let value, let negated):
            let b = try bind(x, scope: scope)
            try expectBoolean(b, "IS TRUE/FALSE")
            // x IS TRUE: true only when x is true (never NULL).
            let eq = BoundExpr(kind: .comparison(.equal, b, BoundExpr(kind: .literal(.bool(value)), type: .boolean, text: "")), type: .boolean, text: text)
            let notNull = BoundExpr(kind: .isNull(b, negated: true), type: .boolean, text: text)
            let both = BoundExpr(kind: .and(notNull, eq), type: .boolean, text: text)
            return negated ? BoundExpr(kind: .not(both), type: .boolean, text: text) : both
        case .inList(let x, let list, let negated):
            let b = try bind(x, scope: scope)
            let values = try list.map { item -> Scalar in
                let lit = try bind(item, scope: scope)
                guard case .literal(let v) = lit.kind else { throw QueryError.unsupported("IN lists must hold constants: \(item)") }
                let value = try coerceLiteral(v, to: b.type, text: item.description)
                guard fits(value, b.type) else {
                    throw QueryError.binding("cannot compare \(SQLType.name(b.type)) with \(SQLType.name(lit.type)) \(item) in \(text)")
                }
                return value
            }
            return BoundExpr(kind: .inList(b, values, negated: negated), type: .boolean, text: text)
        case .between(let x, let lo, let hi, let negated):
            let b = try bind(x, scope: scope)
            let ge = try bindBinary(negated ? .less : .greaterOrEqual, b, try bind(lo, scope: scope), text: text)
            let le = try bindBinary(negated ? .greater : .lessOrEqual, b, try bind(hi, scope: scope), text: text)
            return BoundExpr(kind: negated ? .or(ge, le) : .and(ge, le), type: .boolean, text: text)
        case .like(let x, let p, let ci, let negated):
            let b = try bind(x, scope: scope)
            guard b.type == .string else { throw QueryError.binding("LIKE needs a VARCHAR, got \(SQLType.name(b.type)): \(text)") }
            guard case .literal(.string(let pattern)) = p.kind else { throw QueryError.unsupported("LIKE patterns must be string constants: \(text)") }
            return BoundExpr(kind: .like(b, pattern: LikePattern(pattern, caseInsensitive: ci), negated: negated), type: .boolean, text: text)
        case .caseWhen(let operand, let branches, let elseResult):
            let op = try operand.map { try bind($0, scope: scope) }
            var whens: [BoundExpr.WhenClause] = []
            for br in branches {
                var cond = try bind(br.condition, scope: scope)
                if let op { cond = try bindBinary(.equal, op, cond, text: text) }
                try expectBoolean(cond, "CASE WHEN")
                whens.append(.init(condition: cond, result: try bind(br.result, scope: scope)))
            }
            let other = try elseResult.map { try bind($0, scope: scope) }
            let type = try commonType((whens.map(\.result) + [other].compactMap { $0 }).map(\.type), text: text)
            return BoundExpr(kind: .caseWhen(whens, elseResult: other), type: type, text: text)
        case .cast(let x, let t):
            let b = try bind(x, scope: scope)
            let target = engineType(t)
            if case .literal(let v) = b.kind { return BoundExpr(kind: .literal(try Casts.cast(v, to: target)), type: target, text: text) }
            return BoundExpr(kind: .cast(b), type: target, text: text)
        case .extract(let field, let x):
            guard let f = ScalarFunction(rawValue: field.lowercased() == "dow" ? "dayofweek" : field.lowercased()), [.year, .month, .day, .hour, .minute, .second, .dayOfWeek].contains(f) else {
                throw QueryError.binding("EXTRACT: unknown field \(field)")
            }
            return BoundExpr(kind: .function(f, [try bind(x, scope: scope)]), type: .int64, text: text)
        case .function(let f):
            if AggregateFunction(rawValue: f.name.lowercased()) != nil {
                throw QueryError.binding("aggregate \(f.name) is not allowed here: \(text)")
            }
            return try bindFunction(f, scope: scope, text: text)
        }
    }

    private func bindAggregate(_ f: FunctionCall, _ agg: AggregateFunction, text: String) throws -> BoundExpr {
        if let j = aggregateASTs.firstIndex(of: f) {
            return BoundExpr(kind: .column(groupExprs.count + j), type: aggregates[j].type, text: text)
        }
        var arg: BoundExpr?
        if agg != .countStar {
            guard f.arguments.count == 1 else { throw QueryError.binding("\(f.name) takes one argument: \(text)") }
            if containsAggregate(f.arguments[0]) { throw QueryError.binding("aggregates cannot be nested: \(text)") }
            arg = try bind(f.arguments[0], scope: .scan)
        }
        let type: DataType
        switch agg {
        case .countStar, .count, .approxCountDistinct: type = .int64
        case .sum:
            guard let a = arg, SQLType.isNumeric(a.type) else { throw QueryError.binding("sum needs a numeric argument: \(text)") }
            if case .decimal(_, let s) = a.type { type = .decimal(precision: 18, scale: s) } else { type = isInteger(a.type) ? .int64 : .float64 }
        case .avg:
            guard let a = arg, SQLType.isNumeric(a.type) else { throw QueryError.binding("avg needs a numeric argument: \(text)") }
            type = .float64
        case .min, .max: type = arg?.type ?? .int64
        }
        aggregateASTs.append(f)
        aggregates.append(AggregateSpec(function: agg, argument: arg, distinct: f.distinct, type: type, text: text))
        return BoundExpr(kind: .column(groupExprs.count + aggregates.count - 1), type: type, text: text)
    }

    private func bindFunction(_ f: FunctionCall, scope: Scope, text: String) throws -> BoundExpr {
        let name = f.name.lowercased()
        let canonical = ["substring": "substr", "dow": "dayofweek", "char_length": "length", "strlen": "length"][name] ?? name
        guard let fn = ScalarFunction(rawValue: canonical) else {
            throw QueryError.binding("unknown function \(f.name)" + (Names.closest(to: name, in: Self.functionNames).map { " (did you mean \($0)?)" } ?? ""))
        }
        let args = try f.arguments.map { try bind($0, scope: scope) }
        func arity(_ r: ClosedRange<Int>) throws {
            guard r.contains(args.count) else { throw QueryError.binding("\(name) takes \(r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound) to \(r.upperBound)") argument(s): \(text)") }
        }
        let type: DataType
        switch fn {
        case .dateTrunc:
            try arity(2...2)
            guard args[0].type == .string, isTemporal(args[1].type) else { throw QueryError.binding("date_trunc(unit, DATE or TIMESTAMP): \(text)") }
            type = args[1].type
        case .year, .month, .day, .hour, .minute, .second, .dayOfWeek:
            try arity(1...1)
            guard isTemporal(args[0].type) else { throw QueryError.binding("\(name) needs a DATE or TIMESTAMP: \(text)") }
            type = .int64
        case .lower, .upper:
            try arity(1...1); try expectString(args[0], name); type = .string
        case .length:
            try arity(1...1); try expectString(args[0], name); type = .int64
        case .substr:
            try arity(2...3); try expectString(args[0], name); type = .string
        case .concat:
            type = .string
        case .coalesce:
            guard !args.isEmpty else { throw QueryError.binding("coalesce needs arguments") }
            type = try commonType(args.map(\.type), text: text)
        case .round:
            try arity(1...2)
            guard SQLType.isNumeric(args[0].type) else { throw QueryError.binding("round needs a number: \(text)") }
            type = isInteger(args[0].type) ? .int64 : .float64
        case .abs:
            try arity(1...1)
            guard SQLType.isNumeric(args[0].type) else { throw QueryError.binding("abs needs a number: \(text)") }
            type = isInteger(args[0].type) ? .int64 : args[0].type
        }
        return BoundExpr(kind: .function(fn, args), type: type, text: text)
    }

    static let functionNames = ["date_trunc", "year", "month", "day", "hour", "minute", "second", "dayofweek", "lower", "upper",
                                "length", "substr", "coalesce", "round", "abs", "concat", "count", "sum", "avg", "min", "max",
                                "approx_count_distinct", "extract"]

    private func bindBinary(_ op: BinaryOperator, _ l: BoundExpr, _ r: BoundExpr, text: String) throws -> BoundExpr {
        switch op {
        case .and, .or:
            try expectBoolean(l, op.sql)
            try expectBoolean(r, op.sql)
            return BoundExpr(kind: op == .and ? .and(l, r) : .or(l, r), type: .boolean, text: text)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            var (a, b) = (l, r)
            // A string constant next to a date/timestamp/number is read as that type.
            if case .literal(let v) = b.kind, a.type != b.type { b = BoundExpr(kind: .literal(try coerceLiteral(v, to: a.type, text: b.text)), type: a.type, text: b.text) }
            if case .literal(let v) = a.kind, a.type != b.type { a = BoundExpr(kind: .literal(try coerceLiteral(v, to: b.type, text: a.text)), type: b.type, text: a.text) }
            guard comparable(a.type, b.type) else {
                throw QueryError.binding("cannot compare \(SQLType.name(a.type)) with \(SQLType.name(b.type)): \(text)")
            }
            // Constants go on the right so kernels can compare against them directly.
            if case .literal = a.kind, !isLiteral(b) { return BoundExpr(kind: .comparison(op.flipped, b, a), type: .boolean, text: text) }
            return BoundExpr(kind: .comparison(op, a, b), type: .boolean, text: text)
        case .concat:
            return BoundExpr(kind: .arithmetic(.concat, l, r), type: .string, text: text)
        case .add, .subtract, .multiply, .divide, .modulo:
            guard SQLType.isNumeric(l.type), SQLType.isNumeric(r.type) else {
                throw QueryError.binding("operator \(op.sql) needs numbers, got \(SQLType.name(l.type)) and \(SQLType.name(r.type)): \(text)")
            }
            let type: DataType = (op != .divide && isInteger(l.type) && isInteger(r.type)) ? .int64 : .float64
            return BoundExpr(kind: .arithmetic(op, l, r), type: type, text: text)
        }
    }

    /// Whether a constant can be compared with values of `type`.
    private func fits(_ v: Scalar, _ type: DataType) -> Bool {
        switch v {
        case .null: return true
        case .int, .double, .decimal: return SQLType.isNumeric(type)
        case .string: return type == .string
        case .bool: return type == .boolean
        case .date, .timestamp: return isTemporal(type)
        }
    }

    private func isLiteral(_ e: BoundExpr) -> Bool { if case .literal = e.kind { return true } else { return false } }

    private func coerceLiteral(_ v: Scalar, to type: DataType, text: String) throws -> Scalar {
        if v.isNull { return v }
        switch (v, type) {
        case (.string, .date32), (.string, .timestamp), (.date, .timestamp), (.string, .boolean):
            return try Casts.cast(v, to: type)
        case (.int(let i), .decimal(_, let s)):
            let (r, o) = i.multipliedReportingOverflow(by: Int64(SQLType.pow10(s)))
            return o ? .double(Double(i)) : .decimal(r, s)
        case (.double(let d), .decimal(_, let s)):
            let scaled = d * SQLType.pow10(s)
            if scaled == scaled.rounded(), let x = Int64(exactly: scaled) { return .decimal(x, s) }
            return v
        default:
            return v
        }
    }

    private func bindLiteral(_ l: Literal, text: String) throws -> BoundExpr {
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

    private func engineType(_ t: TypeName) -> DataType {
        switch t {
        case .boolean: return .boolean
        case .tinyint, .smallint, .integer: return .int32
        case .bigint: return .int64
        case .double: return .float64
        case .decimal(let p, let s): return (p ?? 18) <= 18 ? .decimal(precision: p ?? 18, scale: s ?? 3) : .float64
        case .varchar: return .string
        case .date: return .date32
        case .timestamp: return .timestamp(.micros, utc: true)
        }
    }

    private func commonType(_ types: [DataType], text: String) throws -> DataType {
        let nonNull = types
        guard var t = nonNull.first else { return .int32 }
        for u in nonNull.dropFirst() where u != t {
            if SQLType.isNumeric(t) && SQLType.isNumeric(u) {
                t = isInteger(t) && isInteger(u) ? .int64 : .float64
            } else if isTemporal(t) && isTemporal(u) {
                t = .timestamp(.micros, utc: true)
            } else {
                throw QueryError.binding("incompatible types \(SQLType.name(t)) and \(SQLType.name(u)) in \(text)")
            }
        }
        return t
    }

    private func comparable(_ a: DataType, _ b: DataType) -> Bool {
        if a == b { return true }
        if SQLType.isNumeric(a) && SQLType.isNumeric(b) { return true }
        if isTemporal(a) && isTemporal(b) { return true }
        if case .timestamp = a, case .timestamp = b { return true }
        return false
    }

    private func isInteger(_ t: DataType) -> Bool { t == .int32 || t == .int64 }
    private func isTemporal(_ t: DataType) -> Bool { if case .timestamp = t { return true }; return t == .date32 }

    private func expectBoolean(_ e: BoundExpr, _ what: String) throws {
        guard e.type == .boolean else { throw QueryError.binding("\(what) needs a boolean, got \(SQLType.name(e.type)): \(e.text)") }
    }

    private func expectString(_ e: BoundExpr, _ what: String) throws {
        guard e.type == .string else { throw QueryError.binding("\(what) needs a VARCHAR, got \(SQLType.name(e.type)): \(e.text)") }
    }
}

extension BinaryOperator {
    /// The operator with its operands swapped (a < b ⇔ b > a).
    var flipped: BinaryOperator {
        switch self {
        case .less: return .greater
        case .lessOrEqual: return .greaterOrEqual
        case .greater: return .less
        case .greaterOrEqual: return .lessOrEqual
        default: return self
        }
    }
}

/// "Did you mean" suggestions.
enum Names {
    static func closest(to name: String, in candidates: [String]) -> String? {
        let target = Array(name.lowercased())
        var best: (String, Int)?
        for c in candidates {
            let d = distance(target, Array(c.lowercased()))
            if d <= max(2, target.count / 3), best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
