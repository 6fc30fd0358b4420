import Foundation

/// What SQL may read. The command line reads whatever its user can; the API service answers
/// strangers, so its SQL reads only the tables of its lake: no file paths, globs or
/// `read_parquet`, no table name that steps out of the lake, and no table whose files (after
/// symlinks, or through absolute paths in a Delta log) lie outside it.
public enum TableAccess: Sendable, Equatable {
    case unrestricted
    case lakeTablesOnly

    /// A table name must be one plain folder name of the lake.
    static func checkTableName(_ name: String) throws {
        let bad = name.isEmpty || name == "." || name == ".." || name.hasPrefix(".") || name.hasPrefix("_")
            || name.contains("/") || name.contains("\\") || name.utf8.contains(0)
        if bad { throw QueryError.forbidden("table name '\(name)' is not a table of the lake") }
    }

    /// A check that a data file resolves (symlinks followed) to a path inside the lake; run
    /// on every file before it is opened.
    static func insideLake(_ lake: String) throws -> (String) throws -> Void {
        guard let root = realPath(lake) else { throw QueryError.catalog("lake \(lake) is not readable") }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return { path in
            guard let resolved = realPath(path), resolved.hasPrefix(prefix) else {
                throw QueryError.forbidden("a table file lies outside the lake: \(path)")
            }
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
