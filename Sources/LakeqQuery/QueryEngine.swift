import Foundation
import LakeqColumnar
import LakeqParquet

/// A query's answer: named, typed columns.
public struct QueryResult: Sendable {
    public var names: [String]
    public var columns: [Column]
    public var rowCount: Int
    /// What the scans pruned and filtered (summed over every scan of the query).
    public var statistics: ScanStatistics

    public init(names: [String], columns: [Column], rowCount: Int, statistics: ScanStatistics) {
        self.names = names
        self.columns = columns
        self.rowCount = rowCount
        self.statistics = statistics
    }
}

/// Parses, binds, optimizes, plans and runs SQL over a lake, on several threads.
///
/// `run` goes SQL → `Statement` (`SQLParser`) → `LogicalPlan` (`Binder`) → rewritten plan
/// (`Optimizer`) → operator tree (`PhysicalPlanner`) → pipelines (`PipelineExecutor`).
public struct QueryEngine: Sendable {
    public var catalog: Catalog
    public var threads: Int { didSet { catalog.threads = threads } }
    /// Checked between batches: a cancelled or timed-out query stops with `ExecutionCancelled`.
    public var cancellation: CancellationToken?
    public var options = EngineOptions()

    public init(lake: String, threads: Int) {
        self.threads = max(1, threads)
        catalog = Catalog(lake: lake, threads: self.threads)
    }

    /// Runs one statement. EXPLAIN [ANALYZE] returns its plan as a one-column result.
    public func run(_ sql: String) throws -> QueryResult {
        switch try SQLParser.parse(sql) {
        case .select(let s):
            return try execute(try Binder(catalog: catalog).bind(s))
        case .explain(let s):
            let (root, _) = try physicalPlan(try Binder(catalog: catalog).bind(s))
            // Levels of pruning decided before reading (opens the footers of kept files).
            try Self.prepareScans(root)
            return Self.lines(Explain.render(root, analyzed: false), statistics: ScanStatistics())
        case .explainAnalyze(let s):
            let query = try Binder(catalog: catalog).bind(s)
            let (root, _) = try physicalPlan(query)
            let start = nowNanos()
            let ctx = ExecutionContext(threads: threads, cancellation: cancellation, options: options, profiling: true)
            _ = try run(root, ctx)
            let lines = Explain.render(root, analyzed: true, totalNanos: nowNanos() - start)
            return Self.lines(lines, statistics: ctx.scanStatistics)
        case .createTableAs(let name, let partitionBy, let query):
            return try TableWriter.createTableAs(self, name: name.name, partitionBy: partitionBy.map(\.name), query: query)
        case .insert(let name, let columns, let query):
            return try TableWriter.insert(self, name: name.name, columns: columns.map(\.name), query: query)
        case .copy(let query, let path, let options):
            return try TableWriter.copy(self, query: query, path: path, options: options)
        }
    }

    /// Runs a bound query.
    public func execute(_ query: BoundQuery) throws -> QueryResult {
        let (root, _) = try physicalPlan(query)
        let ctx = ExecutionContext(threads: threads, cancellation: cancellation, options: options, profiling: false)
        let batch = try run(root, ctx)
        return QueryResult(names: query.names, columns: batch.columns, rowCount: batch.rowCount, statistics: ctx.scanStatistics)
    }

    /// The operator tree of a bound query, its outputs in the query's column order.
    func physicalPlan(_ query: BoundQuery) throws -> (PhysicalOperator, [Int]) {
        let optimized = Optimizer.optimize(query.plan, registry: query.registry)
        let planner = PhysicalPlanner(registry: query.registry, options: options)
        planner.structFieldPaths = NestedFieldUse.paths(in: optimized, outputs: query.columns.map(\.id))
        var planned = try planner.plan(optimized)
        let want = query.columns.map(\.id)
        if planned.layout != want {
            let reg = query.registry
            var position: [Int: Int] = [:]
            for (i, id) in planned.layout.enumerated() where position[id] == nil { position[id] = i }
            let exprs = try want.map { id -> BoundExpr in
                guard let p = position[id] else { throw QueryError.execution("internal: result column \(reg.name(id)) is missing") }
                return BoundExpr(kind: .column(p), type: reg.type(id), text: reg.name(id))
            }
            planned = .init(op: Projection(planned.op, expressions: exprs, names: query.names), layout: want)
        }
        return (planned.op, planned.layout)
    }

    private func run(_ root: PhysicalOperator, _ ctx: ExecutionContext) throws -> RecordBatch {
        let collector = ResultCollector(types: root.outputTypes)
        let pipelines = try PipelineExecutor.pipelines(root: root, sink: collector)
        try PipelineExecutor.run(pipelines, ctx)
        return collector.result
    }

    static func prepareScans(_ op: PhysicalOperator) throws {
        if let scan = op as? TableScan { try scan.access.prepare() }
        for c in op.children { try prepareScans(c) }
    }

    static func lines(_ lines: [String], statistics: ScanStatistics) -> QueryResult {
        QueryResult(names: ["explain"], columns: [ColumnFactory.fromScalars(lines.map { .string($0) }, type: .string)],
                    rowCount: lines.count, statistics: statistics)
    }
}
