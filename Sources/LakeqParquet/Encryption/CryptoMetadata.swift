/// The Thrift structures of Parquet Modular Encryption (parquet-format `Encryption.md`).

/// `EncryptionAlgorithm`: AES_GCM_V1 (every module AES-GCM) or AES_GCM_CTR_V1 (page bodies
/// AES-CTR, everything else AES-GCM), with the file's AAD parts.
public struct EncryptionAlgorithm: ThriftStruct, Equatable {
    public enum Kind: Sendable, Equatable { case aesGcmV1, aesGcmCtrV1 }
    public var kind: Kind
    /// Stored AAD prefix, when the writer chose to store it.
    public var aadPrefix: [UInt8]?
    /// Random bytes unique to the file, the second part of every module's AAD.
    public var aadFileUnique: [UInt8]?
    /// True when readers must supply the AAD prefix themselves (it is not stored).
    public var supplyAadPrefix: Bool?

    public init(kind: Kind, aadPrefix: [UInt8]? = nil, aadFileUnique: [UInt8]? = nil, supplyAadPrefix: Bool? = nil) {
        self.kind = kind
        self.aadPrefix = aadPrefix
        self.aadFileUnique = aadFileUnique
        self.supplyAadPrefix = supplyAadPrefix
    }

    public init(from r: inout ThriftCompactReader) throws {
        var kind: Kind?
        var prefix: [UInt8]?, unique: [UInt8]?, supply: Bool?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            if (f.id == 1 || f.id == 2) && f.type == .struct {
                kind = f.id == 1 ? .aesGcmV1 : .aesGcmCtrV1
                try r.structBegin()
                while let g = try r.readFieldHeader() {
                    switch (g.id, g.type) {
                    case (1, .binary): prefix = try r.readBinary()
                    case (2, .binary): unique = try r.readBinary()
                    case (3, .bool): supply = try r.readBool()
                    default: try r.skip(g.type)
                    }
                }
                r.structEnd()
            } else {
                try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let kind else { throw ParquetError.encryption("unknown encryption algorithm") }
        self.init(kind: kind, aadPrefix: prefix, aadFileUnique: unique, supplyAadPrefix: supply)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.writeFieldHeader(id: kind == .aesGcmV1 ? 1 : 2, type: .struct)
        w.structBegin()
        w.field(1, aadPrefix)
        w.field(2, aadFileUnique)
        w.field(3, supplyAadPrefix)
        w.structEnd()
        w.structEnd()
    }
}

/// `FileCryptoMetaData`: the plaintext part of an encrypted footer (files ending in PARE).
public struct FileCryptoMetaData: ThriftStruct, Equatable {
    public var encryptionAlgorithm: EncryptionAlgorithm
    /// Retrieval metadata of the footer key.
    public var keyMetadata: [UInt8]?

    public init(encryptionAlgorithm: EncryptionAlgorithm, keyMetadata: [UInt8]? = nil) {
        self.encryptionAlgorithm = encryptionAlgorithm
        self.keyMetadata = keyMetadata
    }

    public init(from r: inout ThriftCompactReader) throws {
        var algorithm: EncryptionAlgorithm?, key: [UInt8]?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .struct): algorithm = try EncryptionAlgorithm(from: &r)
            case (2, .binary): key = try r.readBinary()
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let algorithm else { throw missingField("FileCryptoMetaData.encryption_algorithm") }
        self.init(encryptionAlgorithm: algorithm, keyMetadata: key)
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        w.field(1, encryptionAlgorithm)
        w.field(2, keyMetadata)
        w.structEnd()
    }
}

/// `ColumnCryptoMetaData`: a chunk encrypted with the footer key, or with its own key.
public enum ColumnCryptoMetaData: ThriftStruct, Equatable {
    case footerKey
    case columnKey(pathInSchema: [String], keyMetadata: [UInt8]?)

    public init(from r: inout ThriftCompactReader) throws {
        var result: ColumnCryptoMetaData?
        try r.structBegin()
        while let f = try r.readFieldHeader() {
            switch (f.id, f.type) {
            case (1, .struct):
                try r.skip(.struct)
                result = .footerKey
            case (2, .struct):
                var path: [String]?, key: [UInt8]?
                try r.structBegin()
                while let g = try r.readFieldHeader() {
                    switch (g.id, g.type) {
                    case (1, .list): path = try r.readStringList()
                    case (2, .binary): key = try r.readBinary()
                    default: try r.skip(g.type)
                    }
                }
                r.structEnd()
                guard let path else { throw missingField("EncryptionWithColumnKey.path_in_schema") }
                result = .columnKey(pathInSchema: path, keyMetadata: key)
            default: try r.skip(f.type)
            }
        }
        r.structEnd()
        guard let result else { throw ParquetError.encryption("unknown column encryption kind") }
        self = result
    }

    public func write(to w: inout ThriftCompactWriter) {
        w.structBegin()
        switch self {
        case .footerKey: w.emptyStructField(1)
        case .columnKey(let path, let key):
            w.writeFieldHeader(id: 2, type: .struct)
            w.structBegin()
            w.field(1, path)
            w.field(2, key)
            w.structEnd()
        }
        w.structEnd()
    }
}
