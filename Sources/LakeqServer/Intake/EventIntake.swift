import Foundation
import LakeqDelta
import LakeqIngest
import Logging
import NIOPosix
import ServiceLifecycle

/// Group commit of `POST /v1/events`: requests validate their records on the work pool, then
/// wait here; everything waiting for a table becomes ONE Delta commit, and every request of it
/// is answered with that version. Commits start at most once per window (`interval` after
/// the last one started), so no request waits more than one window before its commit starts,
/// and under steady load every commit holds a whole window's requests; an idle service
/// commits a lone request after a short gathering pause (requests arriving together share a
/// commit). `maxRows` waiting rows start a commit at once. A request is answered only after its
/// commit is durable, so an accepted event is never lost; a failed commit fails every
/// request in it, and none of their rows is in the table (a commit is all or nothing).
///
/// Runs as a service of the application. On graceful shutdown (after the HTTP server has
/// stopped taking requests and drained) it commits whatever still waits, then returns.
final class EventIntake: Service, @unchecked Sendable {
    struct Submission {
        let batch: RecordAppender.Batch
        let continuation: CheckedContinuation<Int?, any Error>
    }

    let lake: String
    let rules: TableRules
    let interval: Duration
    let maxRows: Int
    let pool: NIOThreadPool
    let metrics: ServiceMetrics
    let logger: Logger
    let idempotency = IdempotencyStore()

    private let lock = NSLock()
    private var waiting: [String: [Submission]] = [:]
    private var waitingRows = 0
    private var firstArrival: ContinuousClock.Instant?
    private var lastCommitStart: ContinuousClock.Instant?
    private var appenders: [String: RecordAppender] = [:]
    private var running = false
    private var stopped = false
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    init(lake: String, rules: TableRules, interval: Duration, maxRows: Int, pool: NIOThreadPool, metrics: ServiceMetrics, logger: Logger) {
        self.lake = lake
        self.rules = rules
        self.interval = interval
        self.maxRows = maxRows
        self.pool = pool
        self.metrics = metrics
        self.logger = logger
        (wake, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: tables

    /// The appender of `table`, opened once (on the work pool: it reads the Delta log). The
    /// first open also loads the idempotency keys its recent commits recorded.
    func appender(table: String) async throws -> RecordAppender {
        if let a = lock.withLock({ appenders[table] }) { return a }
        let lake = self.lake, rules = self.rules
        let opened = try await pool.runIfActive { () throws -> RecordAppender in
            guard ServiceState.isPlainTableName(table) else { throw APIError(.badRequest, "bad_table", "table name \(table) is not a table of the lake") }
            let path = lake + "/" + table
            guard DeltaTable.isDeltaTable(path) || rules.schema(table: table) != nil else {
                throw APIError(.notFound, "table_not_found", "table \(table) not found in the lake (and no schema to create it with)")
            }
            // The table's own rules; the service's --schema only for a table that stores none
            // (or does not exist yet: it is created with them, partitioned by `date` if it has one).
            var fallback = rules.schema(table: table)
            var partitions = fallback?.columns.contains(where: { $0.name == "date" }) == true ? ["date"] : []
            do {
                if DeltaTable.isDeltaTable(path), let latest = try DeltaTable(path: path).latestVersion() {
                    if try IngestSchema.stored(in: DeltaTable(path: path).snapshot(version: latest)) != nil { fallback = nil }
                    partitions = []
                }
                return try RecordAppender(lake: lake, table: table, schema: fallback, partitionBy: partitions,
                                          engineInfo: "lakeq serve", threads: ProcessInfo.processInfo.activeProcessorCount)
            } catch let e as IngestError {
                throw APIError(.unprocessableContent, "table_rules", "table \(table): \(e.description)")
            } catch let e as DeltaError {
                throw APIError(.internalServerError, "table_unreadable", "table \(table): \(e.description)")
            }
        }
        let (chosen, isNew) = lock.withLock { () -> (RecordAppender, Bool) in
            if let a = appenders[table] { return (a, false) }
            appenders[table] = opened
            return (opened, true)
        }
        if !isNew { return chosen }
        await idempotency.load(from: opened, pool: pool, logger: logger)
        return opened
    }

    // MARK: submitting

    /// Queues a validated batch for the next group commit of `table` and returns the version
    /// that committed it (nil when it held nothing to commit).
    func submit(table: String, batch: RecordAppender.Batch) async throws -> Int? {
        if batch.records.count == 0 { return nil }
        let direct = lock.withLock { stopped || !running }
        if direct {
            // No commit loop (shut down, or not started): commit this batch on its own.
            return try await commit(table: table, [batch])
        }
        return try await withCheckedThrowingContinuation { c in
            lock.withLock {
                waiting[table, default: []].append(Submission(batch: batch, continuation: c))
                waitingRows += batch.records.count
                if firstArrival == nil { firstArrival = .now }
            }
            wakeContinuation.yield()
        }
    }

    private func commit(table: String, _ batches: [RecordAppender.Batch]) async throws -> Int? {
        let appender = try await appender(table: table)
        let start = ContinuousClock.now
        let version = try await pool.runIfActive { try appender.commit(batches) }
        metrics.eventCommitSeconds.recordNanoseconds(Int64((ContinuousClock.now - start).components.attoseconds / 1_000_000_000)
            + Int64((ContinuousClock.now - start).components.seconds) * 1_000_000_000)
        metrics.eventCommits.increment()
        if let version { metrics.tableVersion(table, version) }
        return version
    }

    // MARK: the commit loop

    func run() async throws {
        lock.withLock { running = true }
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: {
            self.lock.withLock { self.stopped = true }
            self.wakeContinuation.yield()
        }
        // Anything that slipped in after the last window (there should be none: the server
        // stopped first) is committed now.
        await commitWaiting()
        lock.withLock { running = false }
    }

    private func loop() async {
        var wakes = wake.makeAsyncIterator()
        while true {
            let (stop, first, rows, last) = lock.withLock { (stopped, firstArrival, waitingRows, lastCommitStart) }
            // Cancelled (the service torn down without a graceful shutdown): what waits is
            // committed by `run` after the loop. Without this check a cancelled task would spin,
            // as `next()` and `Task.sleep` return at once in a cancelled task.
            if stop || Task.isCancelled { return }
            guard let first else {
                // Nothing waits: sleep until a submission (or shutdown) wakes us; nil means the
                // stream ended or the task was cancelled.
                guard await wakes.next() != nil else { return }
                continue
            }
            let gather = min(interval, .milliseconds(5))
            var due = first + gather
            if let last, last + interval > due { due = last + interval }
            if rows < maxRows, ContinuousClock.now < due {
                try? await Task.sleep(until: due, clock: .continuous)
                if lock.withLock({ stopped }) || Task.isCancelled { return }
            }
            await commitWaiting()
        }
    }

    /// Takes everything waiting and commits it, one commit per table.
    private func commitWaiting() async {
        let taken = lock.withLock { () -> [String: [Submission]] in
            let t = waiting
            waiting = [:]
            waitingRows = 0
            firstArrival = nil
            if !t.isEmpty { lastCommitStart = .now }
            return t
        }
        for (table, submissions) in taken.sorted(by: { $0.key < $1.key }) {
            do {
                let version = try await commit(table: table, submissions.map(\.batch))
                for s in submissions { s.continuation.resume(returning: version) }
            } catch {
                logger.error("event commit failed", metadata: ["table": .string(table), "error": .string("\(error)"),
                                                               "requests": .stringConvertible(submissions.count)])
                for s in submissions { s.continuation.resume(throwing: error) }
            }
        }
    }
}
