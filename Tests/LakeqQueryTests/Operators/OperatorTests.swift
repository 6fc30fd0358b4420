import LakeqColumnar
import Testing
@testable import LakeqQuery

@Suite struct Int64HashMapTests {
    @Test func idsAreDenseAndStableThroughGrowth() {
        var map = Int64HashMap(capacity: 1)
        var rng: UInt64 = 42
        var keys: [Int64] = []
        for _ in 0..<5000 {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            keys.append(Int64(bitPattern: rng) >> Int64(rng % 50))
        }
        keys += [0, -1, .min, .max, 0, -1]
        var expected: [Int64: Int32] = [:]
        for k in keys {
            let (id, inserted) = map.findOrInsert(k, newId: Int32(expected.count))
            if let old = expected[k] {
                #expect(!inserted && id == old)
            } else {
                #expect(inserted && id == Int32(expected.count))
                expected[k] = id
            }
        }
        #expect(map.count == expected.count)
        var seen = Set<Int64>()
        map.forEachKey { seen.insert($0) }
        #expect(seen == Set(expected.keys))
    }

    @Test func setCountsDistinctValues() {
        var a = Int64HashSet(), b = Int64HashSet()
        for v in 0..<1000 { a.insert(Int64(v % 300)) }
        for v in 200..<400 { b.insert(Int64(v)) }
        a.formUnion(b)
        #expect(a.count == 400)
    }
}

@Suite struct GroupTableTests {
    @Test func integerKeysWithNulls() {
        let table = GroupTable(keyTypes: [.int64])
        var valid = Bitmap(count: 5, value: true)
        valid[2] = false
        let ids = table.groupIds([Column(type: .int64, values: .int64([7, 8, 0, 7, 9]), validity: valid)], rowCount: 5)
        #expect(ids == [0, 1, 2, 0, 3])
        #expect(table.count == 4)
        #expect(table.key(2) == [.null])
        #expect(table.key(3) == [.int(9)])
        let keys = table.keyColumn(0)
        #expect(keys.isNull(2) && !keys.isNull(3))
    }

    @Test func dictionaryStringsHashEachEntryOnce() {
        let table = GroupTable(keyTypes: [.string])
        let dict = ByteArrays(strings: ["a", "b", "c"])
        let ids = table.groupIds([Column(type: .string, values: .dictionary(dictionary: .bytes(dict), indices: [2, 0, 2, 1]))], rowCount: 4)
        // Ids follow dictionary order (each entry hashed once), then rows map through indices.
        #expect(table.count == 3)
        #expect(ids.map { table.key(Int($0)) } == [[.string("c")], [.string("a")], [.string("c")], [.string("b")]])
    }

    @Test func mergingTablesMapsEveryGroup() {
        let a = GroupTable(keyTypes: [.int64]), b = GroupTable(keyTypes: [.int64])
        _ = a.groupIds([Column(type: .int64, values: .int64([1, 2, 3]))], rowCount: 3)
        _ = b.groupIds([Column(type: .int64, values: .int64([3, 4, 1]))], rowCount: 3)
        let mapping = a.mapGroups(of: b)
        #expect(mapping == [2, 3, 0])
        #expect(a.count == 4)
    }

    @Test func compositeKeys() {
        let table = GroupTable(keyTypes: [.int64, .string])
        let ids = table.groupIds([Column(type: .int64, values: .int64([1, 1, 2, 1])),
                                  Column(type: .string, values: .bytes(ByteArrays(strings: ["x", "y", "x", "x"])))], rowCount: 4)
        #expect(ids == [0, 1, 2, 0])
    }
}

@Suite struct AccumulatorTests {
    func spec(_ f: AggregateFunction, type: DataType, argType: DataType? = .int64, distinct: Bool = false) -> AggregateSpec {
        AggregateSpec(function: f, argument: argType.map { BoundExpr(kind: .column(0), type: $0, text: "x") },
                      distinct: distinct, type: type, text: "\(f.rawValue)(x)")
    }

    @Test func sumOverflowIsAnError() {
        var acc = Accumulator(spec(.sum, type: .int64))
        let col = Column(type: .int64, values: .int64([.max, 1]))
        #expect(throws: QueryError.self) { try acc.update(groups: [0, 0], arg: col, groupCount: 1) }
        var single = Accumulator(spec(.sum, type: .int64))
        #expect(throws: QueryError.self) { try single.updateSingleGroup(rows: 2, arg: col) }
    }

    @Test func nullsAreSkippedAndEmptyGroupsAreNull() throws {
        var valid = Bitmap(count: 4, value: true)
        valid[1] = false
        let col = Column(type: .float64, values: .float64([1, 100, 3, 5]), validity: valid)
        var avg = Accumulator(spec(.avg, type: .float64, argType: .float64))
        try avg.update(groups: [0, 0, 0, 1], arg: col, groupCount: 3)
        #expect(avg.result(0) == .double(2))
        #expect(avg.result(1) == .double(5))
        #expect(avg.result(2) == .null)
        var count = Accumulator(spec(.count, type: .int64, argType: .float64))
        try count.update(groups: [0, 0, 0, 1], arg: col, groupCount: 2)
        #expect(count.result(0) == .int(2))
        var maxAcc = Accumulator(spec(.max, type: .float64, argType: .float64))
        try maxAcc.update(groups: [0, 0, 0, 1], arg: col, groupCount: 2)
        #expect(maxAcc.result(0) == .double(3))
    }

    @Test func distinctCountsMergeAcrossWorkers() throws {
        var a = Accumulator(spec(.count, type: .int64, distinct: true))
        var b = Accumulator(spec(.count, type: .int64, distinct: true))
        try a.update(groups: [0, 0, 0], arg: Column(type: .int64, values: .int64([1, 2, 2])), groupCount: 1)
        try b.update(groups: [0, 0], arg: Column(type: .int64, values: .int64([2, 3])), groupCount: 1)
        try a.merge(b, mapping: [0], groupCount: 1)
        #expect(a.result(0) == .int(3))
    }
}

@Suite struct SortingTests {
    @Test func topNEqualsThePrefixOfAFullSort() {
        var rng: UInt64 = 7
        let values: [Int64] = (0..<2000).map { _ in rng = rng &* 6364136223846793005 &+ 1; return Int64(rng >> 54) }
        var valid = Bitmap(count: 2000, value: true)
        for i in stride(from: 0, to: 2000, by: 37) { valid[i] = false }
        let batch = RecordBatch(schema: Schema([]), columns: [Column(type: .int64, values: .int64(values), validity: valid)], rowCount: 2000)
        for desc in [false, true] {
            for nullsFirst in [false, true] {
                let key = SortKey(expr: BoundExpr(kind: .column(0), type: .int64, text: "v"), descending: desc, nullsFirst: nullsFirst)
                let full = Sorting.sortedIndices(batch, keyColumns: [0], keys: [key], limit: nil)
                let top = Sorting.sortedIndices(batch, keyColumns: [0], keys: [key], limit: 25)
                #expect(Array(full.prefix(25)) == top)
            }
        }
    }
}
