import Foundation
import LakeqColumnar
import LakeqDelta

/// Writes validated rows as a table's data files: one file per partition value per call,
/// partitions on parallel threads, each file encoded on one thread (or on all when there are
/// fewer partitions than threads). Rows of one partition value are grouped by runs (time-
/// ordered data has few values per block, in runs) with a short search, a hash index past 32
/// values. Shared by `lakeq ingest` (per block) and `lakeq stream` (per batch).
public struct PartitionedFiles {
    public let writer: DataFileWriter
    public let threads: Int

    public init(writer: DataFileWriter, threads: Int) {
        self.writer = writer
        self.threads = max(1, threads)
    }

    /// Writes `batches` (rows of the table's full schema, partition columns included) and
    /// returns their `add` actions in first-seen partition order. On a failure, files already
    /// written by this call are removed.
    public func write(_ batches: [RecordBatch]) throws -> [AddFile] {
        let batches = batches.filter { $0.rowCount > 0 }
        guard let arrow = batches.first?.schema else { return [] }
        let parts = writer.partitionColumns
        if parts.isEmpty { return [try writer.write(batches, partitionValues: [:])] }
        let partIdx = try parts.map { p -> Int in
            guard let i = arrow.index(of: p) else { throw IngestError.schema("partition column \(p) is not in the schema") }
            return i
        }
        // Group each batch's rows by partition key. One int32-backed key (dates, the usual
        // case) groups by value; anything else by its Delta string form.
        var groups: [[String?]: [(batch: Int, rows: [Int32])]] = [:]
        var order: [[String?]] = []
        for (b, batch) in batches.enumerated() {
            var local: [[String?]: [Int32]] = [:]
            var localOrder: [[String?]] = []
            if partIdx.count == 1, case .int32(let v) = batch.columns[partIdx[0]].values {
                let col = batch.columns[partIdx[0]]
                // A block holds few partition values, in runs (time-ordered data): the run's
                // group first, then a linear search; no hashing per row.
                var values: [Int32] = []
                var index: [Int32: Int] = [:]
                var groupRows: [[Int32]] = []
                var nullRows: [Int32] = []
                var current = -1
                for r in 0..<batch.rowCount {
                    if col.isNull(r) { nullRows.append(Int32(r)); continue }
                    let x = v[r]
                    if current < 0 || values[current] != x {
                        // Many values (another partitioning): a hash index instead of the search.
                        if let g = values.count <= 32 ? values.firstIndex(of: x) : index[x] { current = g } else {
                            current = values.count
                            values.append(x)
                            groupRows.append([])
                            if values.count == 33 {
                                for (g, y) in values.enumerated() { index[y] = g }
                            } else if values.count > 33 {
                                index[x] = current
                            }
                        }
                    }
                    groupRows[current].append(Int32(r))
                }
                for rows in groupRows {
                    guard let first = rows.first else { continue }
                    let key = [try DeltaPartition.string(of: col, row: Int(first))]
                    local[key] = rows
                    localOrder.append(key)
                }
                if !nullRows.isEmpty { local[[nil]] = nullRows; localOrder.append([nil]) }
            } else {
                for r in 0..<batch.rowCount {
                    let key = try partIdx.map { try DeltaPartition.string(of: batch.columns[$0], row: r) }
                    if local[key] == nil { localOrder.append(key) }
                    local[key, default: []].append(Int32(r))
                }
            }
            for key in localOrder {
                guard let rows = local[key] else { continue }
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append((b, rows))
            }
        }
        var adds = [AddFile?](repeating: nil, count: order.count)
        var failure: Error?
        let lock = NSLock()
        // Partitions in parallel, each file encoded on one thread.
        var o = writer.options
        o.threads = order.count >= threads ? 1 : threads
        let w = DataFileWriter(tablePath: writer.tablePath, schema: writer.schema, partitionColumns: parts, options: o)
        ParallelChunks.run(threads: threads, count: order.count) { i in
            let key = order[i]
            guard let pieces = groups[key] else { return }
            do {
                let part = pieces.map { piece -> RecordBatch in
                    let src = batches[piece.batch]
                    if piece.rows.count == src.rowCount { return src }
                    return RecordBatch(schema: src.schema, columns: src.columns.map { $0.gather(piece.rows) }, rowCount: piece.rows.count)
                }
                var values: [String: String?] = [:]
                for (k, p) in parts.enumerated() { values[p] = .some(key[k]) }
                let add = try w.write(part, partitionValues: values)
                lock.lock(); adds[i] = add; lock.unlock()
            } catch {
                lock.lock(); failure = failure ?? error; lock.unlock()
            }
        }
        if let failure {
            for a in adds.compactMap({ $0 }) { unlink(writer.tablePath + "/" + a.relativePath) }
            throw failure
        }
        return adds.compactMap { $0 }
    }
}
