import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing
@testable import LakeqParquet

/// Footers with the same schema bytes share one `ParquetSchema` (`SchemaInterner`); any
/// other schema, even one of the same length, is decoded from its own bytes.
@Suite struct SchemaInternerTests {
    /// Writes a one-row-group file of `names` (INT64, or STRING where `strings` says) to `path`.
    static func write(_ path: String, names: [String], strings: Set<String> = [], rows: Int = 10) throws {
        let schema = Schema(names.map { Field(name: $0, type: strings.contains($0) ? .string : .int64, nullable: false) })
        let writer = try ParquetWriter(path: path, schema: schema)
        let ids = (0..<rows).map(Int64.init)
        try writer.write(RecordBatch(schema: schema, columns: names.map { name in
            strings.contains(name)
                ? Column(type: .string, values: .bytes(ByteArrays(strings: ids.map { "v\($0)" })))
                : Column(type: .int64, values: .int64(ids))
        }, rowCount: rows))
        _ = try writer.close()
    }

    @Test func identicalSchemasShareOneBuild() throws {
        let dir = try TemporaryDirectory("schema-interner").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A name no other test uses, so that this schema is new to the process.
        let names = ["id_\(UInt32.random(in: 0...UInt32.max))", "value"]
        try Self.write(dir + "/a.parquet", names: names, rows: 10)
        try Self.write(dir + "/b.parquet", names: names, rows: 20)
        let a = try ParquetFile(path: dir + "/a.parquet")
        let b = try ParquetFile(path: dir + "/b.parquet")
        #expect(!a.footer.schemaWasInterned)
        #expect(b.footer.schemaWasInterned)
        #expect(b.schema.columns.map(\.path) == a.schema.columns.map(\.path))
        #expect(b.footer.schema == a.footer.schema)
        #expect(b.rowCount == 20)
    }

    @Test func aSchemaOfTheSameLengthIsNotTakenForAnother() throws {
        let dir = try TemporaryDirectory("schema-interner-other").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tag = "\(UInt32.random(in: 0...UInt32.max))"
        // Same byte length: one letter of a name differs, or one column's type.
        try Self.write(dir + "/a.parquet", names: ["aa" + tag, "bb"])
        try Self.write(dir + "/b.parquet", names: ["ab" + tag, "bb"])
        try Self.write(dir + "/c.parquet", names: ["aa" + tag, "bb"], strings: ["bb"])
        let a = try ParquetFile(path: dir + "/a.parquet")
        let b = try ParquetFile(path: dir + "/b.parquet")
        let c = try ParquetFile(path: dir + "/c.parquet")
        #expect(a.schema.columns.map { $0.path.joined() } == ["aa" + tag, "bb"])
        #expect(b.schema.columns.map { $0.path.joined() } == ["ab" + tag, "bb"])
        #expect(c.schema.columns.map(\.physicalType) == [.int64, .byteArray])
        #expect(a.schema.columns.map(\.physicalType) == [.int64, .int64])
        #expect(!b.footer.schemaWasInterned && !c.footer.schemaWasInterned)
        // Each reads its own values.
        guard case .bytes(let strings) = try c.readRowGroup(0).columns[1].values else {
            Issue.record("column bb of c.parquet is not read as strings")
            return
        }
        #expect((0..<10).map { strings.string(at: $0) } == (0..<10).map { "v\($0)" })
    }

    @Test func keepsTheNewestUpToItsCapacity() throws {
        let interner = SchemaInterner(capacity: 2)
        let elements = [SchemaElement(name: "root", numChildren: 0)]
        let schema = try ParquetSchema(elements: elements)
        func insert(_ bytes: [UInt8]) { bytes.withUnsafeBytes { interner.insert(bytes: $0, elements: elements, schema: schema) } }
        func has(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { interner.lookup($0) != nil } }
        insert([1, 2, 3])
        insert([1, 2, 3])  // already there: not a second entry
        #expect(interner.count == 1)
        insert([4, 5, 6])
        #expect(has([1, 2, 3]) && has([4, 5, 6]))
        #expect(!has([1, 2, 4]) && !has([1, 2]) && !has([1, 2, 3, 4]) && !has([]))
        insert([7])
        #expect(interner.count == 2)
        #expect(!has([1, 2, 3]) && has([4, 5, 6]) && has([7]))
    }
}
