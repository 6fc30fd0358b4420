import Testing
@testable import LakeqQuery

// Builders for expected trees. Locations default to `.synthetic`; AST equality ignores them.

func col(_ name: String, table: String? = nil) -> Expr { Expr(.column(ColumnRef(qualifier: table, name))) }
func int(_ v: Int64) -> Expr { Expr(.literal(.integer(v))) }
func str(_ s: String) -> Expr { Expr(.literal(.string(s))) }
func lit(_ l: Literal) -> Expr { Expr(.literal(l)) }
func fn(_ name: String, _ args: Expr..., distinct: Bool = false) -> Expr {
    Expr(.function(FunctionCall(name, args, distinct: distinct)))
}
func countStar() -> Expr { Expr(.function(FunctionCall("count_star"))) }
func bin(_ op: BinaryOperator, _ l: Expr, _ r: Expr) -> Expr { Expr(.binary(op, l, r)) }
func item(_ e: Expr, as alias: String? = nil) -> SelectItem {
    SelectItem(.expression(e, alias: alias.map { Identifier($0) }))
}
func table(_ name: String) -> TableRef { TableRef(.table(name: Identifier(name), version: nil)) }
func asc(_ e: Expr) -> OrderItem { OrderItem(e) }
func desc(_ e: Expr) -> OrderItem { OrderItem(e, descending: true) }

/// Parses `sql`, which must be a plain SELECT.
func parseSelect(_ sql: String) throws -> SelectStatement {
    let statement = try SQLParser.parse(sql)
    guard case .select(let s) = statement else {
        Issue.record("expected a SELECT, got \(statement)")
        return SelectStatement(items: [])
    }
    return s
}

/// The fully parenthesised form of an expression, which makes precedence visible.
func shape(_ sql: String) throws -> String { try SQLParser.parseExpression(sql).description }

/// The error `sql` fails with, or nil (recorded as a test failure) if it parses.
func syntaxError(_ sql: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> SQLSyntaxError? {
    do {
        let statement = try SQLParser.parse(sql)
        Issue.record("expected a syntax error, parsed \(statement)", sourceLocation: sourceLocation)
        return nil
    } catch let e as SQLSyntaxError {
        return e
    } catch {
        Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

let benchmarkQueries = [
    "SELECT count(*) FROM events;",
    "SELECT show, avg(watch) AS avg_watch FROM events GROUP BY show ORDER BY avg_watch DESC, show LIMIT 10;",
    "SELECT device, count(*) AS n, sum(watch) AS total FROM events WHERE date BETWEEN DATE '2026-01-10' AND DATE '2026-01-12' GROUP BY device ORDER BY device;",
    "SELECT country, count(DISTINCT user_id) AS users FROM events WHERE show_type = 'series' GROUP BY country ORDER BY users DESC, country LIMIT 10;",
    "SELECT user_id, sum(watch) AS total FROM events GROUP BY user_id ORDER BY total DESC, user_id LIMIT 10;",
    "SELECT event_id, show, watch FROM events WHERE user_id = 424242 ORDER BY event_id;",
    "SELECT show, count(*) AS n FROM events WHERE completed AND rating >= 4 GROUP BY show ORDER BY n DESC, show LIMIT 20;",
    "SELECT date_trunc('day', event_time) AS day, count(*) AS n, avg(bitrate_kbps) AS kbps FROM events GROUP BY day ORDER BY day;",
    "SELECT count(*) FROM events WHERE show LIKE 'The %';",
    "SELECT min(watch), max(watch), avg(duration), sum(bitrate_kbps) FROM events;",
    "SELECT count(*), sum(watch) FROM events WHERE event_id BETWEEN 5000000 AND 5001000;",
    "SELECT * FROM events WHERE country = 'IS' AND device = 'console' ORDER BY event_id LIMIT 100;",
]
