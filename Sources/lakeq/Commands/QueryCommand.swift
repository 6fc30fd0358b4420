import ArgumentParser
import Foundation
import LakeqColumnar
import LakeqParquet
import LakeqQuery

/// `lakeq [--lake DIR] [--format F] [--threads N] "SQL"`: runs a query over the lake.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query", abstract: "Run a SQL query over the lake (the default command).")

    @Option(help: "The lake directory (default: $LAKEQ_LAKE, else ./lake); a table NAME is DIR/NAME.") var lake: String?
    @Option(help: "Output format: table, csv, json or jsonl (default: table on a terminal, else csv).") var format: String?
    @Option(help: "Threads (default: $LAKEQ_THREADS, else all cores).") var threads: Int?
    @Option(name: .customLong("version"), help: "Read Delta tables at this version (time travel; like VERSION AS OF N on the table).")
    var tableVersion: Int?
    @OptionGroup var memory: MemoryOptions
    @Argument(help: "The SQL statement; '-' reads statements from standard input, one per line, and prints one JSON object per statement ({\"names\", \"rows\"} or {\"error\"}).") var sql: String

    func run() throws {
        guard let format = QueryInvocation.format(named: format) else {
            throw ValidationError("unknown format \(format ?? "") (expected table, csv, json or jsonl)")
        }
        if let tableVersion, tableVersion < 0 { throw ValidationError("--version must be 0 or more") }
        try QueryInvocation(lake: lake, format: format, threads: threads, version: tableVersion, sql: sql,
                            memory: memory.flags).run()
    }
}

/// What the query command does once its arguments are known, whichever parser read them
/// (ArgumentParser, or the start-up fast path in QueryFastPath.swift).
struct QueryInvocation: Equatable {
    var lake: String?
    var format: ResultFormat
    var threads: Int?
    var version: Int?
    var sql: String
    /// `--memory-limit`, `--temp-directory` (the fast path reads neither: they go through ArgumentParser).
    var memory = MemoryLimitFlags()

    /// The output format for `--format NAME`; without it, a table on a terminal, else CSV.
    /// nil for an unknown name.
    static func format(named name: String?) -> ResultFormat? {
        guard let name else { return isatty(1) != 0 ? .table : .csv }
        return ResultFormat(rawValue: name.lowercased())
    }

    func run() throws {
        if sql == "-" {
            try runStatements(lake: lake, threads: threads, version: version, memory: memory)
            return
        }
        try runQuery(sql, lake: lake, threads: threads, format: format, version: version, memory: memory)
    }
}

/// Statements from standard input, one per line; one JSON line per statement on standard
/// output (tools such as the differential tester run thousands of queries in one process).
func runStatements(lake: String?, threads: Int?, version: Int?, memory: MemoryLimitFlags) throws {
    let dir = lake ?? ProcessInfo.processInfo.environment["LAKEQ_LAKE"] ?? "./lake"
    var engine = QueryEngine(lake: dir, threads: resolveThreads(threads))
    try memory.apply(to: &engine.options, lake: dir)
    engine.catalog.version = version
    var out = OutputBuffer()
    while let line = readLine(strippingNewline: true) {
        let statement = line.trimmingCharacters(in: .whitespaces)
        if statement.isEmpty { continue }
        do {
            let r = try engine.run(statement)
            out.write("{\"names\":[" + r.names.map(JSONText.quoted).joined(separator: ",") + "],\"rows\":" + ResultFormatter.jsonRows(r) + "}\n")
        } catch {
            out.write("{\"error\":" + JSONText.quoted("\(error)") + "}\n")
        }
        out.flush()
    }
}

/// `lakeq explain [--analyze] "SQL"`: the operator tree and what pruning skips.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "explain", abstract: "Show the operator tree of a query and what pruning skips.")

    @Option(help: "The lake directory (default: $LAKEQ_LAKE, else ./lake).") var lake: String?
    @Option(help: "Threads (default: $LAKEQ_THREADS, else all cores).") var threads: Int?
    @Flag(help: "Run the query and report rows and time per operator and what each pruning level skipped.") var analyze = false
    @OptionGroup var memory: MemoryOptions
    @Argument(help: "The SQL statement (without EXPLAIN).") var sql: String

    func run() throws {
        try runQuery((analyze ? "EXPLAIN ANALYZE " : "EXPLAIN ") + sql, lake: lake, threads: threads, format: .table, memory: memory.flags)
    }
}

func runQuery(_ sql: String, lake: String?, threads: Int?, format: ResultFormat, version: Int? = nil, memory: MemoryLimitFlags? = nil) throws {
    let dir = lake ?? ProcessInfo.processInfo.environment["LAKEQ_LAKE"] ?? "./lake"
    var engine = QueryEngine(lake: dir, threads: resolveThreads(threads))
    try memory?.apply(to: &engine.options, lake: dir)
    engine.catalog.version = version
    // The process ends with the answer (`exitAfterWriting`): its tables are never freed.
    engine.catalog.keepOpen = OpenedTables()
    try reportingErrors(sql: sql) {
        let result = try engine.run(sql)
        var out = OutputBuffer()
        if result.names == ["explain"], case .bytes(let b) = result.columns[0].values {
            for i in 0..<b.count { out.write(b.string(at: i) + "\n") }
        } else {
            out.write(ResultFormatter.render(result, as: format))
        }
        exitAfterWriting(&out)
    }
}
