import Testing
@testable import LakeqQuery

/// FROM sources and the optional clauses.
@Suite struct ClauseTests {
    @Test func pathSource() throws {
        let s = try parseSelect("SELECT * FROM 'data/events/*.parquet' e")
        #expect(s.from == TableRef(.path("data/events/*.parquet", version: nil), alias: Identifier("e")))
    }

    @Test func tableFunctionWithNamedArgument() throws {
        let s = try parseSelect("SELECT * FROM read_parquet('data/**/*.parquet', hive_partitioning = true) AS ev")
        let expected = TableRef(.function(name: Identifier("read_parquet"), arguments: [
            FunctionArgument(value: str("data/**/*.parquet")),
            FunctionArgument(name: Identifier("hive_partitioning"), value: lit(.boolean(true))),
        ]), alias: Identifier("ev"))
        #expect(s.from == expected)
        #expect(s.from?.description == "read_parquet('data/**/*.parquet', hive_partitioning = true) AS ev")
        #expect(try parseSelect("SELECT 1 FROM generate_series()").from == TableRef(.function(name: Identifier("generate_series"), arguments: [])))
    }

    @Test func timeTravel() throws {
        #expect(try parseSelect("SELECT * FROM events VERSION AS OF 3").from == TableRef(.table(name: Identifier("events"), version: 3)))
        #expect(try parseSelect("select * from events version as of 3 e").from
            == TableRef(.table(name: Identifier("events"), version: 3), alias: Identifier("e")))
        #expect(try parseSelect("SELECT * FROM 'lake/events' VERSION AS OF 12").from == TableRef(.path("lake/events", version: 12)))
        // Without AS OF, `version` is just an alias.
        #expect(try parseSelect("SELECT * FROM events version").from == TableRef(.table(name: Identifier("events"), version: nil), alias: Identifier("version")))
    }

    @Test func noFromClause() throws {
        #expect(try parseSelect("SELECT 1 + 1") == SelectStatement(items: [item(bin(.add, int(1), int(1)))]))
    }

    @Test func distinctAndQualifiedStar() throws {
        let s = try parseSelect("SELECT DISTINCT e.*, * FROM events e")
        #expect(s.distinct)
        #expect(s.items == [SelectItem(.wildcard(qualifier: Identifier("e"))), SelectItem(.wildcard(qualifier: nil))])
    }

    @Test func orderByOptions() throws {
        let s = try parseSelect("SELECT a FROM t ORDER BY a ASC, b DESC, c NULLS FIRST, d DESC NULLS LAST, 1")
        #expect(s.orderBy == [
            asc(col("a")), desc(col("b")), OrderItem(col("c"), nullsFirst: true),
            OrderItem(col("d"), descending: true, nullsFirst: false), asc(int(1)),
        ])
    }

    @Test func limitAndOffsetInEitherOrder() throws {
        let a = try parseSelect("SELECT a FROM t LIMIT 5 OFFSET 10")
        let b = try parseSelect("SELECT a FROM t OFFSET 10 LIMIT 5")
        #expect(a.limit == 5 && a.offset == 10 && a == b)
        #expect(try parseSelect("SELECT a FROM t OFFSET 3").offset == 3)
    }

    @Test func groupByAndHaving() throws {
        let s = try parseSelect("SELECT show, sum(w) FROM t GROUP BY show, 2 HAVING sum(w) > 100;")
        #expect(s.groupBy == [col("show"), int(2)])
        #expect(s.having == bin(.greater, fn("sum", col("w")), int(100)))
        // Structural equality ignores positions, so the binder can match HAVING against the select list.
        guard case .expression(let selected, _) = s.items[1].kind, case .binary(_, let inHaving, _) = s.having?.kind else {
            Issue.record("unexpected shape")
            return
        }
        #expect(selected == inHaving && selected.location != inHaving.location)
        #expect(Set([selected, inHaving]).count == 1)
    }

    @Test func commentsAndWhitespace() throws {
        let s = try parseSelect("-- leading\nSELECT /* inline */ a\r\n\tFROM t -- trailing")
        #expect(s == SelectStatement(items: [item(col("a"))], from: table("t")))
    }
}
