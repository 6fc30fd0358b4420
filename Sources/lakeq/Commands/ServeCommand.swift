import ArgumentParser
import Foundation
import LakeqServer
import Logging

/// `lakeq serve --lake DIR [--addr 127.0.0.1:8080] [--keys FILE] [--config FILE] …`: the API service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP API service over the lake (see spec/http.md).")

    @Option(help: "The lake directory (default: $LAKEQ_LAKE, else ./lake).") var lake: String?
    @Option(help: "Listen address HOST:PORT (default 127.0.0.1:8080).") var addr: String?
    @Option(help: "The API keys file (default: $LAKEQ_KEYS, else ./lakeq-keys.json).") var keys: String?
    @Option(help: "A JSON config file (settings in snake case; flags win).") var config: String?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve HTTPS.") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert.") var tlsKey: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).") var logLevel: String?
    @Option(name: .customLong("audit-log"), help: "Audit log file, one JSON line per request ('none': off; default ./lakeq-audit.jsonl).") var auditLog: String?
    @Option(name: .customLong("rate-limit"), help: "ROLE=N[:BURST] requests/s per key (0 or none: unlimited); repeatable.") var rateLimits: [String] = []
    @Option(name: .customLong("max-body-bytes"), help: "Request body limit (default 16 MiB).") var maxBodyBytes: Int?
    @Option(name: .customLong("max-sql-bytes"), help: "SQL length limit (default 1 MiB).") var maxSQLBytes: Int?
    @Option(name: .customLong("max-json-rows"), help: "Rows a JSON result holds at most (default 100000).") var maxJSONRows: Int?
    @Option(name: .customLong("query-timeout"), help: "Seconds a query may run (default 30).") var queryTimeout: Double?
    @Option(name: .customLong("max-concurrent-queries"), help: "Queries running at once (default: cores).") var maxConcurrentQueries: Int?
    @Option(name: .customLong("queue-depth"), help: "Queries waiting for a slot (default 64).") var queueDepth: Int?
    @Option(name: .customLong("queue-wait"), help: "Seconds a query waits for a slot before 503 (default 2).") var queueWait: Double?
    @Option(help: "Engine threads (default: cores).") var threads: Int?
    @Option(name: .customLong("cache-bytes"), help: "Result cache size (default 256 MiB; 0: off).") var cacheBytes: Int?
    @Option(name: .customLong("incremental-bytes"), help: "Partial aggregates kept to answer analytics after a commit from its new files only (default 512 MiB; 0: off).") var incrementalBytes: Int?
    @Option(name: .customLong("dictionary-cache-bytes"), help: "Decoded Parquet dictionary pages kept across queries (default 256 MiB; 0: off).") var dictionaryCacheBytes: Int?
    @Option(name: .customLong("commit-interval"), help: "Event group-commit window in milliseconds (default 100).") var commitInterval: Int?
    @Option(name: .customLong("events-table"), help: "The events table (default events).") var eventsTable: String?
    @Option(help: "Rules for tables that store none (schema file, see spec/schema-file.md).") var schema: String?
    @Option(name: .customLong("pii-columns"), help: "Comma-separated columns masked for keys without --pii, besides those the table marks.") var piiColumns: String?
    @Flag(name: .customLong("public-metrics"), help: "Serve /metrics without a key.") var publicMetrics = false
    @Option(name: .customLong("shutdown-timeout"), help: "Seconds in-flight requests get on SIGTERM (default 30).") var shutdownTimeout: Double?
    @Option(name: .customLong("dashboard-dir"), help: "Serve the dashboard's files from this directory instead of the built-in ones.") var dashboardDir: String?
    @Option(name: .customLong("dashboard-key"), help: "Give the dashboard a read-only key of its own, named NAME (in memory only; every page gets it).") var dashboardKey: String?
    @Flag(name: .customLong("no-dashboard"), help: "Serve no dashboard at /.") var noDashboard = false
    @OptionGroup var memory: MemoryOptions

    func run() async throws {
        var c = ServerConfiguration(lake: lake ?? ProcessInfo.processInfo.environment["LAKEQ_LAKE"] ?? "./lake")
        c.keysFile = ProcessInfo.processInfo.environment["LAKEQ_KEYS"] ?? c.keysFile
        do {
            if let config { try c.apply(configFile: config) }
            if let lake { c.lake = lake }
            if let addr { try c.setAddress(addr) }
            if let keys { c.keysFile = keys }
            if let tlsCert { c.tlsCertificate = tlsCert }
            if let tlsKey { c.tlsKey = tlsKey }
            if let logLevel { try c.setLogLevel(logLevel) }
            if let auditLog { c.auditLog = auditLog == "none" ? nil : auditLog }
            for r in rateLimits { try c.setRateLimit(r) }
            if let maxBodyBytes { c.maxBodyBytes = max(1, maxBodyBytes) }
            if let maxSQLBytes { c.maxSQLBytes = max(1, maxSQLBytes) }
            if let maxJSONRows { c.maxJSONRows = max(1, maxJSONRows) }
            if let queryTimeout { c.queryTimeout = .milliseconds(Int64(max(0.001, queryTimeout) * 1000)) }
            if let maxConcurrentQueries { c.maxConcurrentQueries = max(1, maxConcurrentQueries) }
            if let queueDepth { c.queueDepth = max(0, queueDepth) }
            if let queueWait { c.queueWait = .milliseconds(Int64(max(0, queueWait) * 1000)) }
            if let threads { c.engineThreads = max(1, threads) }
            if let cacheBytes { c.cacheBytes = max(0, cacheBytes) }
            if let incrementalBytes { c.incrementalBytes = max(0, incrementalBytes) }
            if let dictionaryCacheBytes { c.dictionaryCacheBytes = max(0, dictionaryCacheBytes) }
            if let commitInterval { c.commitInterval = .milliseconds(max(1, commitInterval)) }
            if let eventsTable { c.eventsTable = eventsTable }
            if let schema { c.schemaFile = schema }
            if let piiColumns { c.piiColumns = piiColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            if publicMetrics { c.publicMetrics = true }
            if let shutdownTimeout { c.shutdownTimeout = .milliseconds(Int64(max(0, shutdownTimeout) * 1000)) }
            if let dashboardDir { c.dashboardDirectory = dashboardDir }
            if let dashboardKey { c.dashboardKeyName = dashboardKey }
            if noDashboard { c.dashboard = false }
            try memory.flags.apply(to: &c.engineOptions, lake: c.lake)
        } catch let e as ConfigurationError {
            throw ValidationError(e.description)
        }
        let level = c.logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler.standardError(label: label, level: level) }
        var logger = Logger(label: "lakeq.serve")
        logger.logLevel = level
        do {
            let service = try LakeqService(config: c, logger: logger)
            try await service.run()
        } catch let e as ConfigurationError {
            printError("lakeq: \(e.description)")
            throw ExitCode(1)
        }
    }
}

/// `lakeq keys add|list|revoke`: the API keys file.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Manage the API service's keys.",
                                                    subcommands: [Add.self, List.self, Revoke.self])

    struct Options: ParsableArguments {
        @Option(help: "The keys file (default: $LAKEQ_KEYS, else ./lakeq-keys.json).") var keys: String?
        var path: String { keys ?? ProcessInfo.processInfo.environment["LAKEQ_KEYS"] ?? "lakeq-keys.json" }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Make a key: prints it once (the file keeps only a salted hash).")
        @Argument(help: "The key's name (shown in logs and the audit log).") var name: String
        @Option(help: "reader, writer or admin.") var role: String
        @Flag(help: "The key sees PII columns in clear.") var pii = false
        @OptionGroup var options: Options

        func run() throws {
            guard let r = Role(rawValue: role.lowercased()) else { throw ValidationError("--role must be reader, writer or admin") }
            try reportingErrors { print(try KeyStore.add(name: name, role: r, pii: pii, path: options.path)) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys (names, roles, grants; never the keys).")
        @OptionGroup var options: Options

        func run() throws {
            try reportingErrors {
                for e in try KeyStore.list(path: options.path) {
                    print("\(e.name)\t\(e.role.rawValue)\t\(e.pii ? "pii" : "-")\t\(e.created)")
                }
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Remove a key (a running service stops accepting it within a second).")
        @Argument(help: "The key's name.") var name: String
        @OptionGroup var options: Options

        func run() throws {
            try reportingErrors { try KeyStore.revoke(name: name, path: options.path) }
        }
    }
}
