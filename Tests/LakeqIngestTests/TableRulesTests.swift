import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqTestSupport
import Testing
@testable import LakeqIngest

/// A table carries its rules: the schema file stored in the Delta metaData, PII marks and
/// comments in the column metadata, read back through `IngestSchema.stored(in:)` / `of(_:)`.
@Suite struct TableRulesTests {
    static let rulesJSON = """
    {"columns": [
      {"name": "id", "type": "int64", "required": true, "min": 1},
      {"name": "user", "type": "int64", "required": true, "pii": true, "description": "who watched"},
      {"name": "t", "type": "timestamp(us)", "required": true},
      {"name": "date", "type": "date", "required": true, "derived": "to_date(t)"}
    ]}
    """

    @Test func piiAndDescriptionParseAndRoundTrip() throws {
        let s = try IngestSchema.parse(Data(Self.rulesJSON.utf8))
        #expect(s.piiColumns == ["user"])
        #expect(s.columns[1].description == "who watched")
        #expect(s.columnMetadata == ["user": [DeltaSchema.piiKey: .bool(true), DeltaSchema.commentKey: .string("who watched")]])
        let again = try IngestSchema.parse(Data(s.json.utf8))
        #expect(again == s)
        #expect(throws: IngestError.self) { try IngestSchema.parse(Data(#"{"columns":[{"name":"a","type":"int64","pii":"yes"}]}"#.utf8)) }
        #expect(throws: IngestError.self) { try IngestSchema.parse(Data(#"{"columns":[{"name":"a","type":"int64","description":3}]}"#.utf8)) }
    }

    @Test func embeddedViewingEventsSchemaIsTheExampleFile() throws {
        let path = TestEnvironment.packageRoot.appendingPathComponent("examples/events.schema.json").path
        let file = try String(contentsOfFile: path, encoding: .utf8)
        #expect(IngestSchema.viewingEventsJSON + "\n" == file)
        let s = try IngestSchema.viewingEvents()
        #expect(s == (try IngestSchema.load(path: path)))
        #expect(s.piiColumns == ["user_id"])
        #expect(s.columns.last?.derivedFrom == "event_time")
    }

    @Test func createdTableCarriesItsRules() throws {
        let dir = try TemporaryDirectory("rules")
        defer { dir.remove() }
        let rules = try IngestSchema.parse(Data(Self.rulesJSON.utf8))
        let table = try rules.createTable(at: dir.file("t"), partitionColumns: ["date"], name: "t",
                                          configuration: ["delta.checkpointInterval": "5"])
        let snap = try table.snapshot()
        #expect(try IngestSchema.stored(in: snap) == rules)
        #expect(try IngestSchema.of(snap) == rules)
        #expect(snap.piiColumns == ["user"])
        #expect(snap.columnMetadata["user"]?[DeltaSchema.commentKey] == .string("who watched"))
        #expect(snap.metadata.configuration["delta.checkpointInterval"] == "5")
        #expect(snap.metadata.name == "t")
        #expect(snap.schema == rules.arrowSchema)
        #expect(throws: DeltaError.self) { try rules.createTable(at: dir.file("t"), partitionColumns: ["date"]) }
        #expect(throws: DeltaError.self) { try rules.createTable(at: dir.file("u"), partitionColumns: ["nope"]) }
    }

    @Test func tableWithoutStoredRules() throws {
        let dir = try TemporaryDirectory("norules")
        defer { dir.remove() }
        let schema = Schema([Field(name: "a", type: .int64, nullable: false), Field(name: "b", type: .string, nullable: true)])
        let table = try DeltaTable.create(at: dir.file("t"), schema: schema, columnMetadata: ["b": [DeltaSchema.piiKey: .bool(true)]])
        let snap = try table.snapshot()
        #expect(try IngestSchema.stored(in: snap) == nil)
        let rules = try IngestSchema.of(snap)
        #expect(rules.columns.map(\.name) == ["a", "b"])
        #expect(rules.columns.allSatisfy { $0.rules.isEmpty })
        #expect(rules.piiColumns == ["b"])
    }

    @Test func storedRulesThatNoLongerMatchTheTableAreAnError() throws {
        let dir = try TemporaryDirectory("mismatch")
        defer { dir.remove() }
        let schema = Schema([Field(name: "a", type: .int64, nullable: false)])
        let other = #"{"columns":[{"name":"a","type":"string"}]}"#
        let snap = try DeltaTable.create(at: dir.file("t"), schema: schema, configuration: [IngestSchema.configurationKey: other]).snapshot()
        #expect(throws: IngestError.self) { try IngestSchema.stored(in: snap) }
        let broken = try DeltaTable.create(at: dir.file("u"), schema: schema, configuration: [IngestSchema.configurationKey: "{"]).snapshot()
        #expect(throws: IngestError.self) { try IngestSchema.of(broken) }
    }

    @Test func laterIngestValidatesByTheStoredRules() throws {
        let dir = try TemporaryDirectory("later")
        defer { dir.remove() }
        let rules = try IngestSchema.parse(Data(Self.rulesJSON.utf8))
        try rules.createTable(at: dir.file("t"), partitionColumns: ["date"], name: "t")
        let csv = try dir.write("in.csv", "id,user,t\n1,7,2026-01-02T00:00:00Z\n0,8,2026-01-02T00:00:00Z\n")
        let summary = try Ingestor(options: IngestOptions(lake: dir.path, table: "t")).run(sources: [csv])
        #expect(summary.rowsCommitted == 1)
        #expect(summary.rowsQuarantined == 1)  // id 0 breaks the stored "min": 1
    }
}

/// delta-rs reads a table whose columns carry metadata and whose configuration holds the rules.
@Suite(.enabled(if: Requirements.deltaRS, "needs python3 with deltalake and pyarrow"))
struct TableRulesInteropTests {
    @Test func deltaRsReadsATableCarryingRules() throws {
        let dir = try TemporaryDirectory("rules-rs")
        defer { dir.remove() }
        let rules = try IngestSchema.parse(Data(TableRulesTests.rulesJSON.utf8))
        try rules.createTable(at: dir.file("t"), partitionColumns: ["date"], name: "t")
        let csv = try dir.write("in.csv", "id,user,t\n1,7,2026-01-02T00:00:00Z\n2,8,2026-01-03T00:00:00Z\n")
        _ = try Ingestor(options: IngestOptions(lake: dir.path, table: "t")).run(sources: [csv])
        let script = """
        import sys, json
        from deltalake import DeltaTable
        t = DeltaTable(sys.argv[1])
        a = t.to_pyarrow_table()
        meta = {f.name: dict(f.metadata) for f in t.schema().fields}
        print(json.dumps({"rows": a.num_rows, "ids": sorted(a.column("id").to_pylist()), "meta": meta,
                          "rules": t.metadata().configuration.get("lakeq.ingest.schema") is not None}, default=str))
        """
        let r = try TestEnvironment.runPython(script, [dir.file("t")])
        #expect(r.status == 0, "\(r.err)")
        let v = try JSONValue.parse(r.out)
        #expect(v["rows"]?.intValue == 2)
        #expect(v["ids"]?.arrayValue?.compactMap(\.intValue) == [1, 2])
        #expect(v["rules"]?.boolValue == true)
        let user = v["meta"]?["user"]?.objectValue ?? [:]
        #expect(user["lakeq.pii"] == .bool(true), "\(r.out)")
        #expect(user["comment"] == .string("who watched"), "\(r.out)")
    }
}

/// The expired-log cleanup deletes old commits; the quarantine files they named stay.
@Suite struct QuarantineAfterLogCleanupTests {
    @Test func quarantineOfACleanedUpCommitIsKept() throws {
        let dir = try TemporaryDirectory("q-cleanup")
        defer { dir.remove() }
        let rules = try IngestSchema.parse(Data(TableRulesTests.rulesJSON.utf8))
        try rules.createTable(at: dir.file("t"), partitionColumns: ["date"], name: "t")
        for i in 1...11 {
            // Commit 1 quarantines a row (id 0 breaks "min": 1).
            let csv = try dir.write("in\(i).csv", "id,user,t\n\(i),7,2026-01-02T00:00:00Z\n" + (i == 1 ? "0,8,2026-01-02T00:00:00Z\n" : ""))
            _ = try Ingestor(options: IngestOptions(lake: dir.path, table: "t")).run(sources: [csv])
        }
        let table = try DeltaTable(path: dir.file("t"))
        #expect(table.lastCheckpointVersion == 10)
        let old = Date().addingTimeInterval(-40 * 86_400)
        for v in 0...10 {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: table.logPath + "/" + DeltaTable.commitFileName(v))
        }
        let deleted = try table.cleanUpExpiredLog(retentionMillis: TableProperties.defaultLogRetentionMillis)
        #expect(deleted.contains(DeltaTable.commitFileName(1)))
        let q = dir.file("_quarantine/t/1.jsonl")
        #expect(FileManager.default.fileExists(atPath: q))
        let csv = try dir.write("in12.csv", "id,user,t\n12,7,2026-01-02T00:00:00Z\n")
        _ = try Ingestor(options: IngestOptions(lake: dir.path, table: "t")).run(sources: [csv])
        #expect(FileManager.default.fileExists(atPath: q), "the next ingest must not take it for a crash's leftover")
    }
}
