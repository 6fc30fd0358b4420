/// A position in the SQL text.
///
/// `offset` is a UTF-8 byte offset (cheap to slice with); `line` and `column` are 1-based and
/// `column` counts Unicode scalars, so a caret printed under the line lines up with what a human sees.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var line: Int
    public var column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// Location of nodes built by code rather than parsed (e.g. by a rewriting pass).
    public static let synthetic = SourceLocation(offset: 0, line: 0, column: 0)

    public var description: String { "line \(line), column \(column)" }
}

/// Reserved words. Kept deliberately small: every word *not* listed here can be used as an
/// unquoted column, table, alias or function name (`show`, `date`, `user`, `count`, `version` …),
/// which real Parquet schemas need and DuckDB's larger reserved list gets in the way of.
/// Context words such as DATE, TIMESTAMP, VERSION, OF, FIRST, LAST and EXTRACT are recognised by
/// the parser from their position and lookahead instead.
public enum Keyword: String, CaseIterable, Sendable {
    case select, from, `where`, group, by, having, order, limit, offset
    case `as`, and, or, not, `in`, `is`, null, `true`, `false`
    case `case`, when, then, `else`, end, between, like, ilike
    case distinct, asc, desc, nulls, cast, explain
    // Reserved now so that adding joins and set operations later cannot change the meaning
    // of a query that parses today (e.g. `FROM a join b` must not read `join` as an alias).
    case join, on, using, inner, outer, cross, natural, union, intersect, except, with

    /// The keyword as it is shown in messages and printed SQL.
    public var sql: String { rawValue.uppercased() }

    /// Lookup by lower-cased spelling.
    static let byName: [String: Keyword] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// True if `word` (any case) is reserved and must be double-quoted to be used as a name.
    public static func isReserved(_ word: String) -> Bool { byName[word.lowercased()] != nil }
}

/// Operators and punctuation.
enum Symbol: String, Sendable {
    case leftParen = "(", rightParen = ")", comma = ",", dot = ".", semicolon = ";"
    case star = "*", plus = "+", minus = "-", slash = "/", percent = "%", concat = "||"
    case equal = "=", notEqual = "<>", bangEqual = "!=", less = "<", lessEqual = "<="
    case greater = ">", greaterEqual = ">=", doubleColon = "::"
    case leftBracket = "[", rightBracket = "]"
    /// `{'a': 1}` struct literals and `struct_pack(a := 1)` named arguments.
    case leftBrace = "{", rightBrace = "}", colon = ":", colonEquals = ":="
}

enum TokenKind: Equatable, Sendable {
    case keyword(Keyword)
    /// Unquoted word that is not reserved, already lower-cased.
    case identifier(String)
    /// Double-quoted identifier, case kept and `""` unescaped.
    case quotedIdentifier(String)
    /// Digits only; the parser decides whether it fits in Int64.
    case integer(String)
    /// Has a fraction and/or exponent: `1.5`, `.5`, `1.`, `1e3`.
    case decimal(String)
    /// Single-quoted string, `''` unescaped.
    case string(String)
    case symbol(Symbol)
    /// A lexical error. Kept as a token rather than thrown by the lexer so that a syntax error
    /// earlier in the statement is reported first (errors come out in source order).
    case invalid(String)
    case endOfInput
}

struct Token: Equatable, Sendable {
    var kind: TokenKind
    /// The token exactly as written (used in "found …" messages).
    var text: String
    var location: SourceLocation

    /// How the token is named in a "found …" message.
    var displayForMessage: String {
        switch kind {
        case .endOfInput: return "end of input"
        case .keyword(let k): return "'\(k.sql)'"
        case .string: return "string \(Token.abbreviate(text))"
        default: return "'\(Token.abbreviate(text))'"
        }
    }

    private static func abbreviate(_ s: String) -> String {
        s.count <= 40 ? s : String(s.prefix(37)) + "..."
    }

    /// The name if this token can serve as an identifier (quoted or a non-reserved word).
    var identifierName: String? {
        switch kind {
        case .identifier(let s), .quotedIdentifier(let s): return s
        default: return nil
        }
    }

    /// True for the unquoted non-reserved word `word` (lower-case), e.g. `date`, `version`.
    func isWord(_ word: String) -> Bool { kind == .identifier(word) }
}
