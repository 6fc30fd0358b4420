import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing
@testable import LakeqQuery

/// Hash aggregation past `--memory-limit`: sizes, the spill file round trip of every
/// accumulator kind, the operator forced to spill, and the error paths.
@Suite struct AggregateSpillTests {
    // MARK: memory limit sizes

    @Test func parsesSizesAsDuckDBDoes() throws {
        func bytes(_ s: String) -> Int? { if case .success(let l) = MemoryLimit.parse(s) { return l.bytes }; return nil }
        #expect(bytes("1GiB") == 1 << 30)
        #expect(bytes("512MB") == 512_000_000)
        #expect(bytes("64 KiB") == 65_536)
        #expect(bytes("1.5gb") == 1_500_000_000)
        #expect(bytes("4096") == 4096)
        #expect(bytes("100b") == 100)
        let physical = Int(ProcessInfo.processInfo.physicalMemory)
        #expect(bytes("80%") == Int(Double(physical) * 0.8))
        #expect(MemoryLimit.defaultLimit.bytes == Int(Double(physical) * 0.8))
        for bad in ["", "GiB", "-1GiB", "12XB", "0", "0%", "101%", "1e3MB", "lots", "nan"] {
            guard case .failure(let e) = MemoryLimit.parse(bad) else { Issue.record("'\(bad)' parsed"); continue }
            #expect(e.description.contains("invalid memory limit"))
        }
    }

    // MARK: spill file round trip of every accumulator kind

    static func spec(_ f: AggregateFunction, _ t: DataType, _ result: DataType, distinct: Bool = false, extra: [BoundExpr] = []) -> AggregateSpec {
        AggregateSpec(function: f, argument: f == .countStar ? nil : BoundExpr(kind: .column(0), type: t, text: "x"), distinct: distinct,
                      type: result, text: "\(f.rawValue)(\(distinct ? "DISTINCT " : "")x)", extraArguments: extra)
    }

    static let kinds: [(String, AggregateSpec)] = [
        ("count(*)", spec(.countStar, .int64, .int64)),
        ("count", spec(.count, .int64, .int64)),
        ("sum int", spec(.sum, .int64, .int64)),
        ("sum double", spec(.sum, .float64, .float64)),
        ("avg int", spec(.avg, .int64, .float64)),
        ("avg double", spec(.avg, .float64, .float64)),
        ("min int", spec(.min, .int64, .int64)),
        ("max double", spec(.max, .float64, .float64)),
        ("min string", spec(.min, .string, .string)),
        ("var_samp", spec(.varSamp, .float64, .float64)),
        ("bool_and", spec(.boolAnd, .boolean, .boolean)),
        ("count distinct int", spec(.count, .int64, .int64, distinct: true)),
        ("count distinct string", spec(.count, .string, .int64, distinct: true)),
        ("sum distinct double", spec(.sum, .float64, .float64, distinct: true)),
        ("median double", spec(.median, .float64, .float64)),
        ("quantile_disc int", spec(.quantileDisc, .int64, .int64, extra: [BoundExpr(kind: .literal(.double(0.25)), type: .float64, text: "0.25")])),
        ("string_agg", spec(.stringAgg, .string, .string)),
        ("arg_min", spec(.argMin, .string, .string, extra: [BoundExpr(kind: .column(1), type: .int64, text: "y")])),
    ]

    /// Rows for groups 0..<groups, with NULLs; column 0 of each spec's argument type, column 1 an int.
    static func input(_ t: DataType, rows n: Int, groups: Int) -> (ids: [Int32], arg: Column, extra: Column) {
        let ids = (0..<n).map { Int32(($0 * 7) % groups) }
        let values: [Scalar] = (0..<n).map { i in
            if i % 11 == 5 { return .null }
            switch t {
            case .int64: return .int(Int64((i * 37) % 23) - 5)
            case .float64: return .double(Double((i * 37) % 23) * 0.5 - 2)
            case .boolean: return .bool(i % 3 != 0)
            default: return .string("v\((i * 37) % 23)")
            }
        }
        let extra = (0..<n).map { Scalar.int(Int64((i: $0, v: ($0 * 13) % 17).v)) }
        return (ids, ColumnFactory.fromScalars(values, type: t), ColumnFactory.fromScalars(extra, type: .int64))
    }

    /// A grouped batch whose rows all fall in one group is reduced as a whole column
    /// (`updateSingleGroup(group:groupCount:)`, HashAggregate's path for clustered keys): the
    /// answers equal row-by-row updates, for every kind, with and without NULLs, into groups
    /// made earlier and into a new last group, after mixed batches (sums skipping counts).
    @Test(arguments: Self.kinds.map(\.0))
    func oneGroupBatchesEqualRowByRowUpdates(kind: String) throws {
        let spec = try #require(Self.kinds.first { $0.0 == kind }).1
        let t = spec.argument?.type ?? .int64
        let groups = 6
        var whole = Accumulator(spec), rowByRow = Accumulator(spec)
        let (ids, arg, extra) = Self.input(t, rows: 120, groups: groups)
        let extras = spec.function == .argMin ? [extra] : []
        let argument = spec.argument == nil ? nil : arg
        try whole.update(groups: ids, arg: argument, extra: extras, groupCount: groups)
        try rowByRow.update(groups: ids, arg: argument, extra: extras, groupCount: groups)
        // Batches of one group: rows 6..<11 and 12..<16 have no NULL (NULLs are at i % 11 == 5),
        // rows 60..<90 have some; group 6 is one no row had before; the last batch is empty.
        for (g, range, count) in [(2, 6..<11, groups), (4, 60..<90, groups), (groups, 12..<16, groups + 1), (0, 0..<0, groups + 1)] {
            let picked = range.map { Int32($0) }
            let a = argument?.gather(picked)
            let x = extras.map { $0.gather(picked) }
            try whole.updateSingleGroup(rows: picked.count, arg: a, extra: x, group: g, groupCount: count)
            try rowByRow.update(groups: [Int32](repeating: Int32(g), count: picked.count), arg: a, extra: x, groupCount: count)
        }
        for g in 0...groups {
            #expect(Casts.text(whole.result(g)) == Casts.text(rowByRow.result(g)), "\(kind) group \(g)")
        }
    }

    @Test(arguments: Self.kinds.map(\.0))
    func stateRoundTripsThroughASpillFile(kind: String) throws {
        let spec = try #require(Self.kinds.first { $0.0 == kind }).1
        let t = spec.argument?.type ?? .int64
        let groups = 40
        let (ids, arg, extra) = Self.input(t, rows: 500, groups: groups)
        var original = Accumulator(spec)
        let extras = spec.function == .argMin ? [extra] : []
        try original.update(groups: ids, arg: spec.argument == nil ? nil : arg, extra: extras, groupCount: groups)
        #expect(original.spillRefusal == nil)
        let state = original.stateColumns(groups: groups)
        #expect(state.map(\.type) == original.stateTypes)
        var w = SpillCodec.Writer()
        try SpillCodec.encode(RecordBatch(schema: Schema([]), columns: state, rowCount: groups), into: &w)
        let decoded = try w.bytes.withUnsafeBytes { raw in
            var r = SpillCodec.Reader(bytes: raw)
            return try SpillCodec.decode(&r, types: original.stateTypes)
        }
        let restored = try Accumulator.restored(spec, state: decoded.columns)
        // Merged into an empty accumulator, groups reversed, the answers are the original's.
        var merged = Accumulator(spec)
        try merged.merge(restored, mapping: (0..<groups).map { Int32(groups - 1 - $0) }, groupCount: groups)
        for g in 0..<groups {
            let want = original.result(g), got = merged.result(groups - 1 - g)
            #expect(Casts.text(want) == Casts.text(got), "\(kind) group \(g): \(want) vs \(got)")
        }
    }

    @Test func orderedStringAggregationRefusesToSpill() {
        var s = Self.spec(.stringAgg, .string, .string)
        s.orderBy = [SortKey(expr: BoundExpr(kind: .column(1), type: .int64, text: "y"), descending: false, nullsFirst: false)]
        #expect(Accumulator(s).spillRefusal?.contains("does not spill") == true)
    }

    @Test func truncatedSpillBatchIsAnErrorNotACrash() throws {
        var w = SpillCodec.Writer()
        try SpillCodec.encode(RecordBatch(schema: Schema([]), columns: [Column(type: .int64, values: .int64([1, 2, 3]))], rowCount: 3), into: &w)
        for cut in [0, 5, 12, w.bytes.count - 1] {
            let bytes = Array(w.bytes.prefix(cut))
            #expect(throws: QueryError.self) {
                try bytes.withUnsafeBytes { raw in
                    var r = SpillCodec.Reader(bytes: raw)
                    _ = try SpillCodec.decode(&r, types: [.int64])
                }
            }
        }
    }

    @Test func partitionsOfEqualKeysAgree() {
        // The same keys, one as a dictionary column with NULL slots holding different values.
        let plain = Column(type: .string, values: .bytes(ByteArrays(strings: ["a", "b", "x", "a"])), validity: Bitmap(bools: [true, true, false, true]))
        let dict = Column(type: .string, values: .dictionary(dictionary: .bytes(ByteArrays(strings: ["b", "a", "zz"])), indices: [1, 0, 2, 1]),
                          validity: Bitmap(bools: [true, true, false, true]))
        #expect(PartitionedSpill.partitions([plain], rows: 4) == PartitionedSpill.partitions([dict], rows: 4))
        let p = PartitionedSpill.partitions([Column(type: .float64, values: .float64([0.0, -0.0, .nan, -.nan]))], rows: 4)
        #expect(p[0] == p[1] && p[2] == p[3])
    }

    // MARK: the operator forced to spill

    static let query = "SELECT k, count(*) AS c, sum(range) AS s, min(range) AS mn, max(range) AS mx, avg(range) AS a FROM (SELECT range % 200000 AS k, range FROM range(400000)) GROUP BY k ORDER BY k"

    @Test func spillingGivesTheInMemoryAnswer() throws {
        let lake = try TemporaryDirectory("spill-lake")
        let temp = try TemporaryDirectory("spill-temp")
        defer { lake.remove(); temp.remove() }
        let inMemory = try QueryEngine(lake: lake.path, threads: 2).run(Self.query)
        var limited = QueryEngine(lake: lake.path, threads: 2)
        limited.options.memoryLimit = MemoryLimit(bytes: 64 << 10)
        limited.options.tempDirectory = temp.path
        let spilled = try limited.run(Self.query)
        #expect(spilled.rowCount == 200_000)
        #expect(spilled.rowCount == inMemory.rowCount)
        for c in inMemory.columns.indices {
            for i in stride(from: 0, to: inMemory.rowCount, by: 997) {
                #expect(Casts.text(Scalar.from(inMemory.columns[c], row: i)) == Casts.text(Scalar.from(spilled.columns[c], row: i)))
            }
        }
        // Every spill file and their folder are gone once the query ends.
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path).isEmpty)
        let plan = try limited.run("EXPLAIN ANALYZE " + Self.query)
        let text = (0..<plan.rowCount).map { Casts.text(Scalar.from(plan.columns[0], row: $0)) }.joined(separator: "\n")
        #expect(text.contains("spilled: "), "\(text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path).isEmpty)
    }

    @Test func unwritableTempDirectoryIsAClearError() throws {
        let lake = try TemporaryDirectory("spill-lake")
        defer { lake.remove() }
        var engine = QueryEngine(lake: lake.path, threads: 1)
        engine.options.memoryLimit = MemoryLimit(bytes: 64 << 10)
        engine.options.tempDirectory = lake.path + "/no/such/folder"
        do {
            _ = try engine.run(Self.query)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("cannot spill to disk"), "\(error)")
            #expect("\(error)".contains("--temp-directory"), "\(error)")
        }
    }

    @Test func stateThatCannotSpillIsAnOutOfMemoryError() throws {
        let lake = try TemporaryDirectory("spill-lake")
        defer { lake.remove() }
        var engine = QueryEngine(lake: lake.path, threads: 1)
        engine.options.memoryLimit = MemoryLimit(bytes: 64 << 10)
        do {
            _ = try engine.run("SELECT range % 20000 AS k, string_agg(CAST(range AS VARCHAR), ',' ORDER BY range) FROM range(100000) GROUP BY 1")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix("out of memory: "), "\(error)")
            #expect("\(error)".contains("(--memory-limit 64.0 KiB)"), "\(error)")
        }
    }
}
