import Testing
@testable import LakeqQuery

/// Printed expressions are fully parenthesised, so comparing them checks the tree's shape.
@Suite struct PrecedenceTests {
    @Test(arguments: [
        ("a OR b AND c", "(a OR (b AND c))"),
        ("a AND b OR c", "((a AND b) OR c)"),
        ("NOT a AND b", "((NOT a) AND b)"),
        ("NOT a = b", "(NOT (a = b))"),
        ("NOT a OR b", "((NOT a) OR b)"),
        ("NOT NOT a", "(NOT (NOT a))"),
        ("a = b AND c <> d", "((a = b) AND (c <> d))"),
        ("a != b", "(a <> b)"),
        ("a < b = c", "((a < b) = c)"),
        ("a || b = c || d", "((a || b) = (c || d))"),
        ("a + b || c", "((a + b) || c)"),
        ("a || b + c", "(a || (b + c))"),
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 * 2 + 3", "((1 * 2) + 3)"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("8 / 4 / 2", "((8 / 4) / 2)"),
        ("a % b * c", "((a % b) * c)"),
        ("(1 + 2) * 3", "((1 + 2) * 3)"),
        ("-a * b", "(-a * b)"),
        ("-(a * b)", "-(a * b)"),
        ("- a::int", "-CAST(a AS INTEGER)"),
        ("-1::int", "-CAST(1 AS INTEGER)"),
        ("a + b::double", "(a + CAST(b AS DOUBLE))"),
        ("a::varchar || 'x'", "(CAST(a AS VARCHAR) || 'x')"),
        ("a::int::bigint", "CAST(CAST(a AS INTEGER) AS BIGINT)"),
        ("a + 1 > b * 2", "((a + 1) > (b * 2))"),
        ("a IS NULL AND b IS NOT NULL", "((a IS NULL) AND (b IS NOT NULL))"),
        ("a + 1 IS NULL", "((a + 1) IS NULL)"),
        ("NOT a IS NULL", "(NOT (a IS NULL))"),
        ("a IS TRUE OR b IS NOT FALSE", "((a IS TRUE) OR (b IS NOT FALSE))"),
        ("x BETWEEN 1 AND 2 AND y", "((x BETWEEN 1 AND 2) AND y)"),
        ("x BETWEEN a + 1 AND b * 2", "(x BETWEEN (a + 1) AND (b * 2))"),
        ("x NOT BETWEEN 1 AND 2 OR z", "((x NOT BETWEEN 1 AND 2) OR z)"),
        ("NOT x BETWEEN 1 AND 2", "(NOT (x BETWEEN 1 AND 2))"),
        ("x IN (1, 2 + 3) AND y NOT IN ('a')", "((x IN (1, (2 + 3))) AND (y NOT IN ('a')))"),
        ("a || b LIKE 'x%'", "((a || b) LIKE 'x%')"),
        ("a NOT LIKE 'x' AND b ILIKE 'y' OR c NOT ILIKE 'z'", "(((a NOT LIKE 'x') AND (b ILIKE 'y')) OR (c NOT ILIKE 'z'))"),
        ("f(a, b + 1) * 2", "(f(a, (b + 1)) * 2)"),
        ("CASE WHEN a > 1 THEN 'x' ELSE 'y' END || 'z'", "(CASE WHEN (a > 1) THEN 'x' ELSE 'y' END || 'z')"),
    ])
    func shapes(sql: String, expected: String) throws {
        #expect(try shape(sql) == expected)
    }

    @Test func unaryMinusOnColumnIsNegation() throws {
        #expect(try SQLParser.parseExpression("-x") == Expr(.unary(.negate, col("x"))))
        #expect(try SQLParser.parseExpression("+x") == col("x"))
        #expect(try shape("- -x") == "-(-x)")
        #expect(try shape("- -1") == "-(-1)")
        #expect(try shape("- -9223372036854775808") == "-(-9223372036854775808)")
    }

    @Test func printedExpressionsReparse() throws {
        for sql in ["- -1", "-(-x)", "a - -b", "NOT (a AND b)", "'it''s' || \"Odd Name\"", "x NOT IN (1, -2)"] {
            let e = try SQLParser.parseExpression(sql)
            #expect(try SQLParser.parseExpression(e.description) == e, "\(sql) printed as \(e)")
        }
    }
}
