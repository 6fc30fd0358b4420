import LakeqColumnar

/// Which struct fields a plan reads of each STRUCT column: a column read only through field
/// accesses (`s.a`, `s.b.c`) needs only those fields' leaves decoded; one read whole (`s`,
/// `s IS NULL`, a projection passing it on, a query output) needs them all.
enum NestedFieldUse {
    /// Per column id read only through struct field accesses: the field paths (names from the
    /// column down). Columns read whole, and flat ones, are absent.
    static func paths(in plan: LogicalPlan, outputs: [Int]) -> [Int: Set<[String]>] {
        var paths: [Int: Set<[String]>] = [:]
        var whole = Set(outputs)
        func visit(_ e: BoundExpr) {
            if let (id, path) = fieldChain(e), !path.isEmpty {
                paths[id, default: []].insert(path)
                return
            }
            if case .column(let id) = e.kind { whole.insert(id) }
            for c in e.children { visit(c) }
        }
        func walk(_ p: LogicalPlan) {
            for e in p.localExpressions { visit(e) }
            for c in p.children { walk(c) }
        }
        walk(plan)
        for id in whole { paths[id] = nil }
        return paths
    }

    /// `column.f1.f2…` as a chain of `struct_extract` over a column: its id and field names.
    static func fieldChain(_ e: BoundExpr) -> (Int, [String])? {
        switch e.kind {
        case .column(let id): return (id, [])
        case .function(.structExtract, let args):
            guard args.count == 2, case .literal(.int(let k)) = args[1].kind, case .structure(let fields) = args[0].type,
                  k >= 0, Int(k) < fields.count, let (id, path) = fieldChain(args[0]) else { return nil }
            return (id, path + [fields[Int(k)].name])
        default: return nil
        }
    }
}
