import Dispatch
import Foundation

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
    public static func map<T>(threads: Int, _ items: [Chunk], _ body: (Chunk) -> T) -> [T] {
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
