import Crypto

/// Settings for writing an encrypted file: the key ring holding the master keys, and which
/// keys encrypt what (`FileEncryption`).
public struct WriterEncryption: Sendable {
    public var keys: KeyRing
    public var settings: FileEncryption

    public init(keys: KeyRing, settings: FileEncryption) {
        self.keys = keys
        self.settings = settings
    }

    /// From a key file with an `encryption` section.
    public init(keyFile path: String) throws {
        let ring = try KeyRing(keyFile: path)
        guard let settings = ring.encryption else {
            throw ParquetError.invalidArgument("\(path): the key file has no \"encryption\" section saying which keys encrypt what")
        }
        self.init(keys: ring, settings: settings)
    }
}

/// The writer's side of one encrypted file: fresh data keys (one per master key used), each
/// wrapped into pyarrow key material, the file's random AAD part, and module encryption.
final class FileEncryptor: @unchecked Sendable {
    let settings: FileEncryption
    let algorithm: EncryptionAlgorithm
    let fileAAD: [UInt8]
    let footerKey: SymmetricKey
    let footerKeyMetadata: [UInt8]
    /// Per top-level column name: its key and key metadata (nil metadata: the footer key).
    private var columns: [String: (key: SymmetricKey, metadata: [UInt8]?)] = [:]

    init(_ options: WriterEncryption, columnNames: [String], path: String) throws {
        settings = options.settings
        let unique = ModuleCipher.randomBytes(8)
        algorithm = EncryptionAlgorithm(kind: settings.algorithm, aadFileUnique: unique)
        fileAAD = unique
        let footerDataKey = ModuleCipher.randomBytes(16)
        footerKey = try ModuleCipher.key(footerDataKey, what: "footer key")
        footerKeyMetadata = try options.keys.keyMaterial(dataKey: footerDataKey, masterKeyID: settings.footerKey, isFooterKey: true)
        let names = Set(columnNames)
        for c in settings.columnKeys.keys where !names.contains(c) {
            throw ParquetError.invalidArgument("\(path): encryption names column \(c), which the schema does not have")
        }
        if settings.columnKeys.isEmpty {
            for c in columnNames { columns[c] = (footerKey, nil) }  // uniform encryption
        } else {
            var dataKeys: [String: (SymmetricKey, [UInt8])] = [:]
            for (column, master) in settings.columnKeys {
                if dataKeys[master] == nil {
                    let dk = ModuleCipher.randomBytes(16)
                    dataKeys[master] = (try ModuleCipher.key(dk, what: "column key"),
                                        try options.keys.keyMaterial(dataKey: dk, masterKeyID: master, isFooterKey: false))
                }
                if let (k, m) = dataKeys[master] { columns[column] = (k, m) }
            }
        }
    }

    var encryptedFooter: Bool { !settings.plaintextFooter }

    /// The encryptor of chunk (g, c) of column `name`, nil when the column stays plaintext.
    func chunk(column name: String, rowGroup g: Int, column c: Int) -> ChunkEncryptor? {
        guard let entry = columns[name] else { return nil }
        return ChunkEncryptor(key: entry.key, algorithm: settings.algorithm, fileAAD: fileAAD, rowGroup: g, column: c,
                              keyMetadata: entry.metadata)
    }

    /// Sets the crypto fields of an encrypted chunk's metadata, encrypting its ColumnMetaData
    /// where the spec asks (plaintext footer, or a key other than the footer's): the footer then
    /// keeps no copy (encrypted footer) or a copy without statistics (plaintext footer).
    func seal(_ chunk: inout ColumnChunk, name: String, path: [String], rowGroup g: Int, column c: Int) throws {
        guard let enc = self.chunk(column: name, rowGroup: g, column: c), let meta = chunk.metaData else { return }
        let ownKey = enc.keyMetadata != nil
        chunk.cryptoMetadata = ownKey ? .columnKey(pathInSchema: path, keyMetadata: enc.keyMetadata) : .footerKey
        guard settings.plaintextFooter || ownKey else { return }
        chunk.encryptedColumnMetadata = try ModuleCipher.gcmEncrypt(meta.serialized(), key: enc.key, aad: enc.aad(.columnMetaData))
        if settings.plaintextFooter {
            var redacted = meta
            redacted.statistics = nil
            redacted.encodingStats = nil
            chunk.metaData = redacted
        } else {
            chunk.metaData = nil
        }
    }

    /// The footer bytes to write after the data: an encrypted footer (FileCryptoMetaData, then
    /// the footer as a GCM module), or the plaintext footer followed by its signature.
    func footer(_ meta: FileMetaData) throws -> [UInt8] {
        if settings.plaintextFooter {
            var m = meta
            m.encryptionAlgorithm = algorithm
            m.footerSigningKeyMetadata = footerKeyMetadata
            let plain = m.serialized()
            let nonce = ModuleCipher.randomBytes(ModuleCipher.nonceLength)
            let tag = try plain.withUnsafeBytes {
                try ModuleCipher.gcmTag($0, key: footerKey, nonce: nonce, aad: ModuleCipher.aad(file: fileAAD, .footer))
            }
            return plain + nonce + tag
        }
        var out = FileCryptoMetaData(encryptionAlgorithm: algorithm, keyMetadata: footerKeyMetadata).serialized()
        out.append(contentsOf: try ModuleCipher.gcmEncrypt(meta.serialized(), key: footerKey, aad: ModuleCipher.aad(file: fileAAD, .footer)))
        return out
    }
}

/// Encrypts the modules of one column chunk as it is written.
struct ChunkEncryptor: @unchecked Sendable {
    let key: SymmetricKey
    let algorithm: EncryptionAlgorithm.Kind
    let fileAAD: [UInt8]
    let rowGroup: Int
    let column: Int
    /// Key metadata of the column's own key; nil when it is the footer key.
    let keyMetadata: [UInt8]?

    func aad(_ type: ModuleType, page: Int = -1) -> [UInt8] {
        ModuleCipher.aad(file: fileAAD, type, rowGroup: rowGroup, column: column, page: page)
    }

    func module(_ plain: [UInt8], _ type: ModuleType, page: Int = -1) throws -> [UInt8] {
        try ModuleCipher.gcmEncrypt(plain, key: key, aad: aad(type, page: page))
    }

    func page(_ plain: [UInt8], _ type: ModuleType, page: Int = -1) throws -> [UInt8] {
        if algorithm == .aesGcmCtrV1 { return try ModuleCipher.ctrEncrypt(plain, key: key) }
        return try ModuleCipher.gcmEncrypt(plain, key: key, aad: aad(type, page: page))
    }
}
