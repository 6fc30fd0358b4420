import Crypto

/// What a reader needs to decrypt one encrypted file: its algorithm and AAD, and the data key
/// of each encrypted column chunk that the key ring could unwrap. Built once when the file is
/// opened; immutable, so row groups decode concurrently.
final class FileDecryption: @unchecked Sendable {
    let algorithm: EncryptionAlgorithm.Kind
    let fileAAD: [UInt8]
    let footerKey: [UInt8]?
    /// Per row group, per column: nil for plaintext chunks.
    private(set) var chunks: [[ChunkKey?]] = []

    enum ChunkKey {
        case key(SymmetricKey)
        /// Encrypted with a key the reader does not have (the message says which).
        case unavailable(String)
    }

    init(algorithm: EncryptionAlgorithm, footerKey: [UInt8]?, path: String) throws {
        if algorithm.supplyAadPrefix == true && algorithm.aadPrefix == nil {
            throw ParquetError.encryption("\(path): the file's AAD prefix is not stored in it and must be supplied, which lakeq does not support")
        }
        self.algorithm = algorithm.kind
        fileAAD = (algorithm.aadPrefix ?? []) + (algorithm.aadFileUnique ?? [])
        self.footerKey = footerKey
    }

    /// The AAD file part of `algorithm` (prefix and unique part).
    func aad(_ type: ModuleType, rowGroup: Int = -1, column: Int = -1, page: Int = -1) -> [UInt8] {
        ModuleCipher.aad(file: fileAAD, type, rowGroup: rowGroup, column: column, page: page)
    }

    /// Decrypts the column metadata of every encrypted chunk in `metadata` (in place) and
    /// records each chunk's key. Chunks whose key is missing keep no metadata.
    func decryptColumnMetadata(_ metadata: inout FileMetaData, keys: KeyRing?, path: String) throws {
        chunks = []
        var cache: [[UInt8]: ChunkKey] = [:]
        for g in metadata.rowGroups.indices {
            var row: [ChunkKey?] = []
            for c in metadata.rowGroups[g].columns.indices {
                let chunk = metadata.rowGroups[g].columns[c]
                guard let crypto = chunk.cryptoMetadata else { row.append(nil); continue }
                let what = "\(path): row group \(g), column \(c)"
                let key: ChunkKey
                switch crypto {
                case .footerKey:
                    if let footerKey { key = .key(try ModuleCipher.key(footerKey, what: what)) } else {
                        key = .unavailable("\(what) is encrypted with the footer key; give the key file (--key-file)")
                    }
                case .columnKey(let columnPath, let metadataBytes):
                    let name = columnPath.joined(separator: ".")
                    if let cached = cache[metadataBytes ?? []] {
                        key = cached
                    } else if let keys {
                        do {
                            key = .key(try ModuleCipher.key(try keys.dataKey(metadata: metadataBytes, what: "column \(name)"), what: "column \(name)"))
                        } catch let e as ParquetError {
                            key = .unavailable("\(path): \(e.description)")
                        }
                        cache[metadataBytes ?? []] = key
                    } else {
                        key = .unavailable("\(path): column \(name) is encrypted; give the key file (--key-file)")
                    }
                }
                row.append(key)
                // Column metadata encrypted separately: with the column's key, or with the
                // footer key when the footer is plaintext (then `meta_data` is a redacted copy).
                if let encrypted = chunk.encryptedColumnMetadata {
                    if case .key(let k) = key {
                        let plain = try encrypted.withUnsafeBytes {
                            try ModuleCipher.gcmDecrypt($0, key: k, aad: aad(.columnMetaData, rowGroup: g, column: c), what: "\(what): column metadata")
                        }
                        metadata.rowGroups[g].columns[c].metaData = try ColumnMetaData.decode(plain).value
                    } else if case .columnKey = crypto {
                        metadata.rowGroups[g].columns[c].metaData = nil
                    }
                }
            }
            chunks.append(row)
        }
    }

    /// The decryption of chunk (g, c), nil when it is plaintext; throws when its key is missing.
    func chunk(rowGroup g: Int, column c: Int) throws -> ChunkDecryptor? {
        guard g < chunks.count, c < chunks[g].count, let entry = chunks[g][c] else { return nil }
        switch entry {
        case .key(let k): return ChunkDecryptor(key: k, algorithm: algorithm, fileAAD: fileAAD, rowGroup: g, column: c)
        case .unavailable(let message): throw ParquetError.encryption(message)
        }
    }

    func isEncrypted(rowGroup g: Int, column c: Int) -> Bool {
        g < chunks.count && c < chunks[g].count && chunks[g][c] != nil
    }
}

/// Decrypts the modules of one column chunk: page headers and bodies, page index entries.
struct ChunkDecryptor {
    let key: SymmetricKey
    let algorithm: EncryptionAlgorithm.Kind
    let fileAAD: [UInt8]
    let rowGroup: Int
    let column: Int

    func aad(_ type: ModuleType, page: Int = -1) -> [UInt8] {
        ModuleCipher.aad(file: fileAAD, type, rowGroup: rowGroup, column: column, page: page)
    }

    /// A GCM module (headers, indexes).
    func decryptModule(_ bytes: UnsafeRawBufferPointer, _ type: ModuleType, page: Int = -1, what: @autoclosure () -> String) throws -> [UInt8] {
        try ModuleCipher.gcmDecrypt(bytes, key: key, aad: aad(type, page: page), what: what())
    }

    /// A page body: GCM, or CTR under AES_GCM_CTR_V1.
    func decryptPage(_ bytes: UnsafeRawBufferPointer, _ type: ModuleType, page: Int = -1, what: @autoclosure () -> String) throws -> [UInt8] {
        if algorithm == .aesGcmCtrV1 { return try ModuleCipher.ctrDecrypt(bytes, key: key, what: what()) }
        return try ModuleCipher.gcmDecrypt(bytes, key: key, aad: aad(type, page: page), what: what())
    }
}
