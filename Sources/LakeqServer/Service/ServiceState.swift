import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqIngest
import LakeqQuery
import Logging
import NIOPosix

/// What every route shares: the settings, keys, caches, limits, thread pools, metrics and
/// logs of one running service.
final class ServiceState: Sendable {
    let config: ServerConfiguration
    let lake: String
    let logger: Logger
    let keys: KeyStore
    let metrics: ServiceMetrics
    let tables: TableCache
    let results: ResultCache
    /// Decoded dictionary pages shared by every query (nil: `dictionary_cache_bytes` is 0).
    let dictionaries: DictionaryCache?
    /// Partial aggregates of the analytics queries, merged forward commit by commit.
    let incremental: IncrementalAnalytics
    let gate: QueryGate
    let limiter: RateLimiter
    let audit: AuditLog?
    let masker: PIIMasker
    /// Queries run here, off the event loops (one thread per admitted query).
    let queryPool: NIOThreadPool
    /// Event validation, encoding and other CPU work that must not block an event loop.
    let workPool: NIOThreadPool
    let rules: TableRules
    let quality: QualityIndex
    let intake: EventIntake

    init(config: ServerConfiguration, keys: KeyStore, logger: Logger) throws {
        self.config = config
        var lake = config.lake
        while lake.count > 1 && lake.hasSuffix("/") { lake.removeLast() }
        self.lake = lake
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: lake, isDirectory: &isDir), isDir.boolValue else {
            throw ConfigurationError("lake \(lake): no such directory")
        }
        self.logger = logger
        self.keys = keys
        let metrics = ServiceMetrics()
        self.metrics = metrics
        tables = TableCache()
        results = ResultCache(capacity: config.cacheBytes, entryLimit: config.cacheEntryMaxBytes)
        let dictionaries = config.dictionaryCacheBytes > 0 ? DictionaryCache(capacity: config.dictionaryCacheBytes) : nil
        self.dictionaries = dictionaries
        metrics.observe(dictionaries)
        incremental = IncrementalAnalytics(budget: config.incrementalBytes)
        gate = QueryGate(capacity: config.maxConcurrentQueries, queueDepth: config.queueDepth, maxWait: config.queueWait) { running, queued in
            metrics.gate(running: running, queued: queued)
        }
        limiter = RateLimiter(limits: config.rateLimits)
        audit = try config.auditLog.map { try AuditLog(path: $0) }
        var secret = keys.piiSecret
        if secret.isEmpty {
            // No keys file secret (tests, or a file written by hand): one per run.
            secret = KeyStore.randomBytes(32)
            logger.warning("the keys file holds no pii_secret: masked values change with every restart")
        }
        masker = PIIMasker(secret: secret)
        queryPool = NIOThreadPool(numberOfThreads: max(1, config.maxConcurrentQueries))
        queryPool.start()
        workPool = NIOThreadPool(numberOfThreads: max(1, ProcessInfo.processInfo.activeProcessorCount))
        workPool.start()
        let schema = try config.schemaFile.map { try IngestSchema.load(path: $0) }
        rules = TableRules(lake: lake, fallbackSchema: schema, fallbackPII: Set(config.piiColumns), tables: tables)
        quality = QualityIndex(lake: lake)
        intake = EventIntake(lake: lake, rules: rules, interval: config.commitInterval, maxRows: config.commitMaxRows,
                             pool: workPool, metrics: metrics, logger: logger)
    }

    /// An engine that reads only the lake's tables, through the shared table cache.
    func engine(version: Int?, threads: Int, timeout: Duration?) -> QueryEngine {
        var engine = QueryEngine(lake: lake, threads: threads)
        engine.options = config.engineOptions
        engine.options.dictionaryCache = dictionaries
        engine.catalog.access = .lakeTablesOnly
        engine.catalog.tableCache = tables
        engine.catalog.version = version
        engine.cancellation = CancellationToken(timeout: timeout)
        return engine
    }

    /// Engine threads for a query starting now: all of them when it runs alone, a share when
    /// several run (they would only contend for the same cores).
    var threadsPerQuery: Int {
        max(1, config.engineThreads / max(1, gate.active))
    }

    /// The latest Delta version of table `name`, or nil when it is not a Delta table of the
    /// lake (a plain Parquet directory, or a name that is not a table at all).
    func latestVersion(table name: String) -> Int? {
        guard Self.isPlainTableName(name) else { return nil }
        return (try? tables.latestVersion(path: lake + "/" + name)) ?? nil
    }

    static func isPlainTableName(_ name: String) -> Bool {
        !(name.isEmpty || name.hasPrefix(".") || name.hasPrefix("_") || name.contains("/") || name.contains("\\") || name.utf8.contains(0))
    }

    func shutdown() async {
        try? await queryPool.shutdownGracefully()
        try? await workPool.shutdownGracefully()
        audit?.flush()
        JSONLogHandler.sharedStandardError.flush()
    }
}

/// The rules and PII marks of each table: the table's own (stored in its Delta `metaData`,
/// see `IngestSchema.of`), plus the service's `--pii-columns`; `--schema` only for a table
/// that stores no rules (or does not exist yet, for the event intake to create it).
final class TableRules: @unchecked Sendable {
    let lake: String
    let fallbackSchema: IngestSchema?
    let fallbackPII: Set<String>
    private let lock = NSLock()
    /// Per table: the version the marks were read at, and the marks.
    private var marks: [String: (version: Int, pii: Set<String>)] = [:]
    let tables: TableCache

    init(lake: String, fallbackSchema: IngestSchema?, fallbackPII: Set<String>, tables: TableCache) {
        self.lake = lake
        self.fallbackSchema = fallbackSchema
        self.fallbackPII = fallbackPII
        self.tables = tables
    }

    /// Columns of `table` whose values are PII: the table's marks (re-read when its log
    /// advances) and the service's `--pii-columns`.
    func piiColumns(table: String) -> Set<String> {
        guard ServiceState.isPlainTableName(table) else { return fallbackPII }
        let path = lake + "/" + table
        guard let version = (try? tables.latestVersion(path: path)) ?? nil else { return fallbackPII }
        if let known = lock.withLock({ marks[table] }), known.version == version { return known.pii.union(fallbackPII) }
        // Column metadata of the latest metaData (a new version rarely changes it; reading the
        // snapshot is incremental through the delta log's refresh).
        let snapshot = tables.latestSnapshot(path: path).flatMap { $0.version == version ? $0 : nil }
            ?? (try? DeltaTable(path: path).snapshot(version: version))
        let pii = snapshot?.piiColumns ?? []
        lock.withLock { marks[table] = (version, pii) }
        return pii.union(fallbackPII)
    }

    /// The ingest schema to validate events with when the table stores none.
    func schema(table: String) -> IngestSchema? { fallbackSchema }
}
