import Testing
@testable import LakeqQuery

/// The parser must answer every input with a tree or a `SQLSyntaxError`, never a trap.
@Suite struct RobustnessTests {
    /// Parses, requiring that any failure is a well-formed syntax error whose rendering works.
    func survives(_ sql: String) {
        do {
            _ = try SQLParser.parse(sql)
        } catch let e as SQLSyntaxError {
            #expect(e.line >= 1 && e.column >= 1, "\(sql)")
            #expect(e.render(sql: sql).contains("^"), "\(sql)")
        } catch {
            Issue.record("unexpected error \(error) for \(sql)")
        }
    }

    @Test(arguments: benchmarkQueries)
    func everyPrefixParsesOrThrows(query: String) {
        let scalars = Array(query.unicodeScalars)
        for n in 0...scalars.count {
            survives(String(String.UnicodeScalarView(scalars[..<n])))
        }
    }

    @Test(arguments: benchmarkQueries)
    func everyTokenPrefixEndsCleanly(query: String) {
        // Cutting at token boundaries yields "expected …, found end of input" rather than
        // lexical errors, so this walks the grammar's error paths.
        let words = query.split(separator: " ")
        for n in 0...words.count { survives(words[..<n].joined(separator: " ")) }
    }

    @Test func seededTokenSoupNeverTraps() {
        let vocabulary = [
            "SELECT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "OFFSET", "AS", "AND", "OR", "NOT",
            "IN", "IS", "NULL", "TRUE", "FALSE", "CASE", "WHEN", "THEN", "ELSE", "END", "BETWEEN", "LIKE", "ILIKE",
            "DISTINCT", "ASC", "DESC", "NULLS", "FIRST", "LAST", "CAST", "EXPLAIN", "DATE", "TIMESTAMP", "VERSION", "OF",
            "extract", "count", "show", "date", "t", "a", "b", "\"Q\"", "'s'", "'", "\"", "1", "2.5", "1e3",
            "9223372036854775808", "(", ")", ",", ".", ";", "*", "+", "-", "/", "%", "||", "=", "<>", "!=", "<", "<=",
            ">", ">=", "::", "int", "decimal", "varchar", "--", "/*", "*/", "?", "é", "\t", "\n",
        ]
        var rng = SplitMix64(seed: 0x5EED_1A4E)
        for _ in 0..<500 {
            let length = Int(rng.next() % 30)
            var words: [String] = []
            // Start most soups with SELECT so they get past the first token.
            if rng.next() % 4 != 0 { words.append("SELECT") }
            for _ in 0..<length { words.append(vocabulary[Int(rng.next() % UInt64(vocabulary.count))]) }
            let separator = rng.next() % 3 == 0 ? "" : " "
            survives(words.joined(separator: separator))
        }
    }

    @Test func seededMutationsOfBenchmarkQueriesNeverTrap() {
        var rng = SplitMix64(seed: 42)
        let inserts: [Character] = ["(", ")", "'", "\"", ",", "-", "*", ":", "|", " ", "\n", "é", "0", "."]
        for _ in 0..<300 {
            var chars = Array(benchmarkQueries[Int(rng.next() % UInt64(benchmarkQueries.count))])
            for _ in 0..<(1 + rng.next() % 4) {
                let i = Int(rng.next() % UInt64(chars.count + 1))
                switch rng.next() % 3 {
                case 0 where i < chars.count: chars.remove(at: i)
                case 1: chars.insert(inserts[Int(rng.next() % UInt64(inserts.count))], at: i)
                default: if i < chars.count { chars[i] = inserts[Int(rng.next() % UInt64(inserts.count))] }
                }
            }
            survives(String(chars))
        }
    }

    @Test(arguments: [
        ("(", "1", ")"), ("NOT ", "a", ""), ("- ", "1", ""), ("- ", "a", ""), ("f(", "1", ")"),
        ("CAST(", "1", " AS int)"), ("CASE WHEN ", "a", " THEN 1 END"), ("a IN (", "1", ")"), ("a || ", "b", ""),
    ])
    func deepNestingIsRefused(open: String, middle: String, close: String) {
        let deep = "SELECT " + String(repeating: open, count: 10_000) + middle + String(repeating: close, count: 10_000)
        guard let e = syntaxError(deep) else { return }
        #expect(e.message == "expression is nested too deeply (limit 256)")
        let fine = "SELECT " + String(repeating: open, count: 100) + middle + String(repeating: close, count: 100)
        #expect(throws: Never.self) { try SQLParser.parse(fine) }
    }

    @Test func longOperatorChainsAreBounded() {
        // Left-associative chains don't recurse while parsing but build deep trees.
        let chain = "SELECT " + Array(repeating: "a", count: 10_000).joined(separator: " + ")
        #expect(syntaxError(chain)?.message == "expression is nested too deeply (limit 256)")
        let ok = "SELECT " + Array(repeating: "a", count: 200).joined(separator: " OR ")
        #expect(throws: Never.self) { try SQLParser.parse(ok) }
    }

    @Test func wideButShallowInputsAreFine() throws {
        let list = "SELECT a FROM t WHERE a IN (" + (0..<10_000).map(String.init).joined(separator: ", ") + ")"
        let s = try parseSelect(list)
        guard case .inList(_, let values, _) = s.whereClause?.kind else {
            Issue.record("expected IN list")
            return
        }
        #expect(values.count == 10_000)
        let columns = "SELECT " + (0..<5_000).map { "c\($0)" }.joined(separator: ", ") + " FROM t"
        #expect(try parseSelect(columns).items.count == 5_000)
    }
}

/// Small deterministic generator so failures reproduce.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
