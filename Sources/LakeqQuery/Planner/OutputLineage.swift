import LakeqColumnar

/// A column of a table, as lineage names it.
public struct TableColumn: Hashable, Sendable, CustomStringConvertible {
    public var table: String
    public var column: String

    public init(table: String, column: String) {
        self.table = table
        self.column = column
    }

    public var description: String { table + "." + column }
}

/// Which table columns each output column of a bound query is computed from, followed
/// through every node of the logical plan (projections, joins, unions, aggregates, windows).
///
/// The API service masks columns marked PII: an output whose values can show a PII column's
/// values — the column itself, an expression over it, an aggregate or window function that
/// returns its values or a function of them (min, max, sum, avg, string_agg, arg_min,
/// lag, first_value, …) — is masked, while counting functions over it (`count`,
/// `count(DISTINCT …)`, `approx_count_distinct`, `count_if`, ranks and row numbers) reveal no
/// value and are left alone. Columns used only to filter, join or order do not flow into an
/// output.
public struct OutputLineage: Sendable, Equatable {
    /// Per output column: the table columns whose values can show through it.
    public var revealing: [Set<TableColumn>]
    /// Per output column: every table column it depends on (counts included).
    public var dependsOn: [Set<TableColumn>]

    public init(_ query: BoundQuery) {
        var builder = Builder()
        builder.walk(query.plan)
        revealing = query.columns.map { builder.reveal[$0.id] ?? [] }
        dependsOn = query.columns.map { builder.depends[$0.id] ?? [] }
    }

    private struct Builder {
        var reveal: [Int: Set<TableColumn>] = [:]
        var depends: [Int: Set<TableColumn>] = [:]

        func revealOf(_ e: BoundExpr) -> Set<TableColumn> {
            e.columnsUsed.reduce(into: Set<TableColumn>()) { $0.formUnion(reveal[$1] ?? []) }
        }

        func dependsOf(_ exprs: [BoundExpr]) -> Set<TableColumn> {
            exprs.reduce(into: Set<TableColumn>()) { s, e in for id in e.columnsUsed { s.formUnion(depends[id] ?? []) } }
        }

        mutating func set(_ id: Int, reveal r: Set<TableColumn>, depends d: Set<TableColumn>) {
            reveal[id, default: []].formUnion(r)
            depends[id, default: []].formUnion(d.union(r))
        }

        /// Aggregates whose result is a count, not a value of their input.
        static func counts(_ f: AggregateFunction) -> Bool {
            switch f {
            case .countStar, .count, .approxCountDistinct, .countIf: return true
            default: return false
            }
        }

        mutating func aggregate(_ id: Int, _ a: AggregateSpec) {
            let inputs = a.inputs
            if Self.counts(a.function) {
                set(id, reveal: [], depends: dependsOf(inputs))
            } else {
                // The value arguments show through (not a FILTER's or ORDER BY's columns).
                let values = [a.argument].compactMap { $0 } + a.extraArguments
                set(id, reveal: values.reduce(into: Set<TableColumn>()) { $0.formUnion(revealOf($1)) }, depends: dependsOf(inputs))
            }
        }

        mutating func walk(_ plan: LogicalPlan) {
            switch plan {
            case .scan(let s):
                for (id, k) in s.columns where k < s.table.schema.fields.count {
                    let c: Set<TableColumn> = [TableColumn(table: s.table.name, column: s.table.schema.fields[k].name)]
                    set(id, reveal: c, depends: c)
                }
            case .values(let rows, let outputs):
                for row in rows {
                    for (k, e) in row.enumerated() where k < outputs.count { set(outputs[k], reveal: revealOf(e), depends: dependsOf([e])) }
                }
            case .filter(let c, _), .sort(let c, _), .limit(let c, _, _), .distinct(let c), .enforceSingleRow(let c):
                walk(c)
            case .project(let c, let items):
                walk(c)
                for (id, e) in items { set(id, reveal: revealOf(e), depends: dependsOf([e])) }
            case .aggregate(let a):
                walk(a.input)
                for (id, e) in a.groups { set(id, reveal: revealOf(e), depends: dependsOf([e])) }
                for (id, spec) in a.aggregates { aggregate(id, spec) }
            case .join(let j):
                walk(j.left)
                walk(j.right)
                // A mark join's BOOLEAN answers a test; it shows no value.
                if let m = j.markColumn { set(m, reveal: [], depends: dependsOf([j.condition, j.markCondition].compactMap { $0 })) }
            case .unionAll(let inputs, let outputs):
                for input in inputs {
                    walk(input)
                    for (k, id) in input.outputs.enumerated() where k < outputs.count {
                        set(outputs[k], reveal: reveal[id] ?? [], depends: depends[id] ?? [])
                    }
                }
            case .window(let c, let items):
                walk(c)
                for (id, w) in items {
                    let ordering = dependsOf(w.partitionBy + w.orderBy.map(\.expr))
                    switch w.function {
                    case .rowNumber, .rank, .denseRank, .percentRank, .cumeDist:
                        set(id, reveal: [], depends: ordering)
                    case .ntile(let e):
                        set(id, reveal: [], depends: ordering.union(dependsOf([e])))
                    case .lag(let e, _, let d), .lead(let e, _, let d):
                        set(id, reveal: revealOf(e).union(d.map(revealOf) ?? []), depends: ordering.union(dependsOf([e])))
                    case .firstValue(let e), .lastValue(let e), .nthValue(let e, _):
                        set(id, reveal: revealOf(e), depends: ordering.union(dependsOf([e])))
                    case .aggregate(let a):
                        aggregate(id, a)
                        depends[id, default: []].formUnion(ordering)
                    }
                }
            case .range:
                break
            }
        }
    }
}
