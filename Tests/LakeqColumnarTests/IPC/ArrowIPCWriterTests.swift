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
}
