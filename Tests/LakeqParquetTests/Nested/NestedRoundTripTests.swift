import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing
@testable import LakeqParquet

/// Random nested types (structs, lists, maps up to three levels deep over int64, int32, string
/// and boolean leaves) and random columns of them, with nulls at every level and empty lists.
struct NestedGenerator {
    var rng: SplitMix64

    mutating func below(_ n: Int) -> Int { rng.below(n) }

    mutating func type(depth: Int) -> DataType {
        let leaves: [DataType] = [.int64, .string, .boolean, .int32]
        if depth >= 3 || below(3) == 0 { return leaves[below(leaves.count)] }
        switch below(3) {
        case 0: return .list(element: Field(name: "element", type: type(depth: depth + 1), nullable: below(2) == 0))
        case 1:
            let n = 1 + below(3)
            return .structure(fields: (0..<n).map { Field(name: "f\($0)", type: type(depth: depth + 1), nullable: below(2) == 0) })
        default:
            return .map(key: Field(name: "key", type: below(2) == 0 ? .string : .int64, nullable: false),
                        value: Field(name: "value", type: type(depth: depth + 1), nullable: below(2) == 0))
        }
    }

    /// `count` slots of `type`; nulls only where `nullable`.
    mutating func column(_ type: DataType, count: Int, nullable: Bool) -> Column {
        var validity: Bitmap? = nil
        if nullable && below(4) > 0 {
            var v = Bitmap(count: count, value: true)
            for i in 0..<count where below(4) == 0 { v[i] = false }
            validity = v
        }
        switch type {
        case .list(let e):
            var offsets: [Int32] = [0]
            for _ in 0..<count { offsets.append(offsets[offsets.count - 1] + Int32(below(4))) }  // empty lists too
            let entries = column(e.type, count: Int(offsets[offsets.count - 1]), nullable: e.nullable)
            return Column(type: type, values: .list(ListValues(offsets: offsets, entries: entries)), validity: validity)
        case .map(let k, let v):
            var offsets: [Int32] = [0]
            for _ in 0..<count { offsets.append(offsets[offsets.count - 1] + Int32(below(3))) }
            let n = Int(offsets[offsets.count - 1])
            let keys = column(k.type, count: n, nullable: false), values = column(v.type, count: n, nullable: v.nullable)
            let entries = Column(type: .mapEntries(key: k, value: v), values: .structure(StructValues(children: [keys, values], count: n)))
            return Column(type: type, values: .list(ListValues(offsets: offsets, entries: entries)), validity: validity)
        case .structure(let fields):
            let children = fields.map { column($0.type, count: count, nullable: $0.nullable) }
            return Column(type: type, values: .structure(StructValues(children: children, count: count)), validity: validity)
        case .int64: return Column(type: type, values: .int64((0..<count).map { _ in Int64(below(1000)) - 500 }), validity: validity)
        case .int32: return Column(type: type, values: .int32((0..<count).map { _ in Int32(below(100)) }), validity: validity)
        case .boolean: return Column(type: type, values: .boolean((0..<count).map { _ in below(2) == 0 }), validity: validity)
        default: return Column(type: type, values: .bytes(ByteArrays(strings: (0..<count).map { _ in "s\(below(50))" })), validity: validity)
        }
    }
}

/// Row `i` of a column as compact JSON with sorted keys (Python's `json.dumps(sort_keys=True,
/// separators=(",", ":"))`); maps as arrays of {"key", "value"}.
func nestedJSON(_ c: Column, _ i: Int) -> String {
    if c.isNull(i) { return "null" }
    switch (c.type, c.values) {
    case (.map, .list(let l)):
        guard case .structure(let kv) = l.entries.values else { return "?" }
        return "[" + l.range(i).map { "{\"key\":\(nestedJSON(kv.children[0], $0)),\"value\":\(nestedJSON(kv.children[1], $0))}" }.joined(separator: ",") + "]"
    case (_, .list(let l)):
        return "[" + l.range(i).map { nestedJSON(l.entries, $0) }.joined(separator: ",") + "]"
    case (.structure(let fields), .structure(let s)):
        let pairs = zip(fields, s.children).sorted { $0.0.name < $1.0.name }
        return "{" + pairs.map { "\"\($0.0.name)\":\(nestedJSON($0.1, i))" }.joined(separator: ",") + "}"
    case (_, .int64(let v)): return String(v[i])
    case (_, .int32(let v)): return String(v[i])
    case (_, .boolean(let v)): return v[i] ? "true" : "false"
    case (_, .bytes(let b)): return "\"\(b.string(at: i))\""
    case (_, .dictionary(let d, let idx)): return nestedJSON(Column(type: c.type, values: d), Int(idx[i]))
    default: return "?"
    }
}

private func rowsJSON(_ batch: RecordBatch) -> [String] {
    (0..<batch.rowCount).map { r in
        let pairs = zip(batch.schema.fields, batch.columns).sorted { $0.0.name < $1.0.name }
        return "{" + pairs.map { "\"\($0.0.name)\":\(nestedJSON($0.1, r))" }.joined(separator: ",") + "}"
    }
}

/// Writes random nested tables (two batches each, several row groups and pages), returning
/// (path, expected rows as JSON) per table.
private func writeRandomTables(_ dir: TemporaryDirectory, seeds: Range<UInt64>, rows: Int = 60) throws -> [(String, [String])] {
    var out: [(String, [String])] = []
    for seed in seeds {
        var g = NestedGenerator(rng: SplitMix64(seed: seed))
        let fields = (0..<(1 + g.below(3))).map { k in Field(name: "c\(k)", type: g.type(depth: 0), nullable: g.below(2) == 0) }
        let schema = Schema(fields + [Field(name: "id", type: .int64, nullable: false)])
        var columns = fields.map { g.column($0.type, count: rows, nullable: $0.nullable) }
        columns.append(Column(type: .int64, values: .int64((0..<rows).map { Int64($0) })))
        let batch = RecordBatch(schema: schema, columns: columns, rowCount: rows)
        var options = WriterOptions()
        options.rowGroupRows = 25
        options.pageRows = 7
        options.pageVersion = seed % 2 == 0 ? 1 : 2
        let path = dir.file("t\(seed).parquet")
        let w = try ParquetWriter(path: path, schema: schema, options: options)
        try w.write(RecordBatch(schema: schema, columns: columns.map { $0.gather((0..<30).map { Int32($0) }) }, rowCount: 30))
        try w.write(RecordBatch(schema: schema, columns: columns.map { $0.gather((30..<Int32(rows)).map { $0 }) }, rowCount: rows - 30))
        try w.close()
        out.append((path, rowsJSON(batch)))
    }
    return out
}

@Suite struct NestedRoundTripTests {
    /// Property: lakeq reads back exactly what it wrote, for random shapes.
    @Test func lakeqRoundTrips() throws {
        let dir = try TemporaryDirectory("nested")
        defer { dir.remove() }
        for (path, expected) in try writeRandomTables(dir, seeds: 0..<40) {
            let pf = try ParquetFile(path: path)
            var got: [String] = []
            for g in 0..<pf.rowGroupCount { got += rowsJSON(try pf.readFields(rowGroup: g)) }
            #expect(got == expected, "\(path): \(pf.schema.nestedSchema)")
        }
    }

    @Test func shapesWithNullsAtEveryLevel() throws {
        // list<struct<a: list<int64?>?, b: map<string, string?>?>?>? with each level null somewhere.
        let inner = Field(name: "a", type: .list(element: Field(name: "element", type: .int64, nullable: true)), nullable: true)
        let mapType = DataType.map(key: Field(name: "key", type: .string, nullable: false), value: Field(name: "value", type: .string, nullable: true))
        let map = Field(name: "b", type: mapType, nullable: true)
        let type = DataType.list(element: Field(name: "element", type: .structure(fields: [inner, map]), nullable: true))
        // Rows: null, [], [null], [{a: null, b: null}], [{a: [], b: []}], [{a: [null, 7], b: [{k: null}]}]
        let aEntries = Column(type: .int64, values: .int64([0, 7]), validity: Bitmap([false, true]))
        let a = Column(type: inner.type, values: .list(ListValues(offsets: [0, 0, 0, 0, 2], entries: aEntries)), validity: Bitmap([false, false, true, true]))
        let keys = Column(type: .string, values: .bytes(ByteArrays(strings: ["k"])))
        let vals = Column(type: .string, values: .bytes(ByteArrays(strings: [""])), validity: Bitmap([false]))
        let kv = Column(type: .mapEntries(key: Field(name: "key", type: .string, nullable: false), value: Field(name: "value", type: .string, nullable: true)),
                        values: .structure(StructValues(children: [keys, vals], count: 1)))
        let b = Column(type: mapType, values: .list(ListValues(offsets: [0, 0, 0, 0, 1], entries: kv)), validity: Bitmap([false, false, true, true]))
        let structs = Column(type: .structure(fields: [inner, map]), values: .structure(StructValues(children: [a, b], count: 4)), validity: Bitmap([false, true, true, true]))
        let column = Column(type: type, values: .list(ListValues(offsets: [0, 0, 0, 1, 2, 3, 4], entries: structs)), validity: Bitmap([false, true, true, true, true, true]))
        let schema = Schema([Field(name: "x", type: type, nullable: true)])
        let dir = try TemporaryDirectory("nested")
        defer { dir.remove() }
        let path = dir.file("x.parquet")
        let w = try ParquetWriter(path: path, schema: schema)
        try w.write(RecordBatch(schema: schema, columns: [column], rowCount: 6))
        try w.close()
        let got = rowsJSON(try ParquetFile(path: path).readFields(rowGroup: 0))
        #expect(got == ["{\"x\":null}", "{\"x\":[]}", "{\"x\":[null]}", "{\"x\":[{\"a\":null,\"b\":null}]}", "{\"x\":[{\"a\":[],\"b\":[]}]}",
                        "{\"x\":[{\"a\":[null,7],\"b\":[{\"key\":\"k\",\"value\":null}]}]}"])
    }

    @Test func malformedNestedInputIsRefused() throws {
        let dir = try TemporaryDirectory("nested")
        defer { dir.remove() }
        let type = DataType.list(element: Field(name: "element", type: .int64, nullable: false))
        let schema = Schema([Field(name: "l", type: type, nullable: false)])
        let bad = Column(type: type, values: .list(ListValues(offsets: [0, 5], entries: Column(type: .int64, values: .int64([1])))))
        let w = try ParquetWriter(path: dir.file("bad.parquet"), schema: schema)
        #expect(throws: ParquetError.self) {
            try w.write(RecordBatch(schema: schema, columns: [bad], rowCount: 1))
            try w.close()
        }
        let nullInRequired = Column(type: type, values: .list(ListValues(offsets: [0, 1], entries: Column(type: .int64, values: .int64([1]), validity: Bitmap([false])))))
        let w2 = try ParquetWriter(path: dir.file("bad2.parquet"), schema: schema)
        #expect(throws: ParquetError.self) {
            try w2.write(RecordBatch(schema: schema, columns: [nullInRequired], rowCount: 1))
            try w2.close()
        }
    }

    /// pyarrow and DuckDB read lakeq's nested files to the same rows.
    @Test(.enabled(if: Requirements.pyarrowAndDuckDB)) func pyarrowAndDuckDBReadLakeqNestedFiles() throws {
        let dir = try TemporaryDirectory("nested")
        defer { dir.remove() }
        let tables = try writeRandomTables(dir, seeds: 100..<130)
        let script = #"""
        import sys, json, pyarrow as pa, pyarrow.parquet as pq, duckdb
        def canon(v, t):
            if v is None: return None
            if pa.types.is_map(t): return [{"key": canon(k, t.key_type), "value": canon(x, t.item_type)} for k, x in v]
            if pa.types.is_list(t) or pa.types.is_large_list(t): return [canon(x, t.value_type) for x in v]
            if pa.types.is_struct(t): return {f.name: canon(v[f.name], f.type) for f in t}
            return v
        def rows(t):
            for r in t.to_pylist():
                yield json.dumps({f.name: canon(r[f.name], f.type) for f in t.schema}, sort_keys=True, separators=(",", ":"))
        con = duckdb.connect()
        for p in sys.argv[1:]:
            for line in rows(pq.read_table(p)): print("pyarrow", p, line)
            res = con.execute("SELECT * FROM read_parquet(?)", [p])
            t = res.to_arrow_table() if hasattr(res, "to_arrow_table") else res.fetch_arrow_table()
            for line in rows(t): print("duckdb", p, line)
        """# + TestEnvironment.pythonExitWithoutTeardown
        let r = try TestEnvironment.runPython(script, tables.map(\.0))
        try #require(r.status == 0, "\(r.output)")
        var seen: [String: [String]] = [:]
        for line in r.out.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count == 3 else { continue }
            seen[parts[0] + " " + parts[1], default: []].append(parts[2])
        }
        for (path, expected) in tables {
            #expect(seen["pyarrow " + path] == expected, "pyarrow reads \(path) differently")
            #expect(seen["duckdb " + path] == expected, "DuckDB reads \(path) differently")
        }
    }
}
