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

@Suite struct StringInternerTests {
    /// Byte equality at every length from 0 to 40 (the word loop, the overlapping tail, the
    /// 4-byte and byte paths) with the difference at every position, as Array's ==.
    @Test func byteEqualityAtEveryLengthAndPosition() {
        for n in 0...40 {
            let a = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            a.withUnsafeBytes { pa in
                #expect(memcmpEqual(pa.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, pa.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, n))
                for at in 0..<n {
                    var b = a
                    b[at] ^= 0x40
                    b.withUnsafeBytes { pb in #expect(!memcmpEqual(pa.baseAddress!, pb.baseAddress!, n), "length \(n), byte \(at)") }
                }
            }
        }
    }

    @Test func internsEqualStringsOnce() {
        let interner = StringInterner()
        let words = (0..<500).map { "show \($0 % 97) of a longer title \($0 % 3)" }
        let ids = interner.internAll(ByteArrays(strings: words))
        #expect(interner.count == Set(words).count)
        for (i, w) in words.enumerated() { #expect(ids[i] == ids[words.firstIndex(of: w)!]) }
        #expect(interner.lookupAll(ByteArrays(strings: ["show 5 of a longer title 2", "nope"])) == [ids[5], -1])
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

    /// Hashed integer keys (a span past the direct table's) in runs, across batches and NULLs:
    /// a row equal to the previous one reuses its group, and ids stay first-seen.
    @Test func hashedIntegerKeyRunsKeepFirstSeenIds() {
        let table = GroupTable(keyTypes: [.int64])
        let day: Int64 = 86_400_000_000
        let batches: [[Int64?]] = [
            [0, 0, 0, 5 * day, 5 * day, nil, 5 * day, 0, nil, nil, 2 * day],
            [2 * day, 2 * day, 7 * day, nil, 7 * day, 0, 0],
            [],
            [9 * day, 9 * day, 9 * day],
        ]
        var expected: [Int64?: Int32] = [:]
        for keys in batches {
            let column = Column(type: .int64, values: .int64(keys.map { $0 ?? 0 }), validity: Bitmap(bools: keys.map { $0 != nil }))
            let ids = table.groupIds([column], rowCount: keys.count)
            for (i, k) in keys.enumerated() {
                if expected[k] == nil { expected[k] = Int32(expected.count) }
                #expect(ids[i] == expected[k], "row \(i) key \(String(describing: k))")
            }
        }
        #expect(table.count == expected.count)
        for (k, g) in expected { #expect(table.key(Int(g)) == [k.map { Scalar.int($0) } ?? .null]) }
    }

    @Test func dictionaryStringsHashEachEntryOnce() {
        let table = GroupTable(keyTypes: [.string])
        let dict = ByteArrays(strings: ["a", "b", "c"])
        let ids = table.groupIds([Column(type: .string, values: .dictionary(dictionary: .bytes(dict), indices: [2, 0, 2, 1]))], rowCount: 4)
        // Ids follow dictionary order (each entry hashed once), then rows map through indices.
        #expect(table.count == 3)
        #expect(ids.map { table.key(Int($0)) } == [[.string("c")], [.string("a")], [.string("c")], [.string("b")]])
    }

    /// One VARCHAR key over dictionary batches (each its own entry order, some entries unused,
    /// NULLs; rows a few times the entries and many times them, where every entry is interned
    /// up front): ids are first-seen in row order, unused entries make no group.
    @Test func dictionaryStringKeysKeepFirstSeenOrder() {
        let table = GroupTable(keyTypes: [.string])
        var expected: [String?: Int32] = [:]
        var rng: UInt64 = 11
        for (batch, n) in [40, 2000, 90, 5000].enumerated() {
            let entries = (0..<12).map { "s\(($0 * 7 + batch * 5) % 12)" }  // a new order per batch
            var rows: [String?] = []
            for _ in 0..<n {
                rng = rng &* 6364136223846793005 &+ 1442695040888963407
                let r = Int(rng >> 33)
                rows.append(r % 11 == 0 ? nil : entries[r % 9])  // entries 9...11 never used
            }
            let index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1, Int32($0)) })
            let column = Column(type: .string, values: .dictionary(dictionary: .bytes(ByteArrays(strings: entries)), indices: rows.map { $0.flatMap { index[$0] } ?? 0 }),
                                validity: Bitmap(bools: rows.map { $0 != nil }))
            let ids = table.groupIds([column], rowCount: n)
            for i in 0..<n {
                if expected[rows[i]] == nil { expected[rows[i]] = Int32(expected.count) }
                #expect(ids[i] == expected[rows[i]])
            }
        }
        #expect(table.count == expected.count)
        for (key, g) in expected { #expect(table.key(Int(g)) == [key.map { Scalar.string($0) } ?? .null]) }
    }

    /// Several VARCHAR keys go through a cache over combinations of interned ids, widened as
    /// new strings arrive across batches (plain and dictionary columns, NULLs): ids must be the
    /// first-seen ids of the (value, value) tuples, NULL distinct from every string.
    @Test func stringKeyCombinationsMatchFirstSeenOrder() {
        let table = GroupTable(keyTypes: [.string, .string])
        var expected: [[String?]: Int32] = [:]
        var rng: UInt64 = 5
        for batch in 0..<6 {
            let n = 300
            var a: [String?] = [], b: [String?] = []
            for _ in 0..<n {
                rng = rng &* 6364136223846793005 &+ 1442695040888963407
                let r = Int(rng >> 33)
                // The second key's values grow with the batch, so the cache widens several times.
                a.append(r % 13 == 0 ? nil : "a\(r % 7)")
                b.append(r % 17 == 0 ? nil : "b\((r >> 5) % (4 << (2 * batch)))")
            }
            func column(_ v: [String?], dictionary: Bool) -> Column {
                let valid = Bitmap(bools: v.map { $0 != nil })
                if dictionary {
                    let entries = Array(Set(v.compactMap { $0 })).sorted()
                    let index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1, Int32($0)) })
                    return Column(type: .string, values: .dictionary(dictionary: .bytes(ByteArrays(strings: entries)), indices: v.map { $0.flatMap { index[$0] } ?? 0 }), validity: valid)
                }
                return Column(type: .string, values: .bytes(ByteArrays(strings: v.map { $0 ?? "" })), validity: valid)
            }
            let ids = table.groupIds([column(a, dictionary: batch % 2 == 0), column(b, dictionary: batch % 3 == 0)], rowCount: n)
            for i in 0..<n {
                let key = [a[i], b[i]]
                if expected[key] == nil { expected[key] = Int32(expected.count) }
                #expect(ids[i] == expected[key])
            }
        }
        #expect(table.count == expected.count)
        for (key, g) in expected {
            #expect(table.key(Int(g)) == key.map { $0.map { Scalar.string($0) } ?? .null })
        }
    }

    @Test func mergingTablesMapsEveryGroup() {
        let a = GroupTable(keyTypes: [.int64]), b = GroupTable(keyTypes: [.int64])
        _ = a.groupIds([Column(type: .int64, values: .int64([1, 2, 3]))], rowCount: 3)
        _ = b.groupIds([Column(type: .int64, values: .int64([3, 4, 1]))], rowCount: 3)
        let mapping = a.mapGroups(of: b)
        #expect(mapping == [2, 3, 0])
        #expect(a.count == 4)
    }

    /// Integer keys are indexed directly while they span a small range, then hashed: ids must
    /// be the same dense first-seen ids either way, across widening, leaving and merging.
    @Test func directlyIndexedKeysMatchFirstSeenOrder() {
        var rng: UInt64 = 9
        func next(_ bound: Int64) -> Int64 { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return Int64(rng >> 33) % bound }
        let batches: [[Int64]] = [
            (0..<3000).map { _ in 1000 + next(500) },      // direct
            (0..<3000).map { _ in 200 + next(2000) },      // widens below and above
            [5, -7, 1000],                                  // widens below zero
            (0..<2000).map { _ in next(1 << 40) },          // too wide: hashed from here on
            (0..<3000).map { _ in 1000 + next(500) },
        ]
        let table = GroupTable(keyTypes: [.int64])
        var reference: [Int64: Int32] = [:]
        var nullId: Int32?
        var nextId: Int32 = 0
        for (b, keys) in batches.enumerated() {
            var valid = Bitmap(count: keys.count, value: true)
            if b == 1 { valid[3] = false }
            let ids = table.groupIds([Column(type: .int64, values: .int64(keys), validity: b == 1 ? valid : nil)], rowCount: keys.count)
            for (i, k) in keys.enumerated() {
                let expected: Int32
                if b == 1 && i == 3 {
                    if nullId == nil { nullId = nextId; nextId += 1 }
                    expected = nullId ?? -1
                } else {
                    if reference[k] == nil { reference[k] = nextId; nextId += 1 }
                    expected = reference[k] ?? -1
                }
                if ids[i] != expected { Issue.record("batch \(b) row \(i): key \(k) got \(ids[i]), expected \(expected)"); return }
            }
        }
        #expect(table.count == Int(nextId))
        #expect(table.key(Int(nullId ?? 0)) == [.null])
        let keys = table.keyColumn(0)
        #expect(keys.count == table.count)
        for g in 0..<table.count where !keys.isNull(g) {
            guard case .int(let k) = Scalar.from(keys, row: g) else { Issue.record("key \(g)"); return }
            #expect(reference[k] == Int32(g))
        }
        // Merging a directly indexed table into a hashed one and the other way round.
        let direct = GroupTable(keyTypes: [.int64]), hashed = GroupTable(keyTypes: [.int64])
        _ = direct.groupIds([Column(type: .int64, values: .int64([10, 11, 12]))], rowCount: 3)
        _ = hashed.groupIds([Column(type: .int64, values: .int64([12, 1 << 50, 10]))], rowCount: 3)
        #expect(direct.mapGroups(of: hashed) == [2, 3, 0])
        #expect(direct.count == 4)
        let other = GroupTable(keyTypes: [.int64])
        _ = other.groupIds([Column(type: .int64, values: .int64([11, 13]))], rowCount: 2)
        #expect(hashed.mapGroups(of: other) == [3, 4])
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

    @Test func sumsWithoutNullsKeepNoCountsYetEmptyGroupsStayNull() throws {
        var sum = Accumulator(spec(.sum, type: .float64, argType: .float64))
        try sum.update(groups: [0, 1, 0], arg: Column(type: .float64, values: .float64([1, 2, 3])), groupCount: 2)
        var valid = Bitmap(count: 3, value: true)
        valid[1] = false
        // Group 2 gets only a NULL; groups 0 and 1 had values before counts were kept.
        try sum.update(groups: [0, 2, 1], arg: Column(type: .float64, values: .float64([4, 9, 5]), validity: valid), groupCount: 3)
        #expect(sum.result(0) == .double(8))
        #expect(sum.result(1) == .double(7))
        #expect(sum.result(2) == .null)
        let column = sum.resultColumn(groups: 3)
        #expect(!column.isNull(1) && column.isNull(2))
        // Merging accumulators that skipped counts keeps their groups non-NULL.
        var a = Accumulator(spec(.sum, type: .int64)), b = Accumulator(spec(.sum, type: .int64))
        try a.update(groups: [0], arg: Column(type: .int64, values: .int64([0])), groupCount: 1)
        try b.update(groups: [0, 1], arg: Column(type: .int64, values: .int64([0, 4])), groupCount: 2)
        try a.merge(b, mapping: [1, 2], groupCount: 3)
        #expect(a.result(0) == .int(0) && a.result(1) == .int(0) && a.result(2) == .int(4))
    }

    /// count/sum(DISTINCT) kept in bitmaps while the values span a small range, in hash sets
    /// past the budget; both, and merges between them, must agree with a plain Set per group.
    @Test func distinctBitmapsAgreeWithSets() throws {
        var rng: UInt64 = 5
        func next(_ bound: Int64) -> Int64 { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return Int64(rng >> 33) % bound }
        func batch(_ n: Int, groups: Int64, values: () -> Int64) -> ([Int32], [Int64]) {
            ((0..<n).map { _ in Int32(next(groups)) }, (0..<n).map { _ in values() })
        }
        let plans: [[([Int32], [Int64])]] = [
            // Widening below and above; stays in bitmaps.
            [batch(4000, groups: 5) { 500 + next(300) }, batch(4000, groups: 7) { next(2000) - 100 }],
            // A value far away: leaves the bitmaps mid-way.
            [batch(3000, groups: 4) { next(1000) }, ([0, 1, 2] as [Int32], [7, 1 << 45, 3] as [Int64]), batch(3000, groups: 6) { next(1000) }],
        ]
        var finished: [(Accumulator, [Int: Set<Int64>])] = []
        for plan in plans {
            for function in [AggregateFunction.count, .sum] {
                var acc = Accumulator(spec(function, type: .int64, distinct: true))
                var reference: [Int: Set<Int64>] = [:]
                for (groups, values) in plan {
                    let count = Int(groups.max() ?? 0) + 1
                    var valid = Bitmap(count: values.count, value: true)
                    valid[0] = false
                    try acc.update(groups: groups, arg: Column(type: .int64, values: .int64(values), validity: valid), groupCount: max(count, acc.groupCount))
                    for i in 1..<values.count { reference[Int(groups[i]), default: []].insert(values[i]) }
                }
                for g in 0..<acc.groupCount {
                    let want = reference[g] ?? []
                    let expected: Scalar = function == .count ? .int(Int64(want.count)) : (want.isEmpty ? .null : .int(want.reduce(0, +)))
                    #expect(acc.result(g) == expected)
                }
                if function == .count { finished.append((acc, reference)) }
            }
        }
        // Bitmaps merged into bitmaps (groups reversed), then sets merged into bitmaps.
        let (first, firstSets) = finished[0], (second, secondSets) = finished[1]
        var merged = first
        let reversed = (0..<first.groupCount).map { Int32(first.groupCount - 1 - $0) }
        try merged.merge(first, mapping: reversed, groupCount: first.groupCount)
        try merged.merge(second, mapping: (0..<second.groupCount).map { Int32($0) }, groupCount: max(first.groupCount, second.groupCount))
        for g in 0..<merged.groupCount {
            var want = firstSets[g] ?? []
            want.formUnion(firstSets[first.groupCount - 1 - g] ?? [])
            want.formUnion(secondSets[g] ?? [])
            #expect(merged.result(g) == .int(Int64(want.count)))
        }
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

    /// The word-encoded sort (integer and double keys without NULLs) orders rows as the
    /// comparator does: NaN after every number, -0.0 equal to 0.0, infinities, extremes, DESC,
    /// ties by row; one, two and three keys; below and above the radix sort's threshold.
    @Test(arguments: [1, 2, 3], [3000, 5000]) func wordSortEqualsTheComparator(keyCount: Int, n: Int) {
        var rng: UInt64 = 99
        func next() -> UInt64 { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return rng >> 33 }
        let specials: [Double] = [.nan, -.nan, 0.0, -0.0, .infinity, -.infinity, .greatestFiniteMagnitude, -.leastNonzeroMagnitude]
        let extremes: [Int64] = [.min, .max, 0, -1, 1]
        for directions in 0..<(1 << keyCount) {
            var columns: [Column] = []
            var keys: [SortKey] = []
            for k in 0..<keyCount {
                let column: Column
                if k % 2 == 0 {
                    column = Column(type: .int64, values: .int64((0..<n).map { _ in next() % 10 == 0 ? extremes[Int(next() % 5)] : Int64(next() % 7) - 3 }))
                } else {
                    column = Column(type: .float64, values: .float64((0..<n).map { _ in next() % 4 == 0 ? specials[Int(next() % 8)] : Double(Int(next() % 9) - 4) / 2 }))
                }
                columns.append(column)
                keys.append(SortKey(expr: BoundExpr(kind: .column(k), type: column.type, text: "k\(k)"), descending: directions & (1 << k) != 0, nullsFirst: false))
            }
            let keyColumns = zip(columns, keys).map { Sorting.KeyColumn($0, $1) }
            guard let words = Sorting.orderedWords(keyColumns) else {
                Issue.record("integer and double keys without NULLs have words")
                return
            }
            var reference = Array(0..<Int32(n))
            reference.sort { a, b in
                for key in keyColumns {
                    let c = key.compare(Int(a), Int(b))
                    if c != 0 { return c < 0 }
                }
                return a < b
            }
            #expect(Sorting.sortByWords(words, rows: n) == reference)
            #expect(Sorting.sortedIndices(columns, keys: keys, rows: n, limit: nil) == reference)
        }
    }

    /// The radix sort equals a comparison sort of (words..., row) on its edges: no rows, one
    /// row, all keys equal (no byte varies: no pass), full-range words, few distinct words.
    @Test(arguments: [0, 1, 2, 100, 5000]) func radixSortEqualsTupleSort(n: Int) {
        var rng: UInt64 = 7
        func next() -> UInt64 { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return rng ^ (rng >> 29) }
        let shapes: [[(UInt64) -> UInt64]] = [
            [{ _ in 42 }],
            [{ x in x }],
            [{ x in x % 3 }, { x in x }],
            [{ x in x >> 60 }, { x in x & 0xFF00 }, { x in x % 5 }],
        ]
        for shape in shapes {
            let words = shape.map { f in (0..<n).map { _ in f(next()) } }
            var reference = Array(0..<Int32(n))
            reference.sort { a, b in
                for w in words where w[Int(a)] != w[Int(b)] { return w[Int(a)] < w[Int(b)] }
                return a < b
            }
            #expect(RadixSort.sortedRows(words, rows: n) == reference)
        }
    }

    @Test func keysWithNullsOrStringsKeepTheComparator() {
        let strings = Column(type: .string, values: .bytes(ByteArrays(strings: ["b", "a"])))
        let key = SortKey(expr: BoundExpr(kind: .column(0), type: .string, text: "s"), descending: false, nullsFirst: false)
        #expect(Sorting.orderedWords([Sorting.KeyColumn(strings, key)]) == nil)
        var valid = Bitmap(count: 2, value: true)
        valid[0] = false
        let ints = Column(type: .int64, values: .int64([5, 4]), validity: valid)
        let intKey = SortKey(expr: BoundExpr(kind: .column(0), type: .int64, text: "i"), descending: false, nullsFirst: false)
        #expect(Sorting.orderedWords([Sorting.KeyColumn(ints, intKey)]) == nil)
        #expect(Sorting.sortedIndices([ints], keys: [intKey], rows: 2, limit: nil) == [1, 0])
    }
}
