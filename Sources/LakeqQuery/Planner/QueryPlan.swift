import LakeqColumnar

/// One aggregate of a grouped query.
public struct AggregateSpec: Sendable {
    public var function: AggregateFunction
    /// The argument, over the scan batch; nil for count(*).
    public var argument: BoundExpr?
    public var distinct: Bool
    public var type: DataType
    public var text: String
}

/// One ORDER BY key over the output context.
public struct SortKey: Sendable {
    public var expr: BoundExpr
    public var descending: Bool
    /// Where NULLs go; defaults follow DuckDB (NULLS LAST for both directions).
    public var nullsFirst: Bool
}

/// A bound, planned SELECT over one table.
///
/// Execution: scan (pruned) → filter → either aggregate (keys + aggregates, then HAVING) or
/// project → sort / top-N → offset and limit. Expressions are bound against:
/// - the scan batch: column k is table column `scanColumns[k]`;
/// - for grouped queries, the aggregate batch: group keys then aggregates.
public struct QueryPlan: Sendable {
    public var table: Table
    public var scanColumns: [Int]
    public var filter: BoundExpr?
    public var isAggregate: Bool
    public var groupKeys: [BoundExpr]
    public var aggregates: [AggregateSpec]
    public var having: BoundExpr?
    /// Visible output expressions.
    public var outputs: [BoundExpr]
    public var outputNames: [String]
    public var orderBy: [SortKey]
    public var limit: Int?
    public var offset: Int
    /// Treat the outputs as a set (SELECT DISTINCT without GROUP BY is planned as grouping).
    public var distinct: Bool

    /// The scan-batch indices of columns the filter reads (decoded first).
    public var filterColumns: Set<Int> { filter?.columnsUsed ?? [] }

    /// Table columns the query reads, by name.
    public var scanColumnNames: [String] { scanColumns.map { table.schema.fields[$0].name } }
}
