import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing
@testable import LakeqParquet

/// The raw-levels writer: nested schemas written from repetition/definition levels plus the
/// defined values, read back through `ParquetFile.readLevels` and by pyarrow.
@Suite struct LevelsWriterTests {
    static func strings(_ s: [String]) -> Column { Column(type: .string, values: .bytes(ByteArrays(strings: s))) }
    static func int64s(_ v: [Int64]) -> Column { Column(type: .int64, values: .int64(v)) }

    /// message {
    ///   required int64 id;
    ///   optional group s { optional int64 a; optional group l (LIST) { repeated group list { optional binary element (STRING) } } }
    ///   optional group m (MAP) { repeated group key_value { required binary key (STRING); optional int64 value } }
    ///   optional group ll (LIST) { repeated group list { optional group element (LIST) { repeated group list { required int32 element } } } }
    /// }
    static let schema: [ParquetNode] = [
        .leaf("id", .int64, nullable: false),
        .group("s", nullable: true, [
            .leaf("a", .int64, nullable: true),
            .list("l", nullable: true, element: .leaf("element", .string, nullable: true)),
        ]),
        .map("m", nullable: true, key: .leaf("key", .string, nullable: false), value: .leaf("value", .int64, nullable: true)),
        .list("ll", nullable: true, element: .list("element", nullable: true, element: .leaf("element", .int32, nullable: false))),
    ]

    /// Rows (as pyarrow prints them):
    /// 0: id 1, s {a: 5, l: ["x", null]}, m {"k": 1, "n": null}, ll [[1, 2], [], null]
    /// 1: id 2, s null,                    m null,                 ll null
    /// 2: id 3, s {a: null, l: null},      m {},                   ll []
    /// 3: id 4, s {a: 7, l: []},           m {"z": 9},             ll [[3]]
    static let leaves: [LeafLevels] = [
        LeafLevels(definition: [], repetition: [], values: int64s([1, 2, 3, 4])),
        // s.a: max def 2
        LeafLevels(definition: [2, 0, 1, 2], repetition: [], values: int64s([5, 7])),
        // s.l.list.element: max def 4 (s, l, list, element), max rep 1
        LeafLevels(definition: [4, 3, 0, 1, 2], repetition: [0, 1, 0, 0, 0], values: strings(["x"])),
        // m.key_value.key: max def 2 (m, key_value), rep 1
        LeafLevels(definition: [2, 2, 0, 1, 2], repetition: [0, 1, 0, 0, 0], values: strings(["k", "n", "z"])),
        // m.key_value.value: max def 3
        LeafLevels(definition: [3, 2, 0, 1, 3], repetition: [0, 1, 0, 0, 0], values: int64s([1, 9])),
        // ll.list.element.list.element: def ll 1, list 2, element 3, list 4, element(required) 4; rep 2
        LeafLevels(definition: [4, 4, 3, 2, 0, 1, 4], repetition: [0, 2, 1, 1, 0, 0, 0],
                   values: Column(type: .int32, values: .int32([1, 2, 3]))),
    ]

    @Test(arguments: [1, 2])
    func roundTripsThroughReadLevels(pageVersion: Int) throws {
        let path = WriterTestSupport.tempPath("levels")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = WriterOptions()
        options.pageVersion = pageVersion
        let w = try LevelsWriter(path: path, schema: Self.schema, options: options)
        #expect(w.schema.columns.map(\.maxDefinitionLevel) == [0, 2, 4, 2, 3, 4])
        #expect(w.schema.columns.map(\.maxRepetitionLevel) == [0, 0, 1, 1, 1, 2])
        try w.writeRowGroup(Self.leaves)
        try w.writeRowGroup(Self.leaves)
        let meta = try w.close()
        #expect(meta.numRows == 8)
        let f = try ParquetFile(path: path)
        #expect(f.rowGroupCount == 2)
        for g in 0..<2 {
            for (c, want) in Self.leaves.enumerated() {
                let got = try f.readLevels(rowGroup: g, column: c)
                let maxDef = f.schema.columns[c].maxDefinitionLevel, maxRep = f.schema.columns[c].maxRepetitionLevel
                // The reader gives absent levels (a maximum of 0) as zeros, one per entry.
                let entries = max(want.definition.count, want.repetition.count, want.values.count)
                #expect(got.definition == (maxDef > 0 ? want.definition : [UInt8](repeating: 0, count: entries)), "column \(c)")
                #expect(got.repetition == (maxRep > 0 ? want.repetition : [UInt8](repeating: 0, count: entries)), "column \(c)")
                #expect(WriterTestSupport.cells(got.values) == WriterTestSupport.cells(want.values), "column \(c)")
            }
        }
        // Chunk statistics count every entry below the maximum definition level as a null.
        let stats = try #require(meta.rowGroups[0].columns[2].metaData?.statistics)
        #expect(stats.nullCount == 4)
    }

    /// A random list<optional int64> column: pages cut at row starts, levels and values survive.
    @Test(arguments: [UInt64(1), 2, 3])
    func randomListsAcrossManyPages(seed: UInt64) throws {
        var rng = TestRNG(seed)
        var def: [UInt8] = [], rep: [UInt8] = [], values: [Int64] = []
        let rows = 5_000
        for _ in 0..<rows {
            switch rng.int(10) {
            case 0: def.append(0); rep.append(0)          // null list
            case 1: def.append(1); rep.append(0)          // empty list
            default:
                for k in 0..<(1 + rng.int(6)) {
                    rep.append(k == 0 ? 0 : 1)
                    if rng.chance(0.2) { def.append(2) } else { def.append(3); values.append(Int64(rng.int(50))) }
                }
            }
        }
        let path = WriterTestSupport.tempPath("levels-random")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = WriterOptions()
        options.pageRows = 97  // many pages
        options.compression = .zstd
        let w = try LevelsWriter(path: path, schema: [.list("l", nullable: true, element: .leaf("element", .int64, nullable: true))], options: options)
        try w.writeRowGroup([LeafLevels(definition: def, repetition: rep, values: Self.int64s(values))])
        try w.close()
        let f = try ParquetFile(path: path)
        let got = try f.readLevels(rowGroup: 0, column: 0)
        #expect(got.definition == def)
        #expect(got.repetition == rep)
        #expect(WriterTestSupport.cells(got.values) == values.map { .int($0) })
        // Every page starts a row: the offset index's first rows ascend to the row count.
        let index = try #require(try f.offsetIndex(rowGroup: 0, column: 0))
        #expect(index.pageLocations.count > 10)
        let firsts = index.pageLocations.map(\.firstRowIndex)
        #expect(firsts.first == 0 && firsts == firsts.sorted() && (firsts.last ?? 0) < Int64(rows))
    }

    @Test func badInputIsAnErrorNotATrap() throws {
        let path = WriterTestSupport.tempPath("levels-bad")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let list: [ParquetNode] = [.list("l", nullable: true, element: .leaf("element", .string, nullable: true))]
        func attempt(_ leaf: LeafLevels) throws {
            let w = try LevelsWriter(path: path, schema: list)
            try w.writeRowGroup([leaf])
        }
        let s = Self.strings(["a"])
        #expect(throws: ParquetError.self) { try attempt(LeafLevels(definition: [3, 0], repetition: [0], values: s)) }      // counts
        #expect(throws: ParquetError.self) { try attempt(LeafLevels(definition: [4], repetition: [0], values: s)) }         // def > max
        #expect(throws: ParquetError.self) { try attempt(LeafLevels(definition: [3], repetition: [2], values: s)) }         // rep > max
        #expect(throws: ParquetError.self) { try attempt(LeafLevels(definition: [3], repetition: [1], values: s)) }         // no row start
        #expect(throws: ParquetError.self) { try attempt(LeafLevels(definition: [3, 1], repetition: [0, 1], values: s)) }   // continues an undefined list
        #expect(throws: ParquetError.self) { try attempt(LeafLevels(definition: [3, 3], repetition: [0, 1], values: s)) }   // values short
        #expect(throws: ParquetError.self) { try attempt(LeafLevels(definition: [3], repetition: [0], values: Self.int64s([1]))) } // type
        var broken = ByteArrays(strings: ["a"])
        broken.offsets[1] = 99
        #expect(throws: ParquetError.self) { try attempt(LeafLevels(definition: [3], repetition: [0], values: Column(type: .string, values: .bytes(broken)))) }
        // Leaves disagreeing on the row count.
        let two: [ParquetNode] = [.leaf("a", .int64, nullable: false), .leaf("b", .int64, nullable: false)]
        let w = try LevelsWriter(path: path, schema: two)
        #expect(throws: ParquetError.self) { try w.writeRowGroup([LeafLevels(definition: [], repetition: [], values: Self.int64s([1])),
                                                                   LeafLevels(definition: [], repetition: [], values: Self.int64s([1, 2]))]) }
        #expect(throws: ParquetError.self) { try w.close() }  // a failed writer stays failed
        // Schema mistakes.
        #expect(throws: ParquetError.self) { try LevelsWriter(path: path, schema: [.group("g", nullable: true, [])]) }
        #expect(throws: ParquetError.self) { try LevelsWriter(path: path, schema: [.leaf("a", .int64, nullable: true), .leaf("a", .int64, nullable: true)]) }
        #expect(throws: ParquetError.self) {
            try LevelsWriter(path: path, schema: [.map("m", nullable: true, key: .leaf("key", .string, nullable: true), value: .leaf("value", .int64, nullable: true))])
        }
    }
}

@Suite(.enabled(if: Requirements.pyarrowAndDuckDB, "needs python3 with pyarrow"))
struct LevelsWriterInteropTests {
    @Test(arguments: [1, 2])
    func pyarrowReadsNestedColumns(pageVersion: Int) throws {
        let path = WriterTestSupport.tempPath("levels-pyarrow")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = WriterOptions()
        options.pageVersion = pageVersion
        let w = try LevelsWriter(path: path, schema: LevelsWriterTests.schema, options: options)
        try w.writeRowGroup(LevelsWriterTests.leaves)
        try w.close()
        let script = """
        import sys, json, pyarrow.parquet as pq
        t = pq.read_table(sys.argv[1])
        rows = t.to_pylist()
        for r in rows:
            if r["m"] is not None: r["m"] = sorted([list(kv) for kv in r["m"]])
        print(json.dumps(rows, sort_keys=True))
        """
        let r = try TestEnvironment.runPython(script, [path])
        #expect(r.status == 0, "\(r.err)")
        let want = """
        [{"id": 1, "ll": [[1, 2], [], null], "m": [["k", 1], ["n", null]], "s": {"a": 5, "l": ["x", null]}}, \
        {"id": 2, "ll": null, "m": null, "s": null}, \
        {"id": 3, "ll": [], "m": [], "s": {"a": null, "l": null}}, \
        {"id": 4, "ll": [[3]], "m": [["z", 9]], "s": {"a": 7, "l": []}}]
        """
        #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == want)
    }
}
