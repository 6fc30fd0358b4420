import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqTestSupport
import Testing
@testable import LakeqIngest

/// `RecordAppender` (records validated by the table's own rules, many batches in one commit
/// with their bad rows quarantined) and `JSONRecords` (arrays to lines).
struct RecordIntakeTests {
    static let schemaJSON = """
        {"columns": [
          {"name": "id", "type": "int64", "required": true, "min": 1},
          {"name": "user", "type": "int64", "required": true, "pii": true},
          {"name": "device", "type": "string", "allowed": ["tv", "web"]},
          {"name": "t", "type": "timestamp(us)", "required": true},
          {"name": "day", "type": "date", "required": true, "derived": "to_date(t)"}
        ]}
        """

    @Test func validatesByTheTableRulesAndCommitsBatchesAsOne() throws {
        let dir = try TemporaryDirectory("intake")
        defer { dir.remove() }
        let schema = try IngestSchema.parse(Data(Self.schemaJSON.utf8))
        let appender = try RecordAppender(lake: dir.path, table: "ev", schema: schema, partitionBy: ["day"], engineInfo: "test")
        let a = appender.validate(jsonLines: Array("""
            {"id": 1, "user": 7, "device": "tv", "t": "2026-01-01T10:00:00Z"}

            {"id": 0, "user": 7, "device": "fridge", "t": "2026-01-01T10:00:00Z"}
            {"id": 2, "user": 8, "device": null, "t": "2026-01-02T10:00:00Z"}
            not json
            """.utf8))
        #expect(a.accepted == 2 && a.count == 4)
        #expect(a.rejected.map(\.index) == [1, 3])
        #expect(a.rejected[0].reasons == ["id: 0 is below the minimum 1", "device: \"fridge\" is not one of tv, web"])
        #expect(a.rejected[1].kind == .malformed)
        let b = appender.validate(jsonLines: Array("{\"id\": 3, \"user\": 9, \"t\": \"2026-01-02T11:00:00Z\"}\n".utf8))
        let version = try #require(try appender.commit([.init(records: a, source: "req-a", info: ["k": .string("v")]), .init(records: b, source: "req-b")]))
        #expect(version == 1)
        let table = try DeltaTable(path: dir.path + "/ev")
        let snapshot = try table.snapshot()
        #expect(snapshot.numRecords == 3)
        #expect(Set(snapshot.files.compactMap { $0.partitionValues["day"] ?? nil }) == ["2026-01-01", "2026-01-02"])
        // The table carries its rules (PII marks included) and the commit says what it holds.
        #expect(try IngestSchema.stored(in: snapshot) != nil)
        #expect(snapshot.piiColumns == ["user"])
        let info = try table.actions(version: 1).compactMap { if case .commitInfo(let c) = $0 { return c } else { return nil } }.first
        #expect(info?.fields["engineInfo"]?.stringValue == "test")
        let sources = info?.fields["lakeqIngest"]?.objectValue?["sources"]?.arrayValue ?? []
        #expect(sources.count == 2)
        #expect(sources[0].objectValue?["k"]?.stringValue == "v" && sources[0].objectValue?["quarantined"]?.intValue == 2)
        #expect(info?.fields["lakeqIngest"]?.objectValue?["quarantineRows"]?.intValue == 2)
        // Bad rows are in the quarantine, named by their source and position.
        let q = try String(contentsOfFile: dir.path + "/_quarantine/ev/1.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(q.count == 2)
        #expect(q[0].contains("\"source\":\"req-a\",\"line\":2"))
        // Nothing to commit: no version.
        #expect(try appender.commit([]) == nil)
        // A second appender on the existing table validates by the stored rules.
        let again = try RecordAppender(lake: dir.path, table: "ev", schema: nil)
        #expect(again.validate(jsonLines: Array("{\"id\": 5, \"user\": 1, \"device\": \"radio\", \"t\": \"2026-01-01T00:00:00Z\"}".utf8)).accepted == 0)
    }

    @Test func jsonArraysBecomeOneRecordPerLine() throws {
        let lines = try JSONRecords.lines(fromArray: Array("""
            [ {"a": 1,
               "b": "x, ] \\" y"},
              {"a": [1, 2]}, 3 ,{}]
            """.utf8))
        #expect(String(decoding: lines, as: UTF8.self) == "{\"a\": 1,    \"b\": \"x, ] \\\" y\"}\n{\"a\": [1, 2]}\n3\n{}\n")
        #expect(try JSONRecords.lines(fromArray: Array(" [ ] ".utf8)).isEmpty)
        for bad in ["", "{}", "[", "[1,", "[1,]", "[1] x", "[{\"a\": \"x\ny\"}]", "[{\"a\": 1]"] {
            #expect(throws: JSONRecords.Malformed.self, "\(bad)") { try JSONRecords.lines(fromArray: Array(bad.utf8)) }
        }
    }
}
