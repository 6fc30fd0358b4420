import HummingbirdAuth

/// What a key may do. Each role includes the ones before it: a reader queries, lists tables
/// and runs analytics; a writer also posts events; an admin also reads table history and
/// runs maintenance.
public enum Role: String, Sendable, CaseIterable, Comparable, Codable {
    case reader, writer, admin

    var rank: Int {
        switch self {
        case .reader: return 0
        case .writer: return 1
        case .admin: return 2
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

/// The identity a request proves with its key: the key's name and grants, never the key.
public struct APIKey: Sendable, Equatable, RoleProviding {
    public let name: String
    public let role: Role
    /// May read PII columns in clear.
    public let pii: Bool

    public init(name: String, role: Role, pii: Bool) {
        self.name = name
        self.role = role
        self.pii = pii
    }

    /// The roles this key holds: its own and every lesser one (for `RolePolicy`).
    public var roles: Set<Role> { Set(Role.allCases.filter { $0 <= role }) }
}
