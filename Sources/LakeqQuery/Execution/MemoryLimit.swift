import Foundation

/// How much memory the spillable state of a query (hash aggregation's group tables, join
/// build sides, a sort's buffered batches) may hold before it is written to disk: DuckDB's
/// `memory_limit`.
///
/// Sizes are written as DuckDB writes them: a number with an optional unit, `KB`/`MB`/`GB`/`TB`
/// (powers of 1000), `KiB`/`MiB`/`GiB`/`TiB` (powers of 1024), `B` or none (bytes), case and
/// spaces ignored; or a share of physical memory, `80%`. The default is 80% of physical memory,
/// as DuckDB's.
public struct MemoryLimit: Sendable, Equatable, CustomStringConvertible {
    public var bytes: Int

    public init(bytes: Int) { self.bytes = max(0, bytes) }

    /// DuckDB's default: 80% of the machine's physical memory.
    public static var defaultLimit: MemoryLimit { MemoryLimit(bytes: Int(Double(ProcessInfo.processInfo.physicalMemory) * 0.8)) }

    /// Parses `1GiB`, `512MB`, `80%`, `1.5 GB`, `65536`; nil (with the reason) otherwise.
    public static func parse(_ text: String) -> Result<MemoryLimit, MemoryLimitError> {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "")
        let units: [(String, Double)] = [
            ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("tib", 1_099_511_627_776),
            ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12),
            ("k", 1e3), ("m", 1e6), ("g", 1e9), ("t", 1e12),
            ("%", -1), ("b", 1),
        ]
        var number = t
        var scale: Double = 1
        for (suffix, s) in units where t.hasSuffix(suffix) {
            number = String(t.dropLast(suffix.count))
            scale = s
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number), value.isFinite else {
            return .failure(MemoryLimitError(text: text, reason: "expected a size such as 1GiB, 512MB, 80% or a number of bytes"))
        }
        if scale < 0 {
            guard value > 0 && value <= 100 else { return .failure(MemoryLimitError(text: text, reason: "a share of memory is between 0% and 100%")) }
            return .success(MemoryLimit(bytes: Int(Double(ProcessInfo.processInfo.physicalMemory) * value / 100)))
        }
        let bytes = value * scale
        guard bytes >= 1, bytes < 9e18 else { return .failure(MemoryLimitError(text: text, reason: "the limit must be at least one byte")) }
        return .success(MemoryLimit(bytes: Int(bytes)))
    }

    /// `1.0 GiB`, `64.0 KiB`.
    public var description: String { Self.format(bytes) }

    public static func format(_ n: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n)
        var u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) bytes" : String(format: "%.1f %@", v, units[u])
    }
}

public struct MemoryLimitError: Error, CustomStringConvertible, Sendable {
    public var text: String
    public var reason: String
    public var description: String { "invalid memory limit '\(text)': \(reason)" }
}

/// The memory a query's spillable operators hold, counted against its limit.
///
/// Operators report what their state holds after each batch (`update`) and spill once the
/// total passes `spillThreshold`: half the limit, because growing a hash table briefly holds
/// its old and new slot arrays and writing the state out copies it, so the state's peak is
/// about twice what it holds between batches (a sort's run is likewise concatenated, then
/// gathered in sorted order, block by block, as it is written). Shared by every worker of a query (a lock; it
/// is asked once per batch, not per row). The default limit is resolved on first use, so a
/// query that aggregates nothing never asks for the machine's memory size.
final class MemoryBudget: @unchecked Sendable {
    private let configured: MemoryLimit?
    private let lock = NSLock()
    private var resolved: Int?
    private var used = 0
    private var highest = 0

    init(limit: MemoryLimit?) { configured = limit }

    /// The limit in bytes.
    var limit: Int {
        lock.lock()
        defer { lock.unlock() }
        return resolvedLimit()
    }

    private func resolvedLimit() -> Int {
        if let resolved { return resolved }
        let l = (configured ?? .defaultLimit).bytes
        resolved = l
        return l
    }

    /// The most the counted state held at once.
    var peak: Int {
        lock.lock()
        defer { lock.unlock() }
        return highest
    }

    /// The state operators may hold before they spill.
    var spillThreshold: Int { limit / 2 }

    /// Replaces `old` bytes of a worker's state by `new`; returns the query's total.
    @discardableResult
    func update(from old: Int, to new: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        used += new - old
        highest = max(highest, used)
        return used
    }
}
