import Crypto
import Foundation
import _CryptoExtras

/// Module types of Parquet Modular Encryption: the last part of every module's AAD.
public enum ModuleType: UInt8, Sendable {
    case footer = 0, columnMetaData = 1, dataPage = 2, dictionaryPage = 3, dataPageHeader = 4
    case dictionaryPageHeader = 5, columnIndex = 6, offsetIndex = 7, bloomFilterHeader = 8, bloomFilterBitset = 9
}

/// Encrypts and decrypts modules: `length (4 bytes LE) | nonce (12) | ciphertext | tag (16, GCM only)`,
/// with AAD = file AAD | module type | row group, column and (data pages) page ordinals, each
/// 2 bytes little-endian.
enum ModuleCipher {
    static let nonceLength = 12
    static let tagLength = 16

    static func aad(file: [UInt8], _ type: ModuleType, rowGroup: Int = -1, column: Int = -1, page: Int = -1) -> [UInt8] {
        var out = file
        out.append(type.rawValue)
        if type == .footer { return out }
        func append16(_ v: Int) {
            let x = UInt16(truncatingIfNeeded: v)
            out.append(UInt8(x & 0xff))
            out.append(UInt8(x >> 8))
        }
        append16(rowGroup)
        append16(column)
        if type == .dataPage || type == .dataPageHeader { append16(page) }
        return out
    }

    static func key(_ bytes: [UInt8], what: @autoclosure () -> String) throws -> SymmetricKey {
        guard [16, 24, 32].contains(bytes.count) else {
            throw ParquetError.encryption("\(what()): key of \(bytes.count) bytes (AES needs 16, 24 or 32)")
        }
        return SymmetricKey(data: bytes)
    }

    static func randomBytes(_ n: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
    }

    /// The module length at the start of `bytes`: 4 + the stored length, checked against the bytes.
    static func moduleLength(_ bytes: UnsafeRawBufferPointer, what: @autoclosure () -> String) throws -> Int {
        guard bytes.count >= 4 else { throw ParquetError.corrupt("\(what()): encrypted module truncated") }
        let n = Int(UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)))
        guard n >= nonceLength, n <= bytes.count - 4 else {
            throw ParquetError.corrupt("\(what()): encrypted module of \(n) bytes does not fit in \(bytes.count - 4)")
        }
        return 4 + n
    }

    private static func prefixed(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 + body.count)
        let n = UInt32(body.count)
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt32(i)))) }
        out.append(contentsOf: body)
        return out
    }

    static func gcmEncrypt(_ plaintext: [UInt8], key: SymmetricKey, aad: [UInt8], nonce fixed: [UInt8]? = nil) throws -> [UInt8] {
        let nonce = try AES.GCM.Nonce(data: fixed ?? randomBytes(nonceLength))
        let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: aad)
        return prefixed(Array(nonce) + Array(box.ciphertext) + Array(box.tag))
    }

    /// Decrypts the GCM module at the start of `bytes` (which may run on past it).
    static func gcmDecrypt(_ bytes: UnsafeRawBufferPointer, key: SymmetricKey, aad: [UInt8], what: @autoclosure () -> String) throws -> [UInt8] {
        let length = try moduleLength(bytes, what: what())
        guard length - 4 >= nonceLength + tagLength else { throw ParquetError.corrupt("\(what()): encrypted module too short") }
        let nonce = UnsafeRawBufferPointer(rebasing: bytes[4..<(4 + nonceLength)])
        let ciphertext = UnsafeRawBufferPointer(rebasing: bytes[(4 + nonceLength)..<(length - tagLength)])
        let tag = UnsafeRawBufferPointer(rebasing: bytes[(length - tagLength)..<length])
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
            return Array(try AES.GCM.open(box, using: key, authenticating: aad))
        } catch {
            throw ParquetError.encryption("\(what()): decryption failed (wrong key, or the file was altered)")
        }
    }

    /// CTR: the 12-byte nonce then a 32-bit big-endian counter starting at 1, as the spec says.
    static func ctrEncrypt(_ plaintext: [UInt8], key: SymmetricKey) throws -> [UInt8] {
        let nonce = randomBytes(nonceLength)
        let out = try AES._CTR.encrypt(plaintext, using: key, nonce: AES._CTR.Nonce(nonceBytes: nonce + [0, 0, 0, 1]))
        return prefixed(nonce + Array(out))
    }

    static func ctrDecrypt(_ bytes: UnsafeRawBufferPointer, key: SymmetricKey, what: @autoclosure () -> String) throws -> [UInt8] {
        let length = try moduleLength(bytes, what: what())
        let nonce = Array(UnsafeRawBufferPointer(rebasing: bytes[4..<(4 + nonceLength)]))
        let ciphertext = UnsafeRawBufferPointer(rebasing: bytes[(4 + nonceLength)..<length])
        do {
            return Array(try AES._CTR.decrypt(ciphertext, using: key, nonce: AES._CTR.Nonce(nonceBytes: nonce + [0, 0, 0, 1])))
        } catch {
            throw ParquetError.encryption("\(what()): AES-CTR decryption failed")
        }
    }

    /// The GCM tag of `plaintext` under `nonce` (plaintext-footer signatures).
    static func gcmTag(_ plaintext: UnsafeRawBufferPointer, key: SymmetricKey, nonce: [UInt8], aad: [UInt8]) throws -> [UInt8] {
        let box = try AES.GCM.seal(Array(plaintext), using: key, nonce: AES.GCM.Nonce(data: nonce), authenticating: aad)
        return Array(box.tag)
    }
}
