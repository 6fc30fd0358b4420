import Testing
@testable import LakeqQuery

@Suite struct SyntaxErrorTests {
    /// Checks line, column and the exact rendering (message, source line, caret).
    func check(_ sql: String, line: Int, column: Int, _ rendered: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard let e = syntaxError(sql, sourceLocation: sourceLocation) else { return }
        #expect(e.line == line, sourceLocation: sourceLocation)
        #expect(e.column == column, sourceLocation: sourceLocation)
        #expect(e.render(sql: sql) == rendered, sourceLocation: sourceLocation)
    }

    @Test func missingExpressionBeforeFrom() {
        check("select a, b, from t", line: 1, column: 14, """
            syntax error at line 1, column 14: expected an expression, found 'FROM'
            select a, b, from t
                         ^
            """)
    }

    @Test func errorOnLaterLine() {
        check("SELECT a,\n       b\nFROM t\nWHERE a = = 1", line: 4, column: 11, """
            syntax error at line 4, column 11: expected an expression, found '='
            WHERE a = = 1
                      ^
            """)
    }

    @Test func unterminatedString() {
        check("SELECT * FROM t WHERE s = 'abc", line: 1, column: 27, """
            syntax error at line 1, column 27: unterminated string literal
            SELECT * FROM t WHERE s = 'abc
                                      ^
            """)
    }

    @Test func unterminatedQuotedIdentifier() {
        check("SELECT \"abc FROM t", line: 1, column: 8, """
            syntax error at line 1, column 8: unterminated quoted identifier
            SELECT "abc FROM t
                   ^
            """)
    }

    @Test func emptyQuotedIdentifier() {
        check("SELECT \"\" FROM t", line: 1, column: 8, """
            syntax error at line 1, column 8: zero-length quoted identifier
            SELECT "" FROM t
                   ^
            """)
    }

    @Test func unterminatedComment() {
        check("SELECT a /* never closed", line: 1, column: 10, """
            syntax error at line 1, column 10: unterminated /* comment
            SELECT a /* never closed
                     ^
            """)
    }

    @Test func badNumbers() {
        check("SELECT 12abc FROM t", line: 1, column: 8, """
            syntax error at line 1, column 8: invalid number '12abc'
            SELECT 12abc FROM t
                   ^
            """)
        check("SELECT 1e+ FROM t", line: 1, column: 8, """
            syntax error at line 1, column 8: invalid number '1e+': exponent has no digits
            SELECT 1e+ FROM t
                   ^
            """)
        check("SELECT 1.2.3", line: 1, column: 8, """
            syntax error at line 1, column 8: invalid number '1.2.3'
            SELECT 1.2.3
                   ^
            """)
        check("SELECT 1e999", line: 1, column: 8, """
            syntax error at line 1, column 8: numeric literal 1e999 is out of range
            SELECT 1e999
                   ^
            """)
    }

    @Test func unknownCharacters() {
        check("SELECT a ? b FROM t", line: 1, column: 10, """
            syntax error at line 1, column 10: unexpected character '?'
            SELECT a ? b FROM t
                     ^
            """)
        check("SELECT a | b", line: 1, column: 10, """
            syntax error at line 1, column 10: unexpected character '|'
            SELECT a | b
                     ^
            """)
        check("SELECT a\u{1}", line: 1, column: 9, "syntax error at line 1, column 9: unexpected character U+0001\nSELECT a\u{1}\n        ^")
    }

    @Test func trailingGarbage() {
        check("SELECT a FROM t WHERE a = 1 extra", line: 1, column: 29, """
            syntax error at line 1, column 29: expected end of input, found 'extra'
            SELECT a FROM t WHERE a = 1 extra
                                        ^
            """)
        check("SELECT 1; SELECT 2", line: 1, column: 11, """
            syntax error at line 1, column 11: expected end of input, found 'SELECT'
            SELECT 1; SELECT 2
                      ^
            """)
    }

    @Test func emptyInput() {
        check("", line: 1, column: 1, "syntax error at line 1, column 1: expected SELECT or EXPLAIN, found end of input\n\n^")
        check("  -- only a comment\n  ", line: 2, column: 3,
              "syntax error at line 2, column 3: expected SELECT or EXPLAIN, found end of input\n  \n  ^")
        check("FROM t", line: 1, column: 1, """
            syntax error at line 1, column 1: expected SELECT or EXPLAIN, found 'FROM'
            FROM t
            ^
            """)
    }

    @Test func caretAlignsWithTabsAndNonASCII() {
        check("SELECT\ta,\t,b FROM t", line: 1, column: 11,
              "syntax error at line 1, column 11: expected an expression, found ','\nSELECT\ta,\t,b FROM t\n      \t  \t^")
        check("SELECT 'ü', , FROM t", line: 1, column: 13, """
            syntax error at line 1, column 13: expected an expression, found ','
            SELECT 'ü', , FROM t
                        ^
            """)
        check("SELECT a,\r\n , FROM t", line: 2, column: 2, "syntax error at line 2, column 2: expected an expression, found ','\n , FROM t\n ^")
    }

    @Test func firstErrorInSourceOrderWins() {
        // The unterminated string comes later; the misplaced comma is reported.
        check("SELECT , 'abc", line: 1, column: 8, """
            syntax error at line 1, column 8: expected an expression, found ','
            SELECT , 'abc
                   ^
            """)
    }

    @Test func grammarErrors() {
        let cases: [(String, Int, String)] = [
            ("SELECT a FROM", 14, "expected a table name, a quoted file path or a table function, found end of input"),
            ("SELECT a FROM t ORDER a", 23, "expected BY, found 'a'"),
            ("SELECT a FROM t GROUP a", 23, "expected BY, found 'a'"),
            ("SELECT a IS 5", 13, "expected NULL, TRUE, FALSE or NOT after IS, found '5'"),
            ("SELECT a IS NOT 5", 17, "expected NULL, TRUE or FALSE after IS NOT, found '5'"),
            ("SELECT CAST(a AS blob)", 18, "unknown type 'blob'"),
            ("SELECT CAST(a blob)", 15, "expected AS, found 'blob'"),
            ("SELECT a::", 11, "expected a type name, found end of input"),
            ("SELECT a::decimal(40, 2)", 19, "decimal precision must be between 1 and 38, got 40"),
            ("SELECT a::decimal(5, 6)", 19, "decimal scale 6 is larger than precision 5"),
            ("SELECT sum(*) FROM t", 12, "'*' is only allowed as count(*)"),
            ("SELECT count(DISTINCT *) FROM t", 23, "'*' is only allowed as count(*)"),
            ("SELECT f(a b)", 12, "expected ',' or ')', found 'b'"),
            ("SELECT CASE END", 13, "expected WHEN, found 'END'"),
            ("SELECT CASE WHEN a THEN b", 26, "expected WHEN, ELSE or END, found end of input"),
            ("SELECT CASE WHEN a b", 20, "expected THEN, found 'b'"),
            ("SELECT a FROM t LIMIT 'x'", 23, "expected a non-negative integer after LIMIT, found string 'x'"),
            ("SELECT a FROM t LIMIT -1", 23, "expected a non-negative integer after LIMIT, found '-'"),
            ("SELECT a FROM t LIMIT 99999999999999999999", 23, "LIMIT value 99999999999999999999 is too large"),
            ("SELECT a FROM t VERSION AS OF x", 31, "expected a non-negative integer after VERSION AS OF, found 'x'"),
            ("SELECT a IN () FROM t", 14, "expected an expression, found ')'"),
            ("SELECT a IN 1", 13, "expected '(' after IN, found '1'"),
            ("SELECT a BETWEEN 1 OR 2", 20, "expected AND, found 'OR'"),
            ("SELECT (a + 1", 14, "expected ')', found end of input"),
            ("SELECT a AS FROM t", 13, "expected an alias after AS, found 'FROM'"),
            ("SELECT a FROM t ORDER BY a NULLS a", 34, "expected FIRST or LAST after NULLS, found 'a'"),
            ("SELECT t. FROM t", 11, "expected a column name after '.', found 'FROM'"),
            ("SELECT * FROM read_parquet('x' 'y')", 32, "expected ',' or ')', found string 'y'"),
            ("EXPLAIN", 8, "expected SELECT, found end of input"),
            ("SELECT a NOT b", 10, "expected end of input, found 'NOT'"),
            ("SELECT a FROM t WHERE", 22, "expected an expression, found end of input"),
        ]
        for (sql, column, message) in cases {
            guard let e = syntaxError(sql) else { continue }
            #expect(e.message == message, "\(sql)")
            #expect(e.line == 1 && e.column == column, "\(sql): column \(e.column)")
        }
    }

    @Test func description() {
        let e = SQLSyntaxError(message: "expected X, found Y", at: SourceLocation(offset: 4, line: 2, column: 3))
        #expect(e.description == "syntax error at line 2, column 3: expected X, found Y")
        #expect(e.location == SourceLocation(offset: 4, line: 2, column: 3))
    }
}
