import LakeqColumnar

/// Binding of nested-type expressions: `s.field`, `x[i]`, `m[key]`, the list and map
/// functions, and `unnest(l)` in the select list (spec/sql.md "Nested types").
extension SelectBinder {
    /// `q.name` where `q` is no table of FROM but a STRUCT column: the field access
    /// `(q).name` to bind instead (DuckDB tries `table.column` first, then `column.field`).
    func structFieldRewrite(_ c: ColumnRef, location: SourceLocation) -> Expr? {
        guard let q = c.qualifier, scope.candidates(c).isEmpty else { return nil }
        if scope.columns.contains(where: { $0.qualifier == q || $0.qualifier?.lowercased() == q.lowercased() }) { return nil }
        let base = ColumnRef(q)
        let cands = scope.candidates(base)
        let outerCands = cands.isEmpty ? (scope.outer?.candidates(base) ?? []) : []
        // Any column: one that is no STRUCT gets the error that says so.
        guard cands.first ?? outerCands.first != nil else { return nil }
        return Expr(.fieldAccess(Expr(.column(base), location: location), c.name), location: location)
    }

    func bindFieldAccess(_ x: Expr, _ name: String, _ mode: Mode, text: String) throws -> BoundExpr {
        let b = try bind(x, mode)
        guard case .structure(let fields) = b.type else {
            throw QueryError.binding("cannot read field '\(name)' of \(SQLType.name(b.type)) \(b.text): it is not a STRUCT")
        }
        return try structExtract(b, name, fields, text: text)
    }

    private func structExtract(_ b: BoundExpr, _ name: String, _ fields: [Field], text: String) throws -> BoundExpr {
        guard let k = fields.firstIndex(where: { $0.name == name }) ?? fields.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else {
            var message = "struct \(b.text) has no field '\(name)'"
            if let close = Names.closest(to: name, in: fields.map(\.name)) { message += " (did you mean \(close)?)" }
            throw QueryError.binding(message + "; its fields: " + fields.map(\.name).joined(separator: ", "))
        }
        return BoundExpr(kind: .function(.structExtract, [b, .literal(.int(Int64(k)), .int64)]), type: fields[k].type, text: text)
    }

    /// `x[i]`: a list element (1-based, negative from the end), a map value by key, or a
    /// character of a string.
    func bindSubscript(_ x: Expr, _ index: Expr, _ mode: Mode, text: String) throws -> BoundExpr {
        let b = try bind(x, mode)
        var i = try bind(index, mode)
        switch b.type {
        case .list(let e):
            i = try integerIndex(i, text: text)
            return BoundExpr(kind: .function(.listExtract, [b, i]), type: e.type, text: text)
        case .map(let k, let v):
            i = try mapKey(i, k.type, text: text)
            return BoundExpr(kind: .function(.mapExtractValue, [b, i]), type: v.type, text: text)
        case .string:
            i = try integerIndex(i, text: text)
            return BoundExpr(kind: .function(.substr, [b, i, .literal(.int(1), .int64)]), type: .string, text: text)
        default:
            if TypeRules.isNullLiteral(b) { return .literal(.null, .int32) }
            throw QueryError.binding("cannot subscript \(SQLType.name(b.type)) \(b.text): [ ] needs a LIST, MAP or VARCHAR")
        }
    }

    private func integerIndex(_ i: BoundExpr, text: String) throws -> BoundExpr {
        guard TypeRules.isInteger(i.type) || TypeRules.isNullLiteral(i) else {
            throw QueryError.binding("a list index must be an integer, got \(SQLType.name(i.type)): \(text)")
        }
        return try TypeRules.coerce(i, to: .int64)
    }

    private func mapKey(_ i: BoundExpr, _ keyType: DataType, text: String) throws -> BoundExpr {
        if case .literal(let v) = i.kind {
            guard TypeRules.fits(v, keyType) || (v.isString && keyType != .string) else {
                throw QueryError.binding("a key of MAP(\(SQLType.name(keyType)), …) cannot be \(Casts.text(v)): \(text)")
            }
            return BoundExpr(kind: .literal(try TypeRules.coerceLiteral(v, to: keyType)), type: keyType, text: i.text)
        }
        guard i.type == keyType || (SQLType.isNumeric(i.type) && SQLType.isNumeric(keyType)) else {
            throw QueryError.binding("a key of MAP(\(SQLType.name(keyType)), …) cannot be \(SQLType.name(i.type)): \(text)")
        }
        return i
    }

    /// The nested functions of `ScalarFunction` (arguments already bound).
    func bindNestedFunction(_ fn: ScalarFunction, _ args: [BoundExpr], name: String, text: String) throws -> BoundExpr {
        func arity(_ n: Int) throws {
            guard args.count == n else { throw QueryError.binding("\(name) takes \(n) argument(s): \(text)") }
        }
        func listArgument() throws -> Field {
            if case .list(let e) = args[0].type { return e }
            throw QueryError.binding("\(name) needs a LIST, got \(SQLType.name(args[0].type)): \(text)")
        }
        func mapArgument() throws -> (Field, Field) {
            if case .map(let k, let v) = args[0].type { return (k, v) }
            throw QueryError.binding("\(name) needs a MAP, got \(SQLType.name(args[0].type)): \(text)")
        }
        switch fn {
        case .structExtract:
            try arity(2)
            guard case .structure(let fields) = args[0].type else { throw QueryError.binding("\(name) needs a STRUCT, got \(SQLType.name(args[0].type)): \(text)") }
            guard case .literal(.string(let field)) = args[1].kind else { throw QueryError.binding("\(name) needs a constant field name: \(text)") }
            return try structExtract(args[0], field, fields, text: text)
        case .listExtract:
            try arity(2)
            if case .structure(let fields) = args[0].type, case .literal(.string(let field)) = args[1].kind {
                return try structExtract(args[0], field, fields, text: text)
            }
            if case .map(let k, let v) = args[0].type {
                return BoundExpr(kind: .function(.mapExtractValue, [args[0], try mapKey(args[1], k.type, text: text)]), type: v.type, text: text)
            }
            if args[0].type == .string {
                return BoundExpr(kind: .function(.substr, [args[0], try integerIndex(args[1], text: text), .literal(.int(1), .int64)]), type: .string, text: text)
            }
            let e = try listArgument()
            return BoundExpr(kind: .function(.listExtract, [args[0], try integerIndex(args[1], text: text)]), type: e.type, text: text)
        case .mapExtractValue:
            try arity(2)
            let (k, v) = try mapArgument()
            return BoundExpr(kind: .function(.mapExtractValue, [args[0], try mapKey(args[1], k.type, text: text)]), type: v.type, text: text)
        case .listLength, .cardinality:
            try arity(1)
            if args[0].type == .string { return BoundExpr(kind: .function(.length, args), type: .int64, text: text) }
            switch args[0].type {
            case .list, .map: return BoundExpr(kind: .function(.listLength, args), type: .int64, text: text)
            default: throw QueryError.binding("\(name) needs a LIST or MAP, got \(SQLType.name(args[0].type)): \(text)")
            }
        case .mapKeys, .mapValues:
            try arity(1)
            let (k, v) = try mapArgument()
            let element = fn == .mapKeys ? k : v
            return BoundExpr(kind: .function(fn, args), type: .list(element: element), text: text)
        case .listSum, .listAvg:
            try arity(1)
            let e = try listArgument()
            guard SQLType.isNumeric(e.type) else { throw QueryError.binding("\(name) needs a list of numbers, got \(SQLType.name(args[0].type)): \(text)") }
            let type: DataType
            switch e.type {
            case _ where fn == .listAvg: type = .float64
            case .int32, .int64: type = .int64
            case .decimal(_, let s): type = .decimal(precision: 18, scale: s)
            default: type = .float64
            }
            return BoundExpr(kind: .function(fn, args), type: type, text: text)
        case .listMin, .listMax:
            try arity(1)
            let e = try listArgument()
            guard !e.type.isNested else { throw QueryError.binding("\(name) needs a list of scalar values: \(text)") }
            return BoundExpr(kind: .function(fn, args), type: e.type, text: text)
        case .listCount:
            try arity(1)
            _ = try listArgument()
            return BoundExpr(kind: .function(fn, args), type: .int64, text: text)
        case .listContains:
            try arity(2)
            let e = try listArgument()
            var needle = args[1]
            if case .literal(let v) = needle.kind { needle = BoundExpr(kind: .literal(try TypeRules.coerceLiteral(v, to: e.type)), type: e.type, text: needle.text) }
            return BoundExpr(kind: .function(fn, [args[0], needle]), type: .boolean, text: text)
        case .structPack:
            throw QueryError.binding("struct_pack takes named arguments (name := value): \(text)")
        case .map:
            // `map()` is an empty MAP; `map(keys, values)` pairs two lists (DuckDB's spelling).
            if args.isEmpty {
                return BoundExpr(kind: .function(.map, []), type: Self.mapType(.int32, .int32), text: text)
            }
            try arity(2)
            // A NULL literal list is an INTEGER[] NULL: the map is NULL (as DuckDB).
            let lists = args.map { a -> BoundExpr in
                TypeRules.isNullLiteral(a) ? BoundExpr(kind: .literal(.null), type: .list(element: Field(name: "element", type: .int32, nullable: true)), text: a.text) : a
            }
            let elements = try lists.map { a -> Field in
                if case .list(let e) = a.type { return e }
                throw QueryError.binding("map(keys, values) needs two LISTs, got \(SQLType.name(a.type)) \(a.text): \(text)")
            }
            return BoundExpr(kind: .function(.map, lists), type: Self.mapType(elements[0].type, elements[1].type), text: text)
        case .mapFromEntries:
            try arity(1)
            if TypeRules.isNullLiteral(args[0]) { return BoundExpr(kind: .literal(.null), type: Self.mapType(.int32, .int32), text: text) }
            guard case .list(let e) = args[0].type, case .structure(let kv) = e.type, kv.count == 2 else {
                throw QueryError.binding("map_from_entries needs a LIST of STRUCTs with two fields (key, value), got \(SQLType.name(args[0].type)): \(text)")
            }
            return BoundExpr(kind: .function(.mapFromEntries, args), type: Self.mapType(kv[0].type, kv[1].type), text: text)
        case .listValue:
            // Elements in their common type; `[]` and `[NULL]` are INTEGER[] (DuckDB: "NULL"[]).
            let element = args.isEmpty ? DataType.int32 : try TypeRules.commonType(args, text: text)
            let coerced = try args.map { try TypeRules.coerce($0, to: element) }
            return BoundExpr(kind: .function(.listValue, coerced), type: .list(element: Field(name: "element", type: element, nullable: true)), text: text)
        default:
            throw QueryError.binding("unknown function \(name)")
        }
    }

    /// A MAP type as the constructors make it (keys never NULL).
    static func mapType(_ key: DataType, _ value: DataType) -> DataType {
        .map(key: Field(name: "key", type: key, nullable: false), value: Field(name: "value", type: value, nullable: true))
    }

    /// `struct_pack(a := x, …)` and `{'a': x, …}`: a STRUCT of the values, fields in order.
    /// Names are unique regardless of case (DuckDB's rule); a NULL literal is an INTEGER field.
    func bindStructPack(_ names: [String], _ values: [Expr], _ mode: Mode, text: String) throws -> BoundExpr {
        var seen = Set<String>()
        for n in names where !seen.insert(n.lowercased()).inserted {
            throw QueryError.binding("duplicate field name \"\(n)\" in struct_pack (names are case-insensitive): \(text)")
        }
        let bound = try values.map { v -> BoundExpr in
            let b = try bind(v, mode)
            return TypeRules.isNullLiteral(b) ? try TypeRules.coerce(b, to: .int32) : b
        }
        let fields = zip(names, bound).map { Field(name: $0, type: $1.type, nullable: true) }
        return BoundExpr(kind: .function(.structPack, bound), type: .structure(fields: fields), text: text)
    }

    /// `unnest(l)` in the select list: a column of the elements, one row per element
    /// (computed by an `unnest` plan node below the projection).
    func bindUnnest(_ f: FunctionCall, _ mode: Mode, text: String) throws -> BoundExpr {
        guard unnestAllowed else { throw QueryError.binding("UNNEST is allowed only in the select list: \(text)") }
        guard f.arguments.count == 1, !f.distinct, f.orderBy.isEmpty else { throw QueryError.binding("unnest takes one LIST: \(text)") }
        let list = try bind(f.arguments[0], mode)
        let element: DataType
        switch list.type {
        case .list(let e): element = e.type
        default:
            if TypeRules.isNullLiteral(list) { element = .int32 } else {
                throw QueryError.binding("unnest needs a LIST, got \(SQLType.name(list.type)): \(text)")
            }
        }
        let id = registry.add(text, element)
        unnests.append((id, list))
        return .column(id, element, text)
    }
}
