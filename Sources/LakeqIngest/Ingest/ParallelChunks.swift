import Dispatch
import Foundation
import LakeqColumnar

/// A run of whole records (lines) of a source, parsed by one thread.
public struct Chunk: Sendable {
    public var start: Int
    public var end: Int
    /// 1-based physical line number of the chunk's first line.
    public var firstLine: Int
    /// Physical lines in the chunk.
    public var lines: Int

    public init(start: Int, end: Int, firstLine: Int, lines: Int) {
        self.start = start
        self.end = end
        self.firstLine = firstLine
        self.lines = lines
    }
}

/// The chunking and worker pool shared by `ingest` and `convert`: a source is cut into chunks
/// of whole lines, chunks are parsed on `threads` workers, results are used in source order.
public enum ParallelChunks {
    /// Runs `threads` workers over `count` items (DispatchQueue.concurrentPerform alone would
    /// use every core). Items are handed out in order.
    public static func run(threads: Int, count: Int, _ body: (Int) -> Void) {
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for i in 0..<count { body(i) }
            return
        }
        let lock = NSLock()
        var next = 0
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                lock.lock(); let i = next; next += 1; lock.unlock()
                if i >= count { return }
                body(i)
            }
        }
    }

    /// `body` over every item on `threads` workers; the results in item order.
    public static func map<I, T>(threads: Int, _ items: [I], _ body: (I) -> T) -> [T] {
        var out = [T?](repeating: nil, count: items.count)
        out.withUnsafeMutableBufferPointer { buf in
            let buf = buf
            run(threads: threads, count: items.count) { i in buf[i] = body(items[i]) }  // distinct slots
        }
        return out.map { $0! }
    }

    /// Splits lines `from...` of `bytes` into chunks of at most `perChunk` lines, grouped in
    /// segments of at most `perSegment` lines. Returns the segments and the last line number.
    /// With `csvQuotes`, a chunk never ends inside a quoted CSV field (a newline inside quotes
    /// does not end a record); such chunks may run a few lines over `perChunk`.
    public static func segments(_ bytes: UnsafeRawBufferPointer, from startOffset: Int, firstLine: Int,
                                perSegment: Int, perChunk: Int, csvQuotes: Bool = false) -> (segments: [[Chunk]], lastLine: Int) {
        var segments: [[Chunk]] = []
        var current: [Chunk] = []
        var inSegment = 0
        var pos = startOffset
        var line = firstLine
        let n = bytes.count
        guard let base = bytes.baseAddress else { return ([], firstLine - 1) }
        // Position of the next quote at or after `pos` (n: none).
        func quote(from p: Int) -> Int {
            guard p < n, let hit = memchr(base + p, 0x22, n - p) else { return n }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        var nextQuote = csvQuotes ? quote(from: pos) : n
        var inQuotes = false
        while pos < n {
            let take = min(perChunk, perSegment - inSegment)
            let cStart = pos, cLine = line
            var count = 0
            while (count < take || inQuotes) && pos < n {
                let lineEnd: Int
                if let hit = memchr(base + pos, 0x0A, n - pos) {
                    lineEnd = base.distance(to: UnsafeRawPointer(hit))
                } else {
                    lineEnd = n
                }
                // Quote parity over this line (doubled quotes toggle twice).
                while nextQuote < lineEnd {
                    inQuotes.toggle()
                    nextQuote = quote(from: nextQuote + 1)
                }
                pos = min(lineEnd + 1, n)
                count += 1
            }
            line += count
            current.append(Chunk(start: cStart, end: pos, firstLine: cLine, lines: count))
            inSegment += count
            if inSegment >= perSegment { segments.append(current); current = []; inSegment = 0 }
        }
        if !current.isEmpty { segments.append(current) }
        return (segments, line - 1)
    }
}

extension Column {
    /// The rows of `parts` one after another (all of one type, none dictionary-encoded).
    public static func joined(_ parts: [Column]) -> Column {
        guard let first = parts.first else { preconditionFailure("joined: no parts") }
        if parts.count == 1 { return first }
        let total = parts.reduce(0) { $0 + $1.count }
        var validity: Bitmap?
        if parts.contains(where: { $0.validity != nil }) {
            var v = Bitmap(count: 0, value: false)
            for p in parts {
                if let pv = p.validity { v.append(contentsOf: pv) } else { v.append(repeating: true, count: p.count) }
            }
            validity = v
        }
        let values: ColumnValues
        switch first.values {
        case .boolean:
            var a: [Bool] = []; a.reserveCapacity(total)
            for p in parts { if case .boolean(let b) = p.values { a.append(contentsOf: b) } }
            values = .boolean(a)
        case .int32:
            var a: [Int32] = []; a.reserveCapacity(total)
            for p in parts { if case .int32(let b) = p.values { a.append(contentsOf: b) } }
            values = .int32(a)
        case .int64:
            var a: [Int64] = []; a.reserveCapacity(total)
            for p in parts { if case .int64(let b) = p.values { a.append(contentsOf: b) } }
            values = .int64(a)
        case .float64:
            var a: [Double] = []; a.reserveCapacity(total)
            for p in parts { if case .float64(let b) = p.values { a.append(contentsOf: b) } }
            values = .float64(a)
        case .bytes:
            var a = ByteArrays()
            var bytes = 0
            for p in parts { if case .bytes(let b) = p.values { bytes += b.data.count } }
            a.data.reserveCapacity(bytes)
            a.offsets.reserveCapacity(total + 1)
            for p in parts { if case .bytes(let b) = p.values { a.append(contentsOf: b) } }
            values = .bytes(a)
        case .fixed(let f0):
            var a = FixedBytes(width: f0.width)
            for p in parts { if case .fixed(let b) = p.values { a.data.append(contentsOf: b.data) } }
            values = .fixed(a)
        case .float32:
            var a: [Float] = []; a.reserveCapacity(total)
            for p in parts { if case .float32(let b) = p.values { a.append(contentsOf: b) } }
            values = .float32(a)
        case .dictionary:
            return joined(parts.map { Column(type: $0.type, values: $0.values.materialized(), validity: $0.validity) })
        case .list, .structure:
            return Column.concatenate(parts)
        }
        return Column(type: first.type, values: values, validity: validity)
    }
}
