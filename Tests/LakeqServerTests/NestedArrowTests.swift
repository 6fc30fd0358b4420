import Foundation
import LakeqTestSupport
import NIOCore
import Testing

/// A query over nested columns (lists, structs, maps, NULLs at every level, written by pyarrow)
/// answered as Arrow IPC equals the same query answered as JSON, value for value.
@Suite(.enabled(if: Requirements.pyarrow, "needs python3 with pyarrow"))
struct NestedArrowTests {
    @Test func arrowAnswerOfNestedColumnsEqualsJSONAnswer() async throws {
        let f = try ServerFixture(rows: 10, tag: "nested-arrow")
        defer { f.remove() }
        let table = f.lake + "/nested"
        try FileManager.default.createDirectory(atPath: table, withIntermediateDirectories: true)
        let write = """
            import sys, pyarrow as pa, pyarrow.parquet as pq
            t = pa.table({
                'id': [1, 2, 3, 4],
                'li': [[1, 2, None], None, [], [3]],
                'ls': [['a', None], [], None, ['ß']],
                'st': pa.array([{'a': 1, 'b': 'x'}, None, {'a': None, 'b': 'y'}, {'a': 4, 'b': None}], pa.struct([('a', pa.int64()), ('b', pa.string())])),
                'm': pa.array([[('k', 1), ('j', None)], None, [], [('z', 3)]], pa.map_(pa.string(), pa.int64())),
                'mi': pa.array([[(1, 'one')], [], None, [(2, None)]], pa.map_(pa.int32(), pa.string())),
                'los': pa.array([[{'x': 1}, None], None, [], [{'x': None}]], pa.list_(pa.struct([('x', pa.int32())]))),
                'sol': pa.array([{'l': [1]}, {'l': None}, None, {'l': []}], pa.struct([('l', pa.list_(pa.int64()))])),
            })
            pq.write_table(t, sys.argv[1])
            """
        let w = try TestEnvironment.runPython(write, [table + "/part-0.parquet"])
        try #require(w.status == 0, "\(w.output)")
        let sql = "SELECT id, li, ls, st, m, mi, los, sol, st.a AS sa, li[1] AS first FROM nested ORDER BY id"
        let (json, arrow) = try await f.withRouter { client in
            let json = try await client.query(sql, key: f.reader)
            let arrow = try await client.query(sql, key: f.reader, format: "arrow")
            return (json, arrow)
        }
        #expect(json.status == .ok, "\(json.text)")
        #expect(arrow.headers[.contentType] == "application/vnd.apache.arrow.stream")
        let jsonPath = f.directory.file("answer.json"), arrowPath = f.directory.file("answer.arrows")
        try Data(buffer: json.body).write(to: URL(fileURLWithPath: jsonPath))
        try Data(buffer: arrow.body).write(to: URL(fileURLWithPath: arrowPath))
        let compare = """
            import sys, json, pyarrow.ipc as ipc
            answer = json.load(open(sys.argv[1]))
            t = ipc.open_stream(open(sys.argv[2], 'rb').read()).read_all()
            t.validate(full=True)
            def plain(v):
                # The JSON answer writes a map with string keys as an object, others as key/value entries.
                if isinstance(v, list) and v and all(isinstance(e, tuple) for e in v):
                    if all(isinstance(k, str) for k, _ in v): return {k: plain(x) for k, x in v}
                    return [{'key': plain(k), 'value': plain(x)} for k, x in v]
                if isinstance(v, list): return [plain(e) for e in v]
                if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
                return v
            names = [c['name'] if isinstance(c, dict) else c for c in answer['columns']]
            assert names == t.column_names, (names, t.column_names)
            rows = [[plain(v) for v in r] for r in zip(*[t.column(n).to_pylist() for n in names])]
            # Empty maps: pyarrow gives [], the JSON answer {} (string keys).
            def same(a, b): return a == b or (a == [] and b == {})
            for got, want in zip(rows, answer['rows']):
                for n, g, e in zip(names, got, want):
                    assert same(g, e), (n, g, e)
            assert len(rows) == len(answer['rows']) == 4
            assert answer['rows'][0][3] == {'a': 1, 'b': 'x'}, answer['rows'][0]
            print('ok')
            """
        let r = try TestEnvironment.runPython(compare, [jsonPath, arrowPath])
        #expect(r.status == 0 && r.out.contains("ok"), "\(r.output)")
    }
}
