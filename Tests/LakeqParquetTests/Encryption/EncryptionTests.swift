import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing
@testable import LakeqParquet

/// A KMS client for pyarrow.parquet.encryption over a lakeq key file: master keys by id; a key
/// is wrapped as base64(nonce | AES-GCM ciphertext | tag) with the master key id as AAD (the
/// convention lakeq's KeyRing follows; spec/format.md).
let keyFileKMS = #"""
import base64, json, os, sys
import pyarrow as pa, pyarrow.parquet as pq, pyarrow.parquet.encryption as pe
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

class KeyFileKms(pe.KmsClient):
    def __init__(self, keys):
        super().__init__()
        self.keys = keys
    def wrap_key(self, key_bytes, master_key_identifier):
        nonce = os.urandom(12)
        ct = AESGCM(self.keys[master_key_identifier]).encrypt(nonce, key_bytes, master_key_identifier.encode())
        return base64.b64encode(nonce + ct)
    def unwrap_key(self, wrapped_key, master_key_identifier):
        raw = base64.b64decode(wrapped_key)
        return AESGCM(self.keys[master_key_identifier]).decrypt(raw[:12], raw[12:], master_key_identifier.encode())

def crypto_factory(key_file):
    keys = {k: base64.b64decode(v) for k, v in json.load(open(key_file))["keys"].items()}
    return pe.CryptoFactory(lambda cfg: KeyFileKms(keys))

def decryption(key_file):
    return crypto_factory(key_file).file_decryption_properties(pe.KmsConnectionConfig(), pe.DecryptionConfiguration())
"""#

private let algorithms: [EncryptionAlgorithm.Kind] = [.aesGcmV1, .aesGcmCtrV1]
private func name(_ k: EncryptionAlgorithm.Kind) -> String { k == .aesGcmV1 ? "AES_GCM_V1" : "AES_GCM_CTR_V1" }

/// A key ring of a footer key and a column key.
private func testKeys() -> [String: [UInt8]] {
    ["footer": Array(0..<16), "pii": Array(16..<48)]
}

private func writeKeyFile(_ dir: TemporaryDirectory, keys: [String: [UInt8]] = testKeys()) throws -> String {
    let entries = keys.map { "\"\($0.key)\": \"\(Data($0.value).base64EncodedString())\"" }.joined(separator: ", ")
    return try dir.write("keys.json", "{\"keys\": {\(entries)}}")
}

private let schema = Schema([Field(name: "id", type: .int64, nullable: false), Field(name: "name", type: .string, nullable: true),
                             Field(name: "score", type: .float64, nullable: false)])

private func batch(_ rows: Int) -> RecordBatch {
    RecordBatch(schema: schema, columns: [
        Column(type: .int64, values: .int64((0..<rows).map { Int64($0) })),
        Column(type: .string, values: .bytes(ByteArrays(strings: (0..<rows).map { "name-\($0 % 17)" })), validity: Bitmap((0..<rows).map { $0 % 5 != 0 })),
        Column(type: .float64, values: .float64((0..<rows).map { Double($0) / 4 })),
    ], rowCount: rows)
}

private func writeEncrypted(_ path: String, _ settings: FileEncryption, rows: Int = 3000, pageVersion: Int = 1) throws {
    var options = WriterOptions()
    options.rowGroupRows = 1000
    options.pageRows = 300
    options.pageVersion = pageVersion
    options.encryption = WriterEncryption(keys: KeyRing(keys: testKeys()), settings: settings)
    let w = try ParquetWriter(path: path, schema: schema, options: options)
    try w.write(batch(rows))
    try w.close()
}

private func ids(_ pf: ParquetFile) throws -> [Int64] {
    var out: [Int64] = []
    for g in 0..<pf.rowGroupCount {
        guard case .int64(let v) = try pf.readColumn(rowGroup: g, column: 0).values else { return [] }
        out += v
    }
    return out
}

@Suite struct EncryptionTests {
    @Test(arguments: [false, true]) func roundTripsThroughLakeq(plaintextFooter: Bool) throws {
        let dir = try TemporaryDirectory("enc")
        defer { dir.remove() }
        for alg in algorithms {
            for pageVersion in [1, 2] {
                let path = dir.file("\(name(alg))-\(pageVersion).parquet")
                try writeEncrypted(path, FileEncryption(algorithm: alg, plaintextFooter: plaintextFooter, footerKey: "footer", columnKeys: ["name": "pii", "id": "footer"]), pageVersion: pageVersion)
                let pf = try ParquetFile(path: path, keys: KeyRing(keys: testKeys()))
                #expect(pf.isEncrypted)
                #expect(try ids(pf) == (0..<3000).map { Int64($0) })
                let names = try pf.readColumn(rowGroup: 1, column: 1)
                #expect(names.nullCount == 200)
                #expect(try pf.columnIndex(rowGroup: 2, column: 1) != nil)
                #expect(try pf.offsetIndex(rowGroup: 2, column: 0)?.pageLocations.count == 4)
                #expect(try pf.dictionaryIfFullyEncoded(rowGroup: 0, column: 1) != nil)
                // Statistics of encrypted columns are decrypted along with their metadata.
                #expect(try pf.statistics(rowGroup: 0, column: 0)?.max == .int(999))
            }
        }
    }

    @Test func missingAndWrongKeysAreClearErrors() throws {
        let dir = try TemporaryDirectory("enc")
        defer { dir.remove() }
        let encryptedFooter = dir.file("ef.parquet"), plainFooter = dir.file("pf.parquet")
        try writeEncrypted(encryptedFooter, FileEncryption(footerKey: "footer", columnKeys: ["name": "pii"]))
        try writeEncrypted(plainFooter, FileEncryption(plaintextFooter: true, footerKey: "footer", columnKeys: ["name": "pii"]))
        func encryptionError(_ body: () throws -> Void) -> String? {
            do { try body() } catch ParquetError.encryption(let m) { return m } catch { return "other error: \(error)" }
            return nil
        }
        // No keys: an encrypted footer cannot even be opened.
        #expect(encryptionError { _ = try ParquetFile(path: encryptedFooter) }?.contains("--key-file") == true)
        // A plaintext footer opens; plaintext columns read, encrypted ones say which key is missing.
        let open = try ParquetFile(path: plainFooter)
        #expect(try open.readColumn(rowGroup: 0, column: 0).count == 1000)
        #expect(encryptionError { _ = try open.readColumn(rowGroup: 0, column: 1) }?.contains("column name is encrypted") == true)
        // Only the footer key: the column with its own key is refused, the others read.
        let footerOnly = KeyRing(keys: ["footer": testKeys()["footer"] ?? []])
        let partial = try ParquetFile(path: encryptedFooter, keys: footerOnly)
        #expect(try partial.readColumn(rowGroup: 0, column: 2).count == 1000)
        #expect(encryptionError { _ = try partial.readColumn(rowGroup: 0, column: 1) }?.contains("pii") == true)
        // Wrong keys: never garbage.
        let wrong = KeyRing(keys: ["footer": [UInt8](repeating: 7, count: 16), "pii": [UInt8](repeating: 9, count: 32)])
        #expect(encryptionError { _ = try ParquetFile(path: encryptedFooter, keys: wrong) }?.contains("wrong key") == true)
        #expect(encryptionError { _ = try ParquetFile(path: plainFooter, keys: wrong) }?.contains("wrong key") == true)
    }

    @Test func tamperedPlaintextFooterIsRefused() throws {
        let dir = try TemporaryDirectory("enc")
        defer { dir.remove() }
        let path = dir.file("pf.parquet")
        try writeEncrypted(path, FileEncryption(plaintextFooter: true, footerKey: "footer", columnKeys: ["name": "pii"]))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // Change created_by inside the plaintext footer without breaking its Thrift.
        let createdBy = Array("lakeq version".utf8)
        let at = try #require((0..<(bytes.count - createdBy.count)).last { bytes[$0..<($0 + createdBy.count)].elementsEqual(createdBy) })
        bytes[at] = UInt8(ascii: "L")
        #expect(throws: ParquetError.self) { _ = try ParquetFile(bytes: bytes, keys: KeyRing(keys: testKeys())) }
        #expect(throws: Never.self) { _ = try ParquetFile(bytes: bytes) }  // without keys nothing can be verified
    }

    /// Every mutant of an encrypted file decodes or throws a ParquetError, never a trap, and a
    /// mutant that decodes yields the original ids (GCM authenticates every module of the
    /// encrypted id column; only the unauthenticated length prefixes and magic are left).
    @Test func mutantsOfEncryptedFilesDecodeOrThrow() throws {
        let dir = try TemporaryDirectory("enc")
        defer { dir.remove() }
        let keys = KeyRing(keys: testKeys())
        for (k, settings) in [FileEncryption(footerKey: "footer", columnKeys: ["name": "pii", "id": "footer"]),
                              FileEncryption(algorithm: .aesGcmCtrV1, plaintextFooter: true, footerKey: "footer")].enumerated() {
            let path = dir.file("m\(k).parquet")
            try writeEncrypted(path, settings, rows: 400)
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var rng = SplitMix64(seed: UInt64(k + 11))
            for i in 0..<600 {
                var m = original
                let at = i < 300 ? original.count - 1 - rng.below(min(original.count, 400)) : rng.below(original.count)
                let flip = UInt8(1 + rng.below(255))
                m[at] ^= flip
                do {
                    let pf = try ParquetFile(bytes: m, keys: keys)
                    for g in 0..<pf.rowGroupCount {
                        for c in 0..<pf.schema.columns.count {
                            do {
                                let col = try pf.readColumn(rowGroup: g, column: c)
                                if c == 0, case .int64(let v) = col.values, settings.algorithm == .aesGcmV1 {
                                    #expect(v == (0..<Int64(v.count)).map { $0 }, "mutant \(i) (byte \(at) of \(original.count) ^= \(flip)) decoded to other ids")
                                }
                            } catch is ParquetError {}
                        }
                    }
                } catch is ParquetError {}
            }
        }
    }

    @Test func keyFilesParseAndRejectBadKeys() throws {
        let good = try KeyRing(json: Data(#"{"keys": {"a": "AAECAwQFBgcICQoLDA0ODw=="}, "encryption": {"footer_key": "a", "algorithm": "AES_GCM_CTR_V1", "plaintext_footer": true}}"#.utf8))
        #expect(good.keys["a"]?.count == 16)
        #expect(good.encryption == FileEncryption(algorithm: .aesGcmCtrV1, plaintextFooter: true, footerKey: "a"))
        #expect(throws: ParquetError.self) { try KeyRing(json: Data(#"{"keys": {"a": "AAEC"}}"#.utf8)) }
        #expect(throws: ParquetError.self) { try KeyRing(json: Data(#"{"keys": {"a": "AAECAwQFBgcICQoLDA0ODw=="}, "encryption": {"footer_key": "b"}}"#.utf8)) }
        #expect(throws: ParquetError.self) { try KeyRing(json: Data("not json".utf8)) }
    }
}

@Suite(.enabled(if: TestEnvironment.pythonHas("pyarrow, cryptography"), "needs pyarrow and cryptography"))
struct EncryptionInteropTests {
    /// pyarrow writes every algorithm and footer mode (single and double key wrapping); lakeq reads them.
    @Test func lakeqReadsPyarrowFiles() throws {
        let dir = try TemporaryDirectory("enc-interop")
        defer { dir.remove() }
        let keyFile = try writeKeyFile(dir)
        let script = keyFileKMS + "\n" + #"""
        out = sys.argv[2]
        t = pa.table({"id": pa.array(range(2500), pa.int64()), "name": pa.array([None if i % 7 == 0 else f"n{i % 11}" for i in range(2500)]),
                      "tags": pa.array([[i, i + 1] for i in range(2500)], pa.list_(pa.int32()))})
        for alg in ["AES_GCM_V1", "AES_GCM_CTR_V1"]:
            for plain in [False, True]:
                for double in [False, True]:
                    cfg = pe.EncryptionConfiguration(footer_key="footer", column_keys={"pii": ["name"]}, encryption_algorithm=alg,
                                                     plaintext_footer=plain, double_wrapping=double)
                    props = crypto_factory(sys.argv[1]).file_encryption_properties(pe.KmsConnectionConfig(), cfg)
                    pq.write_table(t, f"{out}/{alg}-{plain}-{double}.parquet", encryption_properties=props, row_group_size=1000)
        """# + TestEnvironment.pythonExitWithoutTeardown
        let r = try TestEnvironment.runPython(script, [keyFile, dir.path])
        try #require(r.status == 0, "\(r.output)")
        let keys = try KeyRing(keyFile: keyFile)
        for alg in ["AES_GCM_V1", "AES_GCM_CTR_V1"] {
            for plain in ["False", "True"] {
                for double in ["False", "True"] {
                    let pf = try ParquetFile(path: dir.file("\(alg)-\(plain)-\(double).parquet"), keys: keys)
                    #expect(try ids(pf) == (0..<2500).map { Int64($0) })
                    var names: [String?] = []
                    var lists = 0
                    for g in 0..<pf.rowGroupCount {
                        let c = try pf.readField(rowGroup: g, field: 1)
                        let v = c.values.materialized()
                        guard case .bytes(let b) = v else { Issue.record("names not bytes"); continue }
                        for i in 0..<c.count { names.append(c.isNull(i) ? nil : b.string(at: i)) }
                        if case .list(let l) = try pf.readField(rowGroup: g, field: 2).values { lists += l.count }
                    }
                    #expect(names == (0..<2500).map { $0 % 7 == 0 ? nil : "n\($0 % 11)" }, "\(alg) \(plain) \(double)")
                    #expect(lists == 2500)
                }
            }
        }
    }

    /// lakeq writes every algorithm and footer mode; pyarrow reads them through the same key file.
    @Test func pyarrowReadsLakeqFiles() throws {
        let dir = try TemporaryDirectory("enc-interop")
        defer { dir.remove() }
        let keyFile = try writeKeyFile(dir)
        var paths: [String] = []
        for alg in algorithms {
            for plain in [false, true] {
                let path = dir.file("\(name(alg))-\(plain).parquet")
                try writeEncrypted(path, FileEncryption(algorithm: alg, plaintextFooter: plain, footerKey: "footer", columnKeys: ["name": "pii"]))
                paths.append(path)
            }
        }
        let script = keyFileKMS + "\n" + #"""
        for p in sys.argv[2:]:
            t = pq.read_table(p, decryption_properties=decryption(sys.argv[1]))
            ids = t.column("id").to_pylist()
            names = t.column("name").to_pylist()
            ok = ids == list(range(3000)) and names == [None if i % 5 == 0 else f"name-{i % 17}" for i in range(3000)]
            print("OK" if ok else "MISMATCH", p)
        """# + TestEnvironment.pythonExitWithoutTeardown
        let r = try TestEnvironment.runPython(script, [keyFile] + paths)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.out.components(separatedBy: "OK ").count - 1 == 4, "\(r.output)")
    }
}
