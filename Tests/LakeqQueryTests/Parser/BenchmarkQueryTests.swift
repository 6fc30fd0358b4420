import Testing
@testable import LakeqQuery

@Suite struct BenchmarkQueryTests {
    let events = table("events")

    @Test func q1CountStar() throws {
        #expect(try parseSelect(benchmarkQueries[0]) == SelectStatement(items: [item(countStar())], from: events))
    }

    @Test func q2AvgByShow() throws {
        let expected = SelectStatement(
            items: [item(col("show")), item(fn("avg", col("watch")), as: "avg_watch")], from: events,
            groupBy: [col("show")], orderBy: [desc(col("avg_watch")), asc(col("show"))], limit: 10)
        #expect(try parseSelect(benchmarkQueries[1]) == expected)
    }

    @Test func q3DateRange() throws {
        let range = Expr(.between(col("date"), low: lit(.date("2026-01-10")), high: lit(.date("2026-01-12")), negated: false))
        let expected = SelectStatement(
            items: [item(col("device")), item(countStar(), as: "n"), item(fn("sum", col("watch")), as: "total")],
            from: events, whereClause: range, groupBy: [col("device")], orderBy: [asc(col("device"))])
        #expect(try parseSelect(benchmarkQueries[2]) == expected)
    }

    @Test func q4CountDistinct() throws {
        let expected = SelectStatement(
            items: [item(col("country")), item(fn("count", col("user_id"), distinct: true), as: "users")],
            from: events, whereClause: bin(.equal, col("show_type"), str("series")), groupBy: [col("country")],
            orderBy: [desc(col("users")), asc(col("country"))], limit: 10)
        #expect(try parseSelect(benchmarkQueries[3]) == expected)
    }

    @Test func q5TopUsers() throws {
        let expected = SelectStatement(
            items: [item(col("user_id")), item(fn("sum", col("watch")), as: "total")], from: events,
            groupBy: [col("user_id")], orderBy: [desc(col("total")), asc(col("user_id"))], limit: 10)
        #expect(try parseSelect(benchmarkQueries[4]) == expected)
    }

    @Test func q6PointLookup() throws {
        let expected = SelectStatement(
            items: [item(col("event_id")), item(col("show")), item(col("watch"))], from: events,
            whereClause: bin(.equal, col("user_id"), int(424242)), orderBy: [asc(col("event_id"))])
        #expect(try parseSelect(benchmarkQueries[5]) == expected)
    }

    @Test func q7BooleanColumnAndComparison() throws {
        let expected = SelectStatement(
            items: [item(col("show")), item(countStar(), as: "n")], from: events,
            whereClause: bin(.and, col("completed"), bin(.greaterOrEqual, col("rating"), int(4))),
            groupBy: [col("show")], orderBy: [desc(col("n")), asc(col("show"))], limit: 20)
        #expect(try parseSelect(benchmarkQueries[6]) == expected)
    }

    @Test func q8DateTrunc() throws {
        let expected = SelectStatement(
            items: [
                item(fn("date_trunc", str("day"), col("event_time")), as: "day"), item(countStar(), as: "n"),
                item(fn("avg", col("bitrate_kbps")), as: "kbps"),
            ],
            from: events, groupBy: [col("day")], orderBy: [asc(col("day"))])
        #expect(try parseSelect(benchmarkQueries[7]) == expected)
    }

    @Test func q9Like() throws {
        let like = Expr(.like(col("show"), pattern: str("The %"), caseInsensitive: false, negated: false))
        #expect(try parseSelect(benchmarkQueries[8]) == SelectStatement(items: [item(countStar())], from: events, whereClause: like))
    }

    @Test func q10Aggregates() throws {
        let expected = SelectStatement(
            items: [
                item(fn("min", col("watch"))), item(fn("max", col("watch"))), item(fn("avg", col("duration"))),
                item(fn("sum", col("bitrate_kbps"))),
            ],
            from: events)
        #expect(try parseSelect(benchmarkQueries[9]) == expected)
    }

    @Test func q11IntegerRange() throws {
        let range = Expr(.between(col("event_id"), low: int(5_000_000), high: int(5_001_000), negated: false))
        let expected = SelectStatement(items: [item(countStar()), item(fn("sum", col("watch")))], from: events, whereClause: range)
        #expect(try parseSelect(benchmarkQueries[10]) == expected)
    }

    @Test func q12StarWithFilter() throws {
        let filter = bin(.and, bin(.equal, col("country"), str("IS")), bin(.equal, col("device"), str("console")))
        let expected = SelectStatement(
            items: [SelectItem(.wildcard(qualifier: nil))], from: events, whereClause: filter,
            orderBy: [asc(col("event_id"))], limit: 100)
        #expect(try parseSelect(benchmarkQueries[11]) == expected)
    }

    /// Printing is used for column headers and EXPLAIN, so it must read back to the same tree.
    @Test(arguments: benchmarkQueries) func printedFormParsesBackToSameTree(sql: String) throws {
        let tree = try SQLParser.parse(sql)
        #expect(try SQLParser.parse(tree.description) == tree)
    }

    @Test func columnHeadersLookLikeDuckDB() throws {
        let s = try parseSelect(benchmarkQueries[9])
        #expect(s.items.map(\.description) == ["min(watch)", "max(watch)", "avg(duration)", "sum(bitrate_kbps)"])
        #expect(try parseSelect(benchmarkQueries[0]).items.map(\.description) == ["count_star()"])
        #expect(try parseSelect("SELECT a + b * 2, -x, NOT y FROM t").items.map(\.description) == ["(a + (b * 2))", "-x", "(NOT y)"])
    }

    @Test func explainWrapsSelect() throws {
        let statement = try SQLParser.parse("EXPLAIN " + benchmarkQueries[0])
        #expect(statement == .explain(SelectStatement(items: [item(countStar())], from: events)))
    }

    @Test func locationsPointAtTokens() throws {
        let s = try parseSelect("SELECT a,\n  sum(b) + 1 AS total\nFROM t")
        #expect(s.location == SourceLocation(offset: 0, line: 1, column: 1))
        guard case .expression(let e, let alias) = s.items[1].kind, case .binary(_, let lhs, _) = e.kind else {
            Issue.record("unexpected shape")
            return
        }
        #expect(s.items[1].location == SourceLocation(offset: 12, line: 2, column: 3))
        #expect(lhs.location == SourceLocation(offset: 12, line: 2, column: 3))
        #expect(e.location == SourceLocation(offset: 19, line: 2, column: 10)) // the '+'
        #expect(alias?.location == SourceLocation(offset: 26, line: 2, column: 17))
        #expect(s.from?.location == SourceLocation(offset: 37, line: 3, column: 6))
    }
}
