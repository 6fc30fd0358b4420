import Foundation
import LakeqColumnar
import LakeqParquet

/// The running state of one aggregate for every group, grown as groups appear.
///
/// Hot aggregates keep typed per-group arrays updated in tight loops over group ids:
/// count, sum (integer sums are checked and fail on overflow instead of wrapping), avg,
/// min/max of integer-like and double values, variance (Welford, merged with Chan's formula).
/// DISTINCT keeps exact per-group sets; median, quantiles and string_agg keep the group's values.
struct Accumulator {
    let spec: AggregateSpec
    private(set) var groupCount = 0
    private var counts: [Int64] = []
    private var intSums: [Int64] = []
    private var doubleSums: [Double] = []
    /// sum and count_if keep no counts while every argument so far was non-NULL (one random
    /// access less per row): groups below `countlessGroups` have a value with a count of 0.
    private var skipsCounts: Bool
    private var countlessGroups = 0
    // min / max
    private var intBest: [Int64] = []
    private var doubleBest: [Double] = []
    private var seen: [Bool] = []
    private var scalarBest: [Scalar] = []
    // variance: mean and sum of squared deviations
    private var means: [Double] = []
    private var m2: [Double] = []
    // bool_and / bool_or: -1 none yet
    private var bools: [Int8] = []
    // DISTINCT: integer-like values in bitmaps while their range is small (nil once past
    // the budget), then in one hash set per group.
    private var bitmaps: DistinctBitmaps? = DistinctBitmaps()
    private var distinctRows = 0
    private var intSets: [Int64HashSet] = []
    private var scalarSets: [Set<Scalar>] = []
    // collected values (median, quantiles, string_agg)
    private var collectedDoubles: [[Double]] = []
    private var collectedInts: [[Int64]] = []
    private var collected: [[Scalar]] = []
    private var collectedKeys: [[[Scalar]]] = []
    // arg_min / arg_max: best value and its argument
    private var argValues: [Scalar] = []
    /// Rows added to per-group sets and lists (DISTINCT, collected values): a bound on the
    /// values they hold, for the memory estimate.
    private var heldValues = 0

    enum Kind { case count, intSum, doubleSum, intExtreme, doubleExtreme, scalarExtreme, variance, bools, distinct, collect, argExtreme }
    let kind: Kind
    private let argumentType: DataType?

    init(_ spec: AggregateSpec) {
        self.spec = spec
        argumentType = spec.argument?.type
        skipsCounts = !spec.distinct && (spec.function == .sum || spec.function == .countIf)
        let t = spec.argument?.type
        if spec.distinct && ![.min, .max, .boolAnd, .boolOr].contains(spec.function) {
            kind = .distinct
            return
        }
        switch spec.function {
        case .countStar, .count: kind = .count
        case .countIf: kind = .intSum  // the sum of 1s and 0s: NULL over no rows, as DuckDB
        case .approxCountDistinct: kind = .distinct
        case .sum:
            if case .int64 = spec.type { kind = .intSum } else if case .decimal = spec.type { kind = .intSum } else { kind = .doubleSum }
        case .avg:
            if let t, Self.isIntegerLike(t), t != .date32 { kind = .intSum } else { kind = .doubleSum }
        case .min, .max:
            if let t, Self.isIntegerLike(t) { kind = .intExtreme } else if t == .float64 { kind = .doubleExtreme } else { kind = .scalarExtreme }
        case .stddevSamp, .stddevPop, .varSamp, .varPop: kind = .variance
        case .boolAnd, .boolOr: kind = .bools
        case .median, .quantileCont, .quantileDisc, .approxQuantile, .stringAgg: kind = .collect
        case .argMin, .argMax: kind = .argExtreme
        }
    }

    static func isIntegerLike(_ t: DataType?) -> Bool {
        switch t {
        case .int32?, .int64?, .date32?, .timestamp?, .decimal?: return true
        default: return false
        }
    }

    private var wantLess: Bool { spec.function == .min || spec.function == .argMin }

    mutating func grow(to n: Int) {
        guard groupCount < n else { return }
        let extra = n - groupCount
        groupCount = n
        counts.append(contentsOf: repeatElement(0, count: extra))
        switch kind {
        case .count: break
        case .intSum: intSums.append(contentsOf: repeatElement(0, count: extra))
        case .doubleSum: doubleSums.append(contentsOf: repeatElement(0, count: extra))
        case .intExtreme: intBest.append(contentsOf: repeatElement(0, count: extra)); seen.append(contentsOf: repeatElement(false, count: extra))
        case .doubleExtreme: doubleBest.append(contentsOf: repeatElement(0, count: extra)); seen.append(contentsOf: repeatElement(false, count: extra))
        case .scalarExtreme: scalarBest.append(contentsOf: repeatElement(.null, count: extra))
        case .variance: means.append(contentsOf: repeatElement(0, count: extra)); m2.append(contentsOf: repeatElement(0, count: extra))
        case .bools: bools.append(contentsOf: repeatElement(-1, count: extra))
        case .distinct:
            if usesIntSet {
                let budget = distinctBudget
                if bitmaps != nil, !(bitmaps?.grow(to: n, budget: budget) ?? false) { leaveBitmaps() }
                if bitmaps == nil { intSets.append(contentsOf: repeatElement(Int64HashSet(), count: n - intSets.count)) }
            } else {
                scalarSets.append(contentsOf: repeatElement([], count: extra))
            }
        case .collect:
            if collectsDoubles { collectedDoubles.append(contentsOf: repeatElement([], count: extra)) }
            else if collectsInts { collectedInts.append(contentsOf: repeatElement([], count: extra)) }
            else { collected.append(contentsOf: repeatElement([], count: extra)); collectedKeys.append(contentsOf: repeatElement([], count: extra)) }
        case .argExtreme:
            scalarBest.append(contentsOf: repeatElement(.null, count: extra))
            argValues.append(contentsOf: repeatElement(.null, count: extra))
            seen.append(contentsOf: repeatElement(false, count: extra))
        }
    }

    /// The most bytes the distinct bitmaps may take: 256 per row seen, 4 KiB at least, 16 MiB
    /// at most. Relative to the rows so that small inputs (a window frame's accumulator is
    /// made per row) never allocate and zero much; a hash set would take ~32 bytes a value.
    private var distinctBudget: Int { min(16 << 20, max(4 << 10, distinctRows.multipliedReportingOverflow(by: 256).partialValue)) }

    /// Moves the distinct values from the bitmaps into hash sets, for good.
    private mutating func leaveBitmaps() {
        guard let b = bitmaps else { return }
        bitmaps = nil
        intSets = (0..<b.groupCount).map { g in
            var set = Int64HashSet()
            b.forEach(group: g) { set.insert($0) }
            return set
        }
        intSets.append(contentsOf: repeatElement(Int64HashSet(), count: max(0, groupCount - intSets.count)))
    }

    /// Calls `body` with every distinct integer value of group `g`.
    private func forEachDistinct(_ g: Int, _ body: (Int64) -> Void) {
        if let b = bitmaps { b.forEach(group: g, body) } else if g < intSets.count { intSets[g].forEach(body) }
    }

    /// Starts keeping exact counts (a NULL argument arrived): every group so far had a value.
    private mutating func stopSkippingCounts() {
        guard skipsCounts else { return }
        skipsCounts = false
        counts.withUnsafeMutableBufferPointer { c in for g in 0..<min(countlessGroups, c.count) { c[g] = 1 } }
        countlessGroups = 0
    }

    /// The count of group `g`, at least 1 for a group with a value while counts are skipped.
    private func countOf(_ g: Int) -> Int64 { counts[g] + (g < countlessGroups && counts[g] == 0 ? 1 : 0) }

    private var usesIntSet: Bool { Self.isIntegerLike(argumentType) && spec.function != .avg && spec.function != .sum }
    private var collectsDoubles: Bool {
        spec.function != .stringAgg && argumentType.map { SQLType.isNumeric($0) && !Self.isIntegerLike($0) } == true
            || (spec.function == .median || spec.function == .quantileCont) && argumentType.map(SQLType.isNumeric) == true
    }
    private var collectsInts: Bool { !collectsDoubles && spec.function != .stringAgg && Self.isIntegerLike(argumentType) }

    /// Folds a known extreme (a row group's exact min or max from its statistics) into the
    /// single group of a min/max aggregate.
    mutating func foldExtreme(_ v: Scalar) {
        grow(to: 1)
        foldScalar(0, v)
    }

    /// Folds a column chunk's summary (its non-NULL count, sum and extremes, decoded without
    /// building the column) into the single group of a count, sum, avg, min or max.
    mutating func foldSummary(_ s: ChunkSummary) throws {
        grow(to: 1)
        guard s.values > 0 else { return }
        stopSkippingCounts()
        switch kind {
        case .count:
            counts[0] &+= Int64(s.values)
        case .intSum:
            guard let part = s.integerSum else { throw QueryError.execution("integer overflow in \(spec.text): the sum exceeds BIGINT") }
            let (r, o) = intSums[0].addingReportingOverflow(part)
            if o { throw QueryError.execution("integer overflow in \(spec.text): the sum exceeds BIGINT") }
            intSums[0] = r
            counts[0] &+= Int64(s.values)
        case .doubleSum:
            doubleSums[0] += s.doubleSum
            counts[0] &+= Int64(s.values)
        case .intExtreme:
            guard let x = wantLess ? s.integerMin : s.integerMax else { return }
            if !seen[0] || (wantLess ? x < intBest[0] : x > intBest[0]) { intBest[0] = x; seen[0] = true }
        case .doubleExtreme:
            guard let x = wantLess ? s.doubleMin : s.doubleMax else { return }
            foldDouble(0, x)
        default:
            throw QueryError.execution("internal: \(spec.text) cannot take a column summary")
        }
    }

    private mutating func foldScalar(_ g: Int, _ v: Scalar) {
        if v.isNull { return }
        switch kind {
        case .intExtreme:
            let x: Int64
            switch v {
            case .int(let i), .timestamp(let i), .decimal(let i, _): x = i
            case .date(let d): x = Int64(d)
            default: return
            }
            if !seen[g] || (wantLess ? x < intBest[g] : x > intBest[g]) { intBest[g] = x; seen[g] = true }
        case .doubleExtreme:
            guard let x = v.asDouble else { return }
            foldDouble(g, x)
        default:
            let cur = scalarBest[g]
            if cur.isNull { scalarBest[g] = v; return }
            let c = Scalar.compare(v, cur)
            if wantLess ? c < 0 : c > 0 { scalarBest[g] = v }
        }
    }

    /// NaN orders after every number (as in DuckDB): max finds it, min passes it by.
    @inline(__always) private mutating func foldDouble(_ g: Int, _ x: Double) {
        if !seen[g] { doubleBest[g] = x; seen[g] = true; return }
        let cur = doubleBest[g]
        if wantLess {
            if x < cur || (cur.isNaN && !x.isNaN) { doubleBest[g] = x }
        } else {
            if x > cur || (x.isNaN && !cur.isNaN) { doubleBest[g] = x }
        }
    }

    /// Adds every row of a batch to one group, with plain loops (vectorized reductions) instead
    /// of per-row group ids: the single group of an aggregate without GROUP BY (group 0 of 1),
    /// or group `g` of `groupCount` when every row of a grouped batch fell in it.
    mutating func updateSingleGroup(rows n: Int, arg: Column?, extra: [Column] = [], group g: Int = 0, groupCount: Int = 1) throws {
        grow(to: max(groupCount, g + 1))
        stopSkippingCounts()
        guard var arg else { counts[g] &+= Int64(n); return }
        if spec.function == .countIf { arg = Self.ones(arg) }
        let validity = arg.validity
        switch kind {
        case .count where spec.function != .countIf:
            counts[g] &+= Int64(validity.map(\.setCount) ?? n)
        case .intSum where validity == nil:
            // No NULLs: one vectorized pass over the raw values (INTEGER widened lane-wise).
            let part: Int64?
            switch arg.values {
            case .int32(let v): part = v.withUnsafeBufferPointer { Reductions.sum($0) }
            case .int64(let v): part = v.withUnsafeBufferPointer { Reductions.checkedSum($0) }
            default:
                guard let v = Vectors.int64s(arg) else { return }
                part = v.withUnsafeBufferPointer { Reductions.checkedSum($0) }
            }
            guard let part else { throw QueryError.execution("integer overflow in \(spec.text): the sum exceeds BIGINT") }
            let (r, o) = intSums[g].addingReportingOverflow(part)
            if o { throw QueryError.execution("integer overflow in \(spec.text): the sum exceeds BIGINT") }
            intSums[g] = r
            counts[g] &+= Int64(n)
        case .intSum:
            guard let v = Vectors.int64s(arg), let validity else { return }
            var total = intSums[g]
            var overflow = false
            var valid = 0
            v.withUnsafeBufferPointer { p in
                for i in 0..<n where validity[i] {
                    let (r, o) = total.addingReportingOverflow(p[i])
                    total = r; overflow = overflow || o; valid += 1
                }
            }
            if overflow { throw QueryError.execution("integer overflow in \(spec.text): the sum exceeds BIGINT") }
            intSums[g] = total
            counts[g] &+= Int64(valid)
        case .doubleSum:
            var total = doubleSums[g]
            var valid = 0
            if validity == nil, case .float64(let v) = arg.values {
                total += v.withUnsafeBufferPointer { Reductions.sum($0) }
                valid = n
            } else {
                guard let v = Vectors.doubles(arg) else { return }
                v.withUnsafeBufferPointer { p in
                    if let validity {
                        for i in 0..<n where validity[i] { total += p[i]; valid += 1 }
                    } else {
                        total += Reductions.sum(p)
                        valid = n
                    }
                }
            }
            doubleSums[g] = total
            counts[g] &+= Int64(valid)
        case .doubleExtreme where validity == nil && n > 0 && { if case .float64 = arg.values { return true }; return false }():
            guard case .float64(let v) = arg.values,
                  let best = v.withUnsafeBufferPointer({ Reductions.extreme($0, less: wantLess) }) else { return }
            foldDouble(g, best)
        case .intExtreme where validity == nil && n > 0:
            let found: Int64?
            switch arg.values {
            case .int32(let v): found = v.withUnsafeBufferPointer { Reductions.extreme($0, less: wantLess) }.map { Int64($0) }
            case .int64(let v): found = v.withUnsafeBufferPointer { Reductions.extreme($0, less: wantLess) }
            default: found = Vectors.int64s(arg).flatMap { v in v.withUnsafeBufferPointer { Reductions.extreme($0, less: wantLess) } }
            }
            guard let best = found else { return }
            if !seen[g] || (wantLess ? best < intBest[g] : best > intBest[g]) { intBest[g] = best; seen[g] = true }
        default:
            try update(groups: [Int32](repeating: Int32(g), count: n), arg: arg, extra: extra, groupCount: max(groupCount, g + 1))
        }
    }

    /// Adds the rows of one batch; `arg` is the evaluated argument (nil for count(*)),
    /// `extra` the further arguments (arg_min's value, string_agg's order keys).
    mutating func update(groups: [Int32], arg: Column?, extra: [Column] = [], groupCount: Int) throws {
        grow(to: groupCount)
        let n = groups.count
        guard var arg else {
            counts.withUnsafeMutableBufferPointer { c in
                if FewGroupKernels.applies(groupCount: groupCount, rows: n) {
                    groups.withUnsafeBufferPointer { FewGroupKernels.count($0, groupCount: groupCount, into: c) }
                } else {
                    for g in groups { c[Int(g)] &+= 1 }
                }
            }
            return
        }
        if spec.function == .countIf { arg = Self.ones(arg) }
        let validity = arg.validity
        switch kind {
        case .count:
            counts.withUnsafeMutableBufferPointer { c in
                if let validity { for i in 0..<n where validity[i] { c[Int(groups[i])] &+= 1 } }
                else if FewGroupKernels.applies(groupCount: groupCount, rows: n) {
                    groups.withUnsafeBufferPointer { FewGroupKernels.count($0, groupCount: groupCount, into: c) }
                } else { for g in groups { c[Int(g)] &+= 1 } }
            }
        case .intSum:
            guard let v = Vectors.int64s(arg) else { return }
            var overflow = false
            if validity == nil && skipsCounts {
                intSums.withUnsafeMutableBufferPointer { s in
                    v.withUnsafeBufferPointer { v in
                        groups.withUnsafeBufferPointer { gs in
                            for i in 0..<n {
                                let g = Int(gs[i])
                                let (r, o) = s[g].addingReportingOverflow(v[i])
                                s[g] = r
                                overflow = overflow || o
                            }
                        }
                    }
                }
                if overflow { throw QueryError.execution("integer overflow in \(spec.text): the sum exceeds BIGINT") }
                countlessGroups = groupCount
                return
            }
            stopSkippingCounts()
            intSums.withUnsafeMutableBufferPointer { s in
                counts.withUnsafeMutableBufferPointer { c in
                    for i in 0..<n where validity?[i] ?? true {
                        let g = Int(groups[i])
                        let (r, o) = s[g].addingReportingOverflow(v[i])
                        s[g] = r
                        overflow = overflow || o
                        c[g] &+= 1
                    }
                }
            }
            if overflow { throw QueryError.execution("integer overflow in \(spec.text): the sum exceeds BIGINT") }
        case .doubleSum:
            guard let v = Vectors.doubles(arg) else { return }
            if validity == nil && skipsCounts {
                doubleSums.withUnsafeMutableBufferPointer { s in
                    v.withUnsafeBufferPointer { v in
                        groups.withUnsafeBufferPointer { gs in
                            if FewGroupKernels.applies(groupCount: groupCount, rows: n) {
                                FewGroupKernels.sum(gs, v, groupCount: groupCount, into: s)
                            } else {
                                for i in 0..<n { s[Int(gs[i])] += v[i] }
                            }
                        }
                    }
                }
                countlessGroups = groupCount
                return
            }
            stopSkippingCounts()
            doubleSums.withUnsafeMutableBufferPointer { s in
                counts.withUnsafeMutableBufferPointer { c in
                    v.withUnsafeBufferPointer { v in
                        groups.withUnsafeBufferPointer { gs in
                            if let validity {
                                for i in 0..<n where validity[i] { let g = Int(gs[i]); s[g] += v[i]; c[g] &+= 1 }
                            } else if FewGroupKernels.applies(groupCount: groupCount, rows: n) {
                                FewGroupKernels.sum(gs, v, groupCount: groupCount, into: s)
                                FewGroupKernels.count(gs, groupCount: groupCount, into: c)
                            } else {
                                for i in 0..<n { let g = Int(gs[i]); s[g] += v[i]; c[g] &+= 1 }
                            }
                        }
                    }
                }
            }
        case .intExtreme:
            guard let v = Vectors.int64s(arg) else { return }
            let less = wantLess
            intBest.withUnsafeMutableBufferPointer { best in
                seen.withUnsafeMutableBufferPointer { seen in
                    for i in 0..<n where validity?[i] ?? true {
                        let g = Int(groups[i]), x = v[i]
                        if !seen[g] || (less ? x < best[g] : x > best[g]) { best[g] = x; seen[g] = true }
                    }
                }
            }
        case .doubleExtreme:
            guard let d = Vectors.doubles(arg) else { return }
            for i in 0..<n where validity?[i] ?? true { foldDouble(Int(groups[i]), d[i]) }
        case .scalarExtreme:
            if case .dictionary(let dict, let idx) = arg.values {
                // Compare dictionary entries, not rows: the best entry per group, then its value.
                let entries = Column(type: arg.type, values: dict)
                var bestEntry = [Int32](repeating: -1, count: groupCount)
                let ordering = Self.entryOrder(entries)
                for i in 0..<n where validity?[i] ?? true {
                    let g = Int(groups[i]), e = idx[i]
                    let cur = bestEntry[g]
                    if cur < 0 || (wantLess ? ordering[Int(e)] < ordering[Int(cur)] : ordering[Int(e)] > ordering[Int(cur)]) { bestEntry[g] = e }
                }
                for g in 0..<groupCount where bestEntry[g] >= 0 { foldScalar(g, Scalar.from(entries, row: Int(bestEntry[g]))) }
            } else {
                for i in 0..<n where validity?[i] ?? true { foldScalar(Int(groups[i]), Scalar.from(arg, row: i)) }
            }
        case .variance:
            guard let d = Vectors.doubles(arg) else { return }
            for i in 0..<n where validity?[i] ?? true {
                let g = Int(groups[i])
                counts[g] += 1
                let delta = d[i] - means[g]
                means[g] += delta / Double(counts[g])
                m2[g] += delta * (d[i] - means[g])
            }
        case .bools:
            guard case .boolean(let b) = arg.values.materialized() else { return }
            let isAnd = spec.function == .boolAnd
            for i in 0..<n where validity?[i] ?? true {
                let g = Int(groups[i])
                let v: Int8 = b[i] ? 1 : 0
                bools[g] = bools[g] < 0 ? v : (isAnd ? min(bools[g], v) : max(bools[g], v))
            }
        case .distinct:
            heldValues += n
            if usesIntSet, let v = Vectors.int64s(arg) {
                if bitmaps != nil {
                    distinctRows += n
                    var lo = Int64.max, hi = Int64.min
                    for i in 0..<n where validity?[i] ?? true { lo = min(lo, v[i]); hi = max(hi, v[i]) }
                    let budget = distinctBudget
                    if lo <= hi, !(bitmaps?.cover(lo, hi, budget: budget) ?? false) { leaveBitmaps() }
                }
                if var b = bitmaps {
                    bitmaps = nil  // no copy on write while inserting
                    b.insert(groups: groups, values: v, validity: validity)
                    bitmaps = b
                    return
                }
                if let validity {
                    for i in 0..<n where validity[i] { intSets[Int(groups[i])].insert(v[i]) }
                } else {
                    for i in 0..<n { intSets[Int(groups[i])].insert(v[i]) }
                }
            } else {
                for i in 0..<n where validity?[i] ?? true { scalarSets[Int(groups[i])].insert(Self.setKey(Scalar.from(arg, row: i))) }
            }
        case .collect:
            heldValues += n
            if collectsDoubles {
                guard let d = Vectors.doubles(arg) else { return }
                for i in 0..<n where validity?[i] ?? true { collectedDoubles[Int(groups[i])].append(d[i]) }
            } else if collectsInts {
                guard let v = Vectors.int64s(arg) else { return }
                for i in 0..<n where validity?[i] ?? true { collectedInts[Int(groups[i])].append(v[i]) }
            } else {
                let keyColumns = extra
                for i in 0..<n where validity?[i] ?? true {
                    let g = Int(groups[i])
                    collected[g].append(Scalar.from(arg, row: i))
                    if !keyColumns.isEmpty { collectedKeys[g].append(keyColumns.map { Scalar.from($0, row: i) }) }
                }
            }
        case .argExtreme:
            guard let valueColumn = extra.first else { return }
            for i in 0..<n where !valueColumn.isNull(i) {
                let g = Int(groups[i])
                let v = Scalar.from(valueColumn, row: i)
                if !seen[g] {
                    scalarBest[g] = v; argValues[g] = Scalar.from(arg, row: i); seen[g] = true
                    continue
                }
                let c = Scalar.compare(v, scalarBest[g])
                if wantLess ? c < 0 : c > 0 { scalarBest[g] = v; argValues[g] = Scalar.from(arg, row: i) }
            }
        }
    }

    /// count_if's input as BIGINT 1 (true) and 0 (false).
    private static func ones(_ c: Column) -> Column {
        guard case .boolean(let b) = c.values.materialized() else { return c }
        return Column(type: .int64, values: .int64(b.map { $0 ? 1 : 0 }), validity: c.validity)
    }

    /// Doubles compare equal to integers in sets (1 and 1.0 are one value).
    private static func setKey(_ s: Scalar) -> Scalar {
        if case .double(let d) = s, let i = Int64(exactly: d) { return .int(i) }
        if case .double(let d) = s, d == 0 { return .int(0) }
        return s
    }

    /// The rank of every entry of a column in sort order.
    private static func entryOrder(_ c: Column) -> [Int] {
        let n = c.count
        let values = (0..<n).map { Scalar.from(c, row: $0) }
        let sorted = (0..<n).sorted { Scalar.compare(values[$0], values[$1]) < 0 }
        var rank = [Int](repeating: 0, count: n)
        var r = 0
        for (k, i) in sorted.enumerated() {
            if k > 0 && Scalar.compare(values[sorted[k - 1]], values[i]) != 0 { r += 1 }
            rank[i] = r
        }
        return rank
    }

    /// Folds every group of `other` into this accumulator: group `g` there is `mapping[g]` here.
    mutating func merge(_ other: Accumulator, mapping: [Int32], groupCount: Int) throws {
        grow(to: groupCount)
        stopSkippingCounts()
        if kind == .distinct && usesIntSet && bitmaps != nil {
            distinctRows += other.distinctRows
            let budget = distinctBudget
            if let theirs = other.bitmaps {
                if theirs.words > 0, !(bitmaps?.cover(theirs.base, theirs.base &+ Int64(theirs.words) &* 64 &- 1, budget: budget) ?? false) {
                    leaveBitmaps()
                }
            } else {
                leaveBitmaps()
            }
        }
        let n = min(mapping.count, other.groupCount)
        switch kind {
        case .count:
            counts.withUnsafeMutableBufferPointer { c in for g in 0..<n { c[Int(mapping[g])] &+= other.counts[g] } }
        case .doubleSum:
            counts.withUnsafeMutableBufferPointer { c in for g in 0..<n { c[Int(mapping[g])] &+= other.countOf(g) } }
            doubleSums.withUnsafeMutableBufferPointer { s in for g in 0..<n { s[Int(mapping[g])] += other.doubleSums[g] } }
        default:
            for g in 0..<n { try merge(other, from: g, into: Int(mapping[g])) }
        }
    }

    mutating func merge(_ other: Accumulator, from: Int, into: Int) throws {
        grow(to: into + 1)
        stopSkippingCounts()
        guard from < other.groupCount else { return }
        switch kind {
        case .count:
            counts[into] &+= other.counts[from]
        case .intSum:
            let (r, o) = intSums[into].addingReportingOverflow(other.intSums[from])
            if o { throw QueryError.execution("integer overflow in \(spec.text): the sum exceeds BIGINT") }
            intSums[into] = r
            counts[into] &+= other.countOf(from)
        case .doubleSum:
            doubleSums[into] += other.doubleSums[from]
            counts[into] &+= other.countOf(from)
        case .intExtreme:
            if other.seen[from] {
                let x = other.intBest[from]
                if !seen[into] || (wantLess ? x < intBest[into] : x > intBest[into]) { intBest[into] = x; seen[into] = true }
            }
        case .doubleExtreme:
            if other.seen[from] { foldDouble(into, other.doubleBest[from]) }
        case .scalarExtreme:
            foldScalar(into, other.scalarBest[from])
        case .variance:
            let na = Double(counts[into]), nb = Double(other.counts[from])
            guard nb > 0 else { return }
            if na == 0 {
                counts[into] = other.counts[from]; means[into] = other.means[from]; m2[into] = other.m2[from]
                return
            }
            let delta = other.means[from] - means[into]
            let total = na + nb
            means[into] += delta * nb / total
            m2[into] += other.m2[from] + delta * delta * na * nb / total
            counts[into] += other.counts[from]
        case .bools:
            let v = other.bools[from]
            if v >= 0 { bools[into] = bools[into] < 0 ? v : (spec.function == .boolAnd ? min(bools[into], v) : max(bools[into], v)) }
        case .distinct:
            if usesIntSet {
                if bitmaps != nil, let theirs = other.bitmaps, theirs.words == 0 || (bitmaps?.covers(theirs.base) ?? false) {
                    bitmaps?.merge(theirs, from: from, into: into)
                } else {
                    leaveBitmaps()
                    if let theirs = other.bitmaps { theirs.forEach(group: from) { intSets[into].insert($0) } } else { intSets[into].formUnion(other.intSets[from]) }
                }
            } else { scalarSets[into].formUnion(other.scalarSets[from]) }
        case .collect:
            if collectsDoubles { collectedDoubles[into] += other.collectedDoubles[from] }
            else if collectsInts { collectedInts[into] += other.collectedInts[from] }
            else { collected[into] += other.collected[from]; collectedKeys[into] += other.collectedKeys[from] }
        case .argExtreme:
            guard other.seen[from] else { return }
            if !seen[into] || (wantLess ? Scalar.compare(other.scalarBest[from], scalarBest[into]) < 0 : Scalar.compare(other.scalarBest[from], scalarBest[into]) > 0) {
                scalarBest[into] = other.scalarBest[from]; argValues[into] = other.argValues[from]; seen[into] = true
            }
        }
    }

    /// Final values of groups `0..<n` as a column, without boxing for the common aggregates.
    func resultColumn(groups n: Int) -> Column {
        switch kind {
        case .count:
            return Column(type: .int64, values: .int64((0..<n).map { $0 < counts.count ? counts[$0] : 0 }))
        case .doubleSum:
            var valid = Bitmap(count: n, value: true)
            var anyEmpty = false
            var out = [Double](repeating: 0, count: n)
            for g in 0..<n {
                if g >= counts.count || countOf(g) == 0 { valid[g] = false; anyEmpty = true; continue }
                out[g] = spec.function == .avg ? doubleSums[g] / Double(counts[g]) : doubleSums[g]
            }
            return Column(type: .float64, values: .float64(out), validity: anyEmpty ? valid : nil)
        case .intExtreme:
            var valid = Bitmap(count: n, value: true)
            var anyEmpty = false
            var out = [Int64](repeating: 0, count: n)
            for g in 0..<n {
                if g >= seen.count || !seen[g] { valid[g] = false; anyEmpty = true; continue }
                out[g] = intBest[g]
            }
            let v = anyEmpty ? valid : nil
            switch spec.type {
            case .int32, .date32: return Column(type: spec.type, values: .int32(out.map { Int32(truncatingIfNeeded: $0) }), validity: v)
            default: return Column(type: spec.type, values: .int64(out), validity: v)
            }
        case .distinct where usesIntSet && (spec.function == .count || spec.function == .approxCountDistinct):
            return Column(type: .int64, values: .int64((0..<n).map { g in
                guard g < groupCount else { return 0 }
                if let b = bitmaps { return g < b.groupCount ? b.counts[g] : 0 }
                return Int64(intSets[g].count)
            }))
        default:
            return ColumnFactory.fromScalars((0..<n).map { result($0) }, type: spec.type)
        }
    }

    /// The final value of group `g`.
    func result(_ g: Int) -> Scalar {
        guard g < groupCount else { return kind == .count ? .int(0) : .null }
        switch kind {
        case .count: return .int(counts[g])
        case .intSum:
            guard countOf(g) > 0 else { return .null }
            if spec.function == .avg {
                if case .decimal(_, let s)? = argumentType { return .double(Double(intSums[g]) / SQLType.pow10(s) / Double(counts[g])) }
                return .double(Double(intSums[g]) / Double(counts[g]))
            }
            if case .decimal(_, let s) = spec.type { return .decimal(intSums[g], s) }
            return .int(intSums[g])
        case .doubleSum:
            guard countOf(g) > 0 else { return .null }
            return .double(spec.function == .avg ? doubleSums[g] / Double(counts[g]) : doubleSums[g])
        case .intExtreme:
            guard seen[g] else { return .null }
            return Self.scalar(intBest[g], spec.type)
        case .doubleExtreme:
            return seen[g] ? .double(doubleBest[g]) : .null
        case .scalarExtreme:
            return scalarBest[g]
        case .variance:
            let n = Double(counts[g])
            switch spec.function {
            case .varPop: return n > 0 ? .double(m2[g] / n) : .null
            case .stddevPop: return n > 0 ? .double((m2[g] / n).squareRoot()) : .null
            case .varSamp: return n > 1 ? .double(m2[g] / (n - 1)) : .null
            default: return n > 1 ? .double((m2[g] / (n - 1)).squareRoot()) : .null
            }
        case .bools:
            return bools[g] < 0 ? .null : .bool(bools[g] == 1)
        case .distinct:
            return distinctResult(g)
        case .collect:
            return collectedResult(g)
        case .argExtreme:
            return seen[g] ? argValues[g] : .null
        }
    }

    static func scalar(_ v: Int64, _ type: DataType) -> Scalar {
        switch type {
        case .date32: return .date(Int32(truncatingIfNeeded: v))
        case .timestamp: return .timestamp(v)
        case .decimal(_, let s): return .decimal(v, s)
        default: return .int(v)
        }
    }

    private func distinctResult(_ g: Int) -> Scalar {
        let values: [Scalar]
        if usesIntSet {
            if spec.function == .count || spec.function == .approxCountDistinct {
                if let b = bitmaps { return .int(g < b.groupCount ? b.counts[g] : 0) }
                return .int(Int64(intSets[g].count))
            }
            var ints: [Int64] = []
            forEachDistinct(g) { ints.append($0) }
            values = ints.map { Self.scalar($0, argumentType ?? .int64) }
        } else {
            if spec.function == .count || spec.function == .approxCountDistinct { return .int(Int64(scalarSets[g].count)) }
            values = Array(scalarSets[g])
        }
        guard !values.isEmpty else { return .null }
        switch spec.function {
        case .sum:
            if case .int64 = spec.type {
                var total: Int64 = 0
                for v in values { if case .int(let x) = v { total = total &+ x } }
                return .int(total)
            }
            if case .decimal(_, let s) = spec.type {
                var total: Int64 = 0
                for v in values { if case .decimal(let x, _) = v { total = total &+ x } }
                return .decimal(total, s)
            }
            return .double(values.compactMap(\.asDouble).reduce(0, +))
        case .avg:
            let d = values.compactMap(\.asDouble)
            return .double(d.reduce(0, +) / Double(d.count))
        default:
            // Other aggregates over distinct values: fold them through a fresh accumulator.
            var plain = spec
            plain.distinct = false
            var acc = Accumulator(plain)
            let column = ColumnFactory.fromScalars(values, type: argumentType ?? spec.type)
            try? acc.updateSingleGroup(rows: values.count, arg: column)
            return acc.result(0)
        }
    }

    private func quantileFraction() -> Double {
        if spec.function == .median { return 0.5 }
        if let q = spec.extraArguments.first, case .literal(let v) = q.kind, let d = v.asDouble { return d }
        return 0.5
    }

    private func collectedResult(_ g: Int) -> Scalar {
        let q = quantileFraction()
        let continuous = spec.function == .median || spec.function == .quantileCont
        if spec.function == .stringAgg {
            var values = collected[g]
            guard !values.isEmpty else { return .null }
            if !spec.orderBy.isEmpty {
                let keys = collectedKeys[g]
                let order = (0..<values.count).sorted { a, b in
                    for (k, key) in spec.orderBy.enumerated() {
                        let x = keys[a][k], y = keys[b][k]
                        if x.isNull || y.isNull {
                            if x.isNull && y.isNull { continue }
                            return x.isNull == key.nullsFirst
                        }
                        let c = Scalar.compare(x, y)
                        if c != 0 { return key.descending ? c > 0 : c < 0 }
                    }
                    return a < b
                }
                values = order.map { values[$0] }
            }
            var separator = ","
            if spec.extraArguments.count > 0, case .literal(.string(let s)) = spec.extraArguments[0].kind { separator = s }
            return .string(values.map { Casts.text($0) }.joined(separator: separator))
        }
        if collectsDoubles {
            let values = collectedDoubles[g].sorted { $0 < $1 || (!$0.isNaN && $1.isNaN) }
            guard !values.isEmpty else { return .null }
            if continuous {
                let pos = q * Double(values.count - 1)
                let lo = Int(pos.rounded(.down)), hi = Int(pos.rounded(.up))
                let v = values[lo] + (values[hi] - values[lo]) * (pos - Double(lo))
                return .double(v)
            }
            let idx = Self.discreteIndex(q, values.count)
            if case .decimal(_, let s) = spec.type { return .decimal(Int64((values[idx] * SQLType.pow10(s)).rounded()), s) }
            return .double(values[idx])
        }
        if collectsInts {
            let values = collectedInts[g].sorted()
            guard !values.isEmpty else { return .null }
            return Self.scalar(values[Self.discreteIndex(q, values.count)], spec.type)
        }
        let values = collected[g].sorted { Scalar.compare($0, $1) < 0 }
        guard !values.isEmpty else { return .null }
        return values[Self.discreteIndex(q, values.count)]
    }

    /// The index quantile_disc picks (DuckDB: the floor of q·(n−1) rounded to nearest… here the
    /// lower of the two middle values, as DuckDB's quantile_disc does).
    static func discreteIndex(_ q: Double, _ n: Int) -> Int {
        let pos = Int((q * Double(n - 1)).rounded(.down))
        return max(0, min(n - 1, pos))
    }
}

extension Int64HashSet {
    func forEach(_ body: (Int64) -> Void) { mapKeys(body) }
}

// MARK: spilling (`HashAggregate` past its memory limit)

extension Accumulator {
    /// The element type of the list columns that carry per-group sets and collected values.
    private static func listOf(_ t: DataType) -> DataType { .list(element: Field(name: "element", type: t, nullable: true)) }

    private var valueType: DataType { argumentType ?? spec.type }
    private var argExtremeValueType: DataType { spec.extraArguments.first?.type ?? valueType }

    /// Types of the columns `stateColumns` writes, one row per group.
    var stateTypes: [DataType] {
        switch kind {
        case .count: return [.int64]
        case .intSum: return [.int64, .int64]
        case .doubleSum: return [.float64, .int64]
        case .intExtreme: return [.int64]
        case .doubleExtreme: return [.float64]
        case .scalarExtreme: return [valueType]
        case .variance: return [.int64, .float64, .float64]
        case .bools: return [.int32]
        case .argExtreme: return [argExtremeValueType, valueType]
        case .distinct: return [Self.listOf(usesIntSet ? .int64 : valueType)]
        case .collect: return [Self.listOf(collectsDoubles ? .float64 : collectsInts ? .int64 : valueType)]
        }
    }

    /// Why this aggregate's state cannot be written to a spill file, nil when it can.
    var spillRefusal: String? {
        if kind == .collect && !collectsDoubles && !collectsInts && !spec.orderBy.isEmpty {
            return "\(spec.text) (ORDER BY inside the aggregate) keeps state that does not spill"
        }
        if let t = stateTypes.first(where: { !SpillCodec.canWrite($0) }) { return "\(spec.text) keeps \(t) values that do not spill" }
        return nil
    }

    /// About how many bytes the state holds (array capacities; per-group sets and lists by the
    /// rows added to them). O(1): asked after every batch.
    var estimatedBytes: Int {
        let scalar = MemoryLayout<Scalar>.stride + 16
        var b = counts.capacity * 8 + intSums.capacity * 8 + doubleSums.capacity * 8
        b += intBest.capacity * 8 + doubleBest.capacity * 8 + seen.capacity + bools.capacity
        b += (scalarBest.capacity + argValues.capacity) * scalar
        b += means.capacity * 8 + m2.capacity * 8
        switch kind {
        case .distinct:
            if let bm = bitmaps { b += bm.bytes + bm.groupCount * 8 } else { b += intSets.count * 300 + heldValues * 16 }
            b += scalarSets.count * 64 + (usesIntSet ? 0 : heldValues * scalar)
        case .collect:
            b += (collectedDoubles.count + collectedInts.count + collected.count + collectedKeys.count) * 32
            b += heldValues * (collectsDoubles || collectsInts ? 8 : scalar * (1 + spec.orderBy.count))
        default: break
        }
        return b
    }

    /// The state of groups `0..<n` as columns (`stateTypes`), for a spill file.
    func stateColumns(groups n: Int) -> [Column] {
        func ints(_ f: (Int) -> Int64) -> Column { Column(type: .int64, values: .int64((0..<n).map(f))) }
        func doubles(_ f: (Int) -> Double, valid: Bitmap? = nil) -> Column { Column(type: .float64, values: .float64((0..<n).map(f)), validity: valid) }
        func seenBitmap() -> Bitmap? {
            let bits = (0..<n).map { $0 < seen.count && seen[$0] }
            return bits.allSatisfy { $0 } ? nil : Bitmap(bools: bits)
        }
        /// A LIST column of each group's values; `entries` makes the child column of them all.
        func listColumn<T>(_ t: DataType, _ entries: ([T]) -> Column, _ values: (Int) -> [T]) -> Column {
            var offsets: [Int32] = [0]
            var all: [T] = []
            for g in 0..<n {
                all.append(contentsOf: values(g))
                offsets.append(Int32(all.count))
            }
            return Column(type: Self.listOf(t), values: .list(ListValues(offsets: offsets, entries: entries(all))))
        }
        func list(_ t: DataType, _ values: (Int) -> [Scalar]) -> Column { listColumn(t, { ColumnFactory.fromScalars($0, type: t) }, values) }
        func int64List(_ values: (Int) -> [Int64]) -> Column { listColumn(.int64, { Column(type: .int64, values: .int64($0)) }, values) }
        let has = { (g: Int) in g < groupCount }
        switch kind {
        case .count: return [ints { has($0) ? counts[$0] : 0 }]
        case .intSum: return [ints { has($0) ? intSums[$0] : 0 }, ints { has($0) ? countOf($0) : 0 }]
        case .doubleSum: return [doubles { has($0) ? doubleSums[$0] : 0 }, ints { has($0) ? countOf($0) : 0 }]
        case .intExtreme: return [Column(type: .int64, values: .int64((0..<n).map { has($0) ? intBest[$0] : 0 }), validity: seenBitmap())]
        case .doubleExtreme: return [doubles({ has($0) ? doubleBest[$0] : 0 }, valid: seenBitmap())]
        case .scalarExtreme: return [ColumnFactory.fromScalars((0..<n).map { has($0) ? scalarBest[$0] : .null }, type: valueType)]
        case .variance: return [ints { has($0) ? counts[$0] : 0 }, doubles { has($0) ? means[$0] : 0 }, doubles { has($0) ? m2[$0] : 0 }]
        case .bools: return [Column(type: .int32, values: .int32((0..<n).map { has($0) ? Int32(bools[$0]) : -1 }))]
        case .argExtreme:
            let valid = seenBitmap()
            var best = ColumnFactory.fromScalars((0..<n).map { has($0) && seen[$0] ? scalarBest[$0] : .null }, type: argExtremeValueType)
            best.validity = Bitmap.and(best.validity, valid) ?? valid
            return [best, ColumnFactory.fromScalars((0..<n).map { has($0) && seen[$0] ? argValues[$0] : .null }, type: valueType)]
        case .distinct:
            if usesIntSet {
                return [int64List { g in
                    var out: [Int64] = []
                    if has(g) { forEachDistinct(g) { out.append($0) } }
                    return out
                }]
            }
            return [list(valueType) { has($0) ? Array(scalarSets[$0]) : [] }]
        case .collect:
            if collectsDoubles {
                return [listColumn(.float64, { Column(type: .float64, values: .float64($0)) }) { has($0) ? collectedDoubles[$0] : [] }]
            }
            if collectsInts { return [int64List { has($0) ? collectedInts[$0] : [] }] }
            return [list(valueType) { has($0) ? collected[$0] : [] }]
        }
    }

    /// An accumulator holding the groups of spilled state columns (as `stateColumns` wrote them).
    static func restored(_ spec: AggregateSpec, state: [Column]) throws -> Accumulator {
        var a = Accumulator(spec)
        guard state.count == a.stateTypes.count, let n = state.first?.count else {
            throw QueryError.execution("internal: spilled state of \(spec.text) has \(state.count) columns")
        }
        a.skipsCounts = false
        a.countlessGroups = 0
        a.groupCount = n
        a.counts = [Int64](repeating: 0, count: n)
        func int64s(_ c: Column) throws -> [Int64] {
            guard case .int64(let v) = c.values else { throw QueryError.execution("internal: spilled state of \(spec.text) is not BIGINT") }
            return v
        }
        func doubles(_ c: Column) throws -> [Double] {
            guard case .float64(let v) = c.values else { throw QueryError.execution("internal: spilled state of \(spec.text) is not DOUBLE") }
            return v
        }
        func seenOf(_ c: Column) -> [Bool] { (0..<n).map { !c.isNull($0) } }
        func list(_ c: Column) throws -> ListValues {
            guard case .list(let l) = c.values, l.count == n else { throw QueryError.execution("internal: spilled state of \(spec.text) is not a list") }
            return l
        }
        switch a.kind {
        case .count: a.counts = try int64s(state[0])
        case .intSum: a.intSums = try int64s(state[0]); a.counts = try int64s(state[1])
        case .doubleSum: a.doubleSums = try doubles(state[0]); a.counts = try int64s(state[1])
        case .intExtreme: a.intBest = try int64s(state[0]); a.seen = seenOf(state[0])
        case .doubleExtreme: a.doubleBest = try doubles(state[0]); a.seen = seenOf(state[0])
        case .scalarExtreme: a.scalarBest = (0..<n).map { Scalar.from(state[0], row: $0) }
        case .variance: a.counts = try int64s(state[0]); a.means = try doubles(state[1]); a.m2 = try doubles(state[2])
        case .bools:
            guard case .int32(let v) = state[0].values else { throw QueryError.execution("internal: spilled state of \(spec.text) is not INTEGER") }
            a.bools = v.map { Int8(truncatingIfNeeded: $0) }
        case .argExtreme:
            a.seen = seenOf(state[0])
            a.scalarBest = (0..<n).map { Scalar.from(state[0], row: $0) }
            a.argValues = (0..<n).map { Scalar.from(state[1], row: $0) }
        case .distinct:
            let l = try list(state[0])
            a.bitmaps = nil
            if a.usesIntSet {
                let v = try int64s(l.entries)
                a.intSets = (0..<n).map { g in
                    var set = Int64HashSet()
                    for i in l.range(g) { set.insert(v[i]) }
                    return set
                }
            } else {
                a.scalarSets = (0..<n).map { g in Set(l.range(g).map { Self.setKey(Scalar.from(l.entries, row: $0)) }) }
            }
            a.heldValues = l.entries.count
        case .collect:
            let l = try list(state[0])
            if a.collectsDoubles {
                let v = try doubles(l.entries)
                a.collectedDoubles = (0..<n).map { Array(v[l.range($0)]) }
            } else if a.collectsInts {
                let v = try int64s(l.entries)
                a.collectedInts = (0..<n).map { Array(v[l.range($0)]) }
            } else {
                a.collected = (0..<n).map { g in l.range(g).map { Scalar.from(l.entries, row: $0) } }
                a.collectedKeys = [[[Scalar]]](repeating: [], count: n)
            }
            a.heldValues = l.entries.count
        }
        return a
    }
}
