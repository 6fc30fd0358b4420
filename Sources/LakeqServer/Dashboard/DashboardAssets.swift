import Crypto
import Foundation
import NIOCore

/// The dashboard's files: `Dashboard/Assets/` embedded in the binary at build time (the
/// EmbedDashboardAssets plugin writes `EmbeddedAssets`), or, with `--dashboard-dir DIR`,
/// read from DIR on every request (edit and reload, no rebuild).
///
/// `index.html` names the other files as `{{ASSETS}}/name`, replaced by
/// `/assets/<version>` where the version is a fingerprint of every embedded file: a new
/// build gets new URLs, so assets may be cached for a year (`immutable`) while the page
/// itself is revalidated on every load.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        /// Strong ETag of the content (quoted).
        let etag: String
    }

    /// Fingerprint of the asset set (`dev` when served from a directory).
    let version: String
    private let embedded: [String: Asset]
    private let directory: String?

    /// The assets built into the binary.
    static let builtIn = DashboardAssets()

    private init() {
        var files: [String: Asset] = [:]
        for file in EmbeddedAssets.files {
            guard let data = Data(base64Encoded: file.base64) else { continue }
            files[file.path] = Asset(body: ByteBuffer(bytes: data), contentType: Self.contentType(file.path), etag: "\"\(file.hash)\"")
        }
        version = EmbeddedAssets.version
        directory = nil
        if let page = files["index.html"] {
            files["index.html"] = Self.expand(page, prefix: "/assets/\(version)")
        }
        embedded = files
    }

    /// Assets read from `directory` on each request.
    init(directory: String) {
        version = "dev"
        embedded = [:]
        var dir = directory
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        self.directory = dir
    }

    /// The file `name` (a plain file name: no directories), or nil.
    func asset(_ name: String) -> Asset? {
        guard Self.isPlainName(name) else { return nil }
        guard let directory else { return embedded[name] }
        guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
        let digest = KeyStore.hex(Array(SHA256.hash(data: data).prefix(12)))
        let asset = Asset(body: ByteBuffer(bytes: data), contentType: Self.contentType(name), etag: "\"\(digest)\"")
        return name == "index.html" ? Self.expand(asset, prefix: "/assets/\(version)") : asset
    }

    var names: [String] { embedded.keys.sorted() }

    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 100 && !name.hasPrefix(".")
            && name.utf8.allSatisfy { b in
                (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
            }
    }

    /// `index.html` with `{{ASSETS}}` replaced (its ETag follows the new bytes).
    private static func expand(_ page: Asset, prefix: String) -> Asset {
        let text = String(decoding: page.body.readableBytesView, as: UTF8.self).replacingOccurrences(of: "{{ASSETS}}", with: prefix)
        let digest = KeyStore.hex(Array(SHA256.hash(data: Array(text.utf8)).prefix(12)))
        return Asset(body: ByteBuffer(string: text), contentType: page.contentType, etag: "\"\(digest)\"")
    }

    static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last.map({ $0.lowercased() }) ?? "" {
        case "html": return "text/html; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "json": return "application/json"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
