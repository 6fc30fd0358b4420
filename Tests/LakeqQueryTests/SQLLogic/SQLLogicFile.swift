import Foundation

/// One sqllogictest file in DuckDB's `.test` format (a subset):
///
///     # comment
///     statement ok
///     CREATE TABLE t AS SELECT …
///
///     statement error
///     SELECT nope FROM t
///     ----
///     unknown column            (optional: a substring of the error)
///
///     query ITR rowsort         (one letter per column; rowsort | valuesort | nosort)
///     SELECT …
///     ----
///     1	a	2.5               (tab-separated; NULL, (empty) for '')
///
/// plus `halt` (stop reading), `mode skip` / `mode unskip` (ignore the records between) and
/// `memory_limit SIZE` (every engine of the file runs what follows under that `--memory-limit`,
/// e.g. `64KiB` to force spilling; DuckDB's tests write `SET memory_limit`, which lakeq lacks).
struct SQLLogicFile {
    enum Sort: String { case none = "nosort", rows = "rowsort", values = "valuesort" }

    enum Record {
        case statement(sql: String, expectError: Bool, errorText: String?, line: Int)
        case query(sql: String, types: String, sort: Sort, expected: [String], line: Int)
        case memoryLimit(String, line: Int)
    }

    var records: [Record] = []

    struct ParseError: Error, CustomStringConvertible {
        var message: String
        var line: Int
        var description: String { "line \(line): \(message)" }
    }

    init(text: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).trimmingSuffix("\r") }
        var i = 0
        var skipping = false
        func block() -> (sql: [String], result: [String]?) {
            var sql: [String] = []
            while i < lines.count, !lines[i].trimmingCharacters(in: .whitespaces).isEmpty, lines[i] != "----" {
                sql.append(lines[i]); i += 1
            }
            guard i < lines.count, lines[i] == "----" else { return (sql, nil) }
            i += 1
            var result: [String] = []
            while i < lines.count, !lines[i].isEmpty { result.append(lines[i]); i += 1 }
            return (sql, result)
        }
        while i < lines.count {
            let line = lines[i].trimmingCharacters(in: .whitespaces)
            let start = i + 1
            i += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(separator: " ").map(String.init)
            switch words[0] {
            case "halt":
                return
            case "memory_limit":
                guard words.count == 2 else { throw ParseError(message: "memory_limit SIZE expected", line: start) }
                if !skipping { records.append(.memoryLimit(words[1], line: start)) }
            case "mode":
                skipping = words.count > 1 && words[1] == "skip"
            case "statement":
                guard words.count >= 2, ["ok", "error"].contains(words[1]) else { throw ParseError(message: "statement ok|error expected", line: start) }
                let (sql, result) = block()
                if !skipping {
                    records.append(.statement(sql: sql.joined(separator: "\n"), expectError: words[1] == "error",
                                              errorText: result.map { $0.joined(separator: "\n") }.flatMap { $0.isEmpty ? nil : $0 }, line: start))
                }
            case "query":
                guard words.count >= 2 else { throw ParseError(message: "query needs column types", line: start) }
                let sort = words.count > 2 ? Sort(rawValue: words[2]) : Sort.none
                guard let sort else { throw ParseError(message: "unknown sort mode \(words[2])", line: start) }
                let (sql, result) = block()
                guard let result else { throw ParseError(message: "query without ---- and results", line: start) }
                if !skipping {
                    records.append(.query(sql: sql.joined(separator: "\n"), types: words[1], sort: sort, expected: result, line: start))
                }
            default:
                throw ParseError(message: "unknown record '\(words[0])'", line: start)
            }
        }
    }
}

extension String {
    func trimmingSuffix(_ s: String) -> String { hasSuffix(s) ? String(dropLast(s.count)) : self }
}
