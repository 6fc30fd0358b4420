/// Errors reading or writing Parquet. Every malformed input ends in one of these, never a trap.
public enum ParquetError: Error, CustomStringConvertible, Sendable {
    /// The bytes do not form valid Parquet (bad magic, bad Thrift, sizes past the end, ...).
    case corrupt(String)
    /// Valid Parquet that lakeq does not handle (nested columns, an unknown encoding, ...).
    case unsupported(String)
    /// The file system refused (open, read, write, ...).
    case io(String)
    /// Bad arguments from the caller (a column name that does not exist, ...).
    case invalidArgument(String)
    /// An encrypted file that cannot be decrypted: no key, a wrong key, a failed
    /// authentication tag (tampered bytes), an unknown algorithm.
    case encryption(String)

    public var description: String {
        switch self {
        case .corrupt(let m): return "corrupt Parquet: \(m)"
        case .unsupported(let m): return "unsupported: \(m)"
        case .io(let m): return m
        case .invalidArgument(let m): return m
        case .encryption(let m): return "encryption: \(m)"
        }
    }
}

extension ParquetError {
    /// The same error with `context` (a path, a location) put before its message.
    public func prefixed(_ context: String) -> ParquetError {
        switch self {
        case .corrupt(let m): return .corrupt("\(context): \(m)")
        case .unsupported(let m): return .unsupported("\(context): \(m)")
        case .io(let m): return .io("\(context): \(m)")
        case .invalidArgument(let m): return .invalidArgument("\(context): \(m)")
        case .encryption(let m): return .encryption("\(context): \(m)")
        }
    }
}
