import Crypto
import Foundation
import LakeqColumnar
import NIOCore

/// Encoded responses kept by key, least recently used dropped first past `capacity` bytes.
///
/// A key is the normalized request (route, canonical parameters or SQL, format, whether PII
/// shows) plus the Delta version of every table it reads, so a commit makes a new key and
/// old entries simply age out: nothing has to be invalidated. The key's SHA-256 is the
/// entry's ETag: the same key always gives the same bytes.
final class ResultCache: @unchecked Sendable {
    struct Entry: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String
        /// Rows of the result (for the audit log).
        let rows: Int
        /// The result itself, so that another format of the same query at the same versions
        /// is encoded from the same run (equal values, no second run).
        var table: ResultTable? = nil

        /// Bytes held: the body, or the columns of the result.
        var size: Int { body.readableBytes + (table.map(ResultCache.approximateBytes) ?? 0) }
    }

    static func approximateBytes(_ t: ResultTable) -> Int {
        t.columns.reduce(0) { $0 + $1.values.byteCount + ($1.validity.map { $0.count / 8 } ?? 0) } + 64 * t.columns.count
    }

    private final class Node {
        let key: String
        var entry: Entry
        weak var prev: Node?
        var next: Node?
        init(key: String, entry: Entry) {
            self.key = key
            self.entry = entry
        }
    }

    private let lock = NSLock()
    private var nodes: [String: Node] = [:]
    private var head: Node?  // most recently used
    private var tail: Node?
    private(set) var bytes = 0
    let capacity: Int
    let entryLimit: Int

    init(capacity: Int, entryLimit: Int) {
        self.capacity = max(0, capacity)
        self.entryLimit = min(max(0, entryLimit), self.capacity)
    }

    /// The strong ETag of a key (quoted, as the header carries it).
    static func etag(for key: String) -> String {
        let digest = SHA256.hash(data: Array(key.utf8))
        var hex = ""
        for b in digest.prefix(16) { hex += String(b, radix: 16).count == 1 ? "0" + String(b, radix: 16) : String(b, radix: 16) }
        return "\"" + hex + "\""
    }

    func get(_ key: String) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        guard let node = nodes[key] else { return nil }
        moveToFront(node)
        return node.entry
    }

    /// Keeps `entry` unless it is larger than the per-entry limit.
    func put(_ key: String, _ entry: Entry) {
        let size = entry.size + key.utf8.count
        guard size <= entryLimit else { return }
        lock.lock()
        defer { lock.unlock() }
        if let old = nodes[key] {
            bytes -= old.entry.size + key.utf8.count
            old.entry = entry
            bytes += size
            moveToFront(old)
        } else {
            let node = Node(key: key, entry: entry)
            nodes[key] = node
            bytes += size
            insertFront(node)
        }
        while bytes > capacity, let last = tail {
            unlink(last)
            nodes[last.key] = nil
            bytes -= last.entry.size + last.key.utf8.count
        }
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return nodes.count
    }

    private func insertFront(_ n: Node) {
        n.prev = nil
        n.next = head
        head?.prev = n
        head = n
        if tail == nil { tail = n }
    }

    private func unlink(_ n: Node) {
        if let p = n.prev { p.next = n.next } else { head = n.next }
        if let x = n.next { x.prev = n.prev } else { tail = n.prev }
        n.prev = nil
        n.next = nil
    }

    private func moveToFront(_ n: Node) {
        guard head !== n else { return }
        unlink(n)
        insertFront(n)
    }
}
