/// The start-up fast path for the plain query form, `lakeq [--lake DIR] [--format F]
/// [--threads N] "SQL"`.
///
/// ArgumentParser builds its argument sets by reflecting on every command's properties, and
/// each first-time conformance lookup scans the executable's ~9,000 conformance records:
/// measured at ~3.5 ms of a ~20 ms point lookup, the largest single cost after process start.
/// This parser reads only that plain form. Anything else (a subcommand, `--help`, `--version`,
/// `=` forms it does not know, a value that looks like an option, a second positional, a bad
/// number or format) returns nil and goes to ArgumentParser, which stays the one place where
/// usage errors and help are produced. CLI tests run the same queries both ways
/// (`lakeq …` and `lakeq query …`) and compare.
enum QueryFastPath {
    /// The invocation for `arguments` (without the program name), or nil when ArgumentParser
    /// should read them.
    /// `isSubcommand` is asked only about a positional argument without white space (a
    /// statement with a space in it is never a subcommand's name): building the command
    /// configuration instantiates every command's metadata, which a query need not pay for.
    static func parse(_ arguments: [String], isSubcommand: (String) -> Bool) -> QueryInvocation? {
        var lake: String?
        var formatName: String?
        var threads: Int?
        var sql: String?
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            if argument.hasPrefix("-") {
                var name = argument
                var value: String?
                if let eq = argument.firstIndex(of: "=") {
                    name = String(argument[..<eq])
                    value = String(argument[argument.index(after: eq)...])
                } else {
                    i += 1
                    guard i < arguments.count else { return nil }
                    value = arguments[i]
                }
                guard let value, !value.hasPrefix("-") else { return nil }
                switch name {
                case "--lake" where lake == nil: lake = value
                case "--format" where formatName == nil: formatName = value
                case "--threads" where threads == nil:
                    guard let n = Int(value) else { return nil }
                    threads = n
                default: return nil  // --version, --help, a repeated option, anything else
                }
            } else {
                guard sql == nil else { return nil }
                if !argument.contains(where: \.isWhitespace), isSubcommand(argument) { return nil }
                sql = argument
            }
            i += 1
        }
        guard let sql, let format = QueryInvocation.format(named: formatName) else { return nil }
        return QueryInvocation(lake: lake, format: format, threads: threads, version: nil, sql: sql)
    }
}
