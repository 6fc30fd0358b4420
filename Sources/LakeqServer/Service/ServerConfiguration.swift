import Foundation
import LakeqIngest
import LakeqQuery
import Logging

/// Everything `lakeq serve` can be told, with its defaults. The command line fills it from
/// flags, over a config file (`--config FILE`, JSON with the same names in snake case, see
/// `spec/http.md`), over these defaults.
public struct ServerConfiguration: Sendable {
    public var lake: String
    public var host = "127.0.0.1"
    public var port = 8080
    /// The keys file (salted hashes; see `KeyStore`).
    public var keysFile = "lakeq-keys.json"
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var logLevel: Logger.Level = .info
    /// One JSON line per request; nil: no audit log.
    public var auditLog: String? = "lakeq-audit.jsonl"

    // Limits.
    public var maxBodyBytes = 16 << 20
    public var maxSQLBytes = 1 << 20
    public var maxJSONRows = 100_000
    public var queryTimeout: Duration = .seconds(30)
    /// Queries running at once (each on its own thread; the engine's threads are shared).
    public var maxConcurrentQueries = ProcessInfo.processInfo.activeProcessorCount
    /// Queries waiting for a slot; past this a request gets 503 at once.
    public var queueDepth = 64
    /// How long a query waits for a slot before it gets 503.
    public var queueWait: Duration = .seconds(2)
    /// Engine threads for one query running alone (shared out when several run).
    public var engineThreads = ProcessInfo.processInfo.activeProcessorCount
    /// Spill budget and temp directory of each query (`--memory-limit`, `--temp-directory`):
    /// every query gets the whole limit of its own.
    public var engineOptions = EngineOptions()
    /// Requests per second and burst per role; nil: unlimited.
    public var rateLimits: [Role: RateLimit] = [.reader: RateLimit(rate: 100, burst: 200), .writer: RateLimit(rate: 50, burst: 100)]
    /// Rows a page of `GET /v1/tables/{t}/rows` may ask for.
    public var maxPageRows = 10_000

    // Cache.
    public var cacheBytes = 256 << 20
    /// Responses larger than this are not cached.
    public var cacheEntryMaxBytes = 8 << 20
    /// Partial aggregates the analytics endpoints keep to answer after a commit from only
    /// its new files (`IncrementalAnalytics`; 0: off, every miss scans the whole table).
    public var incrementalBytes = 512 << 20
    /// Decoded dictionary pages kept across queries (`DictionaryCache`; 0: off, every query
    /// decompresses and decodes the dictionary pages it reads).
    public var dictionaryCacheBytes = 256 << 20

    // Event intake.
    public var eventsTable = "events"
    /// Rules for tables that store none (until every table carries its own).
    public var schemaFile: String?
    /// The longest a request waits for its group commit.
    public var commitInterval: Duration = .milliseconds(100)
    /// A window holding this many rows commits at once.
    public var commitMaxRows = 500_000
    /// Columns masked for keys without `pii` when the table's rules mark none.
    public var piiColumns: [String] = []

    // HTTP.
    /// `GET /metrics` without a key.
    public var publicMetrics = false
    /// A connection with no request for this long is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// A request body must arrive within this.
    public var bodyTimeout: Duration = .seconds(30)
    /// On SIGTERM, in-flight requests get this long to finish.
    public var shutdownTimeout: Duration = .seconds(30)
    /// The dashboard at `/` (spec/dashboard.md); false: `/` answers only the service's JSON.
    public var dashboard = true
    /// Serve the dashboard's files from this directory instead of the copies built into the
    /// binary (to edit them without rebuilding); nil: the built-in ones.
    public var dashboardDirectory: String?
    /// Give the dashboard a read-only key of its own, named this (held in memory only, handed
    /// to every page); nil: the page asks for a key.
    public var dashboardKeyName: String?

    public init(lake: String) { self.lake = lake }

    /// A role's token bucket: `rate` requests per second, up to `burst` at once.
    public struct RateLimit: Sendable, Equatable {
        public var rate: Double
        public var burst: Double
        public init(rate: Double, burst: Double) {
            self.rate = rate
            self.burst = burst
        }
    }

    /// `ROLE=N` or `ROLE=N:BURST` (N per second; 0 or `none`: unlimited; burst defaults to 2N).
    public mutating func setRateLimit(_ text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let role = Role(rawValue: parts[0].lowercased()) else {
            throw ConfigurationError("--rate-limit \(text): expected ROLE=N[:BURST] with ROLE reader, writer or admin")
        }
        if parts[1] == "none" || parts[1] == "0" {
            rateLimits[role] = nil
            return
        }
        let numbers = parts[1].split(separator: ":").map { Double($0) }
        guard let rate = numbers.first ?? nil, rate > 0, rate.isFinite, numbers.count <= 2 else {
            throw ConfigurationError("--rate-limit \(text): N must be a positive number")
        }
        let burst = numbers.count == 2 ? numbers[1] : rate * 2
        guard let burst, burst >= 1, burst.isFinite else { throw ConfigurationError("--rate-limit \(text): BURST must be at least 1") }
        rateLimits[role] = RateLimit(rate: rate, burst: burst)
    }

    /// Applies a JSON config file: an object whose keys are the option names in snake case
    /// (`"addr"`, `"max_body_bytes"`, `"rate_limits": {"reader": "100:200"}`, …). Unknown
    /// keys are an error, so that a typo cannot silently leave a default in force.
    public mutating func apply(configFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigurationError("\(path): cannot read the config file") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ConfigurationError("\(path): not a JSON object")
        }
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            func int() throws -> Int {
                guard let i = JSONNumbers.integer(value), i >= 0 else {
                    throw ConfigurationError("\(path): \(key) must be a non-negative integer")
                }
                return i
            }
            func string() throws -> String {
                guard let s = value as? String else { throw ConfigurationError("\(path): \(key) must be a string") }
                return s
            }
            func seconds() throws -> Duration {
                guard let n = JSONNumbers.number(value), n > 0, n < 1e9 else {
                    throw ConfigurationError("\(path): \(key) must be a positive number of seconds")
                }
                return .milliseconds(Int64(n * 1000))
            }
            func bool() throws -> Bool {
                guard let b = JSONNumbers.boolean(value) else { throw ConfigurationError("\(path): \(key) must be true or false") }
                return b
            }
            switch key {
            case "addr": try setAddress(try string())
            case "keys": keysFile = try string()
            case "tls_cert": tlsCertificate = try string()
            case "tls_key": tlsKey = try string()
            case "log_level": try setLogLevel(try string())
            case "audit_log": let s = try string(); auditLog = s == "none" ? nil : s
            case "max_body_bytes": maxBodyBytes = try int()
            case "max_sql_bytes": maxSQLBytes = try int()
            case "max_json_rows": maxJSONRows = try int()
            case "query_timeout": queryTimeout = try seconds()
            case "max_concurrent_queries": maxConcurrentQueries = max(1, try int())
            case "queue_depth": queueDepth = try int()
            case "queue_wait": queueWait = try seconds()
            case "threads": engineThreads = max(1, try int())
            case "memory_limit":
                switch MemoryLimit.parse(try string()) {
                case .success(let l): engineOptions.memoryLimit = l
                case .failure(let e): throw ConfigurationError("memory_limit: \(e)")
                }
            case "temp_directory":
                let directory = try string()
                if let refusal = EngineOptions.tempDirectoryRefusal(directory, lake: lake) { throw ConfigurationError("temp_directory: \(refusal)") }
                engineOptions.tempDirectory = directory
            case "max_page_rows": maxPageRows = max(1, try int())
            case "cache_bytes": cacheBytes = try int()
            case "cache_entry_max_bytes": cacheEntryMaxBytes = try int()
            case "incremental_bytes": incrementalBytes = try int()
            case "dictionary_cache_bytes": dictionaryCacheBytes = try int()
            case "events_table": eventsTable = try string()
            case "schema": schemaFile = try string()
            case "commit_interval": commitInterval = try seconds()
            case "commit_max_rows": commitMaxRows = max(1, try int())
            case "pii_columns":
                guard let list = value as? [String] else { throw ConfigurationError("\(path): pii_columns must be a list of names") }
                piiColumns = list
            case "public_metrics": publicMetrics = try bool()
            case "idle_timeout": idleTimeout = try seconds()
            case "body_timeout": bodyTimeout = try seconds()
            case "shutdown_timeout": shutdownTimeout = try seconds()
            case "dashboard_dir": dashboardDirectory = try string()
            case "dashboard": dashboard = try bool()
            case "dashboard_key": dashboardKeyName = try string()
            case "rate_limits":
                guard let limits = value as? [String: Any] else { throw ConfigurationError("\(path): rate_limits must be an object") }
                for (role, limit) in limits {
                    let text: String
                    if let s = limit as? String { text = s } else if let n = limit as? NSNumber { text = n.stringValue } else if limit is NSNull {
                        text = "none"
                    } else {
                        throw ConfigurationError("\(path): rate_limits.\(role) must be \"N\", \"N:BURST\" or \"none\"")
                    }
                    try setRateLimit(role + "=" + text)
                }
            default:
                throw ConfigurationError("\(path): unknown setting \(key)")
            }
        }
    }

    /// `HOST:PORT`, `:PORT` or `[IPv6]:PORT`.
    public mutating func setAddress(_ text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigurationError("--addr \(text): expected HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    public mutating func setLogLevel(_ text: String) throws {
        let aliases = ["warn": "warning", "err": "error", "crit": "critical"]
        guard let level = Logger.Level(rawValue: aliases[text.lowercased()] ?? text.lowercased()) else {
            throw ConfigurationError("--log-level \(text): expected trace, debug, info, notice, warning, error or critical")
        }
        logLevel = level
    }
}

/// A setting that cannot be used.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
