import Foundation
import LakeqColumnar
import LakeqDelta

/// The binary form of spilled batches: what an operator writes past its memory limit and
/// reads back once. Internal to one process (never a file format anyone else reads), so it
/// is the columns' buffers as they are in memory, little-endian, behind a tag per column:
///
///     batch  := rowCount:u64 columnCount:u32 column*
///     column := tag:u8 count:u64 hasValidity:u8 [validity words:u64*] values
///
/// Values are fixed-width arrays, byte arrays (offsets then data), fixed bytes (width then
/// data), or a list (offsets then its entries column). Dictionaries are expanded before
/// writing. Struct and map columns are not written (an operator holding them does not spill).
enum SpillCodec {
    private enum Tag: UInt8 { case boolean = 1, int32, int64, float32, float64, bytes, fixed, list }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func u8(_ v: UInt8) { bytes.append(v) }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func array<T: BitwiseCopyable>(_ a: [T]) {
            u64(UInt64(a.count))
            a.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var at = 0

        mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
            guard n >= 0, at <= bytes.count - n else { throw QueryError.execution("internal: spill file is truncated") }
            defer { at += n }
            return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + n)])
        }
        mutating func u8() throws -> UInt8 { try take(1)[0] }
        mutating func u64() throws -> UInt64 { UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self)) }
        mutating func count() throws -> Int {
            let n = try u64()
            guard n < UInt64(bytes.count) * 8 + 64 else { throw QueryError.execution("internal: spill file holds a bad count") }
            return Int(n)
        }
        mutating func array<T: BitwiseCopyable>(_: T.Type) throws -> [T] {
            let n = try count()
            let raw = try take(n * MemoryLayout<T>.stride)
            return [T](unsafeUninitializedCapacity: n) { out, made in
                made = 0  // a short array fails the callers' count checks
                guard n > 0, let base = out.baseAddress, let source = raw.baseAddress else { return }
                UnsafeMutableRawPointer(base).copyMemory(from: source, byteCount: raw.count)
                made = n
            }
        }
    }

    /// Whether columns of `type` can be written.
    static func canWrite(_ type: DataType) -> Bool {
        switch type {
        case .structure, .map: return false
        case .list(let e): return canWrite(e.type)
        default: return true
        }
    }

    static func encode(_ batch: RecordBatch, into w: inout Writer) throws {
        w.u64(UInt64(batch.rowCount))
        w.u64(UInt64(batch.columns.count))
        for c in batch.columns { try encode(c, into: &w) }
    }

    static func decode(_ r: inout Reader, types: [DataType]) throws -> RecordBatch {
        let rows = try r.count()
        let n = try r.count()
        guard n == types.count else { throw QueryError.execution("internal: spill batch has \(n) columns, expected \(types.count)") }
        let columns = try types.map { try decode(&r, type: $0) }
        guard columns.allSatisfy({ $0.count == rows }) else { throw QueryError.execution("internal: spill batch columns disagree in length") }
        return RecordBatch(schema: Schema([]), columns: columns, rowCount: rows)
    }

    static func encode(_ column: Column, into w: inout Writer) throws {
        let values = column.values.materialized()
        func header(_ tag: Tag) {
            w.u8(tag.rawValue)
            w.u64(UInt64(values.count))
            if let v = column.validity {
                w.u8(1)
                w.array(v.words)
            } else {
                w.u8(0)
            }
        }
        switch values {
        case .boolean(let v): header(.boolean); w.array(v.map { $0 ? UInt8(1) : 0 })
        case .int32(let v): header(.int32); w.array(v)
        case .int64(let v): header(.int64); w.array(v)
        case .float32(let v): header(.float32); w.array(v)
        case .float64(let v): header(.float64); w.array(v)
        case .bytes(let b): header(.bytes); w.array(b.offsets); w.array(b.data)
        case .fixed(let f): header(.fixed); w.u64(UInt64(f.width)); w.array(f.data)
        case .list(let l): header(.list); w.array(l.offsets); try encode(l.entries, into: &w)
        case .structure, .dictionary:
            throw QueryError.execution("internal: a \(column.type) column cannot be spilled")
        }
    }

    static func decode(_ r: inout Reader, type: DataType) throws -> Column {
        guard let tag = Tag(rawValue: try r.u8()) else { throw QueryError.execution("internal: spill file holds an unknown column tag") }
        let count = try r.count()
        var validity: Bitmap?
        if try r.u8() == 1 {
            let words = try r.array(UInt64.self)
            guard words.count * 64 >= count else { throw QueryError.execution("internal: spill file validity too short") }
            validity = Bitmap(words: words, count: count)
        }
        let values: ColumnValues
        switch tag {
        case .boolean: values = .boolean(try r.array(UInt8.self).map { $0 != 0 })
        case .int32: values = .int32(try r.array(Int32.self))
        case .int64: values = .int64(try r.array(Int64.self))
        case .float32: values = .float32(try r.array(Float.self))
        case .float64: values = .float64(try r.array(Double.self))
        case .bytes: values = .bytes(ByteArrays(offsets: try r.array(Int32.self), data: try r.array(UInt8.self)))
        case .fixed:
            let width = try r.count()
            values = .fixed(FixedBytes(width: width, data: try r.array(UInt8.self)))
        case .list:
            guard case .list(let element) = type else { throw QueryError.execution("internal: spilled list for a \(type) column") }
            let offsets = try r.array(Int32.self)
            values = .list(ListValues(offsets: offsets, entries: try decode(&r, type: element.type)))
        }
        guard values.count == count else { throw QueryError.execution("internal: spilled column has \(values.count) values, expected \(count)") }
        return Column(type: type, values: values, validity: validity)
    }
}

extension EngineOptions {
    /// Why `directory` cannot hold spill files for `lake`, nil when it can: spill files never
    /// go inside the lake (compared after resolving symlinks). The command line and the
    /// service's configuration file both check through here.
    public static func tempDirectoryRefusal(_ directory: String, lake: String) -> String? {
        let temp = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        let root = URL(fileURLWithPath: lake).standardizedFileURL.resolvingSymlinksInPath().path
        guard temp == root || temp.hasPrefix(root.hasSuffix("/") ? root : root + "/") else { return nil }
        return "\(directory) is inside the lake \(lake): spill files never go into the lake"
    }
}

/// The folder of one query's spill files, made on first use under the temp directory
/// (`--temp-directory`, default `$TMPDIR`), removed with everything in it when the query
/// ends, whether it succeeded or failed (`ExecutionContext` owns it).
final class SpillDirectory: @unchecked Sendable {
    private let configuredParent: String?
    /// The temp directory (resolved when the first file is made).
    var parent: String { configuredParent ?? NSTemporaryDirectory() }
    private let lock = NSLock()
    private var made: String?
    private var sequence = 0
    /// Bytes written to spill files so far.
    private(set) var bytesWritten = 0

    init(parent: String?) { configuredParent = parent }

    deinit { remove() }

    /// A new file name inside the directory (the directory is made now if it is not yet).
    func newFile(_ label: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if made == nil {
            let dir = (parent as NSString).appendingPathComponent("lakeq-spill-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
            do {
                try Posix.makePrivateDirectory(dir)
            } catch {
                throw QueryError.execution("cannot spill to disk: \(error) (--temp-directory \(parent))")
            }
            made = dir
        }
        sequence += 1
        return (made ?? parent) + "/\(label)-\(sequence)"
    }

    /// Appends `bytes` to `path`. A failed or short write (a full disk) is an error.
    func append(_ bytes: [UInt8], to path: String) throws {
        do {
            try Posix.append(path, bytes)
        } catch {
            throw QueryError.execution("cannot spill to disk: \(error) (--temp-directory \(parent))")
        }
        lock.lock()
        bytesWritten += bytes.count
        lock.unlock()
    }

    /// The whole content of a spill file (empty when it was never written).
    func read(_ path: String) throws -> [UInt8] {
        do {
            return try Posix.readAll(path) ?? []
        } catch {
            throw QueryError.execution("cannot read back spilled data: \(error)")
        }
    }

    /// Deletes one spill file (read back, no longer needed).
    func delete(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// Removes the directory and every file in it.
    func remove() {
        lock.lock()
        let dir = made
        made = nil
        lock.unlock()
        if let dir { try? FileManager.default.removeItem(atPath: dir) }
    }
}
