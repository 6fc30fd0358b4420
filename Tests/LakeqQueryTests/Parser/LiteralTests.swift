import Testing
@testable import LakeqQuery

@Suite struct LiteralTests {
    func literal(_ sql: String) throws -> Literal? {
        guard case .literal(let l) = try SQLParser.parseExpression(sql).kind else { return nil }
        return l
    }

    @Test func integers() throws {
        #expect(try literal("0") == .integer(0))
        #expect(try literal("424242") == .integer(424242))
        #expect(try literal("9223372036854775807") == .integer(.max))
        #expect(try literal("-9223372036854775808") == .integer(.min))
        #expect(try literal("-5") == .integer(-5))
        #expect(try literal("007") == .integer(7))
    }

    @Test func integerTooBigForInt64KeepsText() throws {
        #expect(try literal("9223372036854775808") == .decimal(text: "9223372036854775808", value: 9223372036854775808.0))
        #expect(try literal("123456789012345678901234567890")
            == .decimal(text: "123456789012345678901234567890", value: 123456789012345678901234567890.0))
        #expect(try literal("-9223372036854775809") == .decimal(text: "-9223372036854775809", value: -9223372036854775809.0))
    }

    @Test func decimals() throws {
        #expect(try literal("1.5") == .decimal(text: "1.5", value: 1.5))
        #expect(try literal(".5") == .decimal(text: ".5", value: 0.5))
        #expect(try literal("1.") == .decimal(text: "1.", value: 1.0))
        #expect(try literal("1e3") == .decimal(text: "1e3", value: 1000))
        #expect(try literal("2.5E-2") == .decimal(text: "2.5E-2", value: 0.025))
        #expect(try literal("1e+2") == .decimal(text: "1e+2", value: 100))
        #expect(try literal("-0.25") == .decimal(text: "-0.25", value: -0.25))
        #expect(try literal("0.1") == .decimal(text: "0.1", value: 0.1))
    }

    @Test func strings() throws {
        #expect(try literal("'series'") == .string("series"))
        #expect(try literal("''") == .string(""))
        #expect(try literal("'it''s'") == .string("it's"))
        #expect(try literal("''''") == .string("'"))
        #expect(try literal("'multi\nline'") == .string("multi\nline"))
        #expect(try literal("'Reykjavík ☃'") == .string("Reykjavík ☃"))
        #expect(try literal("'-- not a comment'") == .string("-- not a comment"))
        #expect(try SQLParser.parseExpression("'it''s'").description == "'it''s'")
    }

    @Test func booleansAndNull() throws {
        #expect(try literal("TRUE") == .boolean(true))
        #expect(try literal("false") == .boolean(false))
        #expect(try literal("Null") == .null)
    }

    @Test func dateAndTimestamp() throws {
        #expect(try literal("DATE '2026-01-01'") == .date("2026-01-01"))
        #expect(try literal("date '2026-01-01'") == .date("2026-01-01"))
        #expect(try literal("TIMESTAMP '2026-01-01 10:00:00'") == .timestamp("2026-01-01 10:00:00"))
        #expect(try SQLParser.parseExpression("DATE '2026-01-01'").description == "DATE '2026-01-01'")
    }

    @Test func casts() throws {
        let cases: [(String, TypeName)] = [
            ("CAST(x AS BOOLEAN)", .boolean), ("x::bool", .boolean),
            ("x::INTEGER", .integer), ("x::int", .integer), ("x::INT4", .integer),
            ("x::bigint", .bigint), ("x::int8", .bigint), ("x::smallint", .smallint), ("x::tinyint", .tinyint),
            ("x::double", .double), ("CAST(x AS DOUBLE PRECISION)", .double), ("x::float8", .double),
            ("x::real", .double), ("x::float", .double),
            ("x::decimal", .decimal(precision: nil, scale: nil)), ("x::numeric(10)", .decimal(precision: 10, scale: nil)),
            ("CAST(x AS DECIMAL(18, 3))", .decimal(precision: 18, scale: 3)),
            ("x::varchar", .varchar), ("x::VARCHAR(20)", .varchar), ("x::text", .varchar), ("x::string", .varchar),
            ("x::date", .date), ("CAST(x AS TIMESTAMP)", .timestamp),
        ]
        for (sql, type) in cases {
            #expect(try SQLParser.parseExpression(sql) == Expr(.cast(col("x"), type)), "\(sql)")
        }
        #expect(try shape("'2026-01-01'::date") == "CAST('2026-01-01' AS DATE)")
    }

    @Test func caseExpressions() throws {
        let searched = try SQLParser.parseExpression("CASE WHEN a > 1 THEN 'big' WHEN a = 1 THEN 'one' END")
        #expect(searched == Expr(.caseWhen(operand: nil, branches: [
            WhenBranch(condition: bin(.greater, col("a"), int(1)), result: str("big")),
            WhenBranch(condition: bin(.equal, col("a"), int(1)), result: str("one")),
        ], elseResult: nil)))
        let simple = try SQLParser.parseExpression("case device when 'tv' then 1 else 0 end")
        #expect(simple == Expr(.caseWhen(operand: col("device"),
                                         branches: [WhenBranch(condition: str("tv"), result: int(1))], elseResult: int(0))))
    }

    @Test func functionForms() throws {
        #expect(try SQLParser.parseExpression("count(*)") == countStar())
        #expect(try SQLParser.parseExpression("COUNT ( * )") == countStar())
        #expect(try SQLParser.parseExpression("count(DISTINCT user_id)") == fn("count", col("user_id"), distinct: true))
        #expect(try SQLParser.parseExpression("now()") == fn("now"))
        #expect(try SQLParser.parseExpression("Date_Trunc('day', t)") == fn("date_trunc", str("day"), col("t")))
        #expect(try SQLParser.parseExpression("extract(year FROM event_time)") == Expr(.extract(field: "year", from: col("event_time"))))
        #expect(try SQLParser.parseExpression("EXTRACT(Month FROM d)") == Expr(.extract(field: "month", from: col("d"))))
        #expect(try SQLParser.parseExpression("extract(x)") == fn("extract", col("x")))
        #expect(try shape("extract(year FROM event_time)") == "extract(year FROM event_time)")
    }

    @Test func inList() throws {
        #expect(try SQLParser.parseExpression("x IN (1, 2)") == Expr(.inList(col("x"), [int(1), int(2)], negated: false)))
        #expect(try SQLParser.parseExpression("x NOT IN ('a')") == Expr(.inList(col("x"), [str("a")], negated: true)))
    }
}
