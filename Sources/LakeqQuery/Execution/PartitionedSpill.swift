import Foundation
import LakeqColumnar

/// Rows written to disk split by a hash of their key values into `partitionCount` partitions,
/// and read back one partition at a time: the one spill layout of the operators that spill
/// by partition (DuckDB's radix partitioning, DataFusion's spill).
///
/// - Hash aggregation (`HashAggregate`, DuckDB's radix-partitioned hash aggregate): a set per
///   grouping set, rows are groups (key columns, then every aggregate's state columns); a
///   worker past the memory limit writes its groups and starts over with empty tables; once
///   the input is done, partitions are merged one at a time per worker.
/// - Grace hash join (`JoinBuild`, `HashJoin`): set 0 holds build rows, set 1 probe rows,
///   each partitioned by its join keys, so equal keys of both sides meet in one partition;
///   the join then runs one partition at a time per worker.
final class PartitionedSpill: @unchecked Sendable {
    static let partitionCount = 64

    let directory: SpillDirectory
    /// Names the files (`agg`, `join`).
    let label: String
    /// Types of a spilled batch of each set (for an aggregate: its keys, then the aggregates' states).
    let batchTypes: [[DataType]]
    private let lock = NSLock()
    /// Files of (set, partition), appended by whichever worker spills.
    private var files: [[[String]]]
    private var fileByName: [String: String] = [:]
    private(set) var spills = 0
    /// Rows written per set.
    private(set) var rowsWritten: [Int]
    private(set) var bytesWritten = 0

    init(directory: SpillDirectory, label: String, batchTypes: [[DataType]]) {
        self.directory = directory
        self.label = label
        self.batchTypes = batchTypes
        files = batchTypes.map { _ in Array(repeating: [], count: Self.partitionCount) }
        rowsWritten = batchTypes.map { _ in 0 }
    }

    /// Writes the groups of one grouping set (`columns`: keys then states, a row per group)
    /// split into partitions by the hash of the key columns (the first `keyCount`).
    func write(set s: Int, keyCount: Int, columns: [Column], groups n: Int, worker: Int) throws {
        guard n > 0 else { return }
        let parts = keyCount == 0 ? [Int](repeating: 0, count: n) : Self.partitions(Array(columns.prefix(keyCount)), rows: n)
        try write(set: s, columns: columns, rows: n, partitions: parts, worker: worker)
    }

    /// Writes `n` rows of `columns` to set `s`, row i into partition `parts[i]`.
    func write(set s: Int, columns: [Column], rows n: Int, partitions parts: [Int], worker: Int) throws {
        guard n > 0 else { return }
        var members = [[Int32]](repeating: [], count: Self.partitionCount)
        for (g, p) in parts.enumerated() { members[p].append(Int32(g)) }
        var written = 0
        for (p, rows) in members.enumerated() where !rows.isEmpty {
            let part = columns.map { $0.gather(rows) }
            var w = SpillCodec.Writer()
            try SpillCodec.encode(RecordBatch(schema: Schema([]), columns: part, rowCount: rows.count), into: &w)
            // Frame: length, then the batch, so a file holds a sequence of batches.
            var framed = SpillCodec.Writer()
            framed.u64(UInt64(w.bytes.count))
            framed.bytes.append(contentsOf: w.bytes)
            let path = try file(set: s, partition: p, worker: worker)
            try directory.append(framed.bytes, to: path)
            written += framed.bytes.count
        }
        lock.lock()
        spills += 1
        rowsWritten[s] += n
        bytesWritten += written
        lock.unlock()
    }

    /// The file a worker appends partition `p` of set `s` to (one per worker: no two writers share a file).
    private func file(set s: Int, partition p: Int, worker: Int) throws -> String {
        let name = "\(label)-s\(s)-p\(p)-w\(worker)"
        lock.lock()
        defer { lock.unlock() }
        if let existing = fileByName[name] { return existing }
        let path = try directory.newFile(name)
        fileByName[name] = path
        files[s][p].append(path)
        return path
    }

    /// Every spilled batch of partition `p` of set `s`; the files are deleted once read.
    func readPartition(set s: Int, partition p: Int, _ body: (RecordBatch) throws -> Void) throws {
        lock.lock()
        let paths = files[s][p]
        lock.unlock()
        for path in paths {
            let bytes = try directory.read(path)
            directory.delete(path)
            try bytes.withUnsafeBytes { raw in
                var r = SpillCodec.Reader(bytes: raw)
                while r.at < raw.count {
                    let length = try r.count()
                    let frame = try r.take(length)
                    var inner = SpillCodec.Reader(bytes: frame)
                    try body(try SpillCodec.decode(&inner, types: batchTypes[s]))
                }
            }
        }
    }

    /// Deletes every partition file not yet read (a LIMIT may stop before every partition is merged).
    func deleteAll() {
        lock.lock()
        let paths = files.flatMap { $0.flatMap { $0 } }
        lock.unlock()
        for p in paths { directory.delete(p) }
    }

    /// The partition of each row of the key columns: a hash of the values (not of per-worker
    /// codes such as interned ids), so equal keys spilled by any worker meet in one partition.
    static func partitions(_ keys: [Column], rows n: Int) -> [Int] {
        var h = [UInt64](repeating: 0x2545_F491_4F6C_DD1D, count: n)
        for c in keys {
            var codes = [Int64](repeating: 0, count: n)
            switch c.values.materialized() {
            case .bytes(let b):
                b.data.withUnsafeBytes { raw in
                    for i in 0..<n { codes[i] = Int64(bitPattern: Hashing.bytes(UnsafeRawBufferPointer(rebasing: raw[b.range(i)]))) }
                }
            case .fixed(let f):
                f.data.withUnsafeBytes { raw in
                    for i in 0..<n { codes[i] = Int64(bitPattern: Hashing.bytes(UnsafeRawBufferPointer(rebasing: raw[(i * f.width)..<((i + 1) * f.width)]))) }
                }
            case .boolean(let b):
                for i in 0..<n { codes[i] = b[i] ? 1 : 0 }
            case .float32, .float64:
                if let d = Vectors.doubles(c) { for i in 0..<n { codes[i] = KeyEncoder.doubleCode(d[i]) } }
            default:
                if let v = Vectors.int64s(c) { codes = v }
            }
            // NULL slots hold arbitrary values: every NULL gets one code.
            if let validity = c.validity { for i in 0..<n where !validity[i] { codes[i] = 0x5A5A } }
            for i in 0..<n { h[i] = Hashing.combine(h[i], codes[i]) }
        }
        return h.map { Int(Hashing.finish($0) >> 58) & (partitionCount - 1) }
    }
}
