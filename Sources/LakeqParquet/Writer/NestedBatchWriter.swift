import LakeqColumnar

/// The nested-schema side of `ParquetWriter`: buffers batches up to a row group, shreds every
/// column (flat ones too) into leaf levels with `NestedShredder`, and writes them with the
/// raw-levels `LevelsWriter`.
final class NestedBatchWriter {
    let schema: Schema
    let options: WriterOptions
    private let writer: LevelsWriter
    private var pending: [RecordBatch] = []
    private var pendingRows = 0
    private var failed = false

    init(path: String, schema: Schema, options: WriterOptions, keyValueMetadata: [String: String]) throws {
        self.schema = schema
        self.options = options
        writer = try LevelsWriter(path: path, schema: try schema.fields.map(NestedShredder.node(for:)), options: options,
                                  keyValueMetadata: keyValueMetadata)
    }

    func write(_ batch: RecordBatch) throws {
        guard !failed else { throw ParquetError.invalidArgument("write to a failed ParquetWriter") }
        do {
            guard batch.columns.count == schema.fields.count else {
                throw ParquetError.invalidArgument("batch has \(batch.columns.count) columns, the writer's schema \(schema.fields.count)")
            }
            for (i, f) in schema.fields.enumerated() {
                guard batch.columns[i].type == f.type else {
                    throw ParquetError.invalidArgument("column \(f.name): column of type \(batch.columns[i].type), schema says \(f.type)")
                }
                guard batch.columns[i].count >= batch.rowCount else { throw ParquetError.invalidArgument("column \(f.name): fewer slots than rows") }
            }
            // A batch larger than the room left in the row group is split (row groups of
            // `rowGroupRows`, as for flat schemas).
            var start = 0
            while start < batch.rowCount {
                let take = min(options.rowGroupRows - pendingRows, batch.rowCount - start)
                if start == 0 && take == batch.rowCount {
                    pending.append(batch)
                } else {
                    let rows = (Int32(start)..<Int32(start + take)).map { $0 }
                    pending.append(RecordBatch(schema: batch.schema, columns: batch.columns.map { $0.gather(rows) }, rowCount: take))
                }
                pendingRows += take
                start += take
                if pendingRows >= options.rowGroupRows { try flush() }
            }
        } catch {
            failed = true
            throw error
        }
    }

    func flush() throws {
        guard pendingRows > 0 else { return }
        let batches = pending
        pending = []
        let rows = pendingRows
        pendingRows = 0
        var leaves: [LeafLevels] = []
        for (i, f) in schema.fields.enumerated() {
            let parts = batches.map { b in b.columns[i].count == b.rowCount ? b.columns[i] : b.columns[i].gather((0..<Int32(b.rowCount)).map { $0 }) }
            let column = Column.concatenate(parts)
            leaves += try NestedShredder.shred(column, field: f, rows: rows)
        }
        try writer.writeRowGroup(leaves)
    }

    func close() throws -> FileMetaData {
        guard !failed else { throw ParquetError.invalidArgument("close of a failed ParquetWriter") }
        do { try flush() } catch { failed = true; throw error }
        return try writer.close()
    }
}
