import Crypto
import Foundation

/// The API keys file: per key its name, role, PII grant, a public id, a random salt and
/// SHA-256(salt ‖ secret). The key itself is printed once by `lakeq keys add` and never
/// stored. A key reads `lq_<id>_<secret>`: the id finds the entry, the secret is checked
/// against its hash in constant time.
///
/// Keys are 256-bit random secrets, so one salted SHA-256 resists guessing as well as a slow
/// password hash would, at a cost the per-request check can afford.
///
/// The file also holds the server's PII secret (the HMAC key masked columns are hashed
/// with), made with the first key, so masked values stay the same across restarts.
/// `lakeq serve` reloads the file when it changes (checked at most once a second), so a
/// revoked key stops working without a restart.
public final class KeyStore: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var id: String
        public var role: Role
        public var pii: Bool
        public var salt: [UInt8]
        public var hash: [UInt8]
        public var created: String
    }

    public struct Contents: Sendable, Equatable {
        public var keys: [Entry] = []
        public var piiSecret: [UInt8] = []
    }

    public let path: String
    private let lock = NSLock()
    private var contents = Contents()
    private var loadedModified: Date?
    private var lastCheck = ContinuousClock.now
    private var byID: [String: Entry] = [:]
    /// Keys that live in memory only (`addEphemeral`), kept across reloads of the file.
    private var ephemeral: [Entry] = []
    /// Keys already checked, by their full text (memory only; cleared when the file changes),
    /// so a busy client costs one dictionary lookup rather than a hash.
    private var verified: [String: APIKey] = [:]

    /// Opens the keys file at `path` (an absent file holds no keys).
    public init(path: String) throws {
        self.path = path
        try reload()
    }

    /// Keys and secret as held in memory (for tests).
    public init(contents: Contents) {
        path = ""
        self.contents = contents
        byID = Dictionary(contents.keys.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public var entries: [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return contents.keys
    }

    /// The HMAC key for PII masking.
    public var piiSecret: [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return contents.piiSecret
    }

    /// The identity a presented key proves, or nil when no key matches.
    public func verify(_ presented: String) -> APIKey? {
        refreshIfChanged()
        if let known = lock.withLock({ verified[presented] }) { return known }
        let parts = presented.utf8.split(separator: UInt8(ascii: "_"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].elementsEqual("lq".utf8) else { return nil }
        let id = String(decoding: parts[1], as: UTF8.self)
        lock.lock()
        let entry = byID[id]
        lock.unlock()
        guard let entry else { return nil }
        var hasher = SHA256()
        hasher.update(data: entry.salt)
        hasher.update(data: Array(parts[2]))
        let digest = Array(hasher.finalize())
        guard Self.constantTimeEqual(digest, entry.hash) else { return nil }
        let key = APIKey(name: entry.name, role: entry.role, pii: entry.pii)
        lock.withLock {
            if verified.count >= 10_000 { verified.removeAll() }
            verified[presented] = key
        }
        return key
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    // MARK: file

    private func refreshIfChanged() {
        guard !path.isEmpty else { return }
        lock.lock()
        let due = ContinuousClock.now - lastCheck > .seconds(1)
        if due { lastCheck = .now }
        lock.unlock()
        if due { try? reload() }
    }

    /// Reads the file again when it changed since the last read.
    public func reload() throws {
        let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        lock.lock()
        let same = modified != nil && modified == loadedModified
        lock.unlock()
        if same { return }
        let loaded = try Self.read(path)
        lock.lock()
        contents = loaded
        loadedModified = modified
        byID = Dictionary((loaded.keys + ephemeral).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        verified.removeAll()
        lock.unlock()
    }

    static func read(_ path: String) throws -> Contents {
        guard FileManager.default.fileExists(atPath: path) else { return Contents() }
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigurationError("\(path): cannot read the keys file") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ConfigurationError("\(path): the keys file is not a JSON object")
        }
        var out = Contents()
        if let s = object["pii_secret"] as? String, let d = Data(base64Encoded: s) { out.piiSecret = Array(d) }
        for item in object["keys"] as? [[String: Any]] ?? [] {
            guard let name = item["name"] as? String, let id = item["id"] as? String,
                  let role = (item["role"] as? String).flatMap(Role.init(rawValue:)),
                  let salt = (item["salt"] as? String).flatMap({ Data(base64Encoded: $0) }),
                  let hash = (item["hash"] as? String).flatMap(Self.unhex) else {
                throw ConfigurationError("\(path): a key entry lacks name, id, role, salt or hash")
            }
            out.keys.append(Entry(name: name, id: id, role: role, pii: item["pii"] as? Bool ?? false, salt: Array(salt), hash: hash,
                                  created: item["created"] as? String ?? ""))
        }
        return out
    }

    static func write(_ contents: Contents, to path: String) throws {
        let keys: [[String: Any]] = contents.keys.map {
            ["name": $0.name, "id": $0.id, "role": $0.role.rawValue, "pii": $0.pii, "salt": Data($0.salt).base64EncodedString(),
             "hash": Self.hex($0.hash), "created": $0.created]
        }
        let object: [String: Any] = ["version": 1, "pii_secret": Data(contents.piiSecret).base64EncodedString(), "keys": keys]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        // Written beside, made private, then renamed over: readers never see half a file.
        let temp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temp, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError("\(temp): cannot write the keys file")
        }
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw ConfigurationError("\(path): cannot replace the keys file: \(String(cString: strerror(errno)))")
        }
    }

    // MARK: managing keys (`lakeq keys`)

    /// Adds a key named `name` and returns its text (shown once; only its hash is kept).
    public static func add(name: String, role: Role, pii: Bool, path: String) throws -> String {
        try checkName(name)
        var contents = try read(path)
        guard !contents.keys.contains(where: { $0.name == name }) else { throw ConfigurationError("a key named \(name) already exists in \(path)") }
        if contents.piiSecret.isEmpty { contents.piiSecret = randomBytes(32) }
        let (entry, text) = makeKey(name: name, role: role, pii: pii, taken: Set(contents.keys.map(\.id)))
        contents.keys.append(entry)
        try write(contents, to: path)
        return text
    }

    /// Adds a key held in memory only: never written to the file, gone when the process ends
    /// (the dashboard's own read-only key, `lakeq serve --dashboard-key NAME`). Returns its text.
    public func addEphemeral(name: String, role: Role, pii: Bool) throws -> String {
        try Self.checkName(name)
        lock.lock()
        defer { lock.unlock() }
        guard !contents.keys.contains(where: { $0.name == name }), !ephemeral.contains(where: { $0.name == name }) else {
            throw ConfigurationError("a key named \(name) already exists; pick another name for the dashboard's key")
        }
        let (entry, text) = Self.makeKey(name: name, role: role, pii: pii, taken: Set(byID.keys))
        ephemeral.append(entry)
        byID[entry.id] = entry
        return text
    }

    static func checkName(_ name: String) throws {
        guard (1...64).contains(name.utf8.count), name.utf8.allSatisfy({ b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
        }) else {
            throw ConfigurationError("key name \(name): use 1 to 64 letters, digits, '-', '_' or '.'")
        }
    }

    /// A new key's entry (salted hash) and its text, with an id none of `taken` has.
    static func makeKey(name: String, role: Role, pii: Bool, taken: Set<String>) -> (Entry, String) {
        var id = hex(randomBytes(6))
        while taken.contains(id) { id = hex(randomBytes(6)) }
        let secret = Data(randomBytes(32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "=", with: "")
        let salt = randomBytes(16)
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(secret.utf8))
        let created = ISO8601DateFormatter().string(from: Date())
        return (Entry(name: name, id: id, role: role, pii: pii, salt: salt, hash: Array(hasher.finalize()), created: created), "lq_\(id)_\(secret)")
    }

    /// Removes the key named `name`.
    public static func revoke(name: String, path: String) throws {
        var contents = try read(path)
        guard contents.keys.contains(where: { $0.name == name }) else { throw ConfigurationError("no key named \(name) in \(path)") }
        contents.keys.removeAll { $0.name == name }
        try write(contents, to: path)
    }

    public static func list(path: String) throws -> [Entry] { try read(path).keys }

    static func randomBytes(_ n: Int) -> [UInt8] {
        SymmetricKey(size: SymmetricKeySize(bitCount: n * 8)).withUnsafeBytes { Array($0) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}
