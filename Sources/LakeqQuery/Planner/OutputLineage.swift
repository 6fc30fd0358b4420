import LakeqColumnar

/// Which table columns each output column of a plan is computed from.
///
/// The API service masks columns marked PII: an output whose values can show a PII column's
/// values (the column itself, an expression over it, or an aggregate such as min/max/sum of
/// it) is masked, while counts over it (`count`, `count(DISTINCT …)`,
/// `approx_count_distinct`) reveal no value and are left alone.
public struct OutputLineage: Sendable, Equatable {
    /// Per output column: the table columns whose values can show through it.
    public var revealing: [Set<String>]
    /// Per output column: every table column it depends on (counts included).
    public var dependsOn: [Set<String>]

    public init(_ plan: QueryPlan) {
        let fields = plan.table.schema.fields
        func names(_ e: BoundExpr?) -> Set<String> {
            guard let e else { return [] }
            return Set(e.columnsUsed.compactMap { k in
                k < plan.scanColumns.count && plan.scanColumns[k] < fields.count ? fields[plan.scanColumns[k]].name : nil
            })
        }
        var revealing: [Set<String>] = []
        var dependsOn: [Set<String>] = []
        for output in plan.outputs {
            guard plan.isAggregate else {
                let n = names(output)
                revealing.append(n)
                dependsOn.append(n)
                continue
            }
            // Over the aggregate batch: group keys first, then the aggregates.
            var shows = Set<String>(), uses = Set<String>()
            for i in output.columnsUsed {
                if i < plan.groupKeys.count {
                    let n = names(plan.groupKeys[i])
                    shows.formUnion(n)
                    uses.formUnion(n)
                } else if i - plan.groupKeys.count < plan.aggregates.count {
                    let a = plan.aggregates[i - plan.groupKeys.count]
                    let n = names(a.argument)
                    uses.formUnion(n)
                    switch a.function {
                    case .count, .countStar, .approxCountDistinct: break
                    case .sum, .avg, .min, .max: shows.formUnion(n)
                    }
                }
            }
            revealing.append(shows)
            dependsOn.append(uses)
        }
        self.revealing = revealing
        self.dependsOn = dependsOn
    }
}
