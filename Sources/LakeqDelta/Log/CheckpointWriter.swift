import Foundation
import LakeqColumnar
import LakeqParquet

/// Writes a classic single-file Delta checkpoint (`V.checkpoint.parquet`): the state of a
/// snapshot as one action per row in nested columns `add`, `remove`, `metaData`, `protocol`
/// and `txn` (the layout Spark and delta-rs write and read), through the raw-levels writer.
///
/// Rows hold the protocol, the metaData, every `txn`, every live file's `add` (with its
/// partition values, stats as JSON text and tags) and every remove tombstone younger than
/// `delta.deletedFileRetentionDuration`. commitInfo is never part of a checkpoint.
enum CheckpointWriter {
    /// The checkpoint schema (the fields lakeq writes; readers take missing optional fields as null).
    static let schema: [ParquetNode] = {
        let stringMap = { (name: String, nullable: Bool, nullValues: Bool) in
            ParquetNode.map(name, nullable: nullable, key: .leaf("key", .string, nullable: false), value: .leaf("value", .string, nullable: nullValues))
        }
        let stringList = { (name: String, nullable: Bool) in
            ParquetNode.list(name, nullable: nullable, element: .leaf("element", .string, nullable: false))
        }
        return [
            .group("add", nullable: true, [
                .leaf("path", .string, nullable: false),
                stringMap("partitionValues", false, true),
                .leaf("size", .int64, nullable: false),
                .leaf("modificationTime", .int64, nullable: false),
                .leaf("dataChange", .boolean, nullable: false),
                .leaf("stats", .string, nullable: true),
                stringMap("tags", true, true),
            ]),
            .group("remove", nullable: true, [
                .leaf("path", .string, nullable: false),
                .leaf("deletionTimestamp", .int64, nullable: true),
                .leaf("dataChange", .boolean, nullable: false),
                .leaf("extendedFileMetadata", .boolean, nullable: true),
                stringMap("partitionValues", true, true),
                .leaf("size", .int64, nullable: true),
            ]),
            .group("metaData", nullable: true, [
                .leaf("id", .string, nullable: false),
                .leaf("name", .string, nullable: true),
                .leaf("description", .string, nullable: true),
                .group("format", nullable: false, [.leaf("provider", .string, nullable: false), stringMap("options", false, false)]),
                .leaf("schemaString", .string, nullable: false),
                stringList("partitionColumns", false),
                .leaf("createdTime", .int64, nullable: true),
                stringMap("configuration", false, false),
            ]),
            .group("protocol", nullable: true, [
                .leaf("minReaderVersion", .int32, nullable: false),
                .leaf("minWriterVersion", .int32, nullable: false),
                stringList("readerFeatures", true),
                stringList("writerFeatures", true),
            ]),
            .group("txn", nullable: true, [
                .leaf("appId", .string, nullable: false),
                .leaf("version", .int64, nullable: false),
                .leaf("lastUpdated", .int64, nullable: true),
            ]),
        ]
    }()

    /// Actions per row group (a reader decodes a checkpoint one row group at a time).
    static let rowGroupActions = 65_536

    /// The rows of a checkpoint of `state`: protocol, metaData, txns, adds, then the
    /// tombstones deleted at or after `tombstoneCutoff` (ms).
    static func actions(of state: LogState, tombstoneCutoff: Int64) -> [Action] {
        var out: [Action] = []
        if let p = state.protocolAction { out.append(.protocol(p)) }
        if let m = state.metadata { out.append(.metaData(m)) }
        for t in state.transactions.values.sorted(by: { $0.appId < $1.appId }) { out.append(.txn(t)) }
        for (key, _) in state.order.sorted(by: { $0.value < $1.value }) {
            if let f = state.files[key] { out.append(.add(f)) }
        }
        for r in state.tombstones.values.sorted(by: { $0.path < $1.path }) where (r.deletionTimestamp ?? Int64.max) >= tombstoneCutoff {
            out.append(.remove(r))
        }
        return out
    }

    /// Writes `actions` as a checkpoint Parquet file at `path` (fsynced); returns its size.
    @discardableResult
    static func write(_ actions: [Action], to path: String) throws -> Int64 {
        var options = WriterOptions()
        options.compression = .snappy
        options.fsync = true
        options.pageIndex = false
        options.createdBy = "lakeq version 0.1.0 (Delta checkpoint)"
        do {
            let writer = try LevelsWriter(path: path, schema: schema, options: options)
            var start = 0
            repeat {
                let end = min(actions.count, start + rowGroupActions)
                var shredder = Shredder(schema: schema)
                for a in actions[start..<end] { shredder.add(row(a)) }
                try writer.writeRowGroup(shredder.leaves())
                start = end
            } while start < actions.count
            try writer.close()
        } catch let e as ParquetError {
            throw DeltaError.io("\(path): cannot write the checkpoint: \(e)")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber
        return size?.int64Value ?? 0
    }

    // MARK: actions as nested values

    /// One row: a struct of the five action columns, all null but one.
    static func row(_ action: Action) -> Value {
        func str(_ s: String?) -> Value { s.map { .string($0) } ?? .null }
        func int(_ v: Int64?) -> Value { v.map { .int64($0) } ?? .null }
        func bool(_ b: Bool?) -> Value { b.map { .bool($0) } ?? .null }
        func map(_ m: [String: String?]?) -> Value {
            guard let m else { return .null }
            return .map(m.keys.sorted().map { ($0, str(m[$0] ?? nil)) })
        }
        func map(_ m: [String: String]) -> Value { .map(m.keys.sorted().map { ($0, .string(m[$0] ?? "")) }) }
        func list(_ l: [String]?) -> Value { l.map { .list($0.map { .string($0) }) } ?? .null }
        var columns = [Value](repeating: .null, count: 5)
        switch action {
        case .add(let f):
            columns[0] = .struct([.string(f.path), map(f.partitionValues), .int64(f.size), .int64(f.modificationTime), .bool(f.dataChange),
                                  str(f.statsJSON), map(f.tags.map { $0.mapValues { Optional($0) } })])
        case .remove(let r):
            columns[1] = .struct([.string(r.path), int(r.deletionTimestamp), .bool(r.dataChange), bool(r.extendedFileMetadata),
                                  map(r.partitionValues), int(r.size)])
        case .metaData(let m):
            columns[2] = .struct([.string(m.id), str(m.name), str(m.description), .struct([.string(m.formatProvider), map(m.formatOptions)]),
                                  .string(m.schemaString), list(m.partitionColumns), int(m.createdTime), map(m.configuration)])
        case .protocol(let p):
            columns[3] = .struct([.int32(Int32(clamping: p.minReaderVersion)), .int32(Int32(clamping: p.minWriterVersion)),
                                  list(p.readerFeatures), list(p.writerFeatures)])
        case .txn(let t):
            columns[4] = .struct([.string(t.appId), .int64(t.version), int(t.lastUpdated)])
        case .commitInfo, .other:
            break
        }
        return .struct(columns)
    }

    /// A nested value to shred: what one checkpoint row holds.
    indirect enum Value {
        case null
        case string(String)
        case int64(Int64)
        case int32(Int32)
        case bool(Bool)
        /// Children in schema order.
        case `struct`([Value])
        case list([Value])
        case map([(String, Value)])
    }

    /// Dremel record shredding over a `ParquetNode` schema: each record adds one entry (or one
    /// per list/map element) to every leaf, with its repetition and definition levels.
    struct Shredder {
        let schema: [ParquetNode]
        var definition: [[UInt8]]
        var repetition: [[UInt8]]
        var strings: [ByteArrays]
        var int64s: [[Int64]]
        var int32s: [[Int32]]
        var bools: [[Bool]]
        let types: [DataType]

        init(schema: [ParquetNode]) {
            self.schema = schema
            var types: [DataType] = []
            func collect(_ n: ParquetNode) { if let t = n.type { types.append(t) } else { n.children.forEach(collect) } }
            schema.forEach(collect)
            self.types = types
            let n = types.count
            definition = Array(repeating: [], count: n)
            repetition = Array(repeating: [], count: n)
            strings = Array(repeating: ByteArrays(), count: n)
            int64s = Array(repeating: [], count: n)
            int32s = Array(repeating: [], count: n)
            bools = Array(repeating: [], count: n)
        }

        /// Adds one record: a struct of the top-level fields.
        mutating func add(_ record: Value) {
            var leaf = 0
            guard case .struct(let fields) = record else { return }
            for (i, node) in schema.enumerated() {
                shred(node, i < fields.count ? fields[i] : .null, def: 0, rep: 0, depth: 0, leaf: &leaf)
            }
        }

        static func leafCount(_ n: ParquetNode) -> Int { n.type != nil ? 1 : n.children.reduce(0) { $0 + leafCount($1) } }

        /// `def`: the definition level of the enclosing defined ancestors; `rep`: the repetition
        /// level of this entry; `depth`: repeated ancestors above `node`.
        private mutating func shred(_ node: ParquetNode, _ value: Value, def: Int, rep: Int, depth: Int, leaf: inout Int) {
            let optional = node.repetition == .optional
            if case .null = value {
                // Every leaf below gets one entry saying how far down it is defined.
                for l in leaf..<(leaf + Self.leafCount(node)) { emit(l, def: def, rep: rep, value: nil) }
                leaf += Self.leafCount(node)
                return
            }
            let d = def + (optional ? 1 : 0)
            if node.type != nil {
                emit(leaf, def: d, rep: rep, value: value)
                leaf += 1
                return
            }
            switch (node.logicalType, value) {
            case (.list?, .list(let items)):
                let element = node.children[0].children[0]
                repeated(node, items.map { [$0] }, [element], def: d, rep: rep, depth: depth, leaf: &leaf)
            case (.map?, .map(let entries)):
                let kv = node.children[0].children
                repeated(node, entries.map { [.string($0.0), $0.1] }, kv, def: d, rep: rep, depth: depth, leaf: &leaf)
            case (_, .struct(let children)):
                for (i, c) in node.children.enumerated() {
                    shred(c, i < children.count ? children[i] : .null, def: d, rep: rep, depth: depth, leaf: &leaf)
                }
            default:
                // A value of the wrong shape for its node: written as null.
                for l in leaf..<(leaf + Self.leafCount(node)) { emit(l, def: def, rep: rep, value: nil) }
                leaf += Self.leafCount(node)
            }
        }

        /// The entries of a list or map: each is a row of the repeated group's children.
        private mutating func repeated(_ node: ParquetNode, _ entries: [[Value]], _ children: [ParquetNode], def: Int, rep: Int, depth: Int,
                                       leaf: inout Int) {
            let first = leaf
            let count = Self.leafCount(node)
            if entries.isEmpty {
                for l in first..<(first + count) { emit(l, def: def, rep: rep, value: nil) }
                leaf += count
                return
            }
            for (k, entry) in entries.enumerated() {
                var l = first
                for (i, c) in children.enumerated() {
                    shred(c, i < entry.count ? entry[i] : .null, def: def + 1, rep: k == 0 ? rep : depth + 1, depth: depth + 1, leaf: &l)
                }
            }
            leaf = first + count
        }

        private mutating func emit(_ leaf: Int, def: Int, rep: Int, value: Value?) {
            definition[leaf].append(UInt8(def))
            repetition[leaf].append(UInt8(rep))
            switch value {
            case .string(let s)?: strings[leaf].append(Array(s.utf8))
            case .int64(let v)?: int64s[leaf].append(v)
            case .int32(let v)?: int32s[leaf].append(v)
            case .bool(let b)?: bools[leaf].append(b)
            default: break
            }
        }

        /// Every leaf's levels and values, depth-first.
        func leaves() -> [LeafLevels] {
            types.indices.map { i in
                let values: Column
                switch types[i] {
                case .int64: values = Column(type: .int64, values: .int64(int64s[i]))
                case .int32: values = Column(type: .int32, values: .int32(int32s[i]))
                case .boolean: values = Column(type: .boolean, values: .boolean(bools[i]))
                default: values = Column(type: .string, values: .bytes(strings[i]))
                }
                return LeafLevels(definition: definition[i], repetition: repetition[i], values: values)
            }
        }
    }
}
