import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing

/// The Arrow IPC stream writer: message framing checked here, and pyarrow reads what it writes
/// (every engine type, nulls, dictionaries, several batches, an empty result).
struct ArrowIPCWriterTests {
    static let schema = Schema([
        Field(name: "b", type: .boolean, nullable: true),
        Field(name: "i", type: .int32, nullable: true),
        Field(name: "l", type: .int64, nullable: false),
        Field(name: "d", type: .float64, nullable: true),
        Field(name: "s", type: .string, nullable: true),
        Field(name: "dt", type: .date32, nullable: true),
        Field(name: "ts", type: .timestamp(.micros, utc: true), nullable: true),
        Field(name: "dec", type: .decimal(precision: 12, scale: 3), nullable: true),
        Field(name: "ds", type: .string, nullable: true),
    ])

    static func batch(offset: Int64) -> RecordBatch {
        RecordBatch(schema: schema, columns: [
            Column(type: .boolean, values: .boolean([true, false, true]), validity: Bitmap(bools: [true, true, false])),
            Column(type: .int32, values: .int32([1, -2, 3]), validity: Bitmap(bools: [true, false, true])),
            Column(type: .int64, values: .int64([offset, Int64.min, Int64.max])),
            Column(type: .float64, values: .float64([0.5, -.infinity, 3])),
            Column(type: .string, values: .bytes(ByteArrays(strings: ["a", "", "naïve 🎬"])), validity: Bitmap(bools: [true, true, false])),
            Column(type: .date32, values: .int32([0, 20454, -1])),
            Column(type: .timestamp(.micros, utc: true), values: .int64([0, 1_767_225_600_123_456, -1])),
            Column(type: .decimal(precision: 12, scale: 3), values: .int64([12345, -5, 999_999_999_999])),
            Column(type: .string, values: .dictionary(dictionary: .bytes(ByteArrays(strings: ["x", "yy"])), indices: [1, 0, 1])),
        ], rowCount: 3)
    }

    @Test func messagesAreFramedAndAligned() {
        let w = ArrowIPCWriter(schema: Self.schema)
        for message in [w.schemaMessage(), w.batchMessage(Self.batch(offset: 0))] {
            #expect(Array(message.prefix(4)) == [0xFF, 0xFF, 0xFF, 0xFF])
            let length = Int(message[4]) | Int(message[5]) << 8 | Int(message[6]) << 16 | Int(message[7]) << 24
            #expect(length % 8 == 0)
            #expect(message.count % 8 == 0)
            #expect(message.count >= 8 + length)
        }
        #expect(ArrowIPCWriter.endOfStream == [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
    }

    @Test(.enabled(if: TestEnvironment.pythonHas("pyarrow"))) func pyarrowReadsTheStream() throws {
        let dir = try TemporaryDirectory("arrow")
        defer { dir.remove() }
        let w = ArrowIPCWriter(schema: Self.schema)
        let path = dir.file("s.arrows")
        try Data(w.stream([Self.batch(offset: 1), Self.batch(offset: 2)])).write(to: URL(fileURLWithPath: path))
        let empty = dir.file("e.arrows")
        try Data(w.stream([])).write(to: URL(fileURLWithPath: empty))
        let script = """
            import sys, pyarrow.ipc as ipc, decimal, datetime
            t = ipc.open_stream(open(sys.argv[1], 'rb').read()).read_all()
            assert t.num_rows == 6, t.num_rows
            assert [str(f.type) for f in t.schema] == ['bool', 'int32', 'int64', 'double', 'string', 'date32[day]', 'timestamp[us, tz=UTC]', 'decimal128(12, 3)', 'string'], t.schema
            assert t.schema.field('l').nullable is False
            r = t.slice(0, 3).to_pylist()
            assert [x['b'] for x in r] == [True, False, None], r
            assert [x['i'] for x in r] == [1, None, 3]
            assert [x['l'] for x in r] == [1, -2**63, 2**63 - 1]
            assert r[1]['d'] == float('-inf') and r[0]['d'] == 0.5
            assert [x['s'] for x in r] == ['a', '', None]
            assert [x['dt'] for x in r] == [datetime.date(1970, 1, 1), datetime.date(2026, 1, 1), datetime.date(1969, 12, 31)]
            assert r[1]['ts'].isoformat() == '2026-01-01T00:00:00.123456+00:00', r[1]['ts']
            assert [x['dec'] for x in r] == [decimal.Decimal('12.345'), decimal.Decimal('-0.005'), decimal.Decimal('999999999.999')]
            assert [x['ds'] for x in r] == ['yy', 'x', 'yy']
            assert t.column('l').to_pylist()[3] == 2
            e = ipc.open_stream(open(sys.argv[2], 'rb').read()).read_all()
            assert e.num_rows == 0 and e.num_columns == 9
            print('ok')
            """
        let r = try TestEnvironment.runPython(script, [path, empty])
        #expect(r.status == 0 && r.out.contains("ok"), "\(r.output)")
    }

    // MARK: nested columns

    static func int64s(_ v: [Int64?]) -> Column {
        Column(type: .int64, values: .int64(v.map { $0 ?? 0 }), validity: v.contains(nil) ? Bitmap(bools: v.map { $0 != nil }) : nil)
    }

    static func strings(_ v: [String?]) -> Column {
        Column(type: .string, values: .bytes(ByteArrays(strings: v.map { $0 ?? "" })), validity: v.contains(nil) ? Bitmap(bools: v.map { $0 != nil }) : nil)
    }

    static func list(_ element: Field, offsets: [Int32], entries: Column, valid: [Bool]) -> Column {
        Column(type: .list(element: element), values: .list(ListValues(offsets: offsets, entries: entries)), validity: Bitmap(bools: valid))
    }

    static func structure(_ fields: [Field], _ children: [Column], valid: [Bool]?) -> Column {
        Column(type: .structure(fields: fields), values: .structure(StructValues(children: children, count: children.first?.count ?? 0)),
               validity: valid.map { Bitmap(bools: $0) })
    }

    /// Every nesting shape, with NULL lists, NULL elements, empty lists, NULL structs, NULL
    /// fields, maps, a list of structs, a struct of a list, and a list whose offsets do not
    /// start at 0.
    static func nestedBatch() -> RecordBatch {
        let int64 = Field(name: "element", type: .int64, nullable: true)
        let string = Field(name: "element", type: .string, nullable: true)
        let ab = [Field(name: "a", type: .int64, nullable: true), Field(name: "b", type: .string, nullable: true)]
        let key = Field(name: "key", type: .string, nullable: false), value = Field(name: "value", type: .int64, nullable: true)
        let x = [Field(name: "x", type: .int32, nullable: true)]
        let xElement = Field(name: "element", type: .structure(fields: x), nullable: true)
        let l = [Field(name: "l", type: .list(element: int64), nullable: true)]
        let valid = [true, false, true, true]
        let columns = [
            list(int64, offsets: [0, 3, 3, 3, 4], entries: int64s([1, 2, nil, 3]), valid: valid),
            list(string, offsets: [0, 2, 2, 2, 3], entries: strings(["a", nil, "ß"]), valid: [true, true, false, true]),
            structure(ab, [int64s([1, 0, nil, 4]), strings(["x", nil, "y", nil])], valid: valid),
            Column(type: .map(key: key, value: value),
                   values: .list(ListValues(offsets: [0, 2, 2, 2, 3], entries: structure([key, value], [strings(["k", "j", "z"]), int64s([1, nil, 3])], valid: nil))),
                   validity: Bitmap(bools: valid)),
            list(xElement, offsets: [0, 2, 2, 2, 3],
                 entries: structure(x, [Column(type: .int32, values: .int32([1, 0, 0]), validity: Bitmap(bools: [true, false, false]))], valid: [true, false, true]),
                 valid: valid),
            structure(l, [list(int64, offsets: [0, 1, 1, 1, 1], entries: int64s([1]), valid: [true, false, true, true])], valid: [true, true, false, true]),
            list(int64, offsets: [1, 3, 3, 3, 4], entries: int64s([99, 1, 2, 3]), valid: valid),
        ]
        let names = ["li", "ls", "st", "m", "los", "sol", "lo"]
        let schema = Schema(zip(names, columns).map { Field(name: $0, type: $1.type, nullable: true) })
        return RecordBatch(schema: schema, columns: columns, rowCount: 4)
    }

    @Test(.enabled(if: TestEnvironment.pythonHas("pyarrow"))) func pyarrowReadsNestedColumns() throws {
        let dir = try TemporaryDirectory("arrow-nested")
        defer { dir.remove() }
        let batch = Self.nestedBatch()
        let w = ArrowIPCWriter(schema: batch.schema)
        let path = dir.file("n.arrows")
        // A whole batch, then its first two rows (children longer than the offsets need).
        let firstTwo = RecordBatch(schema: batch.schema, columns: batch.columns, rowCount: 2)
        try Data(w.stream([batch, firstTwo])).write(to: URL(fileURLWithPath: path))
        let script = """
            import sys, pyarrow as pa, pyarrow.ipc as ipc
            t = ipc.open_stream(open(sys.argv[1], 'rb').read()).read_all()
            t.validate(full=True)
            types = {f.name: str(f.type) for f in t.schema}
            assert types['li'] == 'list<element: int64>', types
            assert types['st'] == 'struct<a: int64, b: string>', types
            assert types['m'] == 'map<string, int64>', types
            assert types['los'] == 'list<element: struct<x: int32>>', types
            assert types['sol'] == 'struct<l: list<element: int64>>', types
            expected = {
                'li': [[1, 2, None], None, [], [3]],
                'ls': [['a', None], [], None, ['ß']],
                'st': [{'a': 1, 'b': 'x'}, None, {'a': None, 'b': 'y'}, {'a': 4, 'b': None}],
                'm': [[('k', 1), ('j', None)], None, [], [('z', 3)]],
                'los': [[{'x': 1}, None], None, [], [{'x': None}]],
                'sol': [{'l': [1]}, {'l': None}, None, {'l': []}],
                'lo': [[1, 2], None, [], [3]],
            }
            for name, rows in expected.items():
                got = t.column(name).to_pylist()
                assert got == rows + rows[:2], (name, got)
            print('ok')
            """
        let r = try TestEnvironment.runPython(script, [path])
        #expect(r.status == 0 && r.out.contains("ok"), "\(r.output)")
    }
}
