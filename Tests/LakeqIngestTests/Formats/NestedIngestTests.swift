import Foundation
import LakeqColumnar
import Testing
@testable import LakeqIngest

/// LIST / STRUCT / MAP columns declared in a schema file: type syntax, JSON Lines and CSV
/// values, bad values quarantined (with rows before and after them intact), hostile input.
@Suite struct NestedIngestTests {
    static let schemaJSON = """
    {"columns": [
      {"name": "id", "type": "int64", "required": true},
      {"name": "segments", "type": "list<struct<start: int64 not null, end: int64, at: timestamp>>"},
      {"name": "player", "type": "struct<name: string, version: int32>"},
      {"name": "tags", "type": "list<string>"},
      {"name": "props", "type": "map<string, decimal(9,2)>"},
      {"name": "grid", "type": "array<list<int32>>"}
    ]}
    """

    /// Row `i` of a column as compact JSON-like text (NULL as null).
    static func render(_ c: Column, _ i: Int) -> String {
        if c.isNull(i) { return "null" }
        switch (c.type, c.values) {
        case (.list, .list(let l)): return "[" + l.range(i).map { render(l.entries, $0) }.joined(separator: ",") + "]"
        case (.map, .list(let l)):
            guard case .structure(let kv) = l.entries.values else { return "?" }
            return "{" + l.range(i).map { render(kv.children[0], $0) + ":" + render(kv.children[1], $0) }.joined(separator: ",") + "}"
        case (.structure(let fields), .structure(let s)):
            return "{" + zip(fields, s.children).map { "\($0.name):" + render($1, i) }.joined(separator: ",") + "}"
        case (_, .int64(let v)): return String(v[i])
        case (_, .int32(let v)): return String(v[i])
        case (_, .bytes(let b)): return "\"" + b.string(at: i) + "\""
        default: return "?"
        }
    }

    static func parse(_ text: String, format: SourceFormat = .jsonl) throws -> RecordParser.Output {
        let schema = try IngestSchema.parse(Data(schemaJSON.utf8))
        let parser = RecordParser(schema: schema, format: format)
        let bytes = Array(text.utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        return bytes.withUnsafeBytes { raw in parser.parse(raw, chunks: [Chunk(start: 0, end: raw.count, firstLine: 1, lines: lines)], threads: 1) }
    }

    @Test func typeSyntax() throws {
        #expect(ValueType.parse("list<int64>") == .list(.int64))
        #expect(ValueType.parse("ARRAY< string >") == .list(.string))
        #expect(ValueType.parse("map<string, decimal(9,2)>") == .map(.decimal(precision: 9, scale: 2)))
        #expect(ValueType.parse("struct<Start: int64 not null, tags: list<string>>")
                == .structure([NestedField(name: "Start", type: .int64, nullable: false), NestedField(name: "tags", type: .list(.string))]))
        #expect(ValueType.parse("list<struct<a: timestamp(ms)>>")?.description == "list<struct<a: timestamp(ms)>>")
        for bad in ["list<>", "list<int64", "map<int64, string>", "struct<a int64>", "struct<a: int64, a: string>", "struct<>",
                    "list<nope>", "list<int64>>", String(repeating: "list<", count: 100) + "int64" + String(repeating: ">", count: 100)] {
            #expect(ValueType.parse(bad) == nil, "\(bad)")
        }
        #expect(throws: IngestError.self) {
            try IngestSchema.parse(Data(#"{"columns": [{"name": "l", "type": "list<int64>", "min": 1}]}"#.utf8))
        }
    }

    @Test func jsonLinesIntoNestedColumns() throws {
        let out = try Self.parse("""
        {"id": 1, "segments": [{"start": 0, "end": 10, "at": "2026-01-01T00:00:01Z"}, {"start": 10}], "player": {"name": "exo", "version": 3}, "tags": ["a", "b\\"c"], "props": {"x": 1.5, "y": "2.25"}, "grid": [[1, 2], [], null]}
        {"id": 2, "segments": [], "player": null, "tags": [], "props": {}, "grid": []}
        {"id": 3}
        {"id": 4, "segments": [null, {"start": 5, "end": null}], "player": {"version": 7}, "tags": [null], "props": {"k": null}}
        """)
        #expect(out.bad.isEmpty, "\(out.bad.map(\.reasons))")
        #expect(out.rows == 4)
        let b = try #require(out.batches.first)
        let rendered = (0..<4).map { i in (1..<6).map { Self.render(b.columns[$0], i) }.joined(separator: " ") }
        #expect(rendered[0] == #"[{start:0,end:10,at:1767225601000000},{start:10,end:null,at:null}] {name:"exo",version:3} ["a","b"c"] {"x":150,"y":225} [[1,2],[],null]"#)
        #expect(rendered[1] == #"[] null [] {} []"#)
        #expect(rendered[2] == #"null null null null null"#)
        #expect(rendered[3] == #"[null,{start:5,end:null,at:null}] {name:null,version:7} [null] {"k":null} null"#)
        #expect(b.columns[1].type == ValueType.parse("list<struct<start: int64 not null, end: int64, at: timestamp>>")?.dataType)
    }

    @Test(arguments: [
        (#"{"id": 1, "segments": {"start": 1}}"#, "segments: expected an array, found an object"),
        (#"{"id": 1, "segments": [{"end": 1}]}"#, "segments[].start: missing in a non-nullable field"),
        (#"{"id": 1, "segments": [{"start": null}]}"#, "segments[].start: null in a non-nullable field"),
        (#"{"id": 1, "segments": [{"start": "1"}]}"#, "segments[].start: expected an integer"),
        (#"{"id": 1, "segments": [{"start": 1, "start": 2}]}"#, "duplicate field"),
        (#"{"id": 1, "segments": [{"start": 1, "at": "yesterday"}]}"#, "segments[].at: not an ISO-8601 timestamp"),
        (#"{"id": 1, "player": {"name": "exo", "extra": 1}}"#, "player: unknown field \"extra\""),
        (#"{"id": 1, "player": "exo"}"#, "player: expected struct"),
        (#"{"id": 1, "tags": [1]}"#, "tags[]: expected a string"),
        (#"{"id": 1, "tags": ["a" "b"]}"#, "expected ',' or ']'"),
        (#"{"id": 1, "tags": ["a", tru]}"#, "invalid JSON value"),
        (#"{"id": 1, "props": {"x": 1.234}}"#, "props[]: not a decimal(9,2)"),
        (#"{"id": 1, "props": [1]}"#, "props: expected an object"),
        (#"{"id": 1, "grid": [[1], 2]}"#, "grid[]: expected an array"),
        (#"{"id": 1, "grid": [[3000000000]]}"#, "out of int32 range"),
        (#"{"id": [1]}"#, "id: expected int64, found the nested value"),
        (#"{"id": 1, "tags": ["a", "b"}"#, "truncated object"),
        (#"{"id": 1, "tags": ["a", "b"#, "unterminated nested value"),
    ])
    func badNestedValuesAreQuarantined(line: String, reason: String) throws {
        // The bad row sits between good ones: their nested values must come out intact.
        let out = try Self.parse(#"{"id": 0, "tags": ["x"], "segments": [{"start": 1}], "grid": [[1]], "props": {"a": 1}}"# + "\n" + line + "\n"
                                 + #"{"id": 2, "tags": ["y", "z"], "segments": [{"start": 2}, {"start": 3}], "grid": [[2], [3]], "props": {"b": 2}}"#)
        #expect(out.rows == 2)
        #expect(out.bad.count == 1)
        let reasons = out.bad.first?.reasons.joined(separator: "; ") ?? ""
        #expect(reasons.contains(reason), "\(reasons)")
        let b = try #require(out.batches.first)
        #expect(Self.render(b.columns[3], 1) == #"["y","z"]"#)
        #expect(Self.render(b.columns[1], 1) == "[{start:2,end:null,at:null},{start:3,end:null,at:null}]")
        #expect(Self.render(b.columns[5], 0) == "[[1]]")
        #expect(Self.render(b.columns[5], 1) == "[[2],[3]]")
        #expect(Self.render(b.columns[4], 1) == #"{"b":200}"#)
    }

    @Test func hostileNestingIsABadRowNotACrash() throws {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let out = try Self.parse(#"{"id": 1, "grid": "# + deep + "}")
        #expect(out.rows == 0)
        #expect(out.bad.count == 1)
    }

    @Test func csvFieldsHoldJSON() throws {
        let out = try Self.parse("""
        1,"[{""start"": 1}]","{""name"": ""exo""}","[""a""]","{""k"": 1}","[[1]]"
        2,,,,,
        3,not json,,,,
        """, format: .csv)
        #expect(out.rows == 2)
        #expect(out.bad.count == 1)
        let b = try #require(out.batches.first)
        #expect(Self.render(b.columns[2], 0) == #"{name:"exo",version:null}"#)
        #expect(Self.render(b.columns[4], 0) == #"{"k":100}"#)
        #expect(Self.render(b.columns[1], 1) == "null")
    }
}
