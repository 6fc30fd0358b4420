#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import LakeqParquet

@main
struct Lakeq: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "lakeq",
        abstract: "A columnar storage and query engine for a Parquet lake of viewing events.",
        version: version,
        subcommands: [
            QueryCommand.self, ExplainCommand.self, DumpCommand.self, ScanCommand.self, SchemaCommand.self, MetaCommand.self,
            GenCommand.self, ConvertCommand.self, IngestCommand.self, HistoryCommand.self, VacuumCommand.self,
            DescribeCommand.self, OptimizeCommand.self,
            StreamCommand.self, ProduceCommand.self, ServeCommand.self, KeysCommand.self,
        ],
        defaultSubcommand: QueryCommand.self
    )


    /// Column buffers are megabytes each and freed after every row group. glibc serves such
    /// blocks with mmap and unmaps them on free, so every row group page-faults its buffers in
    /// again (measured: a quarter of a single-threaded scan in the kernel). Keeping them on the
    /// heap, and not trimming it eagerly, lets the next row group reuse the same pages.
    private static func configureAllocator() {
        #if canImport(Glibc)
        // <malloc.h> is not part of the Glibc module: look mallopt up instead of shimming it.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let M_TRIM_THRESHOLD: Int32 = -1, M_MMAP_THRESHOLD: Int32 = -3  // from <malloc.h>
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)  // glibc's maximum on 64-bit
        _ = mallopt(M_TRIM_THRESHOLD, 512 << 20)
        #endif
    }
}

extension Lakeq {
    /// Usage errors exit with status 2 (as documented in spec/cli.md), not ArgumentParser's 64.
    static func main() async {
        configureAllocator()
        do {
            let isSubcommand = { (name: String) in configuration.subcommands.contains { $0.configuration.commandName == name } }
            if let query = QueryFastPath.parse(Array(CommandLine.arguments.dropFirst()), isSubcommand: isSubcommand) {
                try query.run()
                return
            }
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()  // `serve`
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printError(fullMessage(for: error))
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Thread count: the option, else `$LAKEQ_THREADS`, else every core.
func resolveThreads(_ option: Int?) -> Int {
    if let option, option > 0 { return option }
    if let env = getenv("LAKEQ_THREADS").flatMap({ Int(String(cString: $0)) }), env > 0 { return env }
    return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}
