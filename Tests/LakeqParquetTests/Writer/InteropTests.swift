import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing
@testable import LakeqParquet

let pythonHasEngines: Bool = Requirements.pyarrowAndDuckDB

/// Prints `{column: [canonical cell or null]}` for a Parquet file read by pyarrow or DuckDB.
/// Doubles as their IEEE bit pattern, timestamps as epoch microseconds, dates ISO, decimals
/// as Python's `str(Decimal)`, strings prefixed `s`, bytes as `b` + hex.
private let canonScript = #"""
import sys, json, struct, datetime, decimal
path, engine = sys.argv[1], sys.argv[2]
def canon(v):
    if v is None: return None
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, float): return "f%d" % struct.unpack('<q', struct.pack('<d', v))[0]
    if isinstance(v, int): return str(v)
    if isinstance(v, decimal.Decimal): return str(v)
    if isinstance(v, datetime.date): return v.isoformat()
    if isinstance(v, str): return "s" + v
    if isinstance(v, (bytes, bytearray)): return "b" + bytes(v).hex()
    return "?" + repr(v)
if engine == "pyarrow":
    import pyarrow as pa, pyarrow.parquet as pq
    t = pq.read_table(path)
    cols = {}
    for n in t.column_names:
        c = t.column(n)
        if pa.types.is_timestamp(c.type):
            c = c.cast(pa.timestamp("us", tz=c.type.tz)).cast(pa.int64())
        cols[n] = [canon(x) for x in c.to_pylist()]
else:
    import duckdb
    con = duckdb.connect()
    desc = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()
    sel = []
    for name, typ, *_ in desc:
        q = '"' + name.replace('"', '""') + '"'
        sel.append(f"epoch_us({q}) AS {q}" if typ.startswith("TIMESTAMP") else q)
    cur = con.execute(f"SELECT {', '.join(sel)} FROM read_parquet(?)", [path])
    rows = cur.fetchall()
    cols = {d[0]: [canon(r[i]) for r in rows] for i, d in enumerate(cur.description)}
print(json.dumps(cols, ensure_ascii=False))
"""#

@Suite("Writer interop (pyarrow, DuckDB)")
struct WriterInteropTests {
    @Test(
        "files written by lakeq read back identically in pyarrow and DuckDB",
        .enabled(if: pythonHasEngines, "python3 lacks pyarrow or duckdb: `pip install pyarrow duckdb` to run this interop test"),
        arguments: [1, 2], [CompressionCodec.snappy, .zstd, .uncompressed])
    func interop(pageVersion: Int, codec: CompressionCodec) throws {
        let n = 60
        let pool = ["plain", "with, comma", "with \"quotes\"", "back\\slash", "Zürich, Night", "🎬 Final Cut", "", "line\nbreak", "Theory of the Comet", "O'Brien's"]
        let doubles: [Double] = [1.5, -0.0, .infinity, -.infinity, 1e300, 3.14159, 0.1, 5e-324, -2.5, 0]
        var fields: [Field] = []
        var cols: [Column] = []
        var expected: [String: [String?]] = [:]
        func add(_ name: String, _ type: DataType, nullable: Bool, _ values: ColumnValues, nullEvery: Int = 0, _ canon: (Int) -> String) {
            var validity: Bitmap? = nil
            if nullEvery > 0 {
                var b = Bitmap(count: n, value: true)
                for i in stride(from: 0, to: n, by: nullEvery) { b[i] = false }
                validity = b
            }
            fields.append(Field(name: name, type: type, nullable: nullable))
            cols.append(Column(type: type, values: values, validity: validity))
            expected[name] = (0..<n).map { i in validity.map { $0[i] } == false ? nil : canon(i) }
        }
        add("id", .int64, nullable: false, .int64((0..<n).map { Int64($0) })) { "\($0)" }
        add("name", .string, nullable: true, .bytes(ByteArrays(strings: (0..<n).map { pool[$0 % pool.count] })), nullEvery: 5) { "s" + pool[$0 % pool.count] }
        let ts = (0..<n).map { 1_767_225_600_000_000 + Int64($0) * 3_600_000_123 - 86_400_000_000 * 20_000 }
        add("ts", .timestamp(.micros, utc: true), nullable: false, .int64(ts)) { "\(ts[$0])" }
        let tms = (0..<n).map { Int64($0) * 1_234_567 - 5_000_000 }
        add("ts_ms", .timestamp(.millis, utc: false), nullable: true, .int64(tms), nullEvery: 7) { "\(tms[$0] * 1000)" }
        let days = (0..<n).map { Int32($0 * 37 - 1000) }
        add("day", .date32, nullable: true, .int32(days), nullEvery: 4) { i in
            let d = Date(timeIntervalSince1970: Double(days[i]) * 86400)
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(identifier: "UTC")!
            let c = cal.dateComponents([.year, .month, .day], from: d)
            return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        }
        let dec = (0..<n).map { Int32($0 * 123 - 3000) }
        add("price", .decimal(precision: 7, scale: 2), nullable: true, .int32(dec), nullEvery: 6) { DecimalText.format(unscaled: Int64(dec[$0]), scale: 2) }
        let dec18 = (0..<n).map { Int64($0) * 987_654_321_012 - 999_999_999_999_999 }
        add("amount", .decimal(precision: 18, scale: 4), nullable: false, .int64(dec18)) { DecimalText.format(unscaled: dec18[$0], scale: 4) }
        var big = FixedBytes(width: 13)
        for i in 0..<n {
            var b = [UInt8](repeating: i % 2 == 0 ? 0xFF : 0, count: 13)
            b[3] = UInt8(truncatingIfNeeded: i * 5); b[12] = UInt8(255 - i)
            big.data += b
        }
        add("wide", .decimal(precision: 30, scale: 5), nullable: true, .fixed(big), nullEvery: 9) { DecimalText.format(bigEndian: big[$0], scale: 5) }
        let flags = (0..<n).map { $0 % 3 == 1 }
        add("flag", .boolean, nullable: true, .boolean(flags), nullEvery: 8) { flags[$0] ? "true" : "false" }
        add("x", .float64, nullable: false, .float64((0..<n).map { doubles[$0 % doubles.count] })) { "f\(Int64(bitPattern: doubles[$0 % doubles.count].bitPattern))" }
        let fl = (0..<n).map { Float($0) / 8 - 3 }
        add("f32", .float32, nullable: false, .float32(fl)) { "f\(Int64(bitPattern: Double(fl[$0]).bitPattern))" }
        let tiny = (0..<n).map { Int32(Int8(truncatingIfNeeded: $0 * 9 - 100)) }
        add("tiny", .int8, nullable: true, .int32(tiny), nullEvery: 3) { "\(tiny[$0])" }
        let u64 = (0..<n).map { UInt64.max - UInt64($0) * 1_000_000_007 }
        add("big_u", .uint64, nullable: false, .int64(u64.map { Int64(bitPattern: $0) })) { "\(u64[$0])" }
        let bin = (0..<n).map { [UInt8(0), UInt8($0), 0xFF] }
        var bb = ByteArrays()
        for b in bin { bb.append(b) }
        add("raw", .binary, nullable: false, .bytes(bb)) { "b" + bin[$0].map { String(format: "%02x", $0) }.joined() }

        let path = WriterTestSupport.tempPath("interop")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var o = WriterOptions()
        o.pageVersion = pageVersion
        o.compression = codec
        o.rowGroupRows = 25
        o.pageRows = 7
        let w = try ParquetWriter(path: path, schema: Schema(fields), options: o, keyValueMetadata: ["origin": "lakeq test"])
        try w.write(RecordBatch(schema: Schema(fields), columns: cols, rowCount: n))
        try w.close()

        for engine in ["pyarrow", "duckdb"] {
            let r = try TestEnvironment.runPython(canonScript, [path, engine])
            let (status, out, err) = (r.status, r.out, r.err)
            try #require(status == 0, "\(engine) failed: \(err)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: [Any]])
            for f in fields {
                let got = (json[f.name] ?? []).map { $0 as? String }
                let want = expected[f.name] ?? []
                #expect(got == want, "\(engine): column \(f.name)")
            }
        }
        // pyarrow sees the footer's key-value metadata and statistics.
        let check = """
        import sys, pyarrow.parquet as pq
        f = pq.ParquetFile(sys.argv[1])
        assert f.schema_arrow.metadata[b"origin"] == b"lakeq test", f.schema_arrow.metadata
        md = f.metadata
        assert md.created_by == "lakeq version 0.1.0", md.created_by
        s = md.row_group(0).column(0).statistics
        assert s.min == 0 and s.max == 24 and s.null_count == 0, s
        s = md.row_group(0).column(1).statistics
        assert s.null_count == 5, s
        print("ok")
        """
        let r = try TestEnvironment.runPython(check, [path])
        let (st, out, err) = (r.status, r.out, r.err)
        #expect(st == 0 && out.contains("ok"), "pyarrow metadata check: \(err)")
    }
}
