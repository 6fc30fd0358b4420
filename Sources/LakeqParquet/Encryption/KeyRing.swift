import Crypto
import Foundation

/// Master keys by id, read from a key file, standing in for a KMS; and, optionally, how to
/// encrypt files written with them. The file format is in spec/format.md ("Key files"):
///
/// ```json
/// {"keys": {"footer": "<base64 AES key>", "pii": "<base64 AES key>"},
///  "encryption": {"footer_key": "footer", "column_keys": {"pii": ["user_id"]},
///                 "algorithm": "AES_GCM_V1", "plaintext_footer": false}}
/// ```
///
/// Files name their keys with pyarrow's key material (`pyarrow.parquet.encryption`): JSON
/// naming the master key and holding the data key wrapped by it, directly or through a key
/// encryption key (double wrapping). A wrapped key is base64(nonce | AES-GCM ciphertext | tag)
/// under the master key with the master key id as AAD, the convention of the key-file KMS
/// client of the interop tests. Key metadata that is just a key id names a master key used
/// as the data key.
public struct KeyRing: Sendable {
    public var keys: [String: [UInt8]]
    /// How files written with this key ring are encrypted, if the key file says.
    public var encryption: FileEncryption?

    public init(keys: [String: [UInt8]], encryption: FileEncryption? = nil) {
        self.keys = keys
        self.encryption = encryption
    }

    /// The key file named by `$LAKEQ_KEY_FILE`, if set: the keys used for encrypted files
    /// that callers open or write without giving keys (encrypted Delta tables, queries).
    public static func fromEnvironment() throws -> KeyRing? {
        guard let path = ProcessInfo.processInfo.environment["LAKEQ_KEY_FILE"], !path.isEmpty else { return nil }
        return try KeyRing(keyFile: path)
    }

    /// Reads a key file.
    public init(keyFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw ParquetError.io("\(path): cannot read the key file") }
        try self.init(json: data, name: path)
    }

    public init(json data: Data, name: String = "key file") throws {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let entries = root["keys"] as? [String: Any] else {
            throw ParquetError.invalidArgument("\(name): not a key file (a JSON object with \"keys\": {id: base64 key})")
        }
        var keys: [String: [UInt8]] = [:]
        for (id, value) in entries {
            guard let text = value as? String, let bytes = Data(base64Encoded: text), [16, 24, 32].contains(bytes.count) else {
                throw ParquetError.invalidArgument("\(name): key \(id) is not a base64 AES key of 16, 24 or 32 bytes")
            }
            keys[id] = Array(bytes)
        }
        self.keys = keys
        encryption = nil
        if let e = root["encryption"] as? [String: Any] {
            encryption = try FileEncryption(json: e, keys: keys, name: name)
        }
    }

    func masterKey(_ id: String, what: @autoclosure () -> String) throws -> [UInt8] {
        guard let k = keys[id] else { throw ParquetError.encryption("\(what()): key \(id) is not in the key file") }
        return k
    }

    /// The data key named by a file's key metadata.
    func dataKey(metadata: [UInt8]?, what: @autoclosure () -> String) throws -> [UInt8] {
        guard let metadata, !metadata.isEmpty else { throw ParquetError.encryption("\(what()): the file names no key") }
        if let material = try? JSONSerialization.jsonObject(with: Data(metadata)) as? [String: Any] {
            guard (material["internalStorage"] as? Bool) ?? true else {
                throw ParquetError.encryption("\(what()): key material stored outside the file is not supported")
            }
            guard let master = material["masterKeyID"] as? String, let wrapped = material["wrappedDEK"] as? String else {
                throw ParquetError.encryption("\(what()): key material without masterKeyID / wrappedDEK")
            }
            let masterKey = try masterKey(master, what: what())
            if (material["doubleWrapping"] as? Bool) ?? false {
                guard let kekID = material["keyEncryptionKeyID"] as? String, let wrappedKEK = material["wrappedKEK"] as? String,
                      let kekIDBytes = Data(base64Encoded: kekID) else {
                    throw ParquetError.encryption("\(what()): double-wrapped key material without its key encryption key")
                }
                let kek = try Self.unwrap(wrappedKEK, with: masterKey, aad: Array(master.utf8), what: what())
                return try Self.unwrap(wrapped, with: kek, aad: Array(kekIDBytes), what: what())
            }
            return try Self.unwrap(wrapped, with: masterKey, aad: Array(master.utf8), what: what())
        }
        return try masterKey(String(decoding: metadata, as: UTF8.self), what: what())
    }

    /// base64(nonce | ciphertext | tag) under `key` with `aad`.
    static func unwrap(_ text: String, with key: [UInt8], aad: [UInt8], what: @autoclosure () -> String) throws -> [UInt8] {
        guard let raw = Data(base64Encoded: text), raw.count > ModuleCipher.nonceLength + ModuleCipher.tagLength else {
            throw ParquetError.encryption("\(what()): malformed wrapped key")
        }
        let bytes = Array(raw)
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: bytes[0..<12]), ciphertext: bytes[12..<(bytes.count - 16)],
                                            tag: bytes[(bytes.count - 16)...])
            return Array(try AES.GCM.open(box, using: ModuleCipher.key(key, what: what()), authenticating: aad))
        } catch let e as ParquetError {
            throw e
        } catch {
            throw ParquetError.encryption("\(what()): the key file's key does not unwrap the file's data key (wrong key)")
        }
    }

    static func wrap(_ dataKey: [UInt8], with key: [UInt8], aad: [UInt8]) throws -> String {
        let nonce = ModuleCipher.randomBytes(ModuleCipher.nonceLength)
        let box = try AES.GCM.seal(dataKey, using: ModuleCipher.key(key, what: "wrapping key"), nonce: AES.GCM.Nonce(data: nonce), authenticating: aad)
        return Data(nonce + Array(box.ciphertext) + Array(box.tag)).base64EncodedString()
    }

    /// pyarrow key material for a fresh data key wrapped by master key `id` (single wrapping).
    func keyMaterial(dataKey: [UInt8], masterKeyID id: String, isFooterKey: Bool) throws -> [UInt8] {
        let wrapped = try Self.wrap(dataKey, with: try masterKey(id, what: "encryption"), aad: Array(id.utf8))
        var material: [String: Any] = [
            "keyMaterialType": "PKMT1", "internalStorage": true, "isFooterKey": isFooterKey,
            "masterKeyID": id, "wrappedDEK": wrapped, "doubleWrapping": false,
        ]
        if isFooterKey {
            material["kmsInstanceID"] = "DEFAULT"
            material["kmsInstanceURL"] = "DEFAULT"
        }
        return Array(try JSONSerialization.data(withJSONObject: material, options: [.sortedKeys]))
    }
}

/// How a file is encrypted when written: the algorithm, the footer mode and which master key
/// encrypts the footer and which columns.
public struct FileEncryption: Sendable, Equatable {
    public var algorithm: EncryptionAlgorithm.Kind
    /// Footer in the clear (signed), so readers without keys see the schema and plaintext columns.
    public var plaintextFooter: Bool
    /// Master key id of the footer (and of every column when `columnKeys` is empty).
    public var footerKey: String
    /// Master key id per encrypted column (top-level names); empty: every column with the footer key.
    public var columnKeys: [String: String]

    public init(algorithm: EncryptionAlgorithm.Kind = .aesGcmV1, plaintextFooter: Bool = false, footerKey: String, columnKeys: [String: String] = [:]) {
        self.algorithm = algorithm
        self.plaintextFooter = plaintextFooter
        self.footerKey = footerKey
        self.columnKeys = columnKeys
    }

    init(json e: [String: Any], keys: [String: [UInt8]], name: String) throws {
        guard let footer = e["footer_key"] as? String, keys[footer] != nil else {
            throw ParquetError.invalidArgument("\(name): encryption.footer_key must name a key of the file")
        }
        var algorithm = EncryptionAlgorithm.Kind.aesGcmV1
        switch (e["algorithm"] as? String)?.uppercased() {
        case nil, "AES_GCM_V1"?: break
        case "AES_GCM_CTR_V1"?: algorithm = .aesGcmCtrV1
        case let other?: throw ParquetError.invalidArgument("\(name): unknown encryption.algorithm \(other) (AES_GCM_V1 or AES_GCM_CTR_V1)")
        }
        var columnKeys: [String: String] = [:]
        for (keyID, value) in (e["column_keys"] as? [String: Any]) ?? [:] {
            guard keys[keyID] != nil, let columns = value as? [String] else {
                throw ParquetError.invalidArgument("\(name): encryption.column_keys: \(keyID) must be a key of the file mapped to a list of columns")
            }
            for c in columns { columnKeys[c] = keyID }
        }
        self.init(algorithm: algorithm, plaintextFooter: (e["plaintext_footer"] as? Bool) ?? false, footerKey: footer, columnKeys: columnKeys)
    }
}
