import LakeqColumnar
import LakeqQuery
import Testing
@testable import LakeqServer

/// Nested result values through the service's cell writer: JSON arrays and objects, and the
/// text DuckDB's VARCHAR cast gives, equal to the command line's `ResultFormatter`.
@Suite struct NestedCellTextTests {
    @Test func listsAndStructsAsTheCommandLineWritesThem() {
        let element = Field(name: "element", type: .int64, nullable: true)
        let ints = Column(type: .int64, values: .int64([1, 2, 0]), validity: Bitmap(bools: [true, true, false]))
        let list = Column(type: .list(element: element), values: .list(ListValues(offsets: [0, 3, 3], entries: ints)))
        let cell = CellText(list)
        var json: [UInt8] = []
        cell.writeJSON(0, into: &json)
        #expect(String(decoding: json, as: UTF8.self) == "[1,2,null]")
        #expect(cell.text(0) == "[1, 2, NULL]")
        #expect(cell.text(1) == "[]")
        let s = Column(type: .structure(fields: [Field(name: "a", type: .string, nullable: true)]),
                       values: .structure(StructValues(children: [Column(type: .string, values: .bytes(ByteArrays(strings: ["x, y"])))], count: 1)))
        var csv: [UInt8] = []
        CellText(s).writeCSV(0, into: &csv)
        #expect(String(decoding: csv, as: UTF8.self) == "\"{'a': x, y}\"")
        var sj: [UInt8] = []
        CellText(s).writeJSON(0, into: &sj)
        #expect(String(decoding: sj, as: UTF8.self) == ResultFormatter.jsonValue(s, row: 0))
    }
}
