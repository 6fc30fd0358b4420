import Testing
@testable import LakeqQuery

@Suite struct IdentifierTests {
    @Test func unquotedNamesAreLowerCased() throws {
        let s = try parseSelect("SELECT Show, T.Watch, AVG(Watch) FROM Events")
        #expect(s.items == [item(col("show")), item(col("watch", table: "t")), item(fn("avg", col("watch")))])
        #expect(s.from == table("events"))
    }

    @Test func quotedNamesKeepCase() throws {
        let s = try parseSelect(#"SELECT "Show", "My Table"."Watch Time" AS "Total Watch" FROM "Events""#)
        #expect(s.items == [item(col("Show")), item(col("Watch Time", table: "My Table"), as: "Total Watch")])
        #expect(s.from == table("Events"))
        #expect(s.items[1].description == #""My Table"."Watch Time" AS "Total Watch""#)
    }

    @Test func quotedNameEscapes() throws {
        #expect(try SQLParser.parseExpression(#""say ""hi""""#) == col(#"say "hi""#))
        #expect(try SQLParser.parseExpression(#""say ""hi""""#).description == #""say ""hi""""#)
    }

    @Test func quotedReservedWordsAreNames() throws {
        let s = try parseSelect(#"SELECT "select", "from" FROM "where""#)
        #expect(s.items == [item(col("select")), item(col("from"))])
        #expect(s.items.map(\.description) == [#""select""#, #""from""#])
    }

    /// Real schemas use these words as column names; DuckDB rejects some of them unquoted.
    static let keywordLikeNames = [
        "show", "date", "user", "time", "timestamp", "year", "month", "day", "hour", "type", "name", "value",
        "count", "first", "last", "version", "key", "extract", "left", "right", "sum", "of", "precision", "text",
    ]

    @Test(arguments: keywordLikeNames)
    func keywordLikeNamesWorkUnquotedEverywhere(name: String) throws {
        let sql = "SELECT \(name), \(name) AS \(name), t.\(name), max(\(name)) \(name) FROM \(name) t "
            + "WHERE \(name) = \(name) + 1 AND \(name) IS NOT NULL GROUP BY \(name) "
            + "HAVING count(\(name)) > 1 ORDER BY \(name) DESC NULLS LAST, \(name)"
        let s = try parseSelect(sql)
        #expect(s.items == [
            item(col(name)), item(col(name), as: name), item(col(name, table: "t")), item(fn("max", col(name)), as: name),
        ])
        #expect(s.from == TableRef(.table(name: Identifier(name), version: nil), alias: Identifier("t")))
        #expect(s.whereClause?.description == "((\(name) = (\(name) + 1)) AND (\(name) IS NOT NULL))")
        #expect(s.groupBy == [col(name)])
        #expect(s.orderBy == [OrderItem(col(name), descending: true, nullsFirst: false), asc(col(name))])
    }

    @Test func dateColumnGroupedByDate() throws {
        let s = try parseSelect("select date, count(*) from events group by date")
        #expect(s.items == [item(col("date")), item(countStar())])
        #expect(s.groupBy == [col("date")])
    }

    @Test func showColumnWithOrdinalOrderBy() throws {
        let s = try parseSelect("select show, avg(watch) from events group by show order by 2 desc limit 10")
        #expect(s.items == [item(col("show")), item(fn("avg", col("watch")))])
        #expect(s.groupBy == [col("show")])
        #expect(s.orderBy == [desc(int(2))])
        #expect(s.limit == 10)
    }

    @Test func dateFollowedByStringIsALiteralOtherwiseAColumn() throws {
        #expect(try SQLParser.parseExpression("date = DATE '2026-01-01'") == bin(.equal, col("date"), lit(.date("2026-01-01"))))
        #expect(try SQLParser.parseExpression("timestamp > timestamp '2026-01-01 00:00:00'")
            == bin(.greater, col("timestamp"), lit(.timestamp("2026-01-01 00:00:00"))))
        #expect(try SQLParser.parseExpression("date(ts)") == fn("date", col("ts")))
        #expect(try SQLParser.parseExpression("\"date\" || 'x'") == bin(.concat, col("date"), str("x")))
    }

    @Test func implicitAliasNeverSwallowsAKeyword() throws {
        let s = try parseSelect("select a from t where a > 1 group by a having count(*) > 1 order by a limit 1 offset 2")
        #expect(s.items == [item(col("a"))])
        #expect(s.from == table("t"))
        #expect(s.limit == 1 && s.offset == 2)
        #expect(try parseSelect("select a b, c \"D\" from t x").items == [item(col("a"), as: "b"), item(col("c"), as: "D")])
    }

    @Test func printingQuotesOnlyWhenNeeded() {
        #expect(Identifier("show").description == "show")
        #expect(Identifier("date").description == "date")
        #expect(Identifier("Show").description == #""Show""#)
        #expect(Identifier("select").description == #""select""#)
        #expect(Identifier("a b").description == #""a b""#)
        #expect(Identifier("1a").description == #""1a""#)
    }
}
