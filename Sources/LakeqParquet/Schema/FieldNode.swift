import LakeqColumnar

/// A top-level field of a Parquet schema as a tree of logical nodes (struct, list, map, leaf),
/// read with the backward-compatibility rules of LogicalTypes.md, each node carrying the
/// definition and repetition levels that assemble its values from the leaf columns.
///
/// `ParquetSchema.fields` holds one per top-level field; flat columns are single leaves.
public struct FieldNode: Sendable {
    public indirect enum Kind: Sendable {
        /// A primitive leaf: column `column` of `ParquetSchema.columns`.
        case leaf(column: Int)
        case structure([FieldNode])
        /// A list: its entries exist from definition level `entryDefinition`, and a level entry
        /// whose repetition level is `entryRepetition` adds an entry to the current list.
        case list(element: FieldNode, entryDefinition: Int, entryRepetition: Int)
        /// A map: entries as for lists, each a key and a value.
        case map(key: FieldNode, value: FieldNode, entryDefinition: Int, entryRepetition: Int)
    }

    public var name: String
    public var type: DataType
    /// True when a slot of this node may be null (its definition level can be missed).
    public var nullable: Bool
    /// Definition level from which this node's value is present (non-null).
    public var definition: Int
    public var kind: Kind
    /// Leaf columns under this node, in schema order.
    public var leaves: [Int]

    public var field: Field { Field(name: name, type: type, nullable: nullable) }

    /// True for a top-level primitive column without repetition.
    public var isFlatLeaf: Bool { if case .leaf = kind { return true } else { return false } }
}

extension ParquetSchema {
    /// Builds the logical tree of every top-level field from the element list (already
    /// validated by `init(elements:)`).
    static func buildFields(_ elements: [SchemaElement], columns: [ColumnDescriptor]) throws -> [FieldNode] {
        // The element tree: children of each element, by index.
        var children = [[Int]](repeating: [], count: elements.count)
        var next = 1
        func attach(_ parent: Int, depth: Int) throws {
            guard depth < 128 else { throw ParquetError.corrupt("schema nested too deeply") }
            let n = max(0, Int(elements[parent].numChildren ?? 0))  // negative counts were refused already
            for _ in 0..<n {
                guard next < elements.count else { throw ParquetError.corrupt("schema declares more children than it has elements") }
                let child = next
                next += 1
                children[parent].append(child)
                if elements[child].numChildren ?? 0 > 0 || elements[child].type == nil { try attach(child, depth: depth + 1) }
            }
        }
        try attach(0, depth: 0)
        // Element index -> leaf column (-1: not a leaf). An array, not a [Int: Int]: every
        // process opens a schema, and a dictionary's first use costs a conformance scan.
        var leafOf = [Int](repeating: -1, count: elements.count)
        var leafCount = 0
        for (i, e) in elements.enumerated() where i > 0 && e.type != nil && (e.numChildren ?? 0) == 0 {
            leafOf[i] = leafCount
            leafCount += 1
        }
        guard leafCount == columns.count else { throw ParquetError.corrupt("schema leaves disagree with its columns") }

        func isList(_ e: SchemaElement) -> Bool {
            if case .list? = e.logicalType { return true }
            return e.convertedType == .list
        }
        func isMap(_ e: SchemaElement) -> Bool {
            if case .map? = e.logicalType { return true }
            return e.convertedType == .map || e.convertedType == .mapKeyValue
        }

        /// The node of element `i` under a parent at levels (`def`, `rep`). With `consumed`,
        /// the element's own REPEATED has been taken by an enclosing list (it is that list's
        /// element), so it is built as if REQUIRED but at its cumulative levels.
        func build(_ i: Int, def parentDef: Int, rep parentRep: Int, consumed: Bool, depth: Int) throws -> FieldNode {
            guard depth < 256 else { throw ParquetError.corrupt("schema nested too deeply") }
            let e = elements[i]
            let repetition = e.repetitionType ?? .required
            let def = parentDef + (repetition == .required ? 0 : 1)
            let rep = parentRep + (repetition == .repeated ? 1 : 0)
            if repetition == .repeated && !consumed {
                // A repeated field outside a LIST/MAP group: a list of required elements, never null.
                // A repeated MAP_KEY_VALUE group is a map of its own.
                if e.convertedType == .mapKeyValue, !children[i].isEmpty {
                    return try mapNode(name: e.name, keyValue: i, mapDef: parentDef, nullable: false, def: def, rep: rep, depth: depth)
                }
                let element = try build(i, def: parentDef, rep: parentRep, consumed: true, depth: depth + 1)
                return FieldNode(name: e.name, type: .list(element: element.field), nullable: false, definition: parentDef,
                                 kind: .list(element: element, entryDefinition: def, entryRepetition: rep), leaves: element.leaves)
            }
            let nullable = repetition == .optional
            if e.type != nil && children[i].isEmpty {
                let column = leafOf[i]
                guard column >= 0 else { throw ParquetError.corrupt("schema leaf \(e.name) without a column") }
                return FieldNode(name: e.name, type: columns[column].dataType, nullable: nullable, definition: def,
                                 kind: .leaf(column: column), leaves: [column])
            }
            let kids = children[i]
            if isList(e), kids.count == 1, elements[kids[0]].repetitionType == .repeated {
                let r = kids[0]
                let re = elements[r]
                let rKids = children[r]
                let entryDef = def + 1, entryRep = rep + 1
                // LogicalTypes.md backward compatibility: the repeated field is itself the
                // element when it is a primitive, a group of several fields, a group whose one
                // field is repeated, or a group named `array` or `<list>_tuple`.
                let repeatedIsElement = rKids.isEmpty || rKids.count > 1
                    || elements[rKids[0]].repetitionType == .repeated
                    || re.name == "array" || re.name == e.name + "_tuple"
                let element = repeatedIsElement
                    ? try build(r, def: def, rep: rep, consumed: true, depth: depth + 1)
                    : try build(rKids[0], def: entryDef, rep: entryRep, consumed: false, depth: depth + 1)
                return FieldNode(name: e.name, type: .list(element: element.field), nullable: nullable, definition: def,
                                 kind: .list(element: element, entryDefinition: entryDef, entryRepetition: entryRep), leaves: element.leaves)
            }
            if isMap(e), kids.count == 1, elements[kids[0]].repetitionType == .repeated, !children[kids[0]].isEmpty {
                return try mapNode(name: e.name, keyValue: kids[0], mapDef: def, nullable: nullable, def: def + 1, rep: rep + 1, depth: depth)
            }
            // A struct (also a LIST/MAP group whose shape breaks the rules: read as written).
            var fields: [FieldNode] = []
            for k in kids { fields.append(try build(k, def: def, rep: rep, consumed: false, depth: depth + 1)) }
            return FieldNode(name: e.name, type: .structure(fields: fields.map(\.field)), nullable: nullable, definition: def,
                             kind: .structure(fields), leaves: fields.flatMap(\.leaves))
        }

        /// A map whose repeated key/value group is `kv` (entries from levels `def`, `rep`).
        /// Without a value field it is read as the list of its keys.
        func mapNode(name: String, keyValue kv: Int, mapDef: Int, nullable: Bool, def: Int, rep: Int, depth: Int) throws -> FieldNode {
            let kvKids = children[kv]
            let key = try build(kvKids[0], def: def, rep: rep, consumed: false, depth: depth + 1)
            guard kvKids.count > 1 else {
                return FieldNode(name: name, type: .list(element: key.field), nullable: nullable, definition: mapDef,
                                 kind: .list(element: key, entryDefinition: def, entryRepetition: rep), leaves: key.leaves)
            }
            let value = try build(kvKids[1], def: def, rep: rep, consumed: false, depth: depth + 1)
            return FieldNode(name: name, type: .map(key: key.field, value: value.field), nullable: nullable, definition: mapDef,
                             kind: .map(key: key, value: value, entryDefinition: def, entryRepetition: rep), leaves: key.leaves + value.leaves)
        }

        return try children[0].map { try build($0, def: 0, rep: 0, consumed: false, depth: 0) }
    }
}
