/// Splits SQL text into tokens.
///
/// Works on UTF-8 bytes (all syntax is ASCII; non-ASCII bytes can only appear inside strings,
/// quoted identifiers, comments, or as identifier letters). Never throws: a lexical error
/// becomes a final `.invalid` token, followed by nothing.
struct Lexer {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ sql: String) { bytes = Array(sql.utf8) }

    /// All tokens; the last one is `.endOfInput` or `.invalid`.
    static func tokenize(_ sql: String) -> [Token] {
        var lexer = Lexer(sql)
        var tokens: [Token] = []
        while true {
            let token = lexer.next()
            tokens.append(token)
            switch token.kind {
            case .endOfInput, .invalid: return tokens
            default: continue
            }
        }
    }

    private var location: SourceLocation { SourceLocation(offset: index, line: line, column: column) }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        let i = index + ahead
        return i < bytes.count ? bytes[i] : nil
    }

    /// Steps over one byte, keeping line/column current. Columns count scalars, so UTF-8
    /// continuation bytes do not advance the column.
    private mutating func bump() {
        let b = bytes[index]
        index += 1
        if b == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if b & 0xC0 != 0x80 {
            column += 1
        }
    }

    private func text(from start: SourceLocation) -> String {
        String(decoding: bytes[start.offset..<index], as: UTF8.self)
    }

    private mutating func invalid(_ message: String, at start: SourceLocation) -> Token {
        // Stop here: nothing after a lexical error is reliable (e.g. after an unterminated string).
        index = bytes.count
        return Token(kind: .invalid(message), text: "", location: start)
    }

    mutating func next() -> Token {
        if let bad = skipTrivia() { return bad }
        let start = location
        guard let c = peek() else { return Token(kind: .endOfInput, text: "", location: start) }

        if Lexer.isIdentifierStart(c) { return word(start) }
        if Lexer.isDigit(c) || (c == UInt8(ascii: ".") && peek(1).map(Lexer.isDigit) == true) {
            return number(start)
        }
        switch c {
        case UInt8(ascii: "'"): return string(start)
        case UInt8(ascii: "\""): return quotedIdentifier(start)
        default: break
        }

        let two: Symbol? = {
            guard let d = peek(1) else { return nil }
            return Symbol(rawValue: String(decoding: [c, d], as: UTF8.self))
        }()
        if let symbol = two {
            bump(); bump()
            return Token(kind: .symbol(symbol), text: symbol.rawValue, location: start)
        }
        if c < 0x80, let symbol = Symbol(rawValue: String(UnicodeScalar(c))) {
            bump()
            return Token(kind: .symbol(symbol), text: symbol.rawValue, location: start)
        }
        return invalid("unexpected character \(describeCharacter(at: index))", at: start)
    }

    /// Skips whitespace and comments; returns an error token for an unterminated block comment.
    private mutating func skipTrivia() -> Token? {
        while let c = peek() {
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                bump()
            case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "-"):
                while let d = peek(), d != UInt8(ascii: "\n") { bump() }
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                let start = location
                bump(); bump()
                while true {
                    guard let d = peek() else { return invalid("unterminated /* comment", at: start) }
                    if d == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/") {
                        bump(); bump()
                        break
                    }
                    bump()
                }
            default:
                return nil
            }
        }
        return nil
    }

    private mutating func word(_ start: SourceLocation) -> Token {
        while let c = peek(), Lexer.isIdentifierPart(c) { bump() }
        let raw = text(from: start)
        let lower = raw.lowercased()
        if let keyword = Keyword.byName[lower] {
            return Token(kind: .keyword(keyword), text: raw, location: start)
        }
        return Token(kind: .identifier(lower), text: raw, location: start)
    }

    private mutating func number(_ start: SourceLocation) -> Token {
        var isDecimal = false
        while let c = peek(), Lexer.isDigit(c) { bump() }
        if peek() == UInt8(ascii: ".") {
            isDecimal = true
            bump()
            while let c = peek(), Lexer.isDigit(c) { bump() }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isDecimal = true
            bump()
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { bump() }
            guard let d = peek(), Lexer.isDigit(d) else {
                return invalid("invalid number '\(text(from: start))': exponent has no digits", at: start)
            }
            while let c = peek(), Lexer.isDigit(c) { bump() }
        }
        // `123abc` or `1.5.2` is almost certainly a typo; splitting it into two tokens would
        // silently read `123abc` as `123 AS abc`.
        if let c = peek(), Lexer.isIdentifierPart(c) || c == UInt8(ascii: ".") {
            while let c = peek(), Lexer.isIdentifierPart(c) || c == UInt8(ascii: ".") { bump() }
            return invalid("invalid number '\(text(from: start))'", at: start)
        }
        let raw = text(from: start)
        return Token(kind: isDecimal ? .decimal(raw) : .integer(raw), text: raw, location: start)
    }

    /// Body of a `quote`-delimited token where a doubled quote stands for one quote character.
    private mutating func delimited(by quote: UInt8) -> [UInt8]? {
        bump()
        var out: [UInt8] = []
        while let c = peek() {
            if c == quote {
                if peek(1) == quote {
                    out.append(quote)
                    bump(); bump()
                    continue
                }
                bump()
                return out
            }
            out.append(c)
            bump()
        }
        return nil
    }

    private mutating func string(_ start: SourceLocation) -> Token {
        guard let body = delimited(by: UInt8(ascii: "'")) else {
            return invalid("unterminated string literal", at: start)
        }
        return Token(kind: .string(String(decoding: body, as: UTF8.self)), text: text(from: start), location: start)
    }

    private mutating func quotedIdentifier(_ start: SourceLocation) -> Token {
        guard let body = delimited(by: UInt8(ascii: "\"")) else {
            return invalid("unterminated quoted identifier", at: start)
        }
        if body.isEmpty { return invalid("zero-length quoted identifier", at: start) }
        return Token(kind: .quotedIdentifier(String(decoding: body, as: UTF8.self)), text: text(from: start), location: start)
    }

    private func describeCharacter(at i: Int) -> String {
        let c = bytes[i]
        if c >= 0x21 && c < 0x7F { return "'\(String(UnicodeScalar(c)))'" }
        // Control characters would garble the message; show their code point instead.
        let hex = String(c, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    // Bytes >= 0x80 are parts of non-ASCII letters; accepting them lets names like `café` work
    // without a Unicode table.
    static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_") || c >= 0x80
    }

    static func isIdentifierPart(_ c: UInt8) -> Bool {
        isIdentifierStart(c) || isDigit(c) || c == UInt8(ascii: "$")
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
