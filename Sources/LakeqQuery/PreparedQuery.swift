import LakeqColumnar

/// A statement parsed and bound but not yet run: what a caller needs to know before running
/// it (the table and Delta version it reads, its normalized text, where its outputs come
/// from), for result caches and column masking.
public struct PreparedQuery: Sendable {
    /// The statement as parsed.
    public let statement: Statement
    /// The bound plan.
    public let plan: QueryPlan
    /// `EXPLAIN SELECT …`.
    public var isExplain: Bool {
        if case .explain = statement { return true }
        return false
    }
    /// The statement printed back from its syntax tree: equal for queries that differ only in
    /// spacing, comments, keyword case or redundant parentheses.
    public var normalizedSQL: String { statement.description }
    /// The table read and its Delta version (nil for a plain Parquet directory).
    public var table: (name: String, version: Int?) { (plan.table.name, plan.table.deltaVersion) }
    /// Which table columns each output is computed from.
    public var lineage: OutputLineage { OutputLineage(plan) }

    /// The plan and what pruning skipped, as `EXPLAIN` prints them, for a run's statistics.
    public func explain(_ statistics: ScanStatistics) -> [String] { Explain.render(plan, statistics) }
}

extension QueryEngine {
    /// Parses and binds one statement without running it.
    public func prepare(_ sql: String) throws -> PreparedQuery {
        let statement = try SQLParser.parse(sql)
        let select: SelectStatement
        switch statement {
        case .select(let s), .explain(let s): select = s
        }
        return PreparedQuery(statement: statement, plan: try Binder(catalog: catalog).bind(select))
    }

    /// Runs a prepared statement (as `run` would have run its text).
    public func run(_ prepared: PreparedQuery) throws -> QueryResult {
        let result = try execute(prepared.plan)
        guard prepared.isExplain else { return result }
        let lines = Explain.render(prepared.plan, result.statistics)
        return QueryResult(names: ["explain"], columns: [ColumnFactory.fromScalars(lines.map { .string($0) }, type: .string)],
                           rowCount: lines.count, statistics: result.statistics)
    }
}
