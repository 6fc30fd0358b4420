import Foundation

/// The schemas of the footers opened in this process, by their serialized bytes.
///
/// The files of one table nearly always carry the same schema, byte for byte. Decoding its
/// `SchemaElement`s and building the `ParquetSchema` (leaves, levels, field trees) again for
/// every file was ~4% of a 30-file `count(*)` process; a footer whose schema bytes were seen
/// before takes the elements and schema built then. The key is the exact bytes of the footer's
/// schema list, so an entry is what decoding those bytes gives: nothing here can go stale.
///
/// Bounded (`capacity` distinct schemas, the oldest dropped first) and thread-safe: footers are
/// opened concurrently, and the service keeps one interner for all its tables.
final class SchemaInterner: @unchecked Sendable {
    struct Entry {
        let bytes: [UInt8]
        let elements: [SchemaElement]
        let schema: ParquetSchema
    }

    static let shared = SchemaInterner(capacity: 32)

    let capacity: Int
    private var entries: [Entry] = []  // oldest first
    private let lock = NSLock()

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The entry of a schema serialized as `bytes`, if one was inserted.
    func lookup(_ bytes: UnsafeRawBufferPointer) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        for entry in entries.reversed() where entry.bytes.count == bytes.count {
            let same = entry.bytes.withUnsafeBytes { known in
                bytes.isEmpty || memcmp(known.baseAddress!, bytes.baseAddress!, bytes.count) == 0
            }
            if same { return entry }
        }
        return nil
    }

    /// Remembers what `bytes` decode to.
    func insert(bytes: UnsafeRawBufferPointer, elements: [SchemaElement], schema: ParquetSchema) {
        let key = [UInt8](bytes)
        lock.lock()
        defer { lock.unlock() }
        if entries.contains(where: { $0.bytes == key }) { return }
        if entries.count == capacity { entries.removeFirst() }
        entries.append(Entry(bytes: key, elements: elements, schema: schema))
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
