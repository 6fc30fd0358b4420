import Foundation
import LakeqTestSupport
import LakeqColumnar
import LakeqParquet
import Testing

/// Runs the built `lakeq` binary (`.build/debug/lakeq`, found from this file's path).
enum CLI {
    static var available: Bool { TestEnvironment.binaryBuilt }

    static func run(_ args: [String]) -> TestEnvironment.Outcome {
        (try? TestEnvironment.lakeq(args)) ?? TestEnvironment.Outcome(status: -1, out: "", err: "could not start \(TestEnvironment.binary)")
    }

    static func temp(_ name: String, _ contents: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lakeq-cli-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(UUID().uuidString + "-" + name).path
        FileManager.default.createFile(atPath: path, contents: Data(contents.utf8))
        return path
    }
}

/// Reads a whole Parquet file: schema fields and per-column cell strings.
func readBack(_ path: String) throws -> (Schema, [[String]]) {
    let f = try ParquetFile(path: path)
    let schema = f.schema.arrowSchema
    var cols = [[String]](repeating: [], count: schema.fields.count)
    for g in 0..<f.rowGroupCount {
        let b = try f.readRowGroup(g)
        for (k, c) in b.columns.enumerated() {
            let v = c.values.materialized()
            for i in 0..<c.count {
                if c.isNull(i) { cols[k].append("null"); continue }
                switch v {
                case .boolean(let a): cols[k].append("\(a[i])")
                case .int32(let a):
                    if case .decimal(_, let s) = c.type { cols[k].append(DecimalText.format(unscaled: Int64(a[i]), scale: s)) } else { cols[k].append("\(a[i])") }
                case .int64(let a):
                    if case .decimal(_, let s) = c.type { cols[k].append(DecimalText.format(unscaled: a[i], scale: s)) } else { cols[k].append("\(a[i])") }
                case .float64(let a): cols[k].append(a[i].sign == .minus && a[i] == 0 ? "-0.0" : "\(a[i])")
                case .bytes(let b): cols[k].append(b.string(at: i))
                case .fixed(let f):
                    if case .decimal(_, let s) = c.type { cols[k].append(DecimalText.format(bigEndian: f[i], scale: s)) } else { cols[k].append("fixed") }
                default: cols[k].append("?")
                }
            }
        }
    }
    return (schema, cols)
}

@Suite("lakeq convert", .enabled(if: CLI.available, "build the CLI first: swift build"))
struct ConvertCommandTests {
    @Test("CSV quoting: commas, doubled quotes, newlines in quotes, empty vs null, CRLF")
    func csvQuoting() throws {
        let csv = "id,name,note\r\n1,\"Salt, Sand and Sea\",\"say \"\"hi\"\"\"\r\n2,plain,\r\n3,\"multi\nline\",\"\"\r\n"
        let input = CLI.temp("q.csv", csv), out = input + ".parquet"
        let r = CLI.run(["convert", input, out])
        #expect(r.status == 0, "\(r.err)")
        let (schema, cols) = try readBack(out)
        #expect(schema.fields.map(\.name) == ["id", "name", "note"])
        #expect(schema.fields[0].type == .int64 && !schema.fields[0].nullable)
        #expect(cols[1] == ["Salt, Sand and Sea", "plain", "multi\nline"])
        #expect(cols[2] == ["say \"hi\"", "null", ""])
    }

    @Test("inference keeps information: leading zeros, huge integers, -0.0, dates, timestamps, all-null")
    func inference() throws {
        let csv = """
        code,big,x,d,ts,flag,empty,n,mixed
        007,123,1.5,2026-01-03,2026-01-03T17:04:11.123456Z,true,,5,1
        012,99999999999999999999,-0.0,2024-02-29,2026-01-03 17:04:11+02:00,false,,-7,2.5
        100,5,1e3,1999-12-31,2026-01-03T17:04:11Z,true,,0,3

        """
        let input = CLI.temp("i.csv", csv), out = input + ".parquet"
        let r = CLI.run(["convert", input, out])
        #expect(r.status == 0, "\(r.err)")
        let (schema, cols) = try readBack(out)
        let types = schema.fields.map(\.type)
        #expect(types == [.string, .string, .float64, .date32, .timestamp(.micros, utc: true), .boolean, .string, .int64, .float64])
        #expect(cols[0] == ["007", "012", "100"])
        #expect(cols[1][1] == "99999999999999999999")
        #expect(cols[2] == ["1.5", "-0.0", "1000.0"])
        #expect(cols[4] == ["1767459851123456", "1767452651000000", "1767459851000000"])
        #expect(schema.fields[6].nullable && cols[6] == ["null", "null", "null"])
        #expect(cols[8] == ["1.0", "2.5", "3.0"])
    }

    @Test("types from a sample: late values that contradict it give the two-pass result")
    func sampledInference() throws {
        // 9,000 rows; the sample is the first 4,096 records. Each column's late value changes
        // its type (or nullability) from what the sample alone says.
        func rows(late lateRow: Int, nullsBefore: Int) -> String {
        var lines = ["i,n,d,b,e,s,ok"]
        for r in 0..<9_000 {
            let late = r == lateRow
            lines.append([late ? "1.5" : "\(r)",                   // int64 -> double
                          late ? "" : "\(r)",                      // required -> nullable
                          late ? "9007199254740993" : "0.25",      // double -> string (2^53 + 1)
                          late ? "True" : "true",                  // boolean -> string
                          r < nullsBefore ? "" : "\(r)",           // only nulls in the sample -> int64?
                          "x\(r % 7)",
                          "\(r)"].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
        }
        let input = CLI.temp("late.csv", rows(late: 8_500, nullsBefore: 5_000)), out = input + ".parquet"
        let r = CLI.run(["convert", input, out])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("inference=full"), "\(r.out)")
        let (schema, cols) = try readBack(out)
        #expect(schema.fields.map(\.type) == [.float64, .int64, .string, .string, .int64, .string, .int64])
        #expect(schema.fields.map(\.nullable) == [false, true, false, false, true, false, false])
        #expect(cols[0][8_500] == "1.5" && cols[0][1] == "1.0")
        #expect(cols[2][8_500] == "9007199254740993" && cols[2][0] == "0.25")
        #expect(cols[3][8_500] == "True")
        #expect(cols[4][4_999] == "null" && cols[4][5_000] == "5000")

        // Without the late values (and with values in the sample): one pass.
        let input2 = CLI.temp("clean.csv", rows(late: -1, nullsBefore: 2_000)), out2 = input2 + ".parquet"
        let r2 = CLI.run(["convert", input2, out2])
        #expect(r2.status == 0, "\(r2.err)")
        #expect(r2.out.contains("inference=sample"), "\(r2.out)")
        let (schema2, _) = try readBack(out2)
        #expect(schema2.fields.map(\.type) == [.int64, .int64, .float64, .boolean, .int64, .string, .int64])
        #expect(schema2.fields.map(\.nullable) == [false, false, false, false, true, false, false])

        // A double column's integers past 2^53 keep it a string whatever their order.
        let input3 = CLI.temp("order.csv", "x\n1.5\n9007199254740993\n"), out3 = input3 + ".parquet"
        let r3 = CLI.run(["convert", input3, out3])
        #expect(r3.status == 0, "\(r3.err)")
        #expect(try readBack(out3).0.fields.map(\.type) == [.string])
    }

    @Test("types from a sample, JSON Lines: a key first seen late, a late null; bad rows reported once")
    func sampledInferenceJSONL() throws {
        var lines: [String] = []
        for r in 0..<70_000 {
            if r == 3 { lines.append("{\"id\": 3, \"v\": ") ; continue }  // malformed: reported once
            var o = "{\"id\": \(r), \"v\": \(r % 10)"
            if r == 69_000 { o = "{\"id\": \(r), \"v\": null, \"extra\": \"2026-01-02\"" }
            lines.append(o + "}")
        }
        let input = CLI.temp("late.jsonl", lines.joined(separator: "\n") + "\n"), out = input + ".parquet"
        let r = CLI.run(["convert", "--skip-bad", input, out])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("inference=full"), "\(r.out)")
        #expect(r.err.components(separatedBy: ":4: ").count == 2, "\(r.err)")
        let (schema, cols) = try readBack(out)
        #expect(schema.fields.map(\.name) == ["id", "v", "extra"])
        #expect(schema.fields.map(\.type) == [.int64, .int64, .date32])
        #expect(schema.fields.map(\.nullable) == [false, true, true])
        #expect(cols[2].filter { $0 != "null" } == ["20455"])
    }

    @Test("bad rows: line numbers, nothing written, --skip-bad keeps the good rows")
    func badRows() throws {
        let schema = CLI.temp("s.json", #"{"columns":[{"name":"id","type":"int64","nullable":false},{"name":"r","type":"int32"},{"name":"t","type":"timestamp"},{"name":"p","type":"decimal(5,2)"}]}"#)
        let csv = "id,r,t,p\n1,2,2026-01-01T00:00:00Z,1.25\n2,x,2026-01-01T00:00:00Z,1\n3,4\n,5,2026-01-01T00:00:00Z,1\n\"4\",6,\"2026-01-02T00:00:00Z\",-3.10\n5,7,2026-01-02,1.234\n"
        let input = CLI.temp("b.csv", csv), out = input + ".parquet"
        let r = CLI.run(["convert", "--schema", schema, input, out])
        #expect(r.status == 1)
        #expect(r.err.contains(":3: r: not an integer"), "\(r.err)")
        #expect(r.err.contains(":4: expected 4 fields, found 2"))
        #expect(r.err.contains(":5: id: null in a non-nullable column"))
        #expect(r.err.contains(":7: p: not a decimal(5,2)"))
        #expect(!FileManager.default.fileExists(atPath: out))
        let r2 = CLI.run(["convert", "--schema", schema, "--skip-bad", input, out])
        #expect(r2.status == 0, "\(r2.err)")
        let (_, cols) = try readBack(out)
        #expect(cols[0] == ["1", "4"])
        #expect(cols[3] == ["1.25", "-3.10"])
    }

    @Test("JSON Lines: escapes, nulls, missing keys, nested values are bad rows")
    func jsonl() throws {
        let text = """
        {"id": 1, "name": "Back\\\\Slash \\"q\\" \\u00e9\\ud83c\\udfac", "ok": true, "x": 1.5}
        {"id": 2, "name": null, "ok": false}
        {"id": 3, "name": "a", "ok": true, "x": [1]}
        {"id": 4, "name": "b", "ok": true, "x": -0.0}

        """
        let input = CLI.temp("j.jsonl", text), out = input + ".parquet"
        let r = CLI.run(["convert", "--skip-bad", "--compression", "zstd", "--page-version", "2", input, out])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains(":3: nested array"), "\(r.err)")
        let (schema, cols) = try readBack(out)
        #expect(schema.fields.map(\.type) == [.int64, .string, .boolean, .float64])
        #expect(cols[1] == ["Back\\Slash \"q\" é🎬", "null", "b"])
        #expect(cols[3] == ["1.5", "null", "-0.0"])
    }
}
