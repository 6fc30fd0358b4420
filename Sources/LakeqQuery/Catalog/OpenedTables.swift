import Foundation

/// Tables kept alive past the statements that opened them (`Catalog.keepOpen`).
///
/// A statement's tables are otherwise freed when it returns: its files unmapped, footers and
/// file lists released. A process that exits right after its answer (the command line)
/// keeps them here and never pays for that: measured at ~3% of a `count(*)` over 30 files,
/// most of it `munmap`. Thread-safe.
public final class OpenedTables: @unchecked Sendable {
    private let lock = NSLock()
    private var tables: [Table] = []

    public init() {}

    func keep(_ table: Table) {
        lock.lock()
        tables.append(table)
        lock.unlock()
    }

    /// Tables kept so far.
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return tables.count
    }
}
