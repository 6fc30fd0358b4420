import Foundation
import LakeqColumnar
import LakeqDelta

/// One sorted run of an ORDER BY: a worker's buffered batches, concatenated in input order,
/// and the row order that sorts them. Its columns are the *run layout*: the sort's output
/// columns, then the keys that are not plain output columns (evaluated once, so a merge never
/// evaluates an expression twice), then two BIGINT tie-breakers: the rank of the row's batch
/// (`BatchOrder` packed as morsel << 32 | sequence) and the row's position in that batch. A
/// merge that breaks ties by them keeps the order an in-memory stable sort gives.
struct SortedRun {
    let batch: RecordBatch
    let order: [Int32]
    /// Rows per block read back or merged at once.
    let blockRows: Int

    var rowCount: Int { order.count }

    /// Block `i` of the run in sorted order (dictionaries expanded), nil past the end.
    func block(_ i: Int) -> RecordBatch? {
        let start = i * blockRows
        guard start < order.count else { return nil }
        let rows = Array(order[start..<min(order.count, start + blockRows)])
        return RecordBatch(schema: Schema([]), columns: batch.columns.map { ColumnKernels.materialize($0.gather(rows)) }, rowCount: rows.count)
    }

    /// Rows per block: about 1 MiB of a run's rows, between 1,024 and 65,536 rows.
    static func blockRows(bytesPerRow: Int) -> Int {
        min(65_536, max(1024, (1 << 20) / max(1, bytesPerRow)))
    }
}

/// The spilled runs of one ORDER BY past the memory limit: an external merge sort, as DuckDB's
/// and DataFusion's sorts spill. Each run is one spill file of `SpillCodec` batches (blocks of
/// `blockRows` rows, framed by their length); where each block starts is kept here, so a
/// merge reads one block per run at a time.
final class SortRuns: @unchecked Sendable {
    struct FileRun {
        var path: String
        /// Offset and length of each framed block (length prefix included).
        var frames: [(offset: Int, length: Int)]
        var rows: Int
    }

    let directory: SpillDirectory
    /// The run layout's column types.
    let types: [DataType]
    private let lock = NSLock()
    private(set) var files: [FileRun] = []
    private(set) var rowsWritten = 0
    private(set) var bytesWritten = 0

    init(directory: SpillDirectory, types: [DataType]) {
        self.directory = directory
        self.types = types
    }

    /// Writes `run` to a spill file of its own (in writes of about 4 MiB).
    func write(_ run: SortedRun) throws {
        guard run.rowCount > 0 else { return }
        let path = try directory.newFile("sort-run")
        var frames: [(offset: Int, length: Int)] = []
        var pending = SpillCodec.Writer()
        var offset = 0
        var i = 0
        while let block = run.block(i) {
            var w = SpillCodec.Writer()
            try SpillCodec.encode(block, into: &w)
            frames.append((offset + pending.bytes.count, 8 + w.bytes.count))
            pending.u64(UInt64(w.bytes.count))
            pending.bytes.append(contentsOf: w.bytes)
            if pending.bytes.count >= 4 << 20 {
                try directory.append(pending.bytes, to: path)
                offset += pending.bytes.count
                pending = SpillCodec.Writer()
            }
            i += 1
        }
        if !pending.bytes.isEmpty {
            try directory.append(pending.bytes, to: path)
            offset += pending.bytes.count
        }
        lock.lock()
        files.append(FileRun(path: path, frames: frames, rows: run.rowCount))
        rowsWritten += run.rowCount
        bytesWritten += offset
        lock.unlock()
    }

    /// The blocks of file run `r` in order, each read when asked; the file is deleted once
    /// its last block is read.
    func reader(_ r: Int) -> () throws -> RecordBatch? {
        let run = files[r]
        var next = 0
        return { [directory, types] in
            guard next < run.frames.count else { return nil }
            let frame = run.frames[next]
            next += 1
            let bytes = try directory.read(run.path, offset: frame.offset, count: frame.length)
            if next == run.frames.count { directory.delete(run.path) }
            return try bytes.withUnsafeBytes { raw in
                var r = SpillCodec.Reader(bytes: raw)
                guard try r.count() == frame.length - 8 else { throw QueryError.execution("internal: spilled sort block has a bad length") }
                return try SpillCodec.decode(&r, types: types)
            }
        }
    }

    /// Deletes every run file not yet read to its end.
    func deleteAll() {
        lock.lock()
        let paths = files.map(\.path)
        lock.unlock()
        for p in paths { directory.delete(p) }
    }
}

extension SpillDirectory {
    /// `count` bytes of spill file `path` from `offset`.
    func read(_ path: String, offset: Int, count: Int) throws -> [UInt8] {
        do {
            return try Posix.readRange(path, offset: offset, count: count)
        } catch {
            throw QueryError.execution("cannot read back spilled data: \(error)")
        }
    }
}

/// The k-way merge of sorted runs (a binary heap of run cursors, one block per run in memory),
/// emitting batches of at most `batchRows` rows in order.
struct SortMerge {
    let keys: [SortKey]
    /// Per key, its column in the run layout.
    let keyColumns: [Int]
    /// The output columns: the first `outputCount` of the run layout.
    let outputTypes: [DataType]

    private final class Cursor {
        let next: () throws -> RecordBatch?
        var block: RecordBatch
        var keys: [Sorting.KeyColumn] = []
        var ranks: [Int64] = []
        var rows: [Int64] = []
        var position = 0
        /// The segment of the output batch being built that this block's rows go to (-1: none yet).
        var segment = -1

        init(first: RecordBatch, next: @escaping () throws -> RecordBatch?) {
            block = first
            self.next = next
        }
    }

    private func load(_ c: Cursor, _ block: RecordBatch) throws {
        let n = outputTypes.count
        guard block.columns.count >= n + 2,
              case .int64(let ranks) = block.columns[block.columns.count - 2].values,
              case .int64(let rows) = block.columns[block.columns.count - 1].values,
              ranks.count == block.rowCount, rows.count == block.rowCount else {
            throw QueryError.execution("internal: a sorted run lacks its tie-breakers")
        }
        c.block = block
        c.keys = zip(keyColumns, keys).map { Sorting.KeyColumn(block.columns[$0], $1) }
        c.ranks = ranks
        c.rows = rows
        c.position = 0
        c.segment = -1
    }

    /// Merges the runs whose blocks `sources` yield (each in sorted order); `emit` returning
    /// false stops the merge.
    func run(_ sources: [() throws -> RecordBatch?], batchRows: Int, check: () throws -> Void, emit: (RecordBatch) throws -> Bool) throws {
        var heap: [Cursor] = []
        for next in sources {
            // Skip empty blocks (never written, but cheap to allow).
            while let b = try next() {
                guard b.rowCount > 0 else { continue }
                let c = Cursor(first: b, next: next)
                try load(c, b)
                heap.append(c)
                break
            }
        }
        @inline(__always) func less(_ x: Cursor, _ y: Cursor) -> Bool {
            let a = x.position, b = y.position
            for k in x.keys.indices {
                let c = Sorting.compare(x.keys[k], a, y.keys[k], b)
                if c != 0 { return c < 0 }
            }
            if x.ranks[a] != y.ranks[b] { return x.ranks[a] < y.ranks[b] }
            return x.rows[a] < y.rows[b]
        }
        func siftDown(_ start: Int) {
            var i = start
            let n = heap.count
            while true {
                let l = 2 * i + 1
                if l >= n { return }
                var m = l
                if l + 1 < n, less(heap[l + 1], heap[l]) { m = l + 1 }
                if !less(heap[m], heap[i]) { return }
                heap.swapAt(i, m)
                i = m
            }
        }
        for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }

        // The batch being built: contiguous row ranges of blocks (a cursor consumes its block
        // in order), and per output row its range and position within it.
        var segments: [(block: RecordBatch, start: Int, end: Int)] = []
        var segmentOf: [Int32] = []
        var within: [Int32] = []
        segmentOf.reserveCapacity(batchRows)
        within.reserveCapacity(batchRows)
        var live: [Cursor] = heap

        func flush() throws -> Bool {
            guard !segmentOf.isEmpty else { return true }
            try check()
            let n = outputTypes.count
            let parts = segments.map { s in
                RecordBatch(schema: Schema([]), columns: s.block.columns.prefix(n).map { ColumnKernels.slice($0, s.start..<s.end) }, rowCount: s.end - s.start)
            }
            var out: RecordBatch
            if parts.count == 1 {
                out = parts[0]
            } else {
                let all = ColumnKernels.concat(parts, types: outputTypes)
                var offsets = [Int32](repeating: 0, count: segments.count)
                var total: Int32 = 0
                for (i, s) in segments.enumerated() { offsets[i] = total; total += Int32(s.end - s.start) }
                let order = zip(segmentOf, within).map { offsets[Int($0)] + $1 }
                out = RecordBatch(schema: Schema([]), columns: all.columns.map { $0.gather(order) }, rowCount: order.count)
            }
            segments.removeAll(keepingCapacity: true)
            segmentOf.removeAll(keepingCapacity: true)
            within.removeAll(keepingCapacity: true)
            for c in live { c.segment = -1 }
            return try emit(out)
        }

        while let c = heap.first {
            if c.segment < 0 {
                c.segment = segments.count
                segments.append((c.block, c.position, c.position))
            }
            segmentOf.append(Int32(c.segment))
            within.append(Int32(c.position - segments[c.segment].start))
            segments[c.segment].end = c.position + 1
            c.position += 1
            if c.position == c.block.rowCount {
                var refilled = false
                while let b = try c.next() {
                    guard b.rowCount > 0 else { continue }
                    try load(c, b)
                    refilled = true
                    break
                }
                if !refilled {
                    heap.swapAt(0, heap.count - 1)
                    heap.removeLast()
                    live.removeAll { $0 === c }
                }
            }
            if !heap.isEmpty { siftDown(0) }
            if segmentOf.count >= batchRows {
                guard try flush() else { return }
            }
        }
        _ = try flush()
    }
}
