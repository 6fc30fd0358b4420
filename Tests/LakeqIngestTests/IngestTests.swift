import Foundation
import Testing
import LakeqDelta
@testable import LakeqIngest

@Suite struct IngestSchemaTests {
    static let schemaJSON = """
    {"columns": [
      {"name": "id", "type": "int64", "required": true, "min": 1},
      {"name": "t", "type": "timestamp(us)", "required": true, "min": "2026-01-01T00:00:00Z", "max_exclusive": "2026-01-31T00:00:00Z"},
      {"name": "watch", "type": "double", "required": true, "min": 0, "max_column": "duration"},
      {"name": "duration", "type": "double", "required": true},
      {"name": "done", "type": "boolean", "required": true, "equals": "watch >= 0.9 * duration"},
      {"name": "device", "type": "string", "required": true, "allowed": ["tv", "web"]},
      {"name": "cc", "type": "string", "nullable": true, "regex": "^[A-Z]{2}$"},
      {"name": "rating", "type": "int32", "nullable": true, "min": 1, "max": 5},
      {"name": "date", "type": "date", "required": true, "derived": "to_date(t)"}
    ]}
    """

    func parse(_ csv: String) throws -> (ChunkOutput, IngestSchema) {
        let schema = try IngestSchema.parse(Data(Self.schemaJSON.utf8))
        var map = FieldMap()
        let header = ["id", "t", "watch", "duration", "done", "device", "cc", "rating"]
        map.csvFieldCount = header.count
        map.csvTarget = header.compactMap { h in schema.columns.firstIndex { $0.name == h } }
        let parser = ChunkParser(schema: CompiledSchema(schema), format: .csv, map: map)
        let bytes = Array(csv.utf8)
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).count - (csv.hasSuffix("\n") ? 1 : 0)
        let out = bytes.withUnsafeBytes { parser.parse($0, Chunk(start: 0, end: bytes.count, firstLine: 2, lines: lines), keepColumns: true) }
        return (out, schema)
    }

    @Test func parsesRulesAndRoundTripsJSON() throws {
        let s = try IngestSchema.parse(Data(Self.schemaJSON.utf8))
        #expect(s.columns.count == 9)
        #expect(s.columns[8].derivedFrom == "t")
        #expect(s.columns[4].rules.equals?.factor == 0.9)
        #expect(s.columns[1].rules.maxExclusive == .int(1_769_817_600_000_000))
        let again = try IngestSchema.parse(Data(s.json.utf8))
        #expect(again == s)
    }

    @Test func rejectsBadSchemas() {
        #expect(throws: IngestError.self) { try IngestSchema.parse(Data("[]".utf8)) }
        #expect(throws: IngestError.self) { try IngestSchema.parse(Data(#"{"columns":[{"name":"a","type":"int64","mn":1}]}"#.utf8)) }
        #expect(throws: IngestError.self) { try IngestSchema.parse(Data(#"{"columns":[{"name":"a","type":"int64","max_column":"b"}]}"#.utf8)) }
        #expect(throws: IngestError.self) { try IngestSchema.parse(Data(#"{"columns":[{"name":"a","type":"blob"}]}"#.utf8)) }
        #expect(throws: IngestError.self) { try IngestSchema.parse(Data(#"{"columns":[{"name":"a","type":"int64","min":"x"}]}"#.utf8)) }
    }

    @Test func goodAndBadRowsWithReasons() throws {
        let csv = """
        1,2026-01-05T10:00:00.000000Z,50,100,false,tv,US,5
        2,2026-01-05T10:00:00.000000Z,95,100,true,web,,
        0,2026-01-05T10:00:00.000000Z,50,100,false,tv,US,6
        3,2026-02-05T10:00:00.000000Z,150,100,true,TV,us,
        4,2026-01-05T10:00:00.000000Z,95,100,false,tv,US,
        5,2026-01-05T10:00:00.000000Z,1.2.3,100,false,tv,US,
        6,2026-01-05T10:00:00.000000Z,5

        """
        let (out, _) = try parse(csv)
        #expect(out.rows == 2)
        let reasons = Dictionary(uniqueKeysWithValues: out.bad.map { ($0.line, $0.reasons) })
        #expect(reasons[4] == ["id: 0 is below the minimum 1", "rating: 6 is above the maximum 5"])
        #expect(reasons[5]?.contains("t: 2026-02-05T10:00:00.000000Z is not before 2026-01-31T00:00:00Z") == true)
        #expect(reasons[5]?.contains("device: \"TV\" is not one of tv, web") == true)
        #expect(reasons[5]?.contains("cc: \"us\" does not match ^[A-Z]{2}$") == true)
        #expect(reasons[5]?.contains("watch: 150 is above duration 100") == true)
        #expect(reasons[6] == ["done: false but watch >= 0.9 * duration is true"])
        #expect(reasons[7]?.first?.hasPrefix("watch: not a number") == true)
        #expect(reasons[8] == ["expected 8 fields, found 3"])
        // Derived date of 2026-01-05.
        if case .int32(let d) = out.columns[8].values { #expect(d == [20458, 20458]) } else { Issue.record("date column") }
    }

    @Test("CSV records whose quoted fields hold line breaks; a stray quote stays one bad line")
    func multiLineRecords() throws {
        let schema = try IngestSchema.parse(Data(#"{"columns":[{"name":"id","type":"int64","required":true},{"name":"note","type":"string","required":true}]}"#.utf8))
        var map = FieldMap()
        map.csvFieldCount = 2
        map.csvTarget = [0, 1]
        let parser = ChunkParser(schema: CompiledSchema(schema), format: .csv, map: map)
        let csv = "1,\"two\nlines\"\n2,plain\n3,\"stray\n4,ok\n5,\"x\r\ny\"\"z\"\r\n6,last\n"
        let bytes = Array(csv.utf8)
        let out = bytes.withUnsafeBytes { parser.parse($0, Chunk(start: 0, end: bytes.count, firstLine: 2, lines: 8), keepColumns: true) }
        #expect(out.rows == 5)
        #expect(out.bad.map(\.line) == [5])
        #expect(out.bad.first.map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) } == "3,\"stray")
        if case .int64(let ids) = out.columns[0].values { #expect(ids == [1, 2, 4, 5, 6]) } else { Issue.record("ids") }
        if case .bytes(let notes) = out.columns[1].values {
            #expect((0..<notes.count).map { notes.string(at: $0) } == ["two\nlines", "plain", "ok", "x\r\ny\"z", "last"])
        } else { Issue.record("notes") }
    }

    @Test func contentHashIsStableAndSizeAware() {
        let a = Array(repeating: UInt8(7), count: 3 << 20) + [1, 2, 3]
        let h1 = a.withUnsafeBytes { ContentHash.hash($0, threads: 1) }
        let h4 = a.withUnsafeBytes { ContentHash.hash($0, threads: 4) }
        #expect(h1 == h4)
        #expect(h1.hasSuffix("-\(a.count)"))
        var b = a
        b[12345] ^= 1
        #expect(b.withUnsafeBytes { ContentHash.hash($0, threads: 2) } != h1)
    }

    @Test func fastDoubleMatchesSwiftParser() {
        for t in ["0", "-0", "45", "47.6", "97.816", "133.3", "-0.001", "123456789012345", "0.1", "1e5", "12345678901234567"] {
            let v = Array(t.utf8).withUnsafeBytes { ValueParse.double($0, lenient: false) }
            #expect(v?.bitPattern == Double(t)?.bitPattern, "\(t)")
        }
    }
}

@Suite struct IngestPartitioningTests {
    @Test("rows group by partition value: runs, scattered values, many values, nulls")
    func manyScatteredPartitions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lakeq-parts-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // 50 bucket values: a run of one value, then values scattered (past the 32 searched
        // linearly, so the hash index takes over), then nulls.
        var lines = ["id,bucket"]
        var want: [String?: Int] = [:]
        var id = 0
        func row(_ b: Int?) {
            id += 1
            lines.append("\(id),\(b.map(String.init) ?? "")")
            want[b.map(String.init), default: 0] += 1
        }
        for _ in 0..<100 { row(7) }
        for i in 0..<2_000 { row((i * 37) % 50) }
        for _ in 0..<3 { row(nil) }
        let csv = dir + "/in.csv"
        try (lines.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        var o = IngestOptions(lake: dir, table: "t")
        o.schema = try IngestSchema.parse(Data(#"{"columns":[{"name":"id","type":"int64","required":true},{"name":"bucket","type":"int32","nullable":true}]}"#.utf8))
        o.partitionBy = ["bucket"]
        o.blockLines = 700  // several blocks, each with many values
        let summary = try Ingestor(options: o).run(sources: [csv])
        #expect(summary.rowsCommitted == id)
        let snap = try DeltaTable(path: dir + "/t").snapshot()
        var got: [String?: Int] = [:]
        for f in snap.files { got[f.partitionValues["bucket"] ?? nil, default: 0] += Int(f.numRecords ?? -1) }
        #expect(got == want)
    }
}

extension IngestPartitioningTests {
    @Test("a failed background write fails the run: nothing committed, no data file left")
    func backgroundWriteFailure() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lakeq-fail-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/t", withIntermediateDirectories: true)
        // A file where partition bucket=3's directory must go: that partition's write fails.
        FileManager.default.createFile(atPath: dir + "/t/bucket=3", contents: Data("x".utf8))
        let csv = dir + "/in.csv"
        try ("id,bucket\n" + (1...3_000).map { "\($0),\($0 / 500)" }.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        var o = IngestOptions(lake: dir, table: "t")
        o.schema = try IngestSchema.parse(Data(#"{"columns":[{"name":"id","type":"int64","required":true},{"name":"bucket","type":"int32","required":true}]}"#.utf8))
        o.partitionBy = ["bucket"]
        o.blockLines = 400
        #expect(throws: (any Error).self) { try Ingestor(options: o).run(sources: [csv]) }
        let left = (FileManager.default.enumerator(atPath: dir + "/t")?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".parquet") }
        #expect(left.isEmpty, "\(left)")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/t/_delta_log"))?.filter { $0.hasSuffix(".json") && !$0.hasPrefix("00000000000000000000") } ?? []
        #expect(versions.isEmpty, "\(versions)")
    }
}
