import LakeqColumnar

extension ParquetFile {
    /// Decodes top-level field `field` (an index into `schema.fields`) of one row group: flat
    /// columns through the column reader, nested ones (structs, lists, maps) assembled from
    /// their leaves' levels.
    ///
    /// `onlyLeaves` (leaf column indices under the field) decodes just those: a struct child
    /// with none of them comes back as NULLs of its type (its shape is taken from the leaves
    /// read). Nil, or a set with no leaf of the field, decodes every leaf.
    public func readField(rowGroup: Int, field: Int, onlyLeaves: Set<Int>? = nil, decompressor: Decompressor = Decompressor()) throws -> Column {
        guard rowGroup >= 0, rowGroup < rowGroupCount else {
            throw ParquetError.invalidArgument("\(path): no row group \(rowGroup)")
        }
        guard field >= 0, field < schema.fields.count else { throw ParquetError.invalidArgument("\(path): no field \(field)") }
        let node = schema.fields[field]
        if case .leaf(let c) = node.kind, schema.columns[c].maxRepetitionLevel == 0 {
            return try readColumn(rowGroup: rowGroup, column: c, decompressor: decompressor)
        }
        var wanted = node.leaves
        if let onlyLeaves {
            let subset = node.leaves.filter { onlyLeaves.contains($0) }
            if !subset.isEmpty { wanted = subset }
        }
        var leaves: [Int: LeafLevels] = [:]
        for c in wanted { leaves[c] = try readLevels(rowGroup: rowGroup, column: c, decompressor: decompressor) }
        let assembler = NestedAssembler(leaves: leaves, location: "\(path): row group \(rowGroup), field \(node.name)")
        return try assembler.assemble(node, rows: rowCount(rowGroup: rowGroup))
    }

    /// Decodes the given top-level fields (all by default) of one row group, nested ones
    /// assembled; the batch's schema is `schema.nestedSchema` restricted to them.
    public func readFields(rowGroup: Int, fields wanted: [Int]? = nil, decompressor: Decompressor = Decompressor()) throws -> RecordBatch {
        let indices = wanted ?? Array(schema.fields.indices)
        var columns: [Column] = []
        columns.reserveCapacity(indices.count)
        for f in indices { columns.append(try readField(rowGroup: rowGroup, field: f, decompressor: decompressor)) }
        let rows = rowCount(rowGroup: rowGroup)
        return RecordBatch(schema: Schema(indices.map { schema.fields[$0].field }), columns: columns, rowCount: rows)
    }
}
