import Foundation
import Testing
import LakeqColumnar
@testable import LakeqDelta

@Suite struct DeltaLogTests {
    @Test func actionsRoundTrip() throws {
        let stats = FileStats(numRecords: 3, minValues: ["a": .int(1), "s": .string("x\"y")], maxValues: ["a": .int(9)], nullCount: ["a": 0])
        let actions: [Action] = [
            .commitInfo(CommitInfo(timestamp: 1_700_000_000_123, operation: "WRITE", operationParameters: ["mode": "Append"],
                                   extra: ["sources": .array([.object(["path": .string("a.csv"), "sha256": .string("ab12")])])])),
            .protocol(ProtocolAction()),
            .metaData(MetadataAction(id: "id-1", schemaString: try DeltaSchema.schemaString(viewsSchema), partitionColumns: ["day"],
                                     configuration: ["k": "v"], createdTime: 5)),
            .add(AddFile(path: "day=2024-01-01/part-1%20x.parquet", partitionValues: ["day": "2024-01-01"], size: 123,
                         modificationTime: 9_000_000_000_000, statsJSON: stats.json)),
            .add(AddFile(path: "day=__HIVE_DEFAULT_PARTITION__/p.parquet", partitionValues: ["day": nil], size: 1, modificationTime: 2)),
            .remove(RemoveFile(path: "old.parquet", deletionTimestamp: 77, dataChange: true)),
            .txn(TransactionAction(appId: "ingest", version: 42, lastUpdated: 8)),
            .other(key: "domainMetadata", value: .object(["domain": .string("d")])),
        ]
        let text = ActionCodec.encode(actions)
        #expect(text.split(separator: "\n").count == actions.count)
        let back = try ActionCodec.decode(text, what: "test")
        #expect(back == actions)
        guard case .add(let add) = back[3] else { Issue.record("not an add"); return }
        #expect(add.stats == stats)
        #expect(add.relativePath == "day=2024-01-01/part-1 x.parquet")
        guard case .add(let nullAdd) = back[4] else { Issue.record("not an add"); return }
        #expect(nullAdd.partitionValues["day"] == .some(nil))
    }

    @Test func schemaMapping() throws {
        let s = Schema([
            Field(name: "l", type: .int64, nullable: false), Field(name: "i", type: .int32, nullable: true),
            Field(name: "sh", type: .int16, nullable: true), Field(name: "b", type: .int8, nullable: true),
            Field(name: "d", type: .float64, nullable: true), Field(name: "f", type: .float32, nullable: true),
            Field(name: "bo", type: .boolean, nullable: true), Field(name: "s", type: .string, nullable: true),
            Field(name: "bi", type: .binary, nullable: true), Field(name: "da", type: .date32, nullable: true),
            Field(name: "ts", type: .timestamp(.micros, utc: true), nullable: true),
            Field(name: "tn", type: .timestamp(.micros, utc: false), nullable: true),
            Field(name: "de", type: .decimal(precision: 12, scale: 2), nullable: true),
        ])
        let text = try DeltaSchema.schemaString(s)
        #expect(text.contains("\"type\":\"decimal(12,2)\""))
        #expect(try DeltaSchema.schema(from: text) == s)
        #expect(throws: DeltaError.self) { try DeltaSchema.schemaString(Schema([Field(name: "u", type: .uint64, nullable: true)])) }
        let nested = #"{"type":"struct","fields":[{"name":"n","type":{"type":"struct","fields":[]},"nullable":true,"metadata":{}}]}"#
        #expect(throws: DeltaError.self) { try DeltaSchema.schema(from: nested) }
    }

    @Test func corruptLineIsReportedWithItsNumber() {
        do {
            _ = try ActionCodec.decode("{\"txn\":{\"appId\":\"a\",\"version\":1}}\n{\"add\":{\"path\":", what: "00.json")
            Issue.record("expected an error")
        } catch let e as DeltaError {
            #expect(e.description.contains("00.json line 2"))
        } catch { Issue.record("unexpected \(error)") }
    }
}

/// `DeltaPath.percentDecoded` against Foundation's `removingPercentEncoding`, which it replaces.
@Suite struct PercentDecodingTests {
    @Test func agreesWithFoundation() {
        let samples = ["plain", "", "a%20b", "%41%42c", "date=2026-01-01", "%", "%2", "%zz", "a%2Fb%3Dc", "%E2%82%AC", "%C3%28",
                       "%FF", "100%25", "x%", "é%20é", "%e2%82%ac"]
        for s in samples {
            #expect(DeltaPath.percentDecoded(s) == s.removingPercentEncoding, "\(s)")
        }
    }

    @Test func roundTripsTheLogsEncoding() {
        for path in ["date=2026-01-01/part-0.parquet", "country=C%C3%B4te/a b.parquet", "k=a:b/x#y?.parquet", "€/ü"] {
            #expect(DeltaPath.percentDecoded(DeltaPath.uriEncode(path)) == path)
        }
    }
}

/// The log's JSON parser: numbers read in place and through the standard library, strings
/// with and without escapes, literals, and what it refuses.
@Suite struct JSONParserTests {
    @Test func numbers() throws {
        let cases: [(String, JSONValue)] = [
            ("0", .int(0)), ("-0", .int(0)), ("7", .int(7)), ("-42", .int(-42)), ("007", .int(7)),
            ("123456789012345678", .int(123_456_789_012_345_678)), ("9223372036854775807", .int(Int64.max)),
            ("-9223372036854775808", .int(Int64.min)), ("9223372036854775808", .double(9_223_372_036_854_775_808)),
            ("1.5", .double(1.5)), ("-2e3", .double(-2000)), ("1E-2", .double(0.01)),
        ]
        for (text, expected) in cases { #expect(try JSONValue.parse(text) == expected, "\(text)") }
        for bad in ["-", "+", "1-2", "--1", "1.2.3", "e"] { #expect(throws: DeltaError.self, "\(bad)") { try JSONValue.parse(bad) } }
    }

    @Test func stringsAndLiterals() throws {
        #expect(try JSONValue.parse(#"["plain", "a\"b", "tab\tx", "\u00e9\ud83d\ude00", "", "√ unicode"]"#)
            == .array([.string("plain"), .string("a\"b"), .string("tab\tx"), .string("é😀"), .string(""), .string("√ unicode")]))
        #expect(try JSONValue.parse(" {\"t\": true, \"f\": false, \"n\": null} ") == .object(["t": .bool(true), "f": .bool(false), "n": .null]))
        for bad in ["tru", "nul", "falsey", "\"open", #""bad \q""#, "[1,]", "{\"a\" 1}"] {
            #expect(throws: DeltaError.self, "\(bad)") { try JSONValue.parse(bad) }
        }
    }
}
