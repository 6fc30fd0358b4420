import LakeqColumnar

/// Shreds columns of any nesting (structs, lists, maps of `LakeqColumnar`) into the Dremel
/// levels of their leaves: per leaf, one repetition and one definition level per entry and the
/// defined values, as `LevelsWriter` takes them. The inverse of `NestedAssembler`.
///
/// Names follow the standard layouts the schema gets from `node(for:)`: list elements are
/// `element`, map entries `key` and `value`.
enum NestedShredder {
    /// The schema node of a top-level field.
    static func node(for field: Field) throws -> ParquetNode {
        switch field.type {
        case .structure(let fields):
            guard !fields.isEmpty else { throw ParquetError.invalidArgument("struct \(field.name) has no fields") }
            return .group(field.name, nullable: field.nullable, try fields.map(node(for:)))
        case .list(let element):
            var e = element
            e.name = "element"
            return .list(field.name, nullable: field.nullable, element: try node(for: e))
        case .map(let key, let value):
            var k = key, v = value
            k.name = "key"
            k.nullable = false
            v.name = "value"
            return .map(field.name, nullable: field.nullable, key: try node(for: k), value: try node(for: v))
        default:
            return .leaf(field.name, field.type, nullable: field.nullable)
        }
    }

    /// Leaves under a field (depth-first), with the column holding each leaf's values.
    private static func leafCount(_ type: DataType) -> Int {
        switch type {
        case .structure(let fs): return fs.reduce(0) { $0 + leafCount($1.type) }
        case .list(let e): return leafCount(e.type)
        case .map(let k, let v): return leafCount(k.type) + leafCount(v.type)
        default: return 1
        }
    }

    /// Per leaf being built: levels, and which slots of its values column are defined.
    struct LeafOutput {
        var definition: [UInt8] = []
        var repetition: [UInt8] = []
        var values: Column?
        var defined: [Int32] = []
    }

    /// The leaves of `column` (of `field`), one `LeafLevels` per leaf, rows `0..<rows`.
    static func shred(_ column: Column, field: Field, rows: Int) throws -> [LeafLevels] {
        var out = [LeafOutput](repeating: LeafOutput(), count: leafCount(field.type))
        for row in 0..<rows {
            try emit(field.type, nullable: field.nullable, column, row, rep: 0, def: 0, depth: 0, leaf: 0, &out, name: field.name)
        }
        return out.map { o in
            let values = o.values.map { Column(type: $0.type, values: $0.values.gather(o.defined)) }
                ?? Column(type: .int32, values: .int32([]))
            return LeafLevels(definition: o.definition, repetition: o.repetition, values: values)
        }
    }

    /// Every leaf under a type gets one entry at (`rep`, `def`): the value is missing from `def` on.
    private static func emitNull(_ type: DataType, rep: UInt8, def: UInt8, leaf: Int, _ out: inout [LeafOutput]) {
        for l in leaf..<(leaf + leafCount(type)) {
            out[l].repetition.append(rep)
            out[l].definition.append(def)
        }
    }

    private static func emit(_ type: DataType, nullable: Bool, _ column: Column, _ i: Int, rep: Int, def: Int, depth: Int,
                             leaf: Int, _ out: inout [LeafOutput], name: String) throws {
        guard i >= 0, i < column.count else { throw ParquetError.invalidArgument("column \(name): slot \(i) out of range") }
        guard def < 250, depth < 250 else { throw ParquetError.invalidArgument("column \(name): nested too deeply") }
        if column.isNull(i) {
            guard nullable else { throw ParquetError.invalidArgument("column \(name): null in a non-nullable field") }
            emitNull(type, rep: UInt8(rep), def: UInt8(def), leaf: leaf, &out)
            return
        }
        let d = def + (nullable ? 1 : 0)
        switch (type, column.values) {
        case (.structure(let fields), .structure(let s)):
            guard s.children.count == fields.count else { throw ParquetError.invalidArgument("column \(name): struct of \(s.children.count) children for \(fields.count) fields") }
            var l = leaf
            for (k, f) in fields.enumerated() {
                try emit(f.type, nullable: f.nullable, s.children[k], i, rep: rep, def: d, depth: depth, leaf: l, &out, name: name + "." + f.name)
                l += leafCount(f.type)
            }
        case (.list(let element), .list(let list)):
            let r = list.range(i)
            guard r.lowerBound >= 0, r.lowerBound <= r.upperBound, r.upperBound <= list.entries.count else {
                throw ParquetError.invalidArgument("column \(name): list offsets out of range")
            }
            if r.isEmpty { emitNull(type, rep: UInt8(rep), def: UInt8(d), leaf: leaf, &out); return }
            for (k, e) in r.enumerated() {
                try emit(element.type, nullable: element.nullable, list.entries, e, rep: k == 0 ? rep : depth + 1, def: d + 1,
                         depth: depth + 1, leaf: leaf, &out, name: name + ".element")
            }
        case (.map(let key, let value), .list(let list)):
            let r = list.range(i)
            guard r.lowerBound >= 0, r.lowerBound <= r.upperBound, r.upperBound <= list.entries.count,
                  case .structure(let kv) = list.entries.values, kv.children.count == 2 else {
                throw ParquetError.invalidArgument("column \(name): map entries malformed")
            }
            if r.isEmpty { emitNull(type, rep: UInt8(rep), def: UInt8(d), leaf: leaf, &out); return }
            for (k, e) in r.enumerated() {
                let entryRep = k == 0 ? rep : depth + 1
                try emit(key.type, nullable: false, kv.children[0], e, rep: entryRep, def: d + 1, depth: depth + 1, leaf: leaf, &out, name: name + ".key")
                try emit(value.type, nullable: value.nullable, kv.children[1], e, rep: entryRep, def: d + 1, depth: depth + 1,
                         leaf: leaf + leafCount(key.type), &out, name: name + ".value")
            }
        case (let t, let values) where !t.isNested:
            if case .list = values { throw ParquetError.invalidArgument("column \(name): \(t) held as a list") }
            if case .structure = values { throw ParquetError.invalidArgument("column \(name): \(t) held as a struct") }
            out[leaf].repetition.append(UInt8(rep))
            out[leaf].definition.append(UInt8(d))
            out[leaf].defined.append(Int32(i))
            if out[leaf].values == nil { out[leaf].values = column }
        default:
            throw ParquetError.invalidArgument("column \(name): values do not match its type \(type)")
        }
    }
}
