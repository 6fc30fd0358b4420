import LakeqColumnar

/// A statement parsed and bound but not yet run: what a caller needs to know before running
/// it (the tables and Delta versions it reads, its normalized text, where its outputs come
/// from), for result caches and column masking.
public struct PreparedQuery: Sendable {
    /// The statement as parsed.
    public let statement: Statement
    /// The bound query of a SELECT or EXPLAIN [ANALYZE]; nil for statements that write.
    public let bound: BoundQuery?

    /// `EXPLAIN` or `EXPLAIN ANALYZE`.
    public var isExplain: Bool {
        switch statement {
        case .explain, .explainAnalyze: return true
        default: return false
        }
    }

    /// CREATE TABLE AS, INSERT or COPY.
    public var writes: Bool { bound == nil }

    /// The statement printed back from its syntax tree: equal for queries that differ only in
    /// spacing, comments, keyword case or redundant parentheses.
    public var normalizedSQL: String { statement.description }

    /// Every table the query reads, with the Delta version read (nil for a plain Parquet
    /// directory), in plan order without repeats.
    public var tables: [(name: String, version: Int?)] {
        guard let plan = bound?.plan else { return [] }
        var out: [(String, Int?)] = []
        var seen = Set<String>()
        func walk(_ p: LogicalPlan) {
            if case .scan(let s) = p {
                let key = s.table.name + "@" + (s.table.deltaVersion.map(String.init) ?? "-")
                if seen.insert(key).inserted { out.append((s.table.name, s.table.deltaVersion)) }
            }
            for c in p.children { walk(c) }
        }
        walk(plan)
        return out
    }

    /// Which table columns each output is computed from (empty for statements that write).
    public var lineage: OutputLineage? { bound.map(OutputLineage.init) }

    /// The tables read (for the scans' open files).
    public var scannedTables: [Table] { scannedColumns.map(\.table) }

    /// Every table read with the names of the columns its scans read (partition columns
    /// included), in plan order, each table once.
    public var scannedColumns: [(table: Table, columns: Set<String>)] {
        guard let plan = bound?.plan else { return [] }
        var out: [(table: Table, columns: Set<String>)] = []
        func walk(_ p: LogicalPlan) {
            if case .scan(let s) = p {
                let names = s.columns.map { s.table.schema.fields[$0.tableColumn].name }
                if let k = out.firstIndex(where: { $0.table === s.table }) { out[k].columns.formUnion(names) }
                else { out.append((s.table, Set(names))) }
            }
            for c in p.children { walk(c) }
        }
        walk(plan)
        return out
    }
}

extension QueryEngine {
    /// Parses and binds one statement without running it.
    public func prepare(_ sql: String) throws -> PreparedQuery {
        let statement = try SQLParser.parse(sql)
        switch statement {
        case .select(let s), .explain(let s), .explainAnalyze(let s):
            return PreparedQuery(statement: statement, bound: try Binder(catalog: catalog).bind(s))
        case .createTableAs, .insert, .copy:
            return PreparedQuery(statement: statement, bound: nil)
        }
    }

    /// Runs a prepared statement (as `run` would have run its text).
    public func run(_ prepared: PreparedQuery) throws -> QueryResult {
        if case .select = prepared.statement, let bound = prepared.bound { return try execute(bound) }
        return try run(prepared.normalizedSQL)
    }

    /// The plan of a prepared SELECT and the pruning decided before reading, as `EXPLAIN`
    /// prints them (the query is not run).
    public func explainLines(_ prepared: PreparedQuery) throws -> [String] {
        guard case .select(let s) = prepared.statement else { return [] }
        let r = try run(Statement.explain(s).description)
        guard let column = r.columns.first, case .bytes(let b) = column.values.materialized() else { return [] }
        return (0..<r.rowCount).map { b.string(at: $0) }
    }
}
