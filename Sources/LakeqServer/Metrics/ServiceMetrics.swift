import CoreMetrics
import Foundation
import LakeqQuery
import Metrics
import Prometheus

/// The service's metrics, made through swift-metrics on this service's own Prometheus
/// registry (so two services in one process, as in tests, do not mix their numbers) and
/// exposed by `GET /metrics` in the Prometheus text format.
public final class ServiceMetrics: @unchecked Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let lock = NSLock()
    private var requestCounters: [String: CoreMetrics.Counter] = [:]
    private var requestTimers: [String: Metrics.Timer] = [:]
    private var versionGauges: [String: CoreMetrics.Gauge] = [:]
    private var rateLimitedCounters: [Role: CoreMetrics.Counter] = [:]

    let queriesRunning: CoreMetrics.Gauge
    let queriesQueued: CoreMetrics.Gauge
    let rowsScanned: CoreMetrics.Counter
    let bytesRead: CoreMetrics.Counter
    let filesSkipped: CoreMetrics.Counter
    let rowGroupsSkipped: [String: CoreMetrics.Counter]
    let cacheHits: CoreMetrics.Counter
    let cacheMisses: CoreMetrics.Counter
    let cacheBytes: CoreMetrics.Gauge
    let eventsAccepted: CoreMetrics.Counter
    let eventsRejected: CoreMetrics.Counter
    let eventCommits: CoreMetrics.Counter
    let eventCommitSeconds: Metrics.Timer
    let dictionaryHits: CoreMetrics.Counter
    let dictionaryMisses: CoreMetrics.Counter
    let dictionaryEvictions: CoreMetrics.Counter
    let dictionaryBytes: CoreMetrics.Gauge
    let dictionaryEntries: CoreMetrics.Gauge
    /// The dictionary cache whose counts `exposition` reports, and the counts reported so far.
    private var dictionaries: DictionaryCache?
    private var dictionaryCountsReported = DictionaryCache.Counts()

    public init() {
        registry = PrometheusCollectorRegistry()
        var f = PrometheusMetricsFactory(registry: registry)
        f.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        ]
        factory = f
        queriesRunning = CoreMetrics.Gauge(label: "lakeq_queries_running", factory: f)
        queriesQueued = CoreMetrics.Gauge(label: "lakeq_queries_queued", factory: f)
        rowsScanned = CoreMetrics.Counter(label: "lakeq_rows_scanned_total", factory: f)
        bytesRead = CoreMetrics.Counter(label: "lakeq_bytes_read_total", factory: f)
        filesSkipped = CoreMetrics.Counter(label: "lakeq_files_skipped_total", factory: f)
        var skips: [String: CoreMetrics.Counter] = [:]
        for reason in ["statistics", "dictionary", "page_index", "top_n", "partition_or_log"] {
            skips[reason] = CoreMetrics.Counter(label: "lakeq_row_groups_skipped_total", dimensions: [("reason", reason)], factory: f)
        }
        rowGroupsSkipped = skips
        cacheHits = CoreMetrics.Counter(label: "lakeq_cache_hits_total", factory: f)
        cacheMisses = CoreMetrics.Counter(label: "lakeq_cache_misses_total", factory: f)
        cacheBytes = CoreMetrics.Gauge(label: "lakeq_cache_bytes", factory: f)
        eventsAccepted = CoreMetrics.Counter(label: "lakeq_events_accepted_total", factory: f)
        eventsRejected = CoreMetrics.Counter(label: "lakeq_events_rejected_total", factory: f)
        eventCommits = CoreMetrics.Counter(label: "lakeq_event_commits_total", factory: f)
        eventCommitSeconds = Metrics.Timer(label: "lakeq_event_commit_duration_seconds", factory: f)
        dictionaryHits = CoreMetrics.Counter(label: "lakeq_dictionary_cache_hits_total", factory: f)
        dictionaryMisses = CoreMetrics.Counter(label: "lakeq_dictionary_cache_misses_total", factory: f)
        dictionaryEvictions = CoreMetrics.Counter(label: "lakeq_dictionary_cache_evictions_total", factory: f)
        dictionaryBytes = CoreMetrics.Gauge(label: "lakeq_dictionary_cache_bytes", factory: f)
        dictionaryEntries = CoreMetrics.Gauge(label: "lakeq_dictionary_cache_entries", factory: f)
    }

    /// Reports `cache`'s hits, misses, evictions and size with every exposition (the cache
    /// counts them itself, under its own lock; nothing is added to the read path).
    func observe(_ cache: DictionaryCache?) {
        lock.withLock { dictionaries = cache }
    }

    /// Moves the dictionary cache's counts since the last exposition into the metrics.
    private func syncDictionaryCache() {
        lock.lock()
        guard let cache = dictionaries else {
            lock.unlock()
            return
        }
        let now = cache.counts, before = dictionaryCountsReported
        dictionaryCountsReported = now
        lock.unlock()
        dictionaryHits.increment(by: now.hits - before.hits)
        dictionaryMisses.increment(by: now.misses - before.misses)
        dictionaryEvictions.increment(by: now.evictions - before.evictions)
        dictionaryBytes.record(now.bytes)
        dictionaryEntries.record(now.entries)
    }

    /// One finished request.
    func request(route: String, method: String, status: Int, duration: Duration) {
        let key = route + " " + method + " " + String(status)
        lock.lock()
        let counter: CoreMetrics.Counter
        if let c = requestCounters[key] { counter = c } else {
            counter = CoreMetrics.Counter(label: "lakeq_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))],
                              factory: factory)
            requestCounters[key] = counter
        }
        let timerKey = route + " " + method
        let timer: Metrics.Timer
        if let t = requestTimers[timerKey] { timer = t } else {
            timer = Metrics.Timer(label: "lakeq_http_request_duration_seconds", dimensions: [("route", route), ("method", method)], factory: factory)
            requestTimers[timerKey] = timer
        }
        lock.unlock()
        counter.increment()
        timer.recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + Int64(duration.components.attoseconds / 1_000_000_000))
    }

    /// What one query's scan did.
    func scan(_ s: ScanStatistics, bytes: Int) {
        rowsScanned.increment(by: s.rowsScanned)
        bytesRead.increment(by: bytes)
        filesSkipped.increment(by: s.filesSkippedByPartition + s.filesSkippedByStatistics)
        rowGroupsSkipped["statistics"]?.increment(by: s.rowGroupsSkippedByStatistics)
        rowGroupsSkipped["dictionary"]?.increment(by: s.rowGroupsSkippedByDictionary)
        rowGroupsSkipped["page_index"]?.increment(by: s.rowGroupsSkippedByPageIndex)
        rowGroupsSkipped["top_n"]?.increment(by: s.rowGroupsSkippedByTopN)
        rowGroupsSkipped["partition_or_log"]?.increment(by: s.rowGroupsInSkippedFiles)
    }

    func gate(running: Int, queued: Int) {
        queriesRunning.record(running)
        queriesQueued.record(queued)
    }

    func tableVersion(_ table: String, _ version: Int) {
        lock.lock()
        let gauge: CoreMetrics.Gauge
        if let g = versionGauges[table] { gauge = g } else {
            gauge = CoreMetrics.Gauge(label: "lakeq_table_version", dimensions: [("table", table)], factory: factory)
            versionGauges[table] = gauge
        }
        lock.unlock()
        gauge.record(version)
    }

    func rateLimited(role: Role) {
        lock.lock()
        let counter: CoreMetrics.Counter
        if let c = rateLimitedCounters[role] { counter = c } else {
            counter = CoreMetrics.Counter(label: "lakeq_rate_limited_total", dimensions: [("role", role.rawValue)], factory: factory)
            rateLimitedCounters[role] = counter
        }
        lock.unlock()
        counter.increment()
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        syncDictionaryCache()
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}
