/// A lexical or grammatical error in SQL text, with the position it was detected at.
public struct SQLSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, e.g. "expected an expression, found 'FROM'".
    public var message: String
    /// 1-based line of the offending token.
    public var line: Int
    /// 1-based column (in Unicode scalars) of the offending token.
    public var column: Int
    /// UTF-8 byte offset of the offending token.
    public var offset: Int

    public init(message: String, at location: SourceLocation) {
        self.message = message
        self.line = location.line
        self.column = location.column
        self.offset = location.offset
    }

    public var location: SourceLocation { SourceLocation(offset: offset, line: line, column: column) }

    /// One-line form: `syntax error at line 1, column 14: expected …, found …`.
    public var description: String { "syntax error at line \(line), column \(column): \(message)" }

    /// The one-line description, then the offending source line with a caret under the position:
    ///
    ///     syntax error at line 1, column 14: expected an expression, found 'FROM'
    ///     select a, b, from t
    ///                  ^
    ///
    /// Tabs before the position are kept in the caret line so the caret stays aligned
    /// whatever the terminal's tab width.
    public func render(sql: String) -> String {
        // Split on the byte, not the Character: "\r\n" is a single Character in Swift.
        let lines = sql.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return description }
        var sourceLine = String(decoding: lines[line - 1], as: UTF8.self)
        if sourceLine.hasSuffix("\r") { sourceLine.removeLast() }
        let scalars = sourceLine.unicodeScalars
        let before = scalars.prefix(max(0, column - 1))
        let padding = String(String.UnicodeScalarView(before.map { $0 == "\t" ? "\t" : " " }))
        return description + "\n" + sourceLine + "\n" + padding + "^"
    }
}
