import LakeqColumnar

/// A SQL predicate over a table's partition columns, decided per data file from its partition
/// values alone (no data is read): what `lakeq optimize --where` takes.
///
/// ```swift
/// let p = try PartitionPredicate("date >= '2026-01-10' AND device IN ('tv', 'web')", partitionColumns: snapshot.partitionFields)
/// p.matches(file.partitionValues)   // Delta's string forms, nil for NULL
/// ```
/// Parsed by `SQLParser.parseExpression`. Supported: comparisons, `AND`/`OR`/`NOT`,
/// `[NOT] IN (…)`, `[NOT] BETWEEN`, `[NOT] LIKE`/`ILIKE`, `IS [NOT] NULL`, `IS [NOT] TRUE|FALSE`,
/// literals (numbers, strings, booleans, NULL, `DATE '…'`, `TIMESTAMP '…'`); a string compared
/// with a date or timestamp column is read as one. SQL's three-valued logic: a file matches
/// only when the predicate is TRUE (a NULL partition value matches `IS NULL` only). Anything
/// else (other columns, functions, arithmetic) is a clear `QueryError`.
public struct PartitionPredicate: Sendable {
    public let text: String
    let root: Node

    indirect enum Node: Sendable {
        case constant(Scalar)
        case column(name: String, type: DataType)
        case compare(BinaryOperator, Node, Node)
        case and(Node, Node)
        case or(Node, Node)
        case not(Node)
        case isNull(Node, negated: Bool)
        case inList(Node, [Scalar], negated: Bool)
        case like(Node, LikePattern, negated: Bool)
    }

    /// What a node evaluates to, for type checks before any file is looked at.
    enum Kind: Equatable { case number, string, date, timestamp, boolean, null }

    /// Parses and checks `sql` against `partitionColumns` (names matched case-insensitively).
    public init(_ sql: String, partitionColumns: [Field]) throws {
        text = sql
        var columns: [String: Field] = [:]
        for f in partitionColumns { columns[f.name.lowercased()] = Field(name: f.name, type: SQLType.normalize(f.type), nullable: true) }
        let names = partitionColumns.map(\.name).joined(separator: ", ")
        let expr = try SQLParser.parseExpression(sql)
        var compiler = Compiler(columns: columns, names: names.isEmpty ? "none: the table is not partitioned" : names)
        root = try compiler.compile(expr)
        guard Self.kind(root) == .boolean || Self.kind(root) == .null else {
            throw QueryError.binding("the partition predicate must be a condition (true or false), not \(sql)")
        }
    }

    /// True when the predicate holds for a file with these partition values (column name →
    /// Delta string form, nil for NULL).
    public func matches(_ values: [String: String?]) -> Bool {
        if case .bool(true) = Self.evaluate(root, values) { return true }
        return false
    }

    // MARK: evaluation

    static func evaluate(_ node: Node, _ values: [String: String?]) -> Scalar {
        switch node {
        case .constant(let s): return s
        case .column(let name, let type): return PartitionTyping.scalar(values[name] ?? nil, type: type)
        case .compare(let op, let l, let r):
            let a = evaluate(l, values), b = evaluate(r, values)
            if a.isNull || b.isNull { return .null }
            let c = Scalar.compare(a, b)
            switch op {
            case .equal: return .bool(c == 0)
            case .notEqual: return .bool(c != 0)
            case .less: return .bool(c < 0)
            case .lessOrEqual: return .bool(c <= 0)
            case .greater: return .bool(c > 0)
            case .greaterOrEqual: return .bool(c >= 0)
            default: return .null
            }
        case .and(let l, let r):
            let a = evaluate(l, values), b = evaluate(r, values)
            if case .bool(false) = a { return .bool(false) }
            if case .bool(false) = b { return .bool(false) }
            return a.isNull || b.isNull ? .null : .bool(true)
        case .or(let l, let r):
            let a = evaluate(l, values), b = evaluate(r, values)
            if case .bool(true) = a { return .bool(true) }
            if case .bool(true) = b { return .bool(true) }
            return a.isNull || b.isNull ? .null : .bool(false)
        case .not(let x):
            if case .bool(let v) = evaluate(x, values) { return .bool(!v) }
            return .null
        case .isNull(let x, let negated):
            return .bool(evaluate(x, values).isNull != negated)
        case .inList(let x, let list, let negated):
            let v = evaluate(x, values)
            if v.isNull { return .null }
            if list.contains(where: { !$0.isNull && Scalar.compare($0, v) == 0 }) { return .bool(!negated) }
            return list.contains(where: \.isNull) ? .null : .bool(negated)
        case .like(let x, let pattern, let negated):
            guard case .string(let s) = evaluate(x, values) else { return .null }
            return .bool(pattern.matches(Array(s.utf8)) != negated)
        }
    }

    static func kind(_ node: Node) -> Kind {
        switch node {
        case .constant(let s): return kind(of: s)
        case .column(_, let type):
            switch type {
            case .boolean: return .boolean
            case .date32: return .date
            case .timestamp: return .timestamp
            case .string: return .string
            default: return .number
            }
        case .compare, .and, .or, .not, .isNull, .inList, .like: return .boolean
        }
    }

    static func kind(of s: Scalar) -> Kind {
        switch s {
        case .null: return .null
        case .bool: return .boolean
        case .int, .double, .decimal: return .number
        case .string, .list, .structure, .map: return .string  // partition values are never nested
        case .date: return .date
        case .timestamp: return .timestamp
        }
    }

    // MARK: compiling the syntax tree

    struct Compiler {
        let columns: [String: Field]
        let names: String

        func unsupported(_ e: Expr) -> QueryError {
            .unsupported("a partition predicate takes comparisons, AND/OR/NOT, IN, BETWEEN, LIKE and IS NULL over partition columns and constants; not \(e)")
        }

        mutating func compile(_ e: Expr) throws -> Node {
            switch e.kind {
            case .literal(let l): return .constant(try literal(l))
            case .column(let c):
                guard c.qualifier == nil, let f = columns[c.name.lowercased()] else {
                    throw QueryError.binding("\(c.name) is not a partition column (partition columns: \(names))")
                }
                return .column(name: f.name, type: f.type)
            case .binary(let op, let l, let r):
                switch op {
                case .and, .or:
                    let a = try condition(l), b = try condition(r)
                    return op == .and ? .and(a, b) : .or(a, b)
                case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
                    let (a, b) = try comparable(try compile(l), try compile(r), e)
                    return .compare(op, a, b)
                default: throw unsupported(e)
                }
            case .unary(.not, let x): return .not(try condition(x))
            case .isNull(let x, let negated): return .isNull(try compile(x), negated: negated)
            case .isBoolean(let x, let value, let negated):
                let b = try condition(x)
                // x IS TRUE: true exactly when x is true (never NULL).
                let test = Node.and(.isNull(b, negated: true), .compare(.equal, b, .constant(.bool(value))))
                return negated ? .not(test) : test
            case .between(let x, let low, let high, let negated):
                let v = try compile(x)
                let (a, lo) = try comparable(v, try compile(low), e)
                let (_, hi) = try comparable(v, try compile(high), e)
                return negated ? .or(.compare(.less, a, lo), .compare(.greater, a, hi))
                               : .and(.compare(.greaterOrEqual, a, lo), .compare(.lessOrEqual, a, hi))
            case .inList(let x, let list, let negated):
                let v = try compile(x)
                var items: [Scalar] = []
                for item in list {
                    let (_, c) = try comparable(v, try compile(item), e)
                    guard case .constant(let s) = c else { throw QueryError.unsupported("IN lists must hold constants: \(item)") }
                    items.append(s)
                }
                return .inList(v, items, negated: negated)
            case .like(let x, let pattern, let ci, let negated):
                let v = try compile(x)
                guard PartitionPredicate.kind(v) == .string else { throw QueryError.binding("LIKE needs a VARCHAR partition column: \(e)") }
                guard case .literal(.string(let p)) = pattern.kind else { throw QueryError.unsupported("LIKE patterns must be string constants: \(e)") }
                return .like(v, LikePattern(p, caseInsensitive: ci), negated: negated)
            default:
                throw unsupported(e)
            }
        }

        mutating func condition(_ e: Expr) throws -> Node {
            let n = try compile(e)
            let k = PartitionPredicate.kind(n)
            guard k == .boolean || k == .null else { throw QueryError.binding("\(e) is not a condition") }
            return n
        }

        func literal(_ l: Literal) throws -> Scalar {
            switch l {
            case .integer(let v): return .int(v)
            case .decimal(_, let v): return .double(v)
            case .string(let s): return .string(s)
            case .boolean(let b): return .bool(b)
            case .null: return .null
            case .date(let s):
                guard let d = PartitionTyping.parseDate(s) else { throw QueryError.binding("DATE '\(s)' is not a date (YYYY-MM-DD)") }
                return .date(d)
            case .timestamp(let s):
                guard let t = PartitionTyping.parseTimestamp(s) else { throw QueryError.binding("TIMESTAMP '\(s)' is not a timestamp") }
                return .timestamp(t)
            }
        }

        /// The two sides of a comparison, a string constant read as the date or timestamp it
        /// is compared with; an error when the kinds cannot be compared.
        func comparable(_ a: Node, _ b: Node, _ e: Expr) throws -> (Node, Node) {
            func coerce(_ n: Node, to k: Kind) throws -> Node {
                guard case .constant(.string(let s)) = n else { return n }
                switch k {
                case .date:
                    guard let d = PartitionTyping.parseDate(s) else { throw QueryError.binding("'\(s)' is not a date (YYYY-MM-DD) in \(e)") }
                    return .constant(.date(d))
                case .timestamp:
                    guard let t = PartitionTyping.parseTimestamp(s) else { throw QueryError.binding("'\(s)' is not a timestamp in \(e)") }
                    return .constant(.timestamp(t))
                default: return n
                }
            }
            let x = try coerce(a, to: PartitionPredicate.kind(b)), y = try coerce(b, to: PartitionPredicate.kind(a))
            let kx = PartitionPredicate.kind(x), ky = PartitionPredicate.kind(y)
            let temporal: Set<Kind> = [.date, .timestamp]
            guard kx == .null || ky == .null || kx == ky || (temporal.contains(kx) && temporal.contains(ky)) else {
                throw QueryError.binding("cannot compare \(kx) with \(ky) in \(e)")
            }
            return (x, y)
        }
    }
}
