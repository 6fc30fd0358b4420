import LakeqColumnar

/// The schema of a Parquet file: the flattened tree of `SchemaElement`s and its leaf columns.
public struct ParquetSchema: Sendable {
    public let elements: [SchemaElement]
    public let columns: [ColumnDescriptor]
    /// Per leaf: the definition level of its outermost repeated ancestor (itself included), the
    /// level from which a list or map entry exists; nil for leaves without repetition.
    public let repeatedDefinitionLevels: [Int?]
    /// The top-level fields as logical trees (structs, lists, maps, leaves), in schema order.
    public let fields: [FieldNode]

    /// True when every leaf is a top-level, non-repeated column.
    public var isFlat: Bool { columns.allSatisfy(\.isFlat) }

    /// Builds the leaf list from the depth-first element list, validating child counts.
    public init(elements: [SchemaElement]) throws {
        guard let root = elements.first else { throw ParquetError.corrupt("empty schema") }
        self.elements = elements
        var leaves: [ColumnDescriptor] = []
        var repeatedLevels: [Int?] = []
        var next = 1
        // Recursion depth is bounded by the element count, itself bounded by the footer size.
        func visit(childCount: Int, path: [String], def: Int, rep: Int, repeatedDef: Int?, depth: Int) throws {
            guard depth < 128 else { throw ParquetError.corrupt("schema nested too deeply") }
            for _ in 0..<childCount {
                guard next < elements.count else {
                    throw ParquetError.corrupt("schema declares more children than it has elements")
                }
                let e = elements[next]
                next += 1
                let repetition = e.repetitionType ?? .required
                let d = def + (repetition == .required ? 0 : 1)
                let r = rep + (repetition == .repeated ? 1 : 0)
                let children = Int(e.numChildren ?? 0)
                let entryDef = repeatedDef ?? (repetition == .repeated ? d : nil)
                if children > 0 || e.type == nil {
                    guard children >= 0 else { throw ParquetError.corrupt("negative child count in schema") }
                    try visit(childCount: children, path: path + [e.name], def: d, rep: r, repeatedDef: entryDef, depth: depth + 1)
                } else if let physical = e.type {
                    let width = Int(e.typeLength ?? 0)
                    if physical == .fixedLenByteArray, width < 0 || width > 1 << 20 {
                        throw ParquetError.corrupt("column \(e.name): bad FIXED_LEN_BYTE_ARRAY width \(width)")
                    }
                    let type = ColumnDescriptor.dataType(for: e, physical: physical, typeLength: width)
                    leaves.append(ColumnDescriptor(
                        index: leaves.count, name: e.name, path: path + [e.name], physicalType: physical,
                        typeLength: width, maxDefinitionLevel: d, maxRepetitionLevel: r, element: e,
                        dataType: type, sortOrder: ColumnDescriptor.sortOrder(for: type, physical: physical)))
                    repeatedLevels.append(entryDef)
                }
            }
        }
        let rootChildren = Int(root.numChildren ?? 0)
        guard rootChildren >= 0 else { throw ParquetError.corrupt("negative child count in schema root") }
        try visit(childCount: rootChildren, path: [], def: 0, rep: 0, repeatedDef: nil, depth: 0)
        columns = leaves
        repeatedDefinitionLevels = repeatedLevels
        fields = try Self.buildFields(elements, columns: leaves)
    }

    /// The columnar schema of the top-level fields, nested types included.
    public var nestedSchema: Schema { Schema(fields.map(\.field)) }

    /// The columnar schema of the leaves (flat files: one field per column).
    public var arrowSchema: Schema {
        Schema(columns.map { Field(name: $0.path.joined(separator: "."), type: $0.dataType, nullable: $0.isNullable) })
    }

    /// Leaf index of the column whose dotted path or name equals `name`.
    public func columnIndex(named name: String) -> Int? {
        columns.firstIndex { $0.path.joined(separator: ".") == name } ?? columns.firstIndex { $0.name == name }
    }
}
