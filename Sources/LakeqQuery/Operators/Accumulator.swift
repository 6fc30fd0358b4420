import LakeqColumnar

/// The running state of one aggregate for every group, grown as groups appear.
///
/// Integer sums are checked and fail on overflow instead of wrapping; avg keeps a double sum
/// and a count; count(DISTINCT) and approx_count_distinct keep exact per-group sets.
struct Accumulator {
    let spec: AggregateSpec
    private var counts: [Int64] = []
    private var intSums: [Int64] = []
    private var doubleSums: [Double] = []
    private var extremes: [Scalar] = []
    private var intSets: [Int64HashSet] = []
    private var scalarSets: [Set<Scalar>] = []

    init(_ spec: AggregateSpec) { self.spec = spec }

    private var usesIntSum: Bool {
        if spec.function == .sum, case .int64 = spec.type { return true }
        if spec.function == .sum, case .decimal = spec.type { return true }
        return false
    }

    private var isDistinct: Bool { spec.distinct || spec.function == .approxCountDistinct }

    mutating func grow(to n: Int) {
        guard counts.count < n else { return }
        let extra = n - counts.count
        counts.append(contentsOf: repeatElement(0, count: extra))
        switch spec.function {
        case .sum, .avg:
            if isDistinct { scalarSets.append(contentsOf: repeatElement([], count: extra)) }
            else if usesIntSum { intSums.append(contentsOf: repeatElement(0, count: extra)) }
            else { doubleSums.append(contentsOf: repeatElement(0, count: extra)) }
        case .min, .max: extremes.append(contentsOf: repeatElement(.null, count: extra))
        case .count, .approxCountDistinct:
            if isDistinct {
                if Self.isIntegerLike(spec.argument?.type) { intSets.append(contentsOf: repeatElement(Int64HashSet(), count: extra)) }
                else { scalarSets.append(contentsOf: repeatElement([], count: extra)) }
            }
        case .countStar: break
        }
    }

    static func isIntegerLike(_ t: DataType?) -> Bool {
        switch t {
        case .int32?, .int64?, .date32?, .timestamp?: return true
        default: return false
        }
    }

    /// Folds a known extreme (a row group's exact min or max from its statistics) into the
    /// single group of a min/max aggregate.
    mutating func foldExtreme(_ v: Scalar) {
        grow(to: 1)
        fold(0, v, wantLess: spec.function == .min)
    }

    /// Adds every row of a batch to the single group of an aggregate without GROUP BY, with
    /// plain loops instead of per-row group ids.
    mutating func updateSingleGroup(rows n: Int, arg: Column?) throws {
        grow(to: 1)
        guard let arg else { counts[0] &+= Int64(n); return }
        let validity = arg.validity
        if !isDistinct, spec.function == .min || spec.function == .max, validity == nil {
            let wantLess = spec.function == .min
            switch arg.values {
            case .float64(let v) where n > 0:
                var best = v[0]
                // NaN never wins a comparison here; SQL engines order NaN last anyway.
                if wantLess { for x in v where x < best || best.isNaN { best = x } } else { for x in v where x > best || best.isNaN { best = x } }
                fold(0, .double(best), wantLess: wantLess)
                return
            case .int64(let v) where n > 0:
                let best = (wantLess ? v.min() : v.max()) ?? 0
                fold(0, Scalar.from(Column(type: arg.type, values: .int64([best])), row: 0), wantLess: wantLess)
                return
            case .int32(let v) where n > 0:
                let best = (wantLess ? v.min() : v.max()) ?? 0
                fold(0, Scalar.from(Column(type: arg.type, values: .int32([best])), row: 0), wantLess: wantLess)
                return
            default: break
            }
        }
        if isDistinct || spec.function == .min || spec.function == .max {
            return try update(groups: [Int32](repeating: 0, count: n), arg: arg, groupCount: 1)
        }
        let valid = validity.map { $0.setCount } ?? n
        switch spec.function {
        case .count, .countStar:
            counts[0] &+= Int64(valid)
        case .sum where usesIntSum:
            guard let v = Vectors.int64s(arg) else { return }
            var total = intSums[0]
            var overflow = false
            for i in 0..<n where validity?[i] ?? true {
                let (r, o) = total.addingReportingOverflow(v[i])
                total = r
                overflow = overflow || o
            }
            if overflow { throw QueryError.execution("integer overflow in \(spec.text): the sum exceeds BIGINT") }
            intSums[0] = total
            counts[0] &+= Int64(valid)
        case .sum, .avg:
            guard let v = Vectors.doubles(arg) else { return }
            var total = doubleSums[0]
            if let validity {
                for i in 0..<n where validity[i] { total += v[i] }
            } else {
                v.withUnsafeBufferPointer { p in for x in p { total += x } }
            }
            doubleSums[0] = total
            counts[0] &+= Int64(valid)
        default:
            break
        }
    }

    /// Adds the rows of one batch; `arg` is the evaluated argument (nil for count(*)).
    mutating func update(groups: [Int32], arg: Column?, groupCount: Int) throws {
        grow(to: groupCount)
        let n = groups.count
        guard let arg else {
            counts.withUnsafeMutableBufferPointer { c in for g in groups { c[Int(g)] &+= 1 } }
            return
        }
        let validity = arg.validity
        if isDistinct {
            if !intSets.isEmpty, let v = Vectors.int64s(arg) {
                if let validity {
                    for i in 0..<n where validity[i] { intSets[Int(groups[i])].insert(v[i]) }
                } else {
                    for i in 0..<n { intSets[Int(groups[i])].insert(v[i]) }
                }
            } else {
                for i in 0..<n where validity?[i] ?? true { scalarSets[Int(groups[i])].insert(Scalar.from(arg, row: i)) }
            }
            return
        }
        switch spec.function {
        case .count, .countStar:
            counts.withUnsafeMutableBufferPointer { c in
                if let validity { for i in 0..<n where validity[i] { c[Int(groups[i])] &+= 1 } }
                else { for g in groups { c[Int(g)] &+= 1 } }
            }
        case .sum where usesIntSum:
            guard let v = Vectors.int64s(arg) else { return }
            var overflow = false
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
        case .sum, .avg:
            guard let v = Vectors.doubles(arg) else { return }
            doubleSums.withUnsafeMutableBufferPointer { s in
                counts.withUnsafeMutableBufferPointer { c in
                    if let validity {
                        for i in 0..<n where validity[i] { let g = Int(groups[i]); s[g] += v[i]; c[g] &+= 1 }
                    } else {
                        v.withUnsafeBufferPointer { v in
                            for i in 0..<n { let g = Int(groups[i]); s[g] += v[i]; c[g] &+= 1 }
                        }
                    }
                }
            }
        case .min, .max:
            let wantLess = spec.function == .min
            if let d = Vectors.doubles(arg), arg.type == .float64 {
                // Per-group running extreme in doubles, then folded into the scalars.
                var best = [Double](repeating: .nan, count: groupCount)
                var seen = [Bool](repeating: false, count: groupCount)
                for i in 0..<n where validity?[i] ?? true {
                    let g = Int(groups[i]), x = d[i]
                    if !seen[g] || (wantLess ? x < best[g] : x > best[g]) { best[g] = x; seen[g] = true }
                }
                for g in 0..<groupCount where seen[g] { fold(g, .double(best[g]), wantLess: wantLess) }
            } else {
                for i in 0..<n where validity?[i] ?? true { fold(Int(groups[i]), Scalar.from(arg, row: i), wantLess: wantLess) }
            }
        case .approxCountDistinct:
            break
        }
    }

    private mutating func fold(_ g: Int, _ v: Scalar, wantLess: Bool) {
        let cur = extremes[g]
        if cur.isNull { extremes[g] = v; return }
        let c = Scalar.compare(v, cur)
        if wantLess ? c < 0 : c > 0 { extremes[g] = v }
    }

    /// Folds group `from` of `other` into group `into` of this accumulator.
    mutating func merge(_ other: Accumulator, from: Int, into: Int) throws {
        grow(to: into + 1)
        // A worker that saw no rows never grew its state: nothing to add.
        guard from < other.counts.count else { return }
        counts[into] &+= other.counts[from]
        if !other.intSets.isEmpty {
            if intSets.count <= into { intSets.append(contentsOf: repeatElement(Int64HashSet(), count: into + 1 - intSets.count)) }
            intSets[into].formUnion(other.intSets[from])
        }
        if !other.scalarSets.isEmpty {
            if scalarSets.count <= into { scalarSets.append(contentsOf: repeatElement([], count: into + 1 - scalarSets.count)) }
            scalarSets[into].formUnion(other.scalarSets[from])
        }
        if !other.intSums.isEmpty {
            let (r, o) = intSums[into].addingReportingOverflow(other.intSums[from])
            if o { throw QueryError.execution("integer overflow in \(spec.text): the sum exceeds BIGINT") }
            intSums[into] = r
        }
        if !other.doubleSums.isEmpty { doubleSums[into] += other.doubleSums[from] }
        if !other.extremes.isEmpty, !other.extremes[from].isNull { fold(into, other.extremes[from], wantLess: spec.function == .min) }
    }

    /// Final values of groups `0..<n` as a column, without boxing for the common aggregates.
    func resultColumn(groups n: Int) -> Column {
        if !isDistinct {
            switch spec.function {
            case .countStar, .count:
                return Column(type: .int64, values: .int64(Array(counts.prefix(n))))
            case .sum where !usesIntSum, .avg where !usesIntSum:
                var valid = Bitmap(count: n, value: true)
                var anyEmpty = false
                var out = [Double](repeating: 0, count: n)
                for g in 0..<n {
                    if counts[g] == 0 { valid[g] = false; anyEmpty = true; continue }
                    out[g] = spec.function == .avg ? doubleSums[g] / Double(counts[g]) : doubleSums[g]
                }
                return Column(type: .float64, values: .float64(out), validity: anyEmpty ? valid : nil)
            default: break
            }
        }
        return ColumnFactory.fromScalars((0..<n).map { result($0) }, type: spec.type)
    }

    /// The final value of group `g`.
    func result(_ g: Int) -> Scalar {
        let count = g < counts.count ? counts[g] : 0
        if isDistinct {
            let n = g < intSets.count ? intSets[g].count : (g < scalarSets.count ? scalarSets[g].count : 0)
            switch spec.function {
            case .count, .approxCountDistinct: return .int(Int64(n))
            case .sum, .avg:
                let values = g < scalarSets.count ? Array(scalarSets[g]) : []
                guard !values.isEmpty else { return .null }
                let total = values.compactMap(\.asDouble).reduce(0, +)
                if spec.function == .avg { return .double(total / Double(values.count)) }
                if case .int64 = spec.type { return .int(values.reduce(Int64(0)) { acc, v in if case .int(let x) = v { return acc &+ x }; return acc }) }
                return .double(total)
            default: break
            }
        }
        switch spec.function {
        case .countStar, .count: return .int(count)
        case .sum:
            guard count > 0 else { return .null }
            if usesIntSum {
                if case .decimal(_, let s) = spec.type { return .decimal(intSums[g], s) }
                return .int(intSums[g])
            }
            return .double(doubleSums[g])
        case .avg:
            guard count > 0 else { return .null }
            if usesIntSum { return .double(Double(intSums[g]) / Double(count)) }
            return .double(doubleSums[g] / Double(count))
        case .min, .max: return g < extremes.count ? extremes[g] : .null
        case .approxCountDistinct: return .int(0)
        }
    }
}
