import LakeqColumnar

/// Assembles nested columns (structs, lists, maps of any depth) from the repetition and
/// definition levels of their leaves: the inverse of Dremel's shredding, node by node as
/// arrow-rs's array readers do.
///
/// Each node has slots: for a top-level field one per row; below a list, one per entry of
/// that list; below a struct, the struct's own slots. A level entry starts a slot of a node
/// when its repetition level is at most the node's slot repetition level (it does not continue
/// a deeper list) and its definition level reaches the node's slot definition level (the
/// enclosing list has an entry there). The slot is valid (non-null) when the definition level
/// reaches the node's own. The levels of a node's first leaf give its shape; every other
/// leaf must agree, which is checked (a disagreement is a corrupt file, not a trap).
struct NestedAssembler {
    /// Levels and defined values of each leaf the field needs, by leaf column.
    let leaves: [Int: LeafLevels]
    let location: String

    private func corrupt(_ message: String) -> ParquetError { .corrupt("\(location): \(message)") }

    /// The field's column, one slot per row (`rows` top-level slots expected).
    func assemble(_ node: FieldNode, rows: Int) throws -> Column {
        let column = try assemble(node, slotDefinition: 0, slotRepetition: 0)
        guard column.count == rows else { throw corrupt("field \(node.name) assembles to \(column.count) rows, the row group has \(rows)") }
        return column
    }

    /// The levels of the first leaf under `node` that was read (every leaf under a node
    /// agrees on the node's slots).
    private func levels(of node: FieldNode) throws -> LeafLevels {
        guard let first = node.leaves.first else {
            throw ParquetError.unsupported("\(location): group \(node.name) has no leaf columns")
        }
        guard let l = node.leaves.lazy.compactMap({ leaves[$0] }).first else {
            throw ParquetError.invalidArgument("\(location): levels of leaf \(first) not read")
        }
        return l
    }

    /// Whether any leaf under `node` was read.
    private func isRead(_ node: FieldNode) -> Bool { node.leaves.contains { leaves[$0] != nil } }

    /// The number of slots `node`'s first leaf gives it, and their validity (nil: all valid).
    /// The bitmap is only built once a null slot shows up.
    private func slots(_ l: LeafLevels, slotDefinition: Int, slotRepetition: Int, valid definition: Int) -> (count: Int, validity: Bitmap?) {
        let n = l.definition.count
        var count = 0
        // Null slots are collected as positions (they are rare) and become a bitmap at the end.
        var nulls: [Int32] = []
        let sd = UInt8(truncatingIfNeeded: slotDefinition), sr = UInt8(truncatingIfNeeded: slotRepetition)
        let vd = UInt8(truncatingIfNeeded: definition)
        l.definition.withUnsafeBufferPointer { def in
            l.repetition.withUnsafeBufferPointer { rep in
                for i in 0..<n where rep[i] <= sr && def[i] >= sd {
                    if def[i] < vd { nulls.append(Int32(truncatingIfNeeded: count)) }
                    count += 1
                }
            }
        }
        return (count, Self.validity(count: count, nulls: nulls))
    }

    /// A bitmap of `count` slots with `nulls` cleared; nil when there are none.
    private static func validity(count: Int, nulls: [Int32]) -> Bitmap? {
        guard !nulls.isEmpty else { return nil }
        var b = Bitmap(count: count, value: true)
        for k in nulls { b[Int(k)] = false }
        return b
    }

    private func assemble(_ node: FieldNode, slotDefinition: Int, slotRepetition: Int) throws -> Column {
        switch node.kind {
        case .leaf(let c):
            guard let l = leaves[c] else { throw ParquetError.invalidArgument("\(location): levels of leaf \(c) not read") }
            let (slotCount, validity) = slots(l, slotDefinition: slotDefinition, slotRepetition: slotRepetition, valid: node.definition)
            let valid = validity?.setCount ?? slotCount
            // Every defined value belongs to exactly one slot.
            guard valid == l.values.count else {
                throw corrupt("leaf \(node.name): \(valid) present slots for \(l.values.count) values")
            }
            return Self.spread(l.values, validity: validity, slots: slotCount)
        case .structure(let fields):
            let l = try levels(of: node)
            let (slotCount, validity) = slots(l, slotDefinition: slotDefinition, slotRepetition: slotRepetition, valid: node.definition)
            var children: [Column] = []
            children.reserveCapacity(fields.count)
            for f in fields {
                // A field none of whose leaves were asked for: NULLs in the struct's shape.
                guard isRead(f) else {
                    children.append(Column.nulls(f.type, count: slotCount))
                    continue
                }
                let child = try assemble(f, slotDefinition: slotDefinition, slotRepetition: slotRepetition)
                guard child.count == slotCount else {
                    throw corrupt("struct \(node.name): field \(f.name) has \(child.count) slots, the struct \(slotCount)")
                }
                children.append(child)
            }
            return Column(type: node.type, values: .structure(StructValues(children: children, count: slotCount)), validity: validity)
        case .list(let element, let entryDefinition, let entryRepetition):
            let (offsets, validity) = try listOffsets(node, slotDefinition: slotDefinition, slotRepetition: slotRepetition,
                                                      entryDefinition: entryDefinition, entryRepetition: entryRepetition)
            let entries = try assemble(element, slotDefinition: entryDefinition, slotRepetition: entryRepetition)
            guard Int(offsets.last ?? 0) == entries.count else {
                throw corrupt("list \(node.name): \(offsets.last ?? 0) entries counted, \(entries.count) assembled")
            }
            return Column(type: node.type, values: .list(ListValues(offsets: offsets, entries: entries)), validity: validity)
        case .map(let key, let value, let entryDefinition, let entryRepetition):
            let (offsets, validity) = try listOffsets(node, slotDefinition: slotDefinition, slotRepetition: slotRepetition,
                                                      entryDefinition: entryDefinition, entryRepetition: entryRepetition)
            let keys = try assemble(key, slotDefinition: entryDefinition, slotRepetition: entryRepetition)
            let values = try assemble(value, slotDefinition: entryDefinition, slotRepetition: entryRepetition)
            let count = Int(offsets.last ?? 0)
            guard keys.count == count, values.count == count else {
                throw corrupt("map \(node.name): \(count) entries counted, \(keys.count) keys and \(values.count) values assembled")
            }
            let entries = Column(type: .mapEntries(key: key.field, value: value.field),
                                 values: .structure(StructValues(children: [keys, values], count: count)))
            return Column(type: node.type, values: .list(ListValues(offsets: offsets, entries: entries)), validity: validity)
        }
    }

    /// Offsets of a list or map: per slot, the entries whose definition level reaches
    /// `entryDefinition`, the first at the slot's own level entry and the others at the
    /// following entries repeated at `entryRepetition`.
    private func listOffsets(_ node: FieldNode, slotDefinition: Int, slotRepetition: Int,
                             entryDefinition: Int, entryRepetition: Int) throws -> ([Int32], Bitmap?) {
        let l = try levels(of: node)
        let n = l.definition.count
        var nulls: [Int32] = []  // null slots (rare), a bitmap at the end
        var entries: Int32 = 0
        var open = false  // inside a slot whose entries are being counted
        let sd = UInt8(truncatingIfNeeded: slotDefinition), sr = UInt8(truncatingIfNeeded: slotRepetition)
        let vd = UInt8(truncatingIfNeeded: node.definition)
        let ed = UInt8(truncatingIfNeeded: entryDefinition), er = UInt8(truncatingIfNeeded: entryRepetition)
        // At most one slot per level entry: offsets are written through a raw buffer sized for
        // that (an append per slot pays a uniqueness check each time).
        var slotCount = 0
        let offsets = [Int32](unsafeUninitializedCapacity: n + 1) { out, initialized in
            out[0] = 0
            l.definition.withUnsafeBufferPointer { def in
                l.repetition.withUnsafeBufferPointer { rep in
                    for i in 0..<n {
                        let d = def[i], r = rep[i]
                        if r <= sr {
                            if open { slotCount += 1; out[slotCount] = entries }
                            open = false
                            guard d >= sd else { continue }  // no slot here: an ancestor is null or empty
                            open = true
                            if d < vd { nulls.append(Int32(truncatingIfNeeded: slotCount)) }
                            if d >= ed { entries &+= 1 }
                        } else if r == er, open, d >= ed {
                            entries &+= 1
                        }
                    }
                }
            }
            if open { slotCount += 1; out[slotCount] = entries }
            initialized = slotCount + 1
        }
        return (offsets, Self.validity(count: slotCount, nulls: nulls))
    }

    /// `slots` slots from dense values: valid slots take the values in order, null slots a
    /// zeroed (or repeated) placeholder.
    static func spread(_ dense: Column, validity: Bitmap?, slots: Int) -> Column {
        guard let validity else { return Column(type: dense.type, values: dense.values, validity: nil) }
        if dense.count == 0 {
            return Column(type: dense.type, values: ColumnValues.zeroed(like: dense.values, count: slots), validity: validity)
        }
        var indices = [Int32](repeating: 0, count: slots)
        var k: Int32 = 0
        for i in 0..<slots where validity[i] {
            indices[i] = k
            k += 1
        }
        return Column(type: dense.type, values: dense.values.gather(indices), validity: validity)
    }
}

extension ColumnValues {
    /// `count` zeroed slots of the same storage kind (dictionaries and nested storage become
    /// empty placeholders of their element kind).
    static func zeroed(like values: ColumnValues, count: Int) -> ColumnValues {
        switch values {
        case .boolean: return .boolean(Array(repeating: false, count: count))
        case .int32: return .int32(Array(repeating: 0, count: count))
        case .int64: return .int64(Array(repeating: 0, count: count))
        case .float32: return .float32(Array(repeating: 0, count: count))
        case .float64: return .float64(Array(repeating: 0, count: count))
        case .bytes: return .bytes(ByteArrays(offsets: Array(repeating: 0, count: count + 1), data: []))
        case .fixed(let f): return .fixed(FixedBytes(width: f.width, data: Array(repeating: 0, count: count * f.width)))
        case .dictionary(let d, _): return zeroed(like: d, count: count)
        case .list(let l): return .list(ListValues(offsets: Array(repeating: 0, count: count + 1), entries: l.entries.emptyLike()))
        case .structure(let s):
            return .structure(StructValues(children: s.children.map { Column(type: $0.type, values: zeroed(like: $0.values, count: count)) }, count: count))
        }
    }
}
