/// Entry points of the SQL front end. See `spec/sql.md` for the dialect.
public enum SQLParser {
    /// Deepest expression nesting accepted. Recursive descent uses the call stack, so an
    /// adversarial `((((…))))` must be refused before it overflows a (possibly small) thread stack.
    public static let maxNestingDepth = 256

    /// Parses one statement (`SELECT …` or `EXPLAIN SELECT …`), optionally ending in `;`.
    /// - Throws: `SQLSyntaxError` for any lexical or grammatical error; never traps.
    public static func parse(_ sql: String) throws -> Statement {
        var parser = Parser(sql)
        return try parser.parseStatementToEnd()
    }

    /// Parses a lone expression, e.g. `a + 1 > b`. For tests, tools and default-value text.
    public static func parseExpression(_ sql: String) throws -> Expr {
        var parser = Parser(sql)
        let e = try parser.parseExpr()
        try parser.expectEnd()
        return e
    }
}

/// Binding strength of operators, weakest first. An operator's right operand is parsed at its
/// own level, which makes every binary operator left-associative.
private enum Precedence {
    static let lowest = 0
    static let or = 1
    static let and = 2
    static let not = 3
    static let comparison = 4 // = <> < <= > >= IS IN BETWEEN LIKE ILIKE
    static let concat = 5
    static let additive = 6
    static let multiplicative = 7
    static let unary = 8
    static let cast = 9
    static let postfix = 10 // l[i], s.field
}

/// Recursive descent for statements, Pratt parsing for expressions.
struct Parser {
    private let tokens: [Token]
    private var position = 0
    private var depth = 0

    init(_ sql: String) { tokens = Lexer.tokenize(sql) }

    // MARK: Token access

    private var current: Token { tokens[position] }

    /// Token `n` places ahead; the final (end or invalid) token repeats past the end.
    private func peek(_ n: Int) -> Token { tokens[min(position + n, tokens.count - 1)] }

    private mutating func advance() {
        if position < tokens.count - 1 { position += 1 }
    }

    private func isKeyword(_ k: Keyword) -> Bool { current.kind == .keyword(k) }
    private func isSymbol(_ s: Symbol) -> Bool { current.kind == .symbol(s) }

    private mutating func consume(_ k: Keyword) -> Bool {
        guard isKeyword(k) else { return false }
        advance()
        return true
    }

    private mutating func consume(_ s: Symbol) -> Bool {
        guard isSymbol(s) else { return false }
        advance()
        return true
    }

    private mutating func expect(_ k: Keyword) throws {
        guard consume(k) else { throw unexpected(k.sql) }
    }

    private mutating func expect(_ s: Symbol, _ what: String? = nil) throws {
        guard consume(s) else { throw unexpected(what ?? "'\(s.rawValue)'") }
    }

    /// "expected X, found Y" at the current token. If the current token is a lexical error,
    /// that error is what the user needs to see instead.
    private func unexpected(_ expected: String) -> SQLSyntaxError {
        if case .invalid(let message) = current.kind {
            return SQLSyntaxError(message: message, at: current.location)
        }
        return SQLSyntaxError(message: "expected \(expected), found \(current.displayForMessage)", at: current.location)
    }

    private func error(_ message: String, at location: SourceLocation) -> SQLSyntaxError {
        SQLSyntaxError(message: message, at: location)
    }

    mutating func expectEnd() throws {
        guard current.kind == .endOfInput else { throw unexpected("end of input") }
    }

    private mutating func identifier(_ what: String) throws -> Identifier {
        guard let name = current.identifierName else { throw unexpected(what) }
        let id = Identifier(name, location: current.location)
        advance()
        return id
    }

    // MARK: Statements

    mutating func parseStatementToEnd() throws -> Statement {
        let statement: Statement
        if consume(.explain) {
            if current.isWord("analyze") {
                advance()
                statement = .explainAnalyze(try parseQuery())
            } else {
                statement = .explain(try parseQuery())
            }
        } else if current.isWord("create") {
            statement = try parseCreateTable()
        } else if current.isWord("insert") {
            statement = try parseInsert()
        } else if current.isWord("copy") {
            statement = try parseCopy()
        } else if startsQuery {
            statement = .select(try parseQuery())
        } else {
            throw unexpected("SELECT or EXPLAIN")
        }
        _ = consume(.semicolon)
        try expectEnd()
        return statement
    }

    /// True when the current token can begin a query.
    private var startsQuery: Bool {
        isKeyword(.select) || isKeyword(.with) || (current.isWord("values") && peek(1).kind == .symbol(.leftParen))
            || (isSymbol(.leftParen) && Self.beginsQuery(peek(1).kind))
    }

    private static func beginsQuery(_ kind: TokenKind) -> Bool {
        switch kind {
        case .keyword(.select), .keyword(.with), .identifier("values"): return true
        default: return false
        }
    }

    private mutating func parseCreateTable() throws -> Statement {
        advance()  // CREATE
        guard current.isWord("table") else { throw unexpected("TABLE after CREATE") }
        advance()
        let name = try identifier("a table name")
        var partitionBy: [Identifier] = []
        if current.isWord("partition") && peek(1).kind == .keyword(.by) {
            advance(); advance()
            if consume(.leftParen) {
                repeat { partitionBy.append(try identifier("a partition column")) } while consume(.comma)
                try expect(.rightParen, "',' or ')'")
            } else {
                partitionBy.append(try identifier("a partition column"))
            }
        }
        try expect(.as)
        return .createTableAs(name: name, partitionBy: partitionBy, query: try parseQuery())
    }

    private mutating func parseInsert() throws -> Statement {
        advance()  // INSERT
        guard current.isWord("into") else { throw unexpected("INTO after INSERT") }
        advance()
        let name = try identifier("a table name")
        var columns: [Identifier] = []
        if isSymbol(.leftParen) && !Self.beginsQuery(peek(1).kind) {
            advance()
            repeat { columns.append(try identifier("a column name")) } while consume(.comma)
            try expect(.rightParen, "',' or ')'")
        }
        guard startsQuery else { throw unexpected("a query (SELECT, WITH or VALUES)") }
        return .insert(name: name, columns: columns, query: try parseQuery())
    }

    private mutating func parseCopy() throws -> Statement {
        advance()  // COPY
        let query: SelectStatement
        if consume(.leftParen) {
            query = try parseQuery()
            try expect(.rightParen, "')'")
        } else {
            let location = current.location
            let name = try identifier("a table name or '(' query ')'")
            query = SelectStatement(items: [SelectItem(.wildcard(qualifier: nil), location: location)],
                                    from: TableRef(.table(name: name, version: nil), location: location), location: location)
        }
        guard current.isWord("to") else { throw unexpected("TO") }
        advance()
        guard case .string(let path) = current.kind else { throw unexpected("a quoted file path after TO") }
        advance()
        var options: [CopyOption] = []
        if consume(.leftParen) {
            repeat {
                guard let name = current.identifierName else { throw unexpected("a COPY option such as FORMAT") }
                advance()
                var value: String?
                switch current.kind {
                case .identifier(let v), .quotedIdentifier(let v), .string(let v), .integer(let v): value = v; advance()
                case .keyword(.true): value = "true"; advance()
                case .keyword(.false): value = "false"; advance()
                default: value = nil
                }
                options.append(CopyOption(name: name.lowercased(), value: value))
            } while consume(.comma)
            try expect(.rightParen, "',' or ')'")
        }
        return .copy(query: query, path: path, options: options)
    }

    /// `[WITH …] set_expression [ORDER BY …] [LIMIT …] [OFFSET …]`.
    mutating func parseQuery() throws -> SelectStatement {
        let savedDepth = depth
        defer { depth = savedDepth }
        try descend()
        let location = current.location
        var ctes: [CommonTableExpression] = []
        if consume(.with) {
            if current.isWord("recursive") { throw error("WITH RECURSIVE is not supported", at: current.location) }
            repeat { ctes.append(try parseCommonTableExpression()) } while consume(.comma)
        }
        var q = try parseSetExpression()
        var orderBy: [OrderItem] = []
        if consume(.order) {
            try expect(.by)
            repeat { orderBy.append(try parseOrderItem()) } while consume(.comma)
        }
        var limit: Int64?, offset: Int64?
        // Either order, each at most once (PostgreSQL accepts both).
        for _ in 0..<2 {
            if limit == nil, consume(.limit) {
                limit = try parseCount("LIMIT")
            } else if offset == nil, consume(.offset) {
                offset = try parseCount("OFFSET")
            }
        }
        let hasTail = !orderBy.isEmpty || limit != nil || offset != nil
        // A parenthesized query that already ends in its own ORDER BY / LIMIT (or has its own
        // WITH) keeps them: the outer clauses then apply to a derived table of it.
        if (hasTail && (!q.orderBy.isEmpty || q.limit != nil || q.offset != nil)) || (!ctes.isEmpty && !q.with.isEmpty) {
            q = SelectStatement(items: [SelectItem(.wildcard(qualifier: nil), location: location)],
                                from: TableRef(.subquery(q), alias: Identifier("subquery", location: location), location: location),
                                location: location)
        }
        if hasTail {
            q.orderBy = orderBy
            q.limit = limit
            q.offset = offset
        }
        if !ctes.isEmpty { q.with = ctes }
        return q
    }

    private mutating func parseCommonTableExpression() throws -> CommonTableExpression {
        let name = try identifier("a name for the WITH query")
        var columns: [Identifier] = []
        if consume(.leftParen) {
            repeat { columns.append(try identifier("a column name")) } while consume(.comma)
            try expect(.rightParen, "',' or ')'")
        }
        try expect(.as)
        if current.isWord("materialized") { advance() } else if isKeyword(.not) && peek(1).isWord("materialized") { advance(); advance() }
        try expect(.leftParen, "'(' before the WITH query")
        let q = try parseQuery()
        try expect(.rightParen, "')'")
        return CommonTableExpression(name: name, columns: columns, query: q)
    }

    /// UNION and EXCEPT, left-associative, over INTERSECT terms (which bind tighter).
    private mutating func parseSetExpression() throws -> SelectStatement {
        var left = try parseIntersectTerm()
        while isKeyword(.union) || isKeyword(.except) {
            let location = current.location
            let op: SetOperator = isKeyword(.union) ? .union : .except
            advance()
            let all = parseSetQuantifier()
            let right = try parseIntersectTerm()
            left = SelectStatement(body: .setOperation(op, all: all, left, right), location: location)
        }
        return left
    }

    private mutating func parseIntersectTerm() throws -> SelectStatement {
        var left = try parseQueryPrimary()
        while isKeyword(.intersect) {
            let location = current.location
            advance()
            let all = parseSetQuantifier()
            let right = try parseQueryPrimary()
            left = SelectStatement(body: .setOperation(.intersect, all: all, left, right), location: location)
        }
        return left
    }

    /// `ALL` or `DISTINCT` after a set operator (DISTINCT is the default).
    private mutating func parseSetQuantifier() -> Bool {
        if current.isWord("all") { advance(); return true }
        _ = consume(.distinct)
        return false
    }

    private mutating func parseQueryPrimary() throws -> SelectStatement {
        if isSymbol(.leftParen) {
            advance()
            let q = try parseQuery()
            try expect(.rightParen, "')'")
            return q
        }
        if current.isWord("values") && peek(1).kind == .symbol(.leftParen) {
            return try parseValues()
        }
        return try parseSelectCore()
    }

    private mutating func parseValues() throws -> SelectStatement {
        let location = current.location
        advance()  // VALUES
        var rows: [[Expr]] = []
        repeat {
            try expect(.leftParen, "'(' before a row of VALUES")
            var row: [Expr] = []
            repeat { row.append(try parseExpr()) } while consume(.comma)
            try expect(.rightParen, "',' or ')'")
            if let first = rows.first, first.count != row.count {
                throw error("VALUES rows must have the same number of values (\(first.count), then \(row.count))", at: location)
            }
            rows.append(row)
        } while consume(.comma)
        return SelectStatement(body: .values(rows), location: location)
    }

    private mutating func parseSelectCore() throws -> SelectStatement {
        let location = current.location
        try expect(.select)
        var s = SelectStatement(items: [], location: location)
        s.distinct = consume(.distinct)
        if !s.distinct, current.isWord("all"), !Self.continuesExpression(peek(1).kind) { advance() }
        repeat {
            s.items.append(try parseSelectItem())
        } while consume(.comma)

        if consume(.from) { s.from = try parseFromList() }
        if consume(.where) { s.whereClause = try parseExpr() }
        if consume(.group) {
            try expect(.by)
            try parseGroupBy(into: &s)
        }
        if consume(.having) { s.having = try parseExpr() }
        if current.isWord("qualify") {
            advance()
            s.qualify = try parseExpr()
        }
        return s
    }

    /// Whether a token after a word makes that word the start of an expression (`all.x`, `all(…)`, `all + 1`).
    private static func continuesExpression(_ kind: TokenKind) -> Bool {
        switch kind {
        case .symbol(.dot), .symbol(.leftParen), .symbol(.plus), .symbol(.minus), .symbol(.star), .symbol(.slash),
             .symbol(.concat), .symbol(.doubleColon), .symbol(.equal), .symbol(.less), .symbol(.greater):
            return true
        default:
            return false
        }
    }

    /// GROUP BY expressions, `ALL`, or grouping sets (`ROLLUP`, `CUBE`, `GROUPING SETS`), which
    /// combine by cross product: `GROUP BY a, ROLLUP(b)` is the sets (a, b) and (a).
    private mutating func parseGroupBy(into s: inout SelectStatement) throws {
        if current.isWord("all"), !Self.continuesExpression(peek(1).kind) {
            advance()
            s.groupByAll = true
            return
        }
        var sets: [[Expr]] = [[]]
        var usesSets = false
        repeat {
            let element = try parseGroupingElement(&usesSets)
            var product: [[Expr]] = []
            for a in sets { for b in element { product.append(a + b) } }
            sets = product
            if sets.count > 4096 { throw error("too many grouping sets", at: current.location) }
        } while consume(.comma)
        var all: [Expr] = []
        for set in sets { for e in set where !all.contains(e) { all.append(e) } }
        s.groupBy = all
        if usesSets { s.groupingSets = sets.map { set in var seen: [Expr] = []; for e in set where !seen.contains(e) { seen.append(e) }; return seen } }
    }

    /// One GROUP BY element as the grouping sets it stands for.
    private mutating func parseGroupingElement(_ usesSets: inout Bool) throws -> [[Expr]] {
        if (current.isWord("rollup") || current.isWord("cube")) && peek(1).kind == .symbol(.leftParen) {
            let isCube = current.isWord("cube")
            usesSets = true
            advance(); advance()
            var items: [[Expr]] = []
            repeat { items.append(try parseGroupingItem()) } while consume(.comma)
            try expect(.rightParen, "',' or ')'")
            if isCube {
                guard items.count <= 12 else { throw error("CUBE of more than 12 expressions", at: current.location) }
                var out: [[Expr]] = []
                for mask in stride(from: (1 << items.count) - 1, through: 0, by: -1) {
                    var set: [Expr] = []
                    for (i, item) in items.enumerated() where mask & (1 << (items.count - 1 - i)) != 0 { set += item }
                    out.append(set)
                }
                return out
            }
            return (0...items.count).reversed().map { n in Array(items.prefix(n).joined()) }
        }
        if current.isWord("grouping") && peek(1).isWord("sets") {
            usesSets = true
            advance(); advance()
            try expect(.leftParen, "'(' after GROUPING SETS")
            var out: [[Expr]] = []
            repeat {
                var inner = false
                out += try parseGroupingElementInSets(&inner)
            } while consume(.comma)
            try expect(.rightParen, "',' or ')'")
            return out
        }
        if isSymbol(.leftParen) && peek(1).kind == .symbol(.rightParen) {
            usesSets = true
            advance(); advance()
            return [[]]
        }
        return [[try parseExpr()]]
    }

    private mutating func parseGroupingElementInSets(_ usesSets: inout Bool) throws -> [[Expr]] {
        if isSymbol(.leftParen) && !Self.beginsQuery(peek(1).kind) {
            // `(a, b)` is one set; `()` the empty set.
            let saved = position
            advance()
            if consume(.rightParen) { return [[]] }
            var items: [Expr] = []
            repeat { items.append(try parseExpr()) } while consume(.comma)
            if consume(.rightParen), !Self.continuesExpression(current.kind) { return [items] }
            position = saved
        }
        return try parseGroupingElement(&usesSets)
    }

    /// A ROLLUP/CUBE item: an expression or a parenthesized list of them.
    private mutating func parseGroupingItem() throws -> [Expr] {
        if isSymbol(.leftParen) {
            let saved = position
            advance()
            var items: [Expr] = []
            repeat { items.append(try parseExpr()) } while consume(.comma)
            if items.count > 1, consume(.rightParen) { return items }
            position = saved
        }
        return [try parseExpr()]
    }

    private mutating func parseCount(_ clause: String) throws -> Int64 {
        guard case .integer(let text) = current.kind else {
            throw unexpected("a non-negative integer after \(clause)")
        }
        guard let value = Int64(text) else {
            throw error("\(clause) value \(text) is too large", at: current.location)
        }
        advance()
        return value
    }

    private mutating func parseSelectItem() throws -> SelectItem {
        let location = current.location
        if consume(.star) { return SelectItem(.wildcard(qualifier: nil), location: location) }
        if let name = current.identifierName, peek(1).kind == .symbol(.dot), peek(2).kind == .symbol(.star) {
            let qualifier = Identifier(name, location: location)
            advance(); advance(); advance()
            return SelectItem(.wildcard(qualifier: qualifier), location: location)
        }
        let e = try parseExpr()
        return SelectItem(.expression(e, alias: try parseAlias(excluding: [])), location: location)
    }

    /// Words that are not reserved but must not be taken as an alias written without AS,
    /// because they start a clause that may follow a table (joins, QUALIFY, WINDOW).
    private static let notImplicitTableAlias: Set<String> = ["left", "right", "full", "window", "qualify", "semi", "anti"]

    /// `[AS] name`. Without AS only a non-reserved word or quoted name qualifies, so
    /// `select a from t` never reads FROM as an alias.
    private mutating func parseAlias(excluding excluded: Set<String>) throws -> Identifier? {
        if consume(.as) { return try identifier("an alias after AS") }
        switch current.kind {
        case .quotedIdentifier:
            return try identifier("an alias")
        case .identifier(let word) where !excluded.contains(word):
            return try identifier("an alias")
        default:
            return nil
        }
    }

    private mutating func parseOrderItem() throws -> OrderItem {
        let location = current.location
        var item = OrderItem(try parseExpr(), location: location)
        if consume(.desc) {
            item.descending = true
        } else {
            _ = consume(.asc)
        }
        if consume(.nulls) {
            if current.isWord("first") {
                item.nullsFirst = true
            } else if current.isWord("last") {
                item.nullsFirst = false
            } else {
                throw unexpected("FIRST or LAST after NULLS")
            }
            advance()
        }
        return item
    }

    /// `table_ref { ',' table_ref }`: commas are cross joins.
    private mutating func parseFromList() throws -> TableRef {
        var ref = try parseJoinedTable()
        while isSymbol(.comma) {
            let location = current.location
            advance()
            let right = try parseJoinedTable()
            ref = TableRef(.join(.cross, ref, right, nil), location: location)
        }
        return ref
    }

    /// A table followed by any number of joins, left-associative.
    private mutating func parseJoinedTable() throws -> TableRef {
        var left = try parseTablePrimary()
        while true {
            let location = current.location
            var type: JoinType
            if consume(.cross) {
                try expect(.join)
                let right = try parseTablePrimary()
                left = TableRef(.join(.cross, left, right, nil), location: location)
                continue
            } else if isKeyword(.natural) {
                throw error("NATURAL JOIN is not supported: name the columns with USING (…)", at: location)
            } else if consume(.join) {
                type = .inner
            } else if consume(.inner) {
                try expect(.join)
                type = .inner
            } else if current.isWord("left") || current.isWord("right") || current.isWord("full") {
                guard peek(1).kind == .keyword(.join) || peek(1).kind == .keyword(.outer) else { break }
                type = current.isWord("left") ? .left : (current.isWord("right") ? .right : .full)
                advance()
                _ = consume(.outer)
                try expect(.join)
            } else {
                break
            }
            let right = try parseTablePrimary()
            let condition: JoinCondition
            if consume(.on) {
                condition = .on(try parseExpr())
            } else if consume(.using) {
                try expect(.leftParen, "'(' after USING")
                var cols: [Identifier] = []
                repeat { cols.append(try identifier("a column name")) } while consume(.comma)
                try expect(.rightParen, "',' or ')'")
                condition = .using(cols)
            } else {
                throw unexpected("ON or USING after the joined table")
            }
            left = TableRef(.join(type, left, right, condition), location: location)
        }
        return left
    }

    private mutating func parseTablePrimary() throws -> TableRef {
        let savedDepth = depth
        defer { depth = savedDepth }
        try descend()
        let location = current.location
        var ref: TableRef
        if isSymbol(.leftParen) {
            if Self.beginsQuery(peek(1).kind) || peek(1).kind == .symbol(.leftParen) && startsParenthesizedQuery() {
                advance()
                let q = try parseQuery()
                try expect(.rightParen, "')'")
                ref = TableRef(.subquery(q), location: location)
            } else {
                advance()
                let inner = try parseFromList()
                try expect(.rightParen, "')'")
                // A parenthesized join keeps its own aliases; an alias after it is refused.
                if case .join = inner.kind { return inner }
                ref = inner
            }
        } else if case .string(let path) = current.kind {
            advance()
            ref = TableRef(.path(path, version: try parseVersion()), location: location)
        } else if current.identifierName != nil {
            let name = try identifier("a table name")
            if isSymbol(.leftParen) {
                ref = TableRef(.function(name: name, arguments: try parseTableFunctionArguments()), location: location)
            } else {
                ref = TableRef(.table(name: name, version: try parseVersion()), location: location)
            }
        } else {
            throw unexpected("a table name, a quoted file path or a table function")
        }
        ref.alias = try parseAlias(excluding: Parser.notImplicitTableAlias)
        if ref.alias != nil, isSymbol(.leftParen) {
            advance()
            var names: [Identifier] = []
            repeat { names.append(try identifier("a column name")) } while consume(.comma)
            try expect(.rightParen, "',' or ')'")
            ref.columnAliases = names
        }
        return ref
    }

    /// Looks past a run of '(' for a query start: `((SELECT …))` in FROM is a subquery.
    private func startsParenthesizedQuery() -> Bool {
        var k = 1
        while peek(k).kind == .symbol(.leftParen) { k += 1 }
        return Self.beginsQuery(peek(k).kind)
    }

    /// `VERSION AS OF n` (time travel). Checked with lookahead so a table alias named
    /// `version` still works.
    private mutating func parseVersion() throws -> Int64? {
        guard current.isWord("version"), peek(1).kind == .keyword(.as), peek(2).isWord("of") else { return nil }
        advance(); advance(); advance()
        return try parseCount("VERSION AS OF")
    }

    private mutating func parseTableFunctionArguments() throws -> [FunctionArgument] {
        try expect(.leftParen)
        var args: [FunctionArgument] = []
        if consume(.rightParen) { return args }
        repeat {
            if let name = current.identifierName, peek(1).kind == .symbol(.equal) {
                let id = Identifier(name, location: current.location)
                advance(); advance()
                args.append(FunctionArgument(name: id, value: try parseExpr()))
            } else {
                args.append(FunctionArgument(value: try parseExpr()))
            }
        } while consume(.comma)
        try expect(.rightParen, "',' or ')'")
        return args
    }

    // MARK: Expressions

    /// Pratt loop: a prefix form, then infix/postfix operators binding tighter than `minPrecedence`.
    mutating func parseExpr(_ minPrecedence: Int = Precedence.lowest) throws -> Expr {
        let savedDepth = depth
        defer { depth = savedDepth }
        try descend()
        var lhs = try parsePrefix()
        while let precedence = infixPrecedence(), precedence > minPrecedence {
            // A long left-associative chain builds a deep tree without recursing here; count
            // it too, so every tree we return can be walked recursively (printing, ==, deinit).
            try descend()
            lhs = try parseInfix(lhs, precedence)
        }
        return lhs
    }

    private mutating func descend() throws {
        depth += 1
        if depth > SQLParser.maxNestingDepth {
            throw error("expression is nested too deeply (limit \(SQLParser.maxNestingDepth))", at: current.location)
        }
    }

    private func infixPrecedence() -> Int? {
        switch current.kind {
        case .keyword(.or): return Precedence.or
        case .keyword(.and): return Precedence.and
        case .keyword(.is), .keyword(.in), .keyword(.between), .keyword(.like), .keyword(.ilike):
            return Precedence.comparison
        case .keyword(.not):
            switch peek(1).kind {
            case .keyword(.in), .keyword(.between), .keyword(.like), .keyword(.ilike): return Precedence.comparison
            default: return nil
            }
        case .symbol(let s):
            switch s {
            case .equal, .notEqual, .bangEqual, .less, .lessEqual, .greater, .greaterEqual: return Precedence.comparison
            case .concat: return Precedence.concat
            case .plus, .minus: return Precedence.additive
            case .star, .slash, .percent: return Precedence.multiplicative
            case .doubleColon: return Precedence.cast
            case .leftBracket, .dot: return Precedence.postfix
            default: return nil
            }
        default: return nil
        }
    }

    private func binaryOperator(_ kind: TokenKind) -> BinaryOperator? {
        switch kind {
        case .keyword(.or): return .or
        case .keyword(.and): return .and
        case .symbol(.equal): return .equal
        case .symbol(.notEqual), .symbol(.bangEqual): return .notEqual
        case .symbol(.less): return .less
        case .symbol(.lessEqual): return .lessOrEqual
        case .symbol(.greater): return .greater
        case .symbol(.greaterEqual): return .greaterOrEqual
        case .symbol(.concat): return .concat
        case .symbol(.plus): return .add
        case .symbol(.minus): return .subtract
        case .symbol(.star): return .multiply
        case .symbol(.slash): return .divide
        case .symbol(.percent): return .modulo
        default: return nil
        }
    }

    private mutating func parseInfix(_ lhs: Expr, _ precedence: Int) throws -> Expr {
        let op = current
        if let binary = binaryOperator(op.kind) {
            advance()
            let rhs = try parseExpr(precedence)
            return Expr(.binary(binary, lhs, rhs), location: op.location)
        }
        advance()
        switch op.kind {
        case .symbol(.doubleColon):
            return Expr(.cast(lhs, try parseType()), location: op.location)
        case .symbol(.leftBracket):
            let index = try parseExpr()
            try expect(.rightBracket)
            return Expr(.subscript(lhs, index), location: op.location)
        case .symbol(.dot):
            // A reserved word may name a field after '.' (`segment.end`), except the words that
            // start a clause, so `s. FROM t` stays a syntax error.
            let clauseWords: Set<Keyword> = [.from, .where, .group, .having, .order, .limit, .offset, .union, .intersect, .except,
                                             .join, .on, .using, .as, .and, .or]
            let word: String? = {
                if case .keyword(let k) = current.kind { return clauseWords.contains(k) ? nil : k.rawValue }
                return current.identifierName
            }()
            guard let field = word else { throw unexpected("a field name after '.'") }
            advance()
            return Expr(.fieldAccess(lhs, field), location: op.location)
        case .keyword(.is):
            let negated = consume(.not)
            let kind: ExprKind
            if consume(.distinct) {
                try expect(.from)
                kind = .isDistinctFrom(lhs, try parseExpr(Precedence.comparison), negated: negated)
            } else if consume(.null) {
                kind = .isNull(lhs, negated: negated)
            } else if consume(.true) {
                kind = .isBoolean(lhs, value: true, negated: negated)
            } else if consume(.false) {
                kind = .isBoolean(lhs, value: false, negated: negated)
            } else {
                throw unexpected(negated ? "NULL, TRUE or FALSE after IS NOT" : "NULL, TRUE, FALSE or NOT after IS")
            }
            return Expr(kind, location: op.location)
        case .keyword(.not):
            // infixPrecedence only admits NOT when IN/BETWEEN/LIKE/ILIKE follows.
            let inner = current
            advance()
            return try parseNegatable(lhs, inner, negated: true, location: op.location)
        default:
            return try parseNegatable(lhs, op, negated: false, location: op.location)
        }
    }

    /// The operators that can be preceded by NOT: IN, BETWEEN, LIKE, ILIKE (already consumed).
    private mutating func parseNegatable(_ lhs: Expr, _ op: Token, negated: Bool, location: SourceLocation) throws -> Expr {
        switch op.kind {
        case .keyword(.in):
            try expect(.leftParen, "'(' after IN")
            if Self.beginsQuery(current.kind) {
                let q = try parseQuery()
                try expect(.rightParen, "')'")
                return Expr(.inSubquery(lhs, q, negated: negated), location: location)
            }
            var list: [Expr] = []
            repeat { list.append(try parseExpr()) } while consume(.comma)
            try expect(.rightParen, "',' or ')'")
            return Expr(.inList(lhs, list, negated: negated), location: location)
        case .keyword(.between):
            // Bounds bind tighter than AND, so `x BETWEEN 1 AND 2 AND y` splits at the second AND.
            let low = try parseExpr(Precedence.comparison)
            try expect(.and)
            let high = try parseExpr(Precedence.comparison)
            return Expr(.between(lhs, low: low, high: high, negated: negated), location: location)
        case .keyword(.like), .keyword(.ilike):
            let pattern = try parseExpr(Precedence.comparison)
            let ci = op.kind == .keyword(.ilike)
            return Expr(.like(lhs, pattern: pattern, caseInsensitive: ci, negated: negated), location: location)
        default:
            throw error("internal parser error: unexpected operator \(op.displayForMessage)", at: op.location)
        }
    }

    private mutating func parsePrefix() throws -> Expr {
        let token = current
        let location = token.location
        switch token.kind {
        case .integer(let text):
            advance()
            if let v = Int64(text) { return Expr(.literal(.integer(v)), location: location) }
            return Expr(.literal(try decimal(text, at: location)), location: location)
        case .decimal(let text):
            advance()
            return Expr(.literal(try decimal(text, at: location)), location: location)
        case .string(let s):
            advance()
            return Expr(.literal(.string(s)), location: location)
        case .keyword(.true):
            advance()
            return Expr(.literal(.boolean(true)), location: location)
        case .keyword(.false):
            advance()
            return Expr(.literal(.boolean(false)), location: location)
        case .keyword(.null):
            advance()
            return Expr(.literal(.null), location: location)
        case .keyword(.not):
            advance()
            return Expr(.unary(.not, try parseExpr(Precedence.not)), location: location)
        case .symbol(.minus):
            advance()
            return negate(try parseExpr(Precedence.unary), at: location)
        case .symbol(.plus):
            advance()
            return try parseExpr(Precedence.unary)
        case .symbol(.leftBracket):
            // `[a, b, …]`: a list, as the call `list_value(a, b, …)` (DuckDB's spelling).
            advance()
            var elements: [Expr] = []
            if !consume(.rightBracket) {
                repeat { elements.append(try parseExpr()) } while consume(.comma)
                try expect(.rightBracket, "']'")
            }
            return Expr(.function(FunctionCall("list_value", elements)), location: location)
        case .symbol(.leftBrace):
            // `{'a': x, b: y}`: a STRUCT, as `struct_pack(a := x, b := y)` (DuckDB's spelling).
            advance()
            var names: [String] = [], values: [Expr] = []
            if !consume(.rightBrace) {
                repeat {
                    switch current.kind {
                    case .string(let n), .identifier(let n), .quotedIdentifier(let n): names.append(n)
                    default: throw unexpected("a field name")
                    }
                    advance()
                    try expect(.colon, "':'")
                    values.append(try parseExpr())
                } while consume(.comma)
                try expect(.rightBrace, "',' or '}'")
            }
            return Expr(.structPack(names: names, values: values), location: location)
        case .identifier("struct_pack") where peek(1).kind == .symbol(.leftParen):
            // `struct_pack(a := x, …)`; a bare column `struct_pack(c)` is the field `c` (as DuckDB).
            advance(); advance()
            var names: [String] = [], values: [Expr] = []
            if !consume(.rightParen) {
                repeat {
                    if let n = current.identifierName, peek(1).kind == .symbol(.colonEquals) {
                        advance(); advance()
                        names.append(n)
                        values.append(try parseExpr())
                        continue
                    }
                    let at = current.location
                    let e = try parseExpr()
                    guard case .column(let c) = e.kind else {
                        throw error("struct_pack takes named arguments (name := value)", at: at)
                    }
                    names.append(c.name)
                    values.append(e)
                } while consume(.comma)
                try expect(.rightParen, "',' or ')'")
            }
            return Expr(.structPack(names: names, values: values), location: location)
        case .symbol(.leftParen):
            advance()
            if Self.beginsQuery(current.kind) {
                let q = try parseQuery()
                try expect(.rightParen, "')'")
                return Expr(.subquery(q), location: location)
            }
            let e = try parseExpr()
            try expect(.rightParen, "')'")
            return e
        case .identifier("exists") where peek(1).kind == .symbol(.leftParen) && Self.beginsQuery(peek(2).kind):
            advance(); advance()
            let q = try parseQuery()
            try expect(.rightParen, "')'")
            return Expr(.exists(q), location: location)
        case .identifier("interval") where peek(1).kind.isString || peek(1).kind.isInteger:
            advance()
            let value: String
            switch current.kind {
            case .string(let v), .integer(let v): value = v
            default: throw unexpected("an interval value")
            }
            advance()
            var unit = ""
            if let word = current.identifierName, Self.intervalUnits.contains(word.lowercased()) {
                unit = word.lowercased()
                advance()
            }
            return Expr(.interval(value: value, unit: unit), location: location)
        case .keyword(.case):
            advance()
            return try parseCase(at: location)
        case .keyword(.cast):
            advance()
            try expect(.leftParen, "'(' after CAST")
            let e = try parseExpr()
            try expect(.as)
            let type = try parseType()
            try expect(.rightParen, "')'")
            return Expr(.cast(e, type), location: location)
        case .identifier(let word) where (word == "date" || word == "timestamp") && peek(1).kind.isString:
            // `DATE '…'` / `TIMESTAMP '…'`: only a typed literal when a string follows, so a
            // column called `date` keeps working everywhere else.
            advance()
            guard case .string(let text) = current.kind else { throw unexpected("a string") }
            advance()
            return Expr(.literal(word == "date" ? .date(text) : .timestamp(text)), location: location)
        case .identifier(let name), .quotedIdentifier(let name):
            advance()
            if isSymbol(.leftParen) {
                return try parseFunctionCall(name, quoted: token.kind == .quotedIdentifier(name), at: location)
            }
            if consume(.dot) {
                guard let column = current.identifierName else {
                    throw unexpected("a column name after '.'")
                }
                advance()
                return Expr(.column(ColumnRef(qualifier: name, column)), location: location)
            }
            return Expr(.column(ColumnRef(name)), location: location)
        default:
            throw unexpected("an expression")
        }
    }

    private func decimal(_ text: String, at location: SourceLocation) throws -> Literal {
        guard let value = Double(text), value.isFinite else {
            throw error("numeric literal \(text) is out of range", at: location)
        }
        return .decimal(text: text, value: value)
    }

    /// Folds `-` into a numeric literal (so `-9223372036854775808` is an Int64 and `-1.5`
    /// keeps exact text); otherwise builds a negation.
    private func negate(_ e: Expr, at location: SourceLocation) -> Expr {
        switch e.kind {
        // Only fold a literal written as a bare number: folding an already negated one would
        // overflow for Int64.min (`- -9223372036854775808`).
        case .literal(.integer(let v)) where v >= 0:
            return Expr(.literal(.integer(-v)), location: location)
        case .literal(.decimal(let text, let value)) where !text.hasPrefix("-"):
            if text == "9223372036854775808" { return Expr(.literal(.integer(.min)), location: location) }
            return Expr(.literal(.decimal(text: "-" + text, value: -value)), location: location)
        default:
            return Expr(.unary(.negate, e), location: location)
        }
    }

    private mutating func parseFunctionCall(_ name: String, quoted: Bool, at location: SourceLocation) throws -> Expr {
        try expect(.leftParen)
        if name == "count", isSymbol(.star), peek(1).kind == .symbol(.rightParen) {
            advance(); advance()
            return try parseCallSuffix(FunctionCall("count_star"), at: location)
        }
        if name == "extract", !quoted, peek(1).kind == .keyword(.from) {
            let field: String
            switch current.kind {
            case .identifier(let f), .quotedIdentifier(let f): field = f.lowercased()
            case .string(let f): field = f.lowercased()
            default: throw unexpected("a date part such as year")
            }
            advance(); advance()
            let source = try parseExpr()
            try expect(.rightParen, "')'")
            return Expr(.extract(field: field, from: source), location: location)
        }
        var call = FunctionCall(name)
        if !consume(.rightParen) {
            call.distinct = consume(.distinct)
            repeat {
                if isSymbol(.star) {
                    throw error("'*' is only allowed as count(*)", at: current.location)
                }
                call.arguments.append(try parseExpr())
            } while consume(.comma)
            if consume(.order) {
                try expect(.by)
                repeat { call.orderBy.append(try parseOrderItem()) } while consume(.comma)
            }
            try expect(.rightParen, "',' or ')'")
        }
        return try parseCallSuffix(call, at: location)
    }

    /// `FILTER (WHERE …)` and `OVER (…)` after a call.
    private mutating func parseCallSuffix(_ call: FunctionCall, at location: SourceLocation) throws -> Expr {
        var call = call
        if current.isWord("filter"), peek(1).kind == .symbol(.leftParen), peek(2).kind == .keyword(.where) {
            advance(); advance(); advance()
            call.filter = try parseExpr()
            try expect(.rightParen, "')'")
        }
        if current.isWord("over"), peek(1).kind == .symbol(.leftParen) {
            advance(); advance()
            var w = WindowDefinition()
            if current.isWord("partition") {
                advance()
                try expect(.by)
                repeat { w.partitionBy.append(try parseExpr()) } while consume(.comma)
            }
            if consume(.order) {
                try expect(.by)
                repeat { w.orderBy.append(try parseOrderItem()) } while consume(.comma)
            }
            if current.isWord("rows") || current.isWord("range") {
                let unit: WindowFrame.Unit = current.isWord("rows") ? .rows : .range
                advance()
                if consume(.between) {
                    let start = try parseFrameBound()
                    try expect(.and)
                    let end = try parseFrameBound()
                    w.frame = WindowFrame(unit: unit, start: start, end: end)
                } else {
                    w.frame = WindowFrame(unit: unit, start: try parseFrameBound(), end: .currentRow)
                }
            }
            try expect(.rightParen, "')' to close OVER")
            return Expr(.window(call, w), location: location)
        }
        return Expr(.function(call), location: location)
    }

    private mutating func parseFrameBound() throws -> WindowFrame.Bound {
        if current.isWord("unbounded") {
            advance()
            if current.isWord("preceding") { advance(); return .unboundedPreceding }
            if current.isWord("following") { advance(); return .unboundedFollowing }
            throw unexpected("PRECEDING or FOLLOWING")
        }
        if current.isWord("current") {
            advance()
            guard current.isWord("row") else { throw unexpected("ROW after CURRENT") }
            advance()
            return .currentRow
        }
        let e = try parseExpr(Precedence.comparison)
        if current.isWord("preceding") { advance(); return .preceding(e) }
        if current.isWord("following") { advance(); return .following(e) }
        throw unexpected("PRECEDING or FOLLOWING")
    }

    static let intervalUnits: Set<String> = [
        "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours", "minute", "minutes",
        "second", "seconds", "millisecond", "milliseconds", "microsecond", "microseconds",
    ]

    private mutating func parseCase(at location: SourceLocation) throws -> Expr {
        // `CASE END` should complain about the missing WHEN, not a missing operand.
        let operand: Expr? = isKeyword(.when) || isKeyword(.end) ? nil : try parseExpr()
        var branches: [WhenBranch] = []
        while consume(.when) {
            let condition = try parseExpr()
            try expect(.then)
            branches.append(WhenBranch(condition: condition, result: try parseExpr()))
        }
        if branches.isEmpty { throw unexpected("WHEN") }
        let elseResult: Expr? = consume(.else) ? try parseExpr() : nil
        guard consume(.end) else { throw unexpected(elseResult == nil ? "WHEN, ELSE or END" : "END") }
        return Expr(.caseWhen(operand: operand, branches: branches, elseResult: elseResult), location: location)
    }

    // MARK: Types

    private mutating func parseType() throws -> TypeName {
        guard let raw = current.identifierName else { throw unexpected("a type name") }
        let name = raw.lowercased()
        let location = current.location
        advance()
        switch name {
        case "boolean", "bool": return .boolean
        case "tinyint", "int1": return .tinyint
        case "smallint", "int2": return .smallint
        case "integer", "int", "int4": return .integer
        case "bigint", "int8": return .bigint
        case "double":
            if current.isWord("precision") { advance() }
            return .double
        case "float8", "float", "real", "float4": return .double
        case "varchar", "text", "string":
            if consume(.leftParen) {
                _ = try parseTypeParameter("a length")
                try expect(.rightParen, "')'")
            }
            return .varchar
        case "date": return .date
        case "timestamp": return .timestamp
        case "decimal", "numeric":
            guard consume(.leftParen) else { return .decimal(precision: nil, scale: nil) }
            let pLocation = current.location
            let p = try parseTypeParameter("a precision")
            var s: Int?
            if consume(.comma) { s = try parseTypeParameter("a scale") }
            try expect(.rightParen, s == nil ? "',' or ')'" : "')'")
            guard (1...38).contains(p) else {
                throw error("decimal precision must be between 1 and 38, got \(p)", at: pLocation)
            }
            if let s, s > p {
                throw error("decimal scale \(s) is larger than precision \(p)", at: pLocation)
            }
            return .decimal(precision: p, scale: s)
        default:
            throw error("unknown type '\(raw)'", at: location)
        }
    }

    private mutating func parseTypeParameter(_ what: String) throws -> Int {
        guard case .integer(let text) = current.kind, let v = Int(text), v <= Int(Int32.max) else {
            throw unexpected(what)
        }
        advance()
        return v
    }
}

private extension TokenKind {
    var isString: Bool {
        if case .string = self { return true }
        return false
    }

    var isInteger: Bool {
        if case .integer = self { return true }
        return false
    }
}
