import Foundation
import LakeqColumnar
@testable import LakeqDelta
import LakeqParquet
import LakeqTestSupport
import Testing

/// A Delta table encrypted at rest: the `lakeq.encryption.footerKey` property names the key,
/// every data file written to the table is encrypted, and reading needs the key file.
@Suite struct TableEncryptionTests {
    let keys = KeyRing(keys: ["lake": Array(100..<132)])

    func keyFile(_ dir: String) throws -> String {
        let path = dir + "/keys.json"
        try Data("{\"keys\": {\"lake\": \"\(Data(Array(100..<132)).base64EncodedString())\"}}".utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func filesOfAnEncryptedTableAreEncrypted() throws {
        let dir = try makeTempDir("encrypted")
        defer { cleanup(dir) }
        let table = try DeltaTable.create(at: dir + "/t", schema: viewsSchema, partitionColumns: ["day"],
                                          configuration: [TableEncryption.footerKeyProperty: "lake", TableEncryption.algorithmProperty: "AES_GCM_CTR_V1"])
        // Without keys, writing is refused before any file is made.
        #expect(throws: DeltaError.self) { try DataFileWriter(snapshot: try table.snapshot()).writePartitioned(viewsBatch(start: 0, count: 10)) }
        var options = WriterOptions()
        options.encryption = WriterEncryption(keys: keys, settings: FileEncryption(footerKey: "unused"))
        let writer = DataFileWriter(snapshot: try table.snapshot(), options: options)
        let adds = try writer.writePartitioned(viewsBatch(start: 0, count: 30))
        try table.append(adds)
        let snap = try table.snapshot()
        #expect(snap.files.count == 3)
        var rows = 0
        for f in snap.files {
            let path = snap.absolutePath(of: f)
            let head = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)).readData(ofLength: 4)
            #expect(head == Data("PARE".utf8), "\(path) is not an encrypted-footer file")
            // Statistics of encrypted columns stay out of the (plaintext) log.
            #expect(f.stats?.minValues.isEmpty ?? true)
            #expect(throws: ParquetError.self) { _ = try ParquetFile(path: path) }
            let pf = try ParquetFile(path: path, keys: keys)
            for g in 0..<pf.rowGroupCount { rows += try pf.readColumn(rowGroup: g, column: 0).count }
        }
        #expect(rows == 30)
        #expect(try TableEncryption.settings(snap.metadata.configuration)?.algorithm == .aesGcmCtrV1)
    }

    /// Queries read an encrypted table with the key file of $LAKEQ_KEY_FILE, and fail clearly without it.
    @Test(.enabled(if: TestEnvironment.binaryBuilt, "build the binary first: swift build --build-tests"))
    func queriesNeedTheKeyFile() throws {
        let dir = try makeTempDir("encrypted-query")
        defer { cleanup(dir) }
        let table = try DeltaTable.create(at: dir + "/views", schema: viewsSchema, partitionColumns: ["day"],
                                          configuration: [TableEncryption.footerKeyProperty: "lake"])
        var options = WriterOptions()
        options.encryption = WriterEncryption(keys: keys, settings: FileEncryption(footerKey: "lake"))
        try table.append(try DataFileWriter(snapshot: try table.snapshot(), options: options).writePartitioned(viewsBatch(start: 0, count: 40)))
        let sql = "select count(*), sum(user_id) from views"
        let with = try TestEnvironment.lakeq(["query", "--lake", dir, "--format", "csv", sql], environment: ["LAKEQ_KEY_FILE": try keyFile(dir)])
        #expect(with.status == 0 && with.out.contains("40,780"), "\(with.output)")
        let without = try TestEnvironment.lakeq(["query", "--lake", dir, "--format", "csv", sql], environment: ["LAKEQ_KEY_FILE": ""])
        #expect(without.status == 1 && without.output.contains("key"), "\(without.output)")
    }
}
