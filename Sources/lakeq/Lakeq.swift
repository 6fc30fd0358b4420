#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import LakeqParquet

@main
struct Lakeq: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "lakeq",
        abstract: "A columnar storage and query engine for a Parquet lake of viewing events.",
        version: version,
        subcommands: [DumpCommand.self, ScanCommand.self, SchemaCommand.self, MetaCommand.self, GenCommand.self, ConvertCommand.self]
    )
}

/// Runs a command body, turning thrown errors into a one-line message and exit status 1.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ParquetError {
        printError("lakeq: \(e.description)")
        throw ExitCode(1)
    }
}

/// Thread count: the option, else `$LAKEQ_THREADS`, else every core.
func resolveThreads(_ option: Int?) -> Int {
    if let option, option > 0 { return option }
    if let env = getenv("LAKEQ_THREADS").flatMap({ Int(String(cString: $0)) }), env > 0 { return env }
    return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}
