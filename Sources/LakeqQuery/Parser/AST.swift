// The syntax tree produced by `SQLParser`.
//
// Every node that came from the text carries a `SourceLocation` so later passes (binder,
// planner) can report errors with a caret. Equality and hashing of nodes IGNORE locations:
// the binder needs `sum(x)` in the select list to equal `sum(x)` in HAVING or ORDER BY, and
// tests can build expected trees without positions. Compare `location` explicitly when it matters.
//
// `description` prints SQL that parses back to an equal tree; for expressions it is also the
// column header used when a select item has no alias (DuckDB style: `avg(watch)`,
// `count_star()`, `(a + b)`).

/// A parsed statement.
public enum Statement: Hashable, Sendable, CustomStringConvertible {
    /// A query: SELECT, VALUES, set operations, optionally under WITH.
    case select(SelectStatement)
    /// `EXPLAIN query`: the operator tree and pruning decisions, without running it.
    case explain(SelectStatement)
    /// `EXPLAIN ANALYZE query`: runs it and reports rows and time per operator.
    case explainAnalyze(SelectStatement)
    /// `CREATE TABLE name [PARTITION BY (cols)] AS query`.
    case createTableAs(name: Identifier, partitionBy: [Identifier], query: SelectStatement)
    /// `INSERT INTO name [(cols)] query`.
    case insert(name: Identifier, columns: [Identifier], query: SelectStatement)
    /// `COPY (query) TO 'path' [(FORMAT parquet|csv|json)]`.
    case copy(query: SelectStatement, path: String, options: [CopyOption])

    public var description: String {
        switch self {
        case .select(let s): return s.description
        case .explain(let s): return "EXPLAIN " + s.description
        case .explainAnalyze(let s): return "EXPLAIN ANALYZE " + s.description
        case .createTableAs(let name, let parts, let q):
            return "CREATE TABLE \(name)" + (parts.isEmpty ? "" : " PARTITION BY (" + parts.map(\.description).joined(separator: ", ") + ")") + " AS " + q.description
        case .insert(let name, let cols, let q):
            return "INSERT INTO \(name)" + (cols.isEmpty ? "" : " (" + cols.map(\.description).joined(separator: ", ") + ")") + " " + q.description
        case .copy(let q, let path, let options):
            return "COPY (\(q)) TO \(quoteString(path))" + (options.isEmpty ? "" : " (" + options.map(\.description).joined(separator: ", ") + ")")
        }
    }
}

/// One `name value` option of COPY, e.g. `FORMAT csv` or `HEADER false`.
public struct CopyOption: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String?
    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }
    public var description: String { quoteIdentifier(name) + (value.map { " " + quoteIdentifier($0) } ?? "") }
}

/// `name [(columns)] AS (query)` of a WITH clause.
public struct CommonTableExpression: Hashable, Sendable, CustomStringConvertible {
    public var name: Identifier
    public var columns: [Identifier]
    public var query: SelectStatement
    public init(name: Identifier, columns: [Identifier] = [], query: SelectStatement) {
        self.name = name
        self.columns = columns
        self.query = query
    }
    public var description: String {
        name.description + (columns.isEmpty ? "" : "(" + columns.map(\.description).joined(separator: ", ") + ")") + " AS (\(query))"
    }
}

/// UNION, INTERSECT, EXCEPT.
public enum SetOperator: String, Hashable, Sendable {
    case union = "UNION", intersect = "INTERSECT", except = "EXCEPT"
}

/// What a query computes when it is not a plain SELECT.
public indirect enum QueryBody: Hashable, Sendable {
    /// `left UNION|INTERSECT|EXCEPT [ALL] right`.
    case setOperation(SetOperator, all: Bool, SelectStatement, SelectStatement)
    /// `VALUES (a, b), (c, d)`: rows of equal width, at least one.
    case values([[Expr]])
}

/// A query: `[WITH …] SELECT … FROM … WHERE … GROUP BY … HAVING … QUALIFY … ORDER BY … LIMIT …`,
/// or (with `body`) a set operation or VALUES followed by ORDER BY / LIMIT.
public struct SelectStatement: Hashable, Sendable, CustomStringConvertible {
    /// Common table expressions visible in this query (and its subqueries).
    public var with: [CommonTableExpression]
    /// When set, the query is this set operation or VALUES, and the SELECT fields below
    /// (distinct … qualify) are unused; ORDER BY and LIMIT apply to its result.
    public var body: QueryBody?
    public var distinct: Bool
    /// The select list, in order; never empty for a SELECT.
    public var items: [SelectItem]
    /// Nil for `SELECT 1 + 1` (no FROM).
    public var from: TableRef?
    public var whereClause: Expr?
    /// As written. An integer literal means a 1-based select-list position and a bare column
    /// name may be a select-list alias; the binder resolves both. With GROUPING SETS, ROLLUP
    /// or CUBE, every expression that occurs in a set, in first-seen order.
    public var groupBy: [Expr]
    /// `GROUP BY ALL`: group by every select item without an aggregate.
    public var groupByAll: Bool
    /// GROUPING SETS / ROLLUP / CUBE expanded to their sets (each a list of expressions).
    public var groupingSets: [[Expr]]?
    public var having: Expr?
    /// `QUALIFY expr`: filters on window function results.
    public var qualify: Expr?
    /// As written; same position/alias conventions as `groupBy`.
    public var orderBy: [OrderItem]
    public var limit: Int64?
    public var offset: Int64?
    /// Position of the SELECT keyword.
    public var location: SourceLocation

    public init(
        distinct: Bool = false, items: [SelectItem], from: TableRef? = nil, whereClause: Expr? = nil,
        groupBy: [Expr] = [], having: Expr? = nil, orderBy: [OrderItem] = [], limit: Int64? = nil,
        offset: Int64? = nil, location: SourceLocation = .synthetic
    ) {
        self.with = []
        self.body = nil
        self.distinct = distinct
        self.items = items
        self.from = from
        self.whereClause = whereClause
        self.groupBy = groupBy
        self.groupByAll = false
        self.groupingSets = nil
        self.having = having
        self.qualify = nil
        self.orderBy = orderBy
        self.limit = limit
        self.offset = offset
        self.location = location
    }

    /// A set operation or VALUES query.
    public init(body: QueryBody, location: SourceLocation = .synthetic) {
        self.init(items: [], location: location)
        self.body = body
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.with == b.with && a.body == b.body && a.distinct == b.distinct && a.items == b.items && a.from == b.from
            && a.whereClause == b.whereClause && a.groupBy == b.groupBy && a.groupByAll == b.groupByAll
            && a.groupingSets == b.groupingSets && a.having == b.having && a.qualify == b.qualify && a.orderBy == b.orderBy
            && a.limit == b.limit && a.offset == b.offset
    }

    public func hash(into h: inout Hasher) {
        h.combine(with); h.combine(body); h.combine(distinct); h.combine(items); h.combine(from); h.combine(whereClause)
        h.combine(groupBy); h.combine(groupByAll); h.combine(having); h.combine(qualify); h.combine(orderBy)
        h.combine(limit); h.combine(offset)
    }

    public var description: String {
        var s = with.isEmpty ? "" : "WITH " + with.map(\.description).joined(separator: ", ") + " "
        switch body {
        case .setOperation(let op, let all, let l, let r)?:
            s += "(\(l)) \(op.rawValue)\(all ? " ALL" : "") (\(r))"
        case .values(let rows)?:
            s += "VALUES " + rows.map { "(" + $0.map(\.description).joined(separator: ", ") + ")" }.joined(separator: ", ")
        case nil:
            s += "SELECT " + (distinct ? "DISTINCT " : "") + items.map(\.description).joined(separator: ", ")
            if let from { s += " FROM \(from)" }
            if let whereClause { s += " WHERE \(whereClause)" }
            if groupByAll {
                s += " GROUP BY ALL"
            } else if let sets = groupingSets {
                s += " GROUP BY GROUPING SETS (" + sets.map { "(" + $0.map(\.description).joined(separator: ", ") + ")" }.joined(separator: ", ") + ")"
            } else if !groupBy.isEmpty {
                s += " GROUP BY " + groupBy.map(\.description).joined(separator: ", ")
            }
            if let having { s += " HAVING \(having)" }
            if let qualify { s += " QUALIFY \(qualify)" }
        }
        if !orderBy.isEmpty { s += " ORDER BY " + orderBy.map(\.description).joined(separator: ", ") }
        if let limit { s += " LIMIT \(limit)" }
        if let offset { s += " OFFSET \(offset)" }
        return s
    }
}

/// A name as written: unquoted names are lower-cased by the lexer, double-quoted ones keep case.
public struct Identifier: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var location: SourceLocation

    public init(_ name: String, location: SourceLocation = .synthetic) {
        self.name = name
        self.location = location
    }

    public static func == (a: Self, b: Self) -> Bool { a.name == b.name }
    public func hash(into h: inout Hasher) { h.combine(name) }

    /// The name, double-quoted only if it would not read back as itself unquoted.
    public var description: String { quoteIdentifier(name) }
}

/// One entry of the select list.
public struct SelectItem: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// `*`, or `t.*` with a qualifier.
        case wildcard(qualifier: Identifier?)
        /// `expr [[AS] alias]`.
        case expression(Expr, alias: Identifier?)
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, location: SourceLocation = .synthetic) {
        self.kind = kind
        self.location = location
    }

    public static func == (a: Self, b: Self) -> Bool { a.kind == b.kind }
    public func hash(into h: inout Hasher) { h.combine(kind) }

    public var description: String {
        switch kind {
        case .wildcard(nil): return "*"
        case .wildcard(let q?): return "\(q).*"
        case .expression(let e, nil): return e.description
        case .expression(let e, let alias?): return "\(e) AS \(alias)"
        }
    }
}

/// A FROM source. A struct around an indirect enum so joins can be added later as
/// `case join(JoinKind, TableRef, TableRef, on: Expr?)` without changing `SelectStatement`.
public struct TableRef: Hashable, Sendable, CustomStringConvertible {
    public indirect enum Kind: Hashable, Sendable {
        /// A catalog table, optionally at a past snapshot: `events VERSION AS OF 3`.
        case table(name: Identifier, version: Int64?)
        /// A file path or glob given as a string: `FROM 'data/*.parquet'`.
        case path(String, version: Int64?)
        /// A table function: `read_parquet('glob', hive_partitioning = true)`.
        case function(name: Identifier, arguments: [FunctionArgument])
        /// A derived table: `(SELECT …) AS t` or `(VALUES …) AS t(a, b)`.
        case subquery(SelectStatement)
        /// `left [kind] JOIN right [ON …|USING (…)]`; a comma in FROM is a cross join.
        case join(JoinType, TableRef, TableRef, JoinCondition?)
    }

    public var kind: Kind
    public var alias: Identifier?
    /// `AS t(a, b)`: new names for the columns, in order.
    public var columnAliases: [Identifier]
    public var location: SourceLocation

    public init(_ kind: Kind, alias: Identifier? = nil, columnAliases: [Identifier] = [], location: SourceLocation = .synthetic) {
        self.kind = kind
        self.alias = alias
        self.columnAliases = columnAliases
        self.location = location
    }

    public static func == (a: Self, b: Self) -> Bool { a.kind == b.kind && a.alias == b.alias && a.columnAliases == b.columnAliases }
    public func hash(into h: inout Hasher) { h.combine(kind); h.combine(alias); h.combine(columnAliases) }

    public var description: String {
        var s: String
        switch kind {
        case .table(let name, let version):
            s = name.description
            if let version { s += " VERSION AS OF \(version)" }
        case .path(let path, let version):
            s = quoteString(path)
            if let version { s += " VERSION AS OF \(version)" }
        case .function(let name, let args):
            s = "\(name)(" + args.map(\.description).joined(separator: ", ") + ")"
        case .subquery(let q):
            s = "(\(q))"
        case .join(let type, let l, let r, let condition):
            s = "(\(l) \(type.rawValue) JOIN \(r)"
            switch condition {
            case .on(let e)?: s += " ON \(e)"
            case .using(let cols)?: s += " USING (" + cols.map(\.description).joined(separator: ", ") + ")"
            case nil: break
            }
            s += ")"
        }
        if let alias {
            s += " AS \(alias)"
            if !columnAliases.isEmpty { s += "(" + columnAliases.map(\.description).joined(separator: ", ") + ")" }
        }
        return s
    }
}

/// The join kinds of the FROM clause.
public enum JoinType: String, Hashable, Sendable {
    case inner = "INNER", left = "LEFT", right = "RIGHT", full = "FULL", cross = "CROSS"
}

/// How a join matches rows.
public enum JoinCondition: Hashable, Sendable {
    case on(Expr)
    /// `USING (a, b)`: equal columns of those names, shown once in the result.
    case using([Identifier])
}

/// A table-function argument: positional (`'x.parquet'`) or named (`hive_partitioning = true`).
public struct FunctionArgument: Hashable, Sendable, CustomStringConvertible {
    public var name: Identifier?
    public var value: Expr

    public init(name: Identifier? = nil, value: Expr) {
        self.name = name
        self.value = value
    }

    public var description: String { name.map { "\($0) = \(value)" } ?? value.description }
}

/// One ORDER BY key.
public struct OrderItem: Hashable, Sendable, CustomStringConvertible {
    public var expr: Expr
    /// ASC unless DESC was written.
    public var descending: Bool
    /// Nil when NULLS FIRST/LAST was not written, leaving the engine default to the planner.
    public var nullsFirst: Bool?
    public var location: SourceLocation

    public init(_ expr: Expr, descending: Bool = false, nullsFirst: Bool? = nil, location: SourceLocation = .synthetic) {
        self.expr = expr
        self.descending = descending
        self.nullsFirst = nullsFirst
        self.location = location
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.expr == b.expr && a.descending == b.descending && a.nullsFirst == b.nullsFirst
    }

    public func hash(into h: inout Hasher) { h.combine(expr); h.combine(descending); h.combine(nullsFirst) }

    public var description: String {
        var s = expr.description
        if descending { s += " DESC" }
        if let nullsFirst { s += nullsFirst ? " NULLS FIRST" : " NULLS LAST" }
        return s
    }
}

/// An expression node: what it is, and where it was written.
///
/// `location` is the token that defines the node: the operator for infix and postfix forms
/// (`+`, `=`, `AND`, `IS`, `IN`, `BETWEEN`, `LIKE`, `::`), which is where type errors point;
/// the first token otherwise (column name, literal, function name, CASE, CAST, `-`, NOT).
public struct Expr: Hashable, Sendable, CustomStringConvertible {
    public var kind: ExprKind
    public var location: SourceLocation

    public init(_ kind: ExprKind, location: SourceLocation = .synthetic) {
        self.kind = kind
        self.location = location
    }

    public static func == (a: Self, b: Self) -> Bool { a.kind == b.kind }
    public func hash(into h: inout Hasher) { h.combine(kind) }

    public var description: String { kind.description }
}

public indirect enum ExprKind: Hashable, Sendable, CustomStringConvertible {
    case literal(Literal)
    /// `col` or `t.col`.
    case column(ColumnRef)
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    /// `x IS NULL` / `x IS NOT NULL`.
    case isNull(Expr, negated: Bool)
    /// `x IS [NOT] TRUE|FALSE` (NULL-safe truth tests).
    case isBoolean(Expr, value: Bool, negated: Bool)
    /// `x IS [NOT] DISTINCT FROM y` (a NULL-safe comparison).
    case isDistinctFrom(Expr, Expr, negated: Bool)
    /// `x [NOT] IN (a, b, …)`; the list is never empty.
    case inList(Expr, [Expr], negated: Bool)
    /// `x [NOT] BETWEEN low AND high`.
    case between(Expr, low: Expr, high: Expr, negated: Bool)
    /// `x [NOT] LIKE|ILIKE pattern`.
    case like(Expr, pattern: Expr, caseInsensitive: Bool, negated: Bool)
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`; at least one WHEN.
    case caseWhen(operand: Expr?, branches: [WhenBranch], elseResult: Expr?)
    /// `CAST(x AS type)` and `x::type`.
    case cast(Expr, TypeName)
    /// `f(args)`, `f(DISTINCT x)`. `count(*)` is `count_star` with no arguments.
    case function(FunctionCall)
    /// `extract(field FROM x)`; `field` is lower-cased and not validated here.
    case extract(field: String, from: Expr)
    /// `(SELECT …)` used as a value: one column, at most one row.
    case subquery(SelectStatement)
    /// `EXISTS (SELECT …)`.
    case exists(SelectStatement)
    /// `x [NOT] IN (SELECT …)`.
    case inSubquery(Expr, SelectStatement, negated: Bool)
    /// `f(args) OVER (PARTITION BY … ORDER BY … frame)`.
    case window(FunctionCall, WindowDefinition)
    /// `INTERVAL '3 days'`, `INTERVAL 3 DAY`: a count of one unit (the text as written).
    case interval(value: String, unit: String)
    /// `x[i]`: a list element (1-based) or a map value by key.
    case `subscript`(Expr, Expr)
    /// `x.field` on an expression that is not a plain `name` or `t.name` (those parse as
    /// column references; the binder reads `s.a` as a struct field when `s` is no table).
    case fieldAccess(Expr, String)
    /// `struct_pack(a := x, b := y)` or `{'a': x, 'b': y}`: a STRUCT built from named values.
    case structPack(names: [String], values: [Expr])

    public var description: String {
        switch self {
        case .literal(let l): return l.description
        case .column(let c): return c.description
        case .unary(.not, let e): return "(NOT \(e))"
        case .unary(.negate, let e):
            let inner = e.description
            // `--` would start a comment.
            return inner.hasPrefix("-") ? "-(\(inner))" : "-\(inner)"
        case .binary(let op, let l, let r): return "(\(l) \(op.sql) \(r))"
        case .isNull(let e, let negated): return "(\(e) IS \(negated ? "NOT " : "")NULL)"
        case .isBoolean(let e, let value, let negated):
            return "(\(e) IS \(negated ? "NOT " : "")\(value ? "TRUE" : "FALSE"))"
        case .isDistinctFrom(let l, let r, let negated):
            return "(\(l) IS \(negated ? "NOT " : "")DISTINCT FROM \(r))"
        case .inList(let e, let list, let negated):
            return "(\(e) \(negated ? "NOT " : "")IN (" + list.map(\.description).joined(separator: ", ") + "))"
        case .between(let e, let low, let high, let negated):
            return "(\(e) \(negated ? "NOT " : "")BETWEEN \(low) AND \(high))"
        case .like(let e, let pattern, let ci, let negated):
            return "(\(e) \(negated ? "NOT " : "")\(ci ? "ILIKE" : "LIKE") \(pattern))"
        case .caseWhen(let operand, let branches, let elseResult):
            var s = "CASE"
            if let operand { s += " \(operand)" }
            for b in branches { s += " WHEN \(b.condition) THEN \(b.result)" }
            if let elseResult { s += " ELSE \(elseResult)" }
            return s + " END"
        case .cast(let e, let type): return "CAST(\(e) AS \(type))"
        case .function(let f): return f.description
        case .extract(let field, let e): return "extract(\(quoteIdentifier(field)) FROM \(e))"
        case .subquery(let q): return "(\(q))"
        case .exists(let q): return "EXISTS (\(q))"
        case .inSubquery(let e, let q, let negated): return "(\(e) \(negated ? "NOT " : "")IN (\(q)))"
        case .window(let f, let w): return "\(f) OVER (\(w))"
        case .interval(let value, let unit): return "INTERVAL \(quoteString(value)) \(unit.uppercased())"
        case .subscript(let e, let index): return "\(e)[\(index)]"
        case .fieldAccess(let e, let field): return "\(e).\(quoteIdentifier(field))"
        case .structPack(let names, let values):
            // DuckDB's spelling, also for `{…}` literals (it names such a column the same way).
            return "struct_pack(" + zip(names, values).map { "\(quoteIdentifier($0)) := \($1)" }.joined(separator: ", ") + ")"
        }
    }
}

/// A constant as written.
public enum Literal: Hashable, Sendable, CustomStringConvertible {
    case integer(Int64)
    /// A number with a fraction or exponent, or an integer too large for Int64. `text` is the
    /// literal as written (with a leading `-` if negated) so DECIMAL binding can be exact.
    case decimal(text: String, value: Double)
    case string(String)
    case boolean(Bool)
    case null
    /// `DATE '2026-01-01'`; the text is not validated here.
    case date(String)
    /// `TIMESTAMP '2026-01-01 10:00:00'`; the text is not validated here.
    case timestamp(String)

    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .decimal(let text, _): return text
        case .string(let s): return quoteString(s)
        case .boolean(let b): return b ? "true" : "false"
        case .null: return "NULL"
        case .date(let s): return "DATE " + quoteString(s)
        case .timestamp(let s): return "TIMESTAMP " + quoteString(s)
        }
    }
}

/// A possibly qualified column name. Either part may also name a select-list alias.
public struct ColumnRef: Hashable, Sendable, CustomStringConvertible {
    public var qualifier: String?
    public var name: String

    public init(qualifier: String? = nil, _ name: String) {
        self.qualifier = qualifier
        self.name = name
    }

    public var description: String {
        (qualifier.map { quoteIdentifier($0) + "." } ?? "") + quoteIdentifier(name)
    }
}

public enum UnaryOperator: Hashable, Sendable {
    case negate, not
}

public enum BinaryOperator: String, Hashable, Sendable {
    case add, subtract, multiply, divide, modulo, concat
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
    case and, or

    /// How the operator is written (`!=` is read as `<>`).
    public var sql: String {
        switch self {
        case .add: return "+"
        case .subtract: return "-"
        case .multiply: return "*"
        case .divide: return "/"
        case .modulo: return "%"
        case .concat: return "||"
        case .equal: return "="
        case .notEqual: return "<>"
        case .less: return "<"
        case .lessOrEqual: return "<="
        case .greater: return ">"
        case .greaterOrEqual: return ">="
        case .and: return "AND"
        case .or: return "OR"
        }
    }
}

/// One `WHEN condition THEN result` of a CASE. With a CASE operand, `condition` is the value
/// compared to the operand.
public struct WhenBranch: Hashable, Sendable {
    public var condition: Expr
    public var result: Expr

    public init(condition: Expr, result: Expr) {
        self.condition = condition
        self.result = result
    }
}

/// A scalar or aggregate function call; which one is the binder's business.
public struct FunctionCall: Hashable, Sendable, CustomStringConvertible {
    /// Lower-cased unless written double-quoted.
    public var name: String
    public var arguments: [Expr]
    public var distinct: Bool
    /// `ORDER BY` inside the call (`string_agg(x, ',' ORDER BY y)`).
    public var orderBy: [OrderItem]
    /// `FILTER (WHERE …)` after an aggregate call.
    public var filter: Expr?

    public init(_ name: String, _ arguments: [Expr] = [], distinct: Bool = false, orderBy: [OrderItem] = [], filter: Expr? = nil) {
        self.name = name
        self.arguments = arguments
        self.distinct = distinct
        self.orderBy = orderBy
        self.filter = filter
    }

    public var description: String {
        var s = quoteIdentifier(name) + "(" + (distinct ? "DISTINCT " : "") + arguments.map(\.description).joined(separator: ", ")
        if !orderBy.isEmpty { s += " ORDER BY " + orderBy.map(\.description).joined(separator: ", ") }
        s += ")"
        if let filter { s += " FILTER (WHERE \(filter))" }
        return s
    }
}

/// The window of `OVER (…)`.
public struct WindowDefinition: Hashable, Sendable, CustomStringConvertible {
    public var partitionBy: [Expr]
    public var orderBy: [OrderItem]
    public var frame: WindowFrame?

    public init(partitionBy: [Expr] = [], orderBy: [OrderItem] = [], frame: WindowFrame? = nil) {
        self.partitionBy = partitionBy
        self.orderBy = orderBy
        self.frame = frame
    }

    public var description: String {
        var parts: [String] = []
        if !partitionBy.isEmpty { parts.append("PARTITION BY " + partitionBy.map(\.description).joined(separator: ", ")) }
        if !orderBy.isEmpty { parts.append("ORDER BY " + orderBy.map(\.description).joined(separator: ", ")) }
        if let frame { parts.append(frame.description) }
        return parts.joined(separator: " ")
    }
}

/// `ROWS|RANGE BETWEEN start AND end` (or `ROWS start`, meaning start AND CURRENT ROW).
public struct WindowFrame: Hashable, Sendable, CustomStringConvertible {
    public enum Unit: String, Hashable, Sendable { case rows = "ROWS", range = "RANGE" }
    public enum Bound: Hashable, Sendable, CustomStringConvertible {
        case unboundedPreceding, currentRow, unboundedFollowing
        case preceding(Expr), following(Expr)
        public var description: String {
            switch self {
            case .unboundedPreceding: return "UNBOUNDED PRECEDING"
            case .currentRow: return "CURRENT ROW"
            case .unboundedFollowing: return "UNBOUNDED FOLLOWING"
            case .preceding(let e): return "\(e) PRECEDING"
            case .following(let e): return "\(e) FOLLOWING"
            }
        }
    }
    public var unit: Unit
    public var start: Bound
    public var end: Bound

    public init(unit: Unit, start: Bound, end: Bound) {
        self.unit = unit
        self.start = start
        self.end = end
    }

    public var description: String { "\(unit.rawValue) BETWEEN \(start) AND \(end)" }
}

/// A type named in CAST or `::`. Synonyms are folded: INT/INT4 → integer, FLOAT/REAL/FLOAT8 →
/// double, TEXT/STRING/VARCHAR(n) → varchar, NUMERIC → decimal.
public enum TypeName: Hashable, Sendable, CustomStringConvertible {
    case boolean, tinyint, smallint, integer, bigint, double
    /// Nil precision/scale when not written; the binder applies defaults.
    case decimal(precision: Int?, scale: Int?)
    case varchar, date, timestamp

    public var description: String {
        switch self {
        case .boolean: return "BOOLEAN"
        case .tinyint: return "TINYINT"
        case .smallint: return "SMALLINT"
        case .integer: return "INTEGER"
        case .bigint: return "BIGINT"
        case .double: return "DOUBLE"
        case .decimal(nil, _): return "DECIMAL"
        case .decimal(let p?, nil): return "DECIMAL(\(p))"
        case .decimal(let p?, let s?): return "DECIMAL(\(p),\(s))"
        case .varchar: return "VARCHAR"
        case .date: return "DATE"
        case .timestamp: return "TIMESTAMP"
        }
    }
}

/// `'text'` with embedded quotes doubled.
func quoteString(_ s: String) -> String {
    "'" + doublingQuotes(s, "'") + "'"
}

/// The name unquoted if it reads back as itself (lower-case word, not reserved), else `"quoted"`.
func quoteIdentifier(_ name: String) -> String {
    let plain = name.utf8.first.map { Lexer.isIdentifierStart($0) && !($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) } == true
        && name.utf8.allSatisfy { Lexer.isIdentifierPart($0) }
        && name.lowercased() == name
        && Keyword.byName[name] == nil
    return plain ? name : "\"" + doublingQuotes(name, "\"") + "\""
}

private func doublingQuotes(_ s: String, _ quote: Character) -> String {
    var out = ""
    for c in s {
        out.append(c)
        if c == quote { out.append(quote) }
    }
    return out
}
