/// Errors of the query layer, each rendered as one clear message.
public enum QueryError: Error, CustomStringConvertible, Sendable {
    /// Tables and files: missing, unreadable, incompatible schemas.
    case catalog(String)
    /// Names that do not resolve, types that do not fit.
    case binding(String)
    /// Failures while running: overflow, bad casts of data.
    case execution(String)
    /// Valid SQL that lakeq does not run yet.
    case unsupported(String)
    /// Reading something the catalog's `TableAccess` does not allow (a path outside the lake).
    case forbidden(String)

    public var description: String {
        switch self {
        case .catalog(let m), .binding(let m), .execution(let m), .unsupported(let m), .forbidden(let m): return m
        }
    }
}
