import Foundation
import LakeqColumnar
import LakeqParquet

/// Reads the actions of a classic Delta checkpoint (`V.checkpoint.parquet`, or its parts
/// `V.checkpoint.P.N.parquet`): one row per action, in nested columns `protocol`, `metaData`,
/// `add`, `txn` and `remove` (tombstones, for vacuum's retention). The nested leaves
/// are read as raw levels and assembled here; V2 checkpoints (sidecars) are refused.
enum CheckpointReader {
    static func actions(paths: [String]) throws -> [Action] {
        var out: [Action] = []
        for p in paths {
            do {
                out += try actions(file: try ParquetFile(path: p))
            } catch let e as ParquetError {
                throw DeltaError.corrupt("\(p): cannot read the checkpoint: \(e)")
            }
        }
        return out
    }

    /// One leaf of one row group, by row: `entries[row]` lists the row's entries (one for a
    /// leaf without repetition, that row's list or map entries otherwise), each the index of
    /// its value in `values` or nil for a null.
    struct Leaf {
        let entries: [[Int?]]
        let values: ColumnValues
        /// Per row, for a leaf inside a list or map: whether the collection itself is there
        /// (an empty one has no entries, a null one neither: this tells them apart).
        let collectionPresent: [Bool]

        init(_ file: ParquetFile, rowGroup: Int, column: Int, rows expected: Int) throws {
            let levels = try file.readLevels(rowGroup: rowGroup, column: column)
            let maxDef = file.schema.columns[column].maxDefinitionLevel
            let entryDef = file.schema.repeatedDefinitionLevels[column]
            var rows: [[Int?]] = []
            var present: [Bool] = []
            var next = 0
            for i in levels.definition.indices {
                let def = Int(levels.definition[i])
                if levels.repetition[i] == 0 {
                    rows.append([])
                    // The collection's own level is one below its repeated group's.
                    present.append(entryDef.map { def >= $0 - 1 } ?? true)
                }
                let defined = def == maxDef
                // Without repetition every row has its one entry; in a list or map only the
                // entries that exist (an empty or null collection has none).
                if entryDef.map({ def >= $0 }) ?? true {
                    rows[rows.count - 1].append(defined ? next : nil)
                }
                if defined { next += 1 }
            }
            guard rows.count == expected, next == levels.values.count else {
                throw DeltaError.corrupt("\(file.path): checkpoint column \(file.schema.columns[column].path.joined(separator: ".")) has \(rows.count) rows, expected \(expected)")
            }
            entries = rows
            collectionPresent = present
            values = levels.values.values.materialized()
        }

        func string(_ row: Int) -> String? { entries[row].first.flatMap { $0 }.flatMap(text) }
        func strings(_ row: Int) -> [String?] { entries[row].map { $0.flatMap(text) } }

        func text(_ i: Int) -> String? {
            guard case .bytes(let b) = values, i < b.count else { return nil }
            return b.string(at: i)
        }

        func int(_ row: Int) -> Int64? {
            guard let i = entries[row].first ?? nil else { return nil }
            switch values {
            case .int32(let v): return i < v.count ? Int64(v[i]) : nil
            case .int64(let v): return i < v.count ? v[i] : nil
            default: return nil
            }
        }

        func bool(_ row: Int) -> Bool? {
            guard let i = entries[row].first ?? nil, case .boolean(let v) = values, i < v.count else { return nil }
            return v[i]
        }
    }

    static func actions(file: ParquetFile) throws -> [Action] {
        let schema = file.schema
        // Leaf paths to column numbers, once (a leaf asked for per row must not cost a search).
        var columnIndex: [String: Int] = [:]
        for (i, c) in schema.columns.enumerated() { columnIndex[c.path.joined(separator: ".")] = i }
        var out: [Action] = []
        for g in 0..<file.rowGroupCount {
            let rows = file.rowCount(rowGroup: g)
            // Absent leaves are cached too (as nil): optional fields are asked for on every row.
            var cache: [String: Leaf?] = [:]
            func leaf(_ path: String) throws -> Leaf? {
                if let l = cache[path] { return l }
                guard let c = columnIndex[path] else {
                    cache[path] = .some(nil)
                    return nil
                }
                let l = try Leaf(file, rowGroup: g, column: c, rows: rows)
                cache[path] = l
                return l
            }
            func map(_ prefix: String, _ row: Int) throws -> [String: String?]? {
                guard let keys = try leaf(prefix + ".key_value.key") ?? leaf(prefix + ".map.key") else { return nil }
                let values = try leaf(prefix + ".key_value.value") ?? leaf(prefix + ".map.value")
                guard keys.collectionPresent[row] else { return nil }
                let k = keys.strings(row), v = values?.strings(row) ?? []
                var m: [String: String?] = [:]
                for (i, key) in k.enumerated() {
                    guard let key else { continue }
                    m[key] = i < v.count ? v[i] : nil
                }
                return m
            }
            func list(_ prefix: String, _ row: Int) throws -> [String]? {
                guard let l = try leaf(prefix + ".list.element") ?? leaf(prefix + ".array") ?? leaf(prefix + ".list.item"),
                      l.collectionPresent[row] else { return nil }
                return l.strings(row).compactMap { $0 }
            }
            if let sidecars = try leaf("sidecar.path"), (0..<rows).contains(where: { sidecars.string($0) != nil }) {
                throw DeltaError.unsupported("\(file.path): a V2 checkpoint with sidecar files (not supported)")
            }
            let addPath = try leaf("add.path"), removePath = try leaf("remove.path"), metaId = try leaf("metaData.id")
            let protoReader = try leaf("protocol.minReaderVersion"), txnApp = try leaf("txn.appId")
            for r in 0..<rows {
                if let p = addPath?.string(r) {
                    let partitionValues = try map("add.partitionValues", r) ?? [:]
                    var tags: [String: String]?
                    if let t = try map("add.tags", r) { tags = t.compactMapValues { $0 } }
                    if let dv = try leaf("add.deletionVector.storageType"), dv.string(r) != nil {
                        throw DeltaError.unsupported("\(file.path): data file \(p) has a deletion vector (not supported)")
                    }
                    out.append(.add(AddFile(
                        path: p, partitionValues: partitionValues, size: try leaf("add.size")?.int(r) ?? 0,
                        modificationTime: try leaf("add.modificationTime")?.int(r) ?? 0,
                        dataChange: try leaf("add.dataChange")?.bool(r) ?? true,
                        statsJSON: try leaf("add.stats")?.string(r), tags: tags)))
                } else if let p = removePath?.string(r) {
                    // Tombstones: vacuum keeps removed files inside the retention window.
                    out.append(.remove(RemoveFile(path: p, deletionTimestamp: try leaf("remove.deletionTimestamp")?.int(r),
                                                  dataChange: try leaf("remove.dataChange")?.bool(r) ?? true,
                                                  partitionValues: try map("remove.partitionValues", r), size: try leaf("remove.size")?.int(r),
                                                  extendedFileMetadata: try leaf("remove.extendedFileMetadata")?.bool(r))))
                } else if let id = metaId?.string(r) {
                    guard let schemaString = try leaf("metaData.schemaString")?.string(r) else {
                        throw DeltaError.corrupt("\(file.path): metaData without schemaString")
                    }
                    out.append(.metaData(MetadataAction(
                        id: id, name: try leaf("metaData.name")?.string(r), description: try leaf("metaData.description")?.string(r),
                        formatProvider: try leaf("metaData.format.provider")?.string(r) ?? "parquet",
                        formatOptions: (try map("metaData.format.options", r) ?? [:]).compactMapValues { $0 },
                        schemaString: schemaString, partitionColumns: try list("metaData.partitionColumns", r) ?? [],
                        configuration: (try map("metaData.configuration", r) ?? [:]).compactMapValues { $0 },
                        createdTime: try leaf("metaData.createdTime")?.int(r))))
                } else if let reader = protoReader?.int(r) {
                    out.append(.protocol(ProtocolAction(
                        minReaderVersion: Int(reader), minWriterVersion: Int(try leaf("protocol.minWriterVersion")?.int(r) ?? 2),
                        readerFeatures: try list("protocol.readerFeatures", r), writerFeatures: try list("protocol.writerFeatures", r))))
                } else if let app = txnApp?.string(r) {
                    out.append(.txn(TransactionAction(appId: app, version: try leaf("txn.version")?.int(r) ?? 0,
                                                      lastUpdated: try leaf("txn.lastUpdated")?.int(r))))
                }
            }
        }
        return out
    }
}
