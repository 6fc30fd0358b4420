import Foundation
import LakeqColumnar
import LakeqParquet

/// Decoded dictionary pages shared by the queries of a long-running process (the API
/// service), bounded in bytes, least recently used dropped first.
///
/// A high-cardinality dictionary (73k distinct doubles of `watch` in a 131k-row row group)
/// costs more to decompress than all the chunk's data pages; a column chunk belongs to an
/// immutable file version (`FileIdentity`: Delta data files never change, a rewritten Hive
/// file gets a new inode or mtime), so its dictionary is decoded once and reused.
///
/// Sizes count the decoded values (`ColumnValues.byteCount`) plus a small per-entry overhead. A
/// dictionary larger than a quarter of the capacity is not kept (it would flush the rest).
/// Thread-safe: one lock around a map and an index-linked recency list; lookups and inserts
/// are O(1). The one-shot CLI passes no cache and pays nothing.
public final class DictionaryCache: DictionaryPageCache, @unchecked Sendable {
    /// Counters since start, for metrics.
    public struct Counts: Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        public var inserts = 0
        public var evictions = 0
        /// Entries and bytes held now.
        public var entries = 0
        public var bytes = 0

        public init() {}
    }

    private struct Slot {
        var key: DictionaryPageKey
        var values: ColumnValues
        var bytes: Int
        /// Neighbours in recency order (-1: none); `head` is the most recently used.
        var newer: Int
        var older: Int
    }

    private struct State {
        var index: [DictionaryPageKey: Int] = [:]
        var slots: [Slot] = []
        var free: [Int] = []
        var head = -1
        var tail = -1
        var counts = Counts()
    }

    /// Bytes kept at most.
    public let capacity: Int
    /// Guarded by `lock` (Foundation's lock: the package still builds for macOS 13, older than `Mutex`).
    private var state = State()
    private let lock = NSLock()

    /// Bookkeeping per entry beyond its values (key, slot, map entry).
    static let entryOverhead = 160

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    public func dictionary(_ key: DictionaryPageKey) -> ColumnValues? {
        locked { s in
            guard let i = s.index[key] else {
                s.counts.misses += 1
                return nil
            }
            s.counts.hits += 1
            Self.unlink(i, &s)
            Self.pushFront(i, &s)
            return s.slots[i].values
        }
    }

    public func insert(_ values: ColumnValues, for key: DictionaryPageKey) {
        let bytes = values.byteCount + Self.entryOverhead + key.file.path.utf8.count
        guard bytes <= capacity / 4 else { return }
        let capacity = self.capacity
        locked { s in
            if let i = s.index[key] {
                // Another query decoded it meanwhile: keep the one held (they are equal).
                Self.unlink(i, &s)
                Self.pushFront(i, &s)
                return
            }
            while s.counts.bytes + bytes > capacity, s.tail >= 0 { Self.evict(s.tail, &s) }
            let slot = Slot(key: key, values: values, bytes: bytes, newer: -1, older: -1)
            let i: Int
            if let reused = s.free.popLast() {
                s.slots[reused] = slot
                i = reused
            } else {
                s.slots.append(slot)
                i = s.slots.count - 1
            }
            s.index[key] = i
            Self.pushFront(i, &s)
            s.counts.bytes += bytes
            s.counts.entries += 1
            s.counts.inserts += 1
        }
    }

    public var counts: Counts { locked { $0.counts } }

    private func locked<T>(_ body: (inout State) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }

    /// Drops every entry (counters stay).
    public func removeAll() {
        locked { s in
            let counts = s.counts
            s = State()
            s.counts = counts
            s.counts.entries = 0
            s.counts.bytes = 0
        }
    }

    // MARK: recency list

    private static func unlink(_ i: Int, _ s: inout State) {
        let newer = s.slots[i].newer, older = s.slots[i].older
        if newer >= 0 { s.slots[newer].older = older } else { s.head = older }
        if older >= 0 { s.slots[older].newer = newer } else { s.tail = newer }
        s.slots[i].newer = -1
        s.slots[i].older = -1
    }

    private static func pushFront(_ i: Int, _ s: inout State) {
        s.slots[i].older = s.head
        s.slots[i].newer = -1
        if s.head >= 0 { s.slots[s.head].newer = i }
        s.head = i
        if s.tail < 0 { s.tail = i }
    }

    private static func evict(_ i: Int, _ s: inout State) {
        unlink(i, &s)
        s.index[s.slots[i].key] = nil
        s.counts.bytes -= s.slots[i].bytes
        s.counts.entries -= 1
        s.counts.evictions += 1
        // Release the values now; the slot is reused by a later insert.
        s.slots[i].values = .int32([])
        s.free.append(i)
    }
}
