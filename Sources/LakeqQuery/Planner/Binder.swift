import Foundation
import LakeqColumnar
import LakeqDelta

/// A bound query: its plan and its visible output columns, in order.
public struct BoundQuery: Sendable {
    public var plan: LogicalPlan
    public var columns: [(name: String, id: Int)]
    public var registry: ColumnRegistry

    public var names: [String] { columns.map(\.name) }
}

/// A column visible to names in a query: `qualifier.name` → id.
struct ScopeColumn {
    var qualifier: String?
    var name: String
    var id: Int
    var type: DataType
    /// Hidden from `*` and from unqualified names (the right copy of a USING column).
    var hidden = false
}

/// The columns a query level can name, and the enclosing query's (for correlated subqueries).
final class Scope {
    var columns: [ScopeColumn]
    let outer: Scope?

    init(_ columns: [ScopeColumn], outer: Scope? = nil) {
        self.columns = columns
        self.outer = outer
    }

    /// The columns `ref` may mean here (several: ambiguous).
    func candidates(_ ref: ColumnRef) -> [ScopeColumn] {
        let byQualifier: [ScopeColumn]
        if let q = ref.qualifier {
            byQualifier = columns.filter { $0.qualifier == q } + columns.filter { $0.qualifier != q && $0.qualifier?.lowercased() == q.lowercased() }
        } else {
            byQualifier = columns.filter { !$0.hidden }
        }
        let exact = byQualifier.filter { $0.name == ref.name }
        if !exact.isEmpty { return exact }
        return byQualifier.filter { $0.name.lowercased() == ref.name.lowercased() }
    }
}

/// State shared by every query level of one statement.
final class BindContext {
    let catalog: Catalog
    let registry = ColumnRegistry()
    /// WITH definitions in force, innermost last.
    var cteFrames: [[String: CommonTableExpression]] = []
    var cteInProgress: Set<String> = []
    /// Tables opened by this statement (a table named twice is opened once), found by
    /// comparing references: a statement names a handful. Not a dictionary: the first
    /// `Dictionary<TableRef.Kind, …>` of a process looks up `TableRef.Kind: Hashable` by
    /// scanning every conformance record of the executable (~0.2 ms at start-up; a string key
    /// made by interpolation went through reflection, ~1 ms).
    var tables: [(ref: TableRef.Kind, table: Table)] = []

    init(catalog: Catalog) { self.catalog = catalog }

    func cte(named name: String) -> CommonTableExpression? {
        for frame in cteFrames.reversed() {
            if let c = frame[name] ?? frame.first(where: { $0.key.lowercased() == name.lowercased() })?.value { return c }
        }
        return nil
    }
}

/// Turns a parsed query into a `LogicalPlan` over column ids.
///
/// Per SELECT: FROM (tables, derived tables, CTEs, joins) gives a scope of named columns;
/// WHERE filters it (subqueries become semi, anti, mark or single joins); GROUP BY makes an
/// aggregate whose outputs the select list, HAVING, QUALIFY and ORDER BY then see; window
/// functions are computed after HAVING; the select list is a projection, then DISTINCT,
/// ORDER BY and LIMIT.
public final class Binder {
    let context: BindContext

    public init(catalog: Catalog) { context = BindContext(catalog: catalog) }

    /// Binds a query statement.
    public func bind(_ s: SelectStatement) throws -> BoundQuery {
        let r = try bindQuery(s, outer: nil)
        return BoundQuery(plan: r.plan, columns: r.columns, registry: context.registry)
    }

    struct Relation {
        var plan: LogicalPlan
        var columns: [(name: String, id: Int)]
    }

    // MARK: queries

    /// WITH, then a SELECT, set operation or VALUES, then ORDER BY / LIMIT.
    func bindQuery(_ q: SelectStatement, outer: Scope?, outerReferences: OuterReferences? = nil) throws -> Relation {
        if !q.with.isEmpty {
            var frame: [String: CommonTableExpression] = [:]
            for c in q.with {
                if frame[c.name.name] != nil { throw QueryError.binding("WITH query \(c.name.name) is defined twice") }
                frame[c.name.name] = c
            }
            context.cteFrames.append(frame)
        }
        defer { if !q.with.isEmpty { context.cteFrames.removeLast() } }
        guard let body = q.body else {
            let binder = SelectBinder(binder: self, outer: outer, outerReferences: outerReferences)
            return try binder.bindSelect(q)
        }
        var r: Relation
        switch body {
        case .values(let rows):
            r = try bindValues(rows)
        case .setOperation(let op, let all, let l, let rq):
            r = try bindSetOperation(op, all: all, l, rq, outer: outer, outerReferences: outerReferences)
        }
        return try applyOrderAndLimit(r, q)
    }

    /// ORDER BY / LIMIT over the outputs of a set operation or VALUES.
    private func applyOrderAndLimit(_ r: Relation, _ q: SelectStatement) throws -> Relation {
        var plan = r.plan
        if !q.orderBy.isEmpty {
            let scope = Scope(r.columns.map { ScopeColumn(qualifier: nil, name: $0.name, id: $0.id, type: context.registry.type($0.id)) })
            var keys: [SortKey] = []
            for o in q.orderBy {
                let expr: BoundExpr
                if case .literal(.integer(let k)) = o.expr.kind {
                    guard k >= 1, k <= r.columns.count else { throw QueryError.binding("ORDER BY position \(k) is not in the select list (1...\(r.columns.count))") }
                    let id = r.columns[Int(k) - 1].id
                    expr = .column(id, context.registry.type(id), r.columns[Int(k) - 1].name)
                } else {
                    let b = SelectBinder(binder: self, outer: nil, outerReferences: nil)
                    b.scope = scope
                    expr = try b.bind(o.expr, .rows)
                    guard expr.columnsUsed.isSubset(of: Set(r.columns.map(\.id))) else {
                        throw QueryError.binding("ORDER BY of a set operation must name its output columns: \(o.expr)")
                    }
                }
                keys.append(SortKey(expr: expr, descending: o.descending, nullsFirst: o.nullsFirst ?? false))
            }
            plan = .sort(plan, keys)
        }
        if q.limit != nil || (q.offset ?? 0) > 0 {
            plan = .limit(plan, limit: q.limit.map { Int(clamping: $0) }, offset: Int(clamping: q.offset ?? 0))
        }
        return Relation(plan: plan, columns: r.columns)
    }

    func bindValues(_ rows: [[Expr]]) throws -> Relation {
        guard let width = rows.first?.count else { throw QueryError.binding("VALUES needs a row") }
        let b = SelectBinder(binder: self, outer: nil, outerReferences: nil)
        var bound = try rows.map { row in try row.map { try b.bind($0, .rows) } }
        for row in bound where row.contains(where: { !$0.isConstant }) {
            throw QueryError.binding("VALUES may hold only constants: \(row.map(\.text).joined(separator: ", "))")
        }
        var outputs: [Int] = []
        var columns: [(name: String, id: Int)] = []
        for c in 0..<width {
            let type = try TypeRules.commonType(bound.map { $0[c] }, text: "VALUES column \(c + 1)")
            for r in bound.indices { bound[r][c] = try TypeRules.coerce(bound[r][c], to: type) }
            let name = "col\(c)"
            let id = context.registry.add(name, type)
            outputs.append(id)
            columns.append((name, id))
        }
        return Relation(plan: .values(rows: bound, outputs: outputs), columns: columns)
    }

    // MARK: set operations

    func bindSetOperation(_ op: SetOperator, all: Bool, _ l: SelectStatement, _ r: SelectStatement,
                          outer: Scope?, outerReferences: OuterReferences?) throws -> Relation {
        let left = try bindQuery(l, outer: outer, outerReferences: outerReferences)
        let right = try bindQuery(r, outer: outer, outerReferences: outerReferences)
        guard left.columns.count == right.columns.count else {
            throw QueryError.binding("\(op.rawValue) needs the same number of columns on both sides (\(left.columns.count) and \(right.columns.count))")
        }
        let reg = context.registry
        var types: [DataType] = []
        for (a, b) in zip(left.columns, right.columns) {
            let ta = reg.type(a.id), tb = reg.type(b.id)
            // A column of NULL literals takes the other side's type.
            if Self.isNullColumn(left.plan, a.id) { types.append(tb); continue }
            if Self.isNullColumn(right.plan, b.id) { types.append(ta); continue }
            guard let t = TypeRules.common(ta, tb) else {
                throw QueryError.binding("\(op.rawValue): column \(a.name) is \(SQLType.name(ta)) on the left and \(SQLType.name(tb)) on the right")
            }
            types.append(t)
        }
        let lp = castOutputs(left, to: types), rp = castOutputs(right, to: types)
        let names = left.columns.map(\.name)
        switch op {
        case .union:
            let outputs = zip(names, types).map { reg.add($0, $1) }
            var plan = LogicalPlan.unionAll([lp.plan, rp.plan], outputs: outputs)
            if !all { plan = .distinct(plan) }
            return Relation(plan: plan, columns: Array(zip(names, outputs)))
        case .intersect, .except:
            var leftPlan = lp.plan, rightPlan = rp.plan
            var leftIds = lp.columns.map(\.id), rightIds = rp.columns.map(\.id)
            if all {
                // Multiset semantics: number the copies of each row on both sides and match
                // (row, copy number) pairs.
                func numbered(_ plan: LogicalPlan, _ ids: [Int]) -> (LogicalPlan, Int) {
                    let rn = reg.add("__copy", .int64)
                    let spec = WindowSpec(function: .rowNumber, partitionBy: ids.map { .column($0, reg.type($0), reg.name($0)) },
                                          orderBy: [], frame: nil, type: .int64, text: "row_number()")
                    return (.window(plan, [(rn, spec)]), rn)
                }
                let (lw, lrn) = numbered(leftPlan, leftIds), (rw, rrn) = numbered(rightPlan, rightIds)
                leftPlan = lw; rightPlan = rw
                leftIds.append(lrn); rightIds.append(rrn)
            } else {
                leftPlan = .distinct(leftPlan)
            }
            let condition = BoundExpr.and(zip(leftIds, rightIds).map { a, b in
                BoundExpr(kind: .distinctFrom(.column(a, reg.type(a), reg.name(a)), .column(b, reg.type(b), reg.name(b)), negated: true),
                          type: .boolean, text: "\(reg.name(a)) IS NOT DISTINCT FROM \(reg.name(b))")
            })
            var plan = LogicalPlan.join(.init(left: leftPlan, right: rightPlan, kind: op == .intersect ? .semi : .anti,
                                              condition: condition, markColumn: nil))
            if all {
                plan = .project(plan, lp.columns.map { ($0.id, .column($0.id, reg.type($0.id), $0.name)) })
            }
            return Relation(plan: plan, columns: lp.columns)
        }
    }

    /// Whether column `id` of `plan` holds only NULL literals (typed INTEGER only for want of a type).
    static func isNullColumn(_ plan: LogicalPlan, _ id: Int) -> Bool {
        switch plan {
        case .project(_, let items):
            guard let e = items.first(where: { $0.id == id })?.expr else { return false }
            return TypeRules.isNullLiteral(e)
        case .values(let rows, let outputs):
            guard let k = outputs.firstIndex(of: id) else { return false }
            return rows.allSatisfy { TypeRules.isNullLiteral($0[k]) }
        case .sort(let c, _), .limit(let c, _, _), .distinct(let c), .filter(let c, _):
            return isNullColumn(c, id)
        case .unionAll(let inputs, let outputs):
            guard let k = outputs.firstIndex(of: id) else { return false }
            return inputs.allSatisfy { isNullColumn($0, $0.outputs[k]) }
        default:
            return false
        }
    }

    /// The relation with its columns cast to `types` where they differ.
    private func castOutputs(_ r: Relation, to types: [DataType]) -> Relation {
        let reg = context.registry
        guard zip(r.columns, types).contains(where: { reg.type($0.id) != $1 }) else { return r }
        var items: [(id: Int, expr: BoundExpr)] = []
        var columns: [(name: String, id: Int)] = []
        for (c, t) in zip(r.columns, types) {
            let src = BoundExpr.column(c.id, reg.type(c.id), c.name)
            let e = reg.type(c.id) == t ? src : BoundExpr(kind: .cast(src), type: t, text: c.name)
            let id = reg.type(c.id) == t ? c.id : reg.add(c.name, t)
            items.append((id, e))
            columns.append((c.name, id))
        }
        return Relation(plan: .project(r.plan, items), columns: columns)
    }

    // MARK: FROM

    /// A FROM item as a plan and the columns it makes visible.
    func bindTableRef(_ ref: TableRef, outer: Scope?) throws -> (LogicalPlan, [ScopeColumn]) {
        switch ref.kind {
        case .join(let type, let l, let r, let condition):
            return try bindJoin(type, l, r, condition, outer: outer)
        case .subquery(let q):
            let rel = try bindQuery(q, outer: nil)
            let qualifier = ref.alias?.name
            return try renamed(rel, qualifier: qualifier, aliases: ref.columnAliases)
        case .table(let name, let version):
            if version == nil, let cte = context.cte(named: name.name) {
                guard !context.cteInProgress.contains(cte.name.name) else {
                    throw QueryError.unsupported("WITH query \(cte.name.name) refers to itself (recursive CTEs are not supported)")
                }
                context.cteInProgress.insert(cte.name.name)
                defer { context.cteInProgress.remove(cte.name.name) }
                let rel = try bindQuery(cte.query, outer: nil)
                return try renamed(rel, qualifier: ref.alias?.name ?? cte.name.name, aliases: ref.columnAliases.isEmpty ? cte.columns : ref.columnAliases)
            }
            let table = try openTable(ref)
            return scan(table, qualifier: ref.alias?.name ?? name.name, aliases: ref.columnAliases)
        case .path(let path, _):
            let table = try openTable(ref)
            return scan(table, qualifier: ref.alias?.name ?? path, aliases: ref.columnAliases)
        case .function(let name, let args) where ["range", "generate_series"].contains(name.name.lowercased()):
            return try bindRange(name.name.lowercased(), args, alias: ref.alias, columnAliases: ref.columnAliases)
        case .function(let name, _):
            let table = try openTable(ref)
            return scan(table, qualifier: ref.alias?.name ?? name.name, aliases: ref.columnAliases)
        }
    }

    /// `range(stop)`, `range(start, stop[, step])` (stop excluded) and `generate_series(…)`
    /// (stop included): one BIGINT column named after the function.
    private func bindRange(_ name: String, _ args: [FunctionArgument], alias: Identifier?, columnAliases: [Identifier]) throws -> (LogicalPlan, [ScopeColumn]) {
        let b = SelectBinder(binder: self, outer: nil, outerReferences: nil)
        var values: [Int64] = []
        for a in args {
            let e = try b.bind(a.value, .rows)
            guard e.isConstant, case .int(let v) = try ConstantFolding.evaluate(e) else {
                throw QueryError.binding("\(name) takes integer constants")
            }
            values.append(v)
        }
        var start: Int64 = 0, stop: Int64, step: Int64 = 1
        switch values.count {
        case 1: stop = values[0]
        case 2: start = values[0]; stop = values[1]
        case 3: start = values[0]; stop = values[1]; step = values[2]
        default: throw QueryError.binding("\(name) takes 1 to 3 arguments")
        }
        guard step != 0 else { throw QueryError.binding("\(name): the step must not be 0") }
        if name == "generate_series" { stop = step > 0 ? stop &+ 1 : stop &- 1 }
        guard RangeSource.count(start, stop, step) <= 1 << 34 else { throw QueryError.binding("\(name): too many rows") }
        let columnName = columnAliases.first?.name ?? name
        let id = context.registry.add(columnName, .int64)
        return (.range(start: start, stop: stop, step: step, output: id),
                [ScopeColumn(qualifier: alias?.name ?? name, name: columnName, id: id, type: .int64)])
    }

    private func renamed(_ rel: Relation, qualifier: String?, aliases: [Identifier]) throws -> (LogicalPlan, [ScopeColumn]) {
        guard aliases.count <= rel.columns.count else {
            throw QueryError.binding("\(aliases.count) column names given for \(rel.columns.count) columns")
        }
        let cols = rel.columns.enumerated().map { i, c in
            ScopeColumn(qualifier: qualifier, name: i < aliases.count ? aliases[i].name : c.name, id: c.id, type: context.registry.type(c.id))
        }
        return (rel.plan, cols)
    }

    private func scan(_ table: Table, qualifier: String, aliases: [Identifier]) -> (LogicalPlan, [ScopeColumn]) {
        var columns: [(id: Int, tableColumn: Int)] = []
        var scope: [ScopeColumn] = []
        for (i, f) in table.schema.fields.enumerated() {
            let name = i < aliases.count ? aliases[i].name : f.name
            let id = context.registry.add(name, f.type)
            columns.append((id, i))
            scope.append(ScopeColumn(qualifier: qualifier, name: name, id: id, type: f.type))
        }
        return (.scan(.init(table: table, columns: columns, filters: [])), scope)
    }

    private func openTable(_ ref: TableRef) throws -> Table {
        let catalog = context.catalog
        if catalog.access == .lakeTablesOnly {
            switch ref.kind {
            case .path(let path, _):
                throw QueryError.forbidden("reading files by path is not allowed here ('\(path)'); name a table of the lake")
            case .function(let name, _):
                throw QueryError.forbidden("table function \(name.name) is not allowed here; name a table of the lake")
            default: break
            }
        }
        let key = ref.kind
        if let known = context.tables.first(where: { $0.ref == key }) { return known.table }
        let table: Table
        switch ref.kind {
        case .table(let name, let version):
            table = try catalog.table(named: name.name, version: version)
        case .path(let path, let version):
            if Posix.isDirectory(path) == true {
                table = try Catalog.open(name: path, path: path, version: version.map { Int($0) }, threads: catalog.threads)
            } else {
                if version != nil { throw QueryError.unsupported("VERSION AS OF needs a Delta table directory, not \(path)") }
                table = try Table(name: path, paths: [path], threads: catalog.threads)
            }
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
            table = try Table(name: path, paths: [path], hivePartitioning: hive, threads: catalog.threads)
        default:
            throw QueryError.binding("not a table: \(ref)")
        }
        context.tables.append((key, table))
        catalog.keepOpen?.keep(table)
        return table
    }

    private func bindJoin(_ type: JoinType, _ l: TableRef, _ r: TableRef, _ condition: JoinCondition?,
                          outer: Scope?) throws -> (LogicalPlan, [ScopeColumn]) {
        let (lp, lcols) = try bindTableRef(l, outer: outer)
        let (rp, rcols) = try bindTableRef(r, outer: outer)
        let kind: JoinKind
        switch type {
        case .inner, .cross: kind = .inner
        case .left: kind = .left
        case .right: kind = .right
        case .full: kind = .full
        }
        var scope = lcols + rcols
        var cond: BoundExpr?
        var extra: [(id: Int, expr: BoundExpr)] = []
        switch condition {
        case nil:
            break
        case .on(let e)?:
            let b = SelectBinder(binder: self, outer: outer, outerReferences: nil)
            b.scope = Scope(scope, outer: outer)
            b.clause = "ON"
            let bound = try b.bind(e, .rows)
            guard bound.type == .boolean else { throw QueryError.binding("ON needs a boolean expression, got \(SQLType.name(bound.type)): \(e)") }
            guard b.pendingJoins.isEmpty else { throw QueryError.unsupported("subqueries in ON are not supported: \(e)") }
            cond = bound
        case .using(let names)?:
            var parts: [BoundExpr] = []
            for n in names {
                let ref = ColumnRef(n.name)
                let lc = Scope(lcols).candidates(ref), rc = Scope(rcols).candidates(ref)
                guard lc.count == 1 else { throw QueryError.binding(lc.isEmpty ? "USING column \(n.name) is not in the left table" : "USING column \(n.name) is ambiguous on the left") }
                guard rc.count == 1 else { throw QueryError.binding(rc.isEmpty ? "USING column \(n.name) is not in the right table" : "USING column \(n.name) is ambiguous on the right") }
                let a = lc[0], b = rc[0]
                guard TypeRules.comparable(a.type, b.type) else {
                    throw QueryError.binding("USING (\(n.name)): cannot compare \(SQLType.name(a.type)) with \(SQLType.name(b.type))")
                }
                parts.append(BoundExpr(kind: .comparison(.equal, .column(a.id, a.type, a.name), .column(b.id, b.type, b.name)),
                                       type: .boolean, text: "\(n.name) = \(n.name)"))
                guard let li = scope.firstIndex(where: { $0.id == a.id }), let ri = scope.firstIndex(where: { $0.id == b.id }) else { continue }
                switch kind {
                case .right:
                    scope[li].hidden = true
                case .full:
                    // The merged column: whichever side has the row.
                    let t = TypeRules.common(a.type, b.type) ?? a.type
                    let merged = context.registry.add(n.name, t)
                    let e = BoundExpr(kind: .function(.coalesce, [try TypeRules.coerce(.column(a.id, a.type, a.name), to: t),
                                                                   try TypeRules.coerce(.column(b.id, b.type, b.name), to: t)]),
                                      type: t, text: n.name)
                    extra.append((merged, e))
                    scope[li].hidden = true
                    scope[ri].hidden = true
                    scope.insert(ScopeColumn(qualifier: nil, name: n.name, id: merged, type: t), at: li)
                default:
                    scope[ri].hidden = true
                }
            }
            cond = BoundExpr.and(parts)
        }
        if case .cross = type, cond != nil { throw QueryError.binding("CROSS JOIN takes no condition") }
        if kind != .inner && cond == nil && type != .cross { throw QueryError.binding("\(type.rawValue) JOIN needs ON or USING") }
        var plan = LogicalPlan.join(.init(left: lp, right: rp, kind: kind, condition: cond, markColumn: nil))
        if !extra.isEmpty {
            let passthrough = plan.outputs.map { ($0, BoundExpr.column($0, context.registry.type($0), context.registry.name($0))) }
            plan = .project(plan, passthrough + extra)
        }
        return (plan, scope)
    }
}
