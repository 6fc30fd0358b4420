import LakeqColumnar

/// Window functions: gathers its input, then for every window (PARTITION BY, ORDER BY,
/// frame) sorts the rows by partition and order keys once and computes each function per
/// partition; results are written back to the rows' original positions, so the output is
/// the input's columns (in input order) followed by one column per window function.
///
/// Ranking (row_number, rank, dense_rank, percent_rank, cume_dist, ntile) and offsets (lag,
/// lead) work on the sorted partition; first/last/nth_value and aggregates on the frame of
/// each row. Aggregates over a whole partition are one grouped aggregation; count, sum and
/// avg over moving frames use prefix sums; other aggregates over moving frames fold the frame
/// row by row.
final class Window: MaterializingOperator, @unchecked Sendable {
    let specs: [WindowSpec]
    private var locals = WorkerSlots<[(BatchOrder, RecordBatch)]>(empty: [])

    init(_ child: PhysicalOperator, specs: [WindowSpec]) {
        self.specs = specs
        super.init(children: [child], outputTypes: child.outputTypes + specs.map(\.type))
    }

    override var details: String { specs.map(\.text).joined(separator: ", ") }

    override func prepareSink(workers: Int, _ ctx: ExecutionContext) throws {
        locals = WorkerSlots(count: workers, initial: [])
        results = []
    }

    override func consume(_ batch: RecordBatch, order: BatchOrder, worker: Int, _ ctx: ExecutionContext) throws {
        locals[worker].append((order, batch))
    }

    override func finishSink(_ ctx: ExecutionContext) throws {
        let ordered = locals.values.flatMap { $0 }.sorted { $0.0 < $1.0 }.map(\.1)
        locals = WorkerSlots(empty: [])
        let input = ordered.isEmpty
            ? RecordBatch(schema: Schema([]), columns: children[0].outputTypes.map { ColumnKernels.empty($0) }, rowCount: 0)
            : ColumnKernels.concat(ordered, types: children[0].outputTypes)
        var columns = input.columns
        for spec in specs {
            try ctx.checkCancelled()
            columns.append(try compute(spec, input))
        }
        results = [RecordBatch(schema: Schema([]), columns: columns, rowCount: input.rowCount)]
    }

    /// Rows sorted by partition then order keys, with partition boundaries.
    struct Layout {
        var rows: [Int32]
        /// Partition k is `rows[starts[k]..<starts[k + 1]]`.
        var starts: [Int]
        var partitionOfRow: [Int32]
        var partitionCount: Int
        var orderKeys: [Sorting.KeyColumn]
    }

    private func layout(_ spec: WindowSpec, _ input: RecordBatch) throws -> Layout {
        let n = input.rowCount
        var pid = [Int32](repeating: 0, count: n)
        var partitions = n > 0 ? 1 : 0
        if !spec.partitionBy.isEmpty {
            let keys = try spec.partitionBy.map { try Evaluator.evaluate($0, input) }
            let table = GroupTable(keyTypes: keys.map(\.type))
            pid = table.groupIds(keys, rowCount: n)
            partitions = table.count
        }
        let orderColumns = try spec.orderBy.map { try Evaluator.evaluate($0.expr, input) }
        let orderKeys = zip(orderColumns, spec.orderBy).map { Sorting.KeyColumn($0, $1) }
        // Counting sort by partition (stable), then each partition by its order keys.
        var counts = [Int](repeating: 0, count: partitions + 1)
        for p in pid { counts[Int(p) + 1] += 1 }
        for k in 0..<partitions { counts[k + 1] += counts[k] }
        let starts = counts
        var fill = counts
        var rows = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let p = Int(pid[i])
            rows[fill[p]] = Int32(i)
            fill[p] += 1
        }
        if !orderKeys.isEmpty {
            for k in 0..<partitions where starts[k + 1] - starts[k] > 1 {
                rows[starts[k]..<starts[k + 1]].sort { a, b in
                    for key in orderKeys {
                        let c = key.compare(Int(a), Int(b))
                        if c != 0 { return c < 0 }
                    }
                    return a < b
                }
            }
        }
        return Layout(rows: rows, starts: starts, partitionOfRow: pid, partitionCount: partitions, orderKeys: orderKeys)
    }

    /// Whether sorted positions `a` and `b` are peers (equal order keys).
    @inline(__always) private func peers(_ l: Layout, _ a: Int, _ b: Int) -> Bool {
        for key in l.orderKeys where key.compare(Int(l.rows[a]), Int(l.rows[b])) != 0 { return false }
        return true
    }

    /// For each sorted position: the last position of its peer group (exclusive end).
    private func peerEnds(_ l: Layout) -> [Int] {
        var ends = [Int](repeating: 0, count: l.rows.count)
        for k in 0..<l.partitionCount {
            let s = l.starts[k], e = l.starts[k + 1]
            var j = e
            var i = e - 1
            while i >= s {
                if i + 1 < e && !peers(l, i, i + 1) { j = i + 1 }
                ends[i] = j
                i -= 1
            }
        }
        return ends
    }

    private func peerStarts(_ l: Layout) -> [Int] {
        var starts = [Int](repeating: 0, count: l.rows.count)
        for k in 0..<l.partitionCount {
            let s = l.starts[k], e = l.starts[k + 1]
            var j = s
            for i in s..<e {
                if i > s && !peers(l, i - 1, i) { j = i }
                starts[i] = j
            }
        }
        return starts
    }

    private func compute(_ spec: WindowSpec, _ input: RecordBatch) throws -> Column {
        let n = input.rowCount
        let l = try layout(spec, input)
        func partitionBounds() -> [(Int, Int)] { (0..<l.partitionCount).map { (l.starts[$0], l.starts[$0 + 1]) } }
        switch spec.function {
        case .rowNumber, .rank, .denseRank, .percentRank, .cumeDist, .ntile:
            var out = [Int64](repeating: 0, count: n)
            var doubles = [Double](repeating: 0, count: n)
            let ends = peerEnds(l)
            var buckets: [Int64] = []
            if case .ntile(let e) = spec.function {
                let c = try Evaluator.evaluate(e, input)
                buckets = Vectors.int64s(c) ?? []
                if n > 0, c.isNull(0) { return ColumnKernels.nulls(.int64, count: n) }
            }
            for (s, e) in partitionBounds() {
                let size = e - s
                var rank = 1, dense = 0
                for i in s..<e {
                    let row = Int(l.rows[i])
                    if i == s || !peers(l, i - 1, i) { rank = i - s + 1; dense += 1 }
                    switch spec.function {
                    case .rowNumber: out[row] = Int64(i - s + 1)
                    case .rank: out[row] = Int64(rank)
                    case .denseRank: out[row] = Int64(dense)
                    case .percentRank: doubles[row] = size > 1 ? Double(rank - 1) / Double(size - 1) : 0
                    case .cumeDist: doubles[row] = Double(ends[i] - s) / Double(size)
                    default:
                        let b = max(1, Int(buckets.isEmpty ? 1 : buckets[row]))
                        let k = i - s
                        let small = size / b, extra = size % b
                        // The first `extra` buckets hold one row more.
                        let big = extra * (small + 1)
                        out[row] = k < big ? Int64(k / (small + 1) + 1) : Int64(extra + (k - big) / max(1, small) + 1)
                    }
                }
            }
            if case .percentRank = spec.function { return Column(type: .float64, values: .float64(doubles)) }
            if case .cumeDist = spec.function { return Column(type: .float64, values: .float64(doubles)) }
            return Column(type: .int64, values: .int64(out))
        case .lag(let e, let offset, let defaultValue), .lead(let e, let offset, let defaultValue):
            let value = try Evaluator.evaluate(e, input)
            let forward: Bool
            if case .lead = spec.function { forward = true } else { forward = false }
            var source = [Int32](repeating: -1, count: n)
            for (s, end) in partitionBounds() {
                for i in s..<end {
                    let j = forward ? i + offset : i - offset
                    if j >= s && j < end { source[Int(l.rows[i])] = l.rows[j] }
                }
            }
            let gathered = ColumnKernels.gatherOrNull(value, source)
            guard let defaultValue else { return gathered }
            let d = try Evaluator.evaluate(defaultValue, input)
            return ColumnKernels.choose([gathered, d], choice: source.map { $0 >= 0 ? 0 : 1 }, type: spec.type)
        case .firstValue(let e), .lastValue(let e), .nthValue(let e, _):
            let value = try Evaluator.evaluate(e, input)
            let frames = try self.frames(spec, l, input)
            var source = [Int32](repeating: -1, count: n)
            for i in 0..<l.rows.count {
                let (fs, fe) = frames[i]
                guard fs < fe else { continue }
                let j: Int
                switch spec.function {
                case .firstValue: j = fs
                case .lastValue: j = fe - 1
                case .nthValue(_, let k): j = fs + k - 1
                default: j = fs
                }
                if j < fe { source[Int(l.rows[i])] = l.rows[j] }
            }
            return ColumnKernels.gatherOrNull(value, source)
        case .aggregate(let agg):
            return try aggregate(agg, spec, l, input)
        }
    }

    /// Each sorted position's frame as sorted positions [start, end).
    private func frames(_ spec: WindowSpec, _ l: Layout, _ input: RecordBatch) throws -> [(Int, Int)] {
        var out = [(Int, Int)](repeating: (0, 0), count: l.rows.count)
        let frame = spec.frame ?? (spec.orderBy.isEmpty
            ? WindowSpec.Frame(unit: .rows, start: .unboundedPreceding, end: .unboundedFollowing)
            : WindowSpec.Frame(unit: .range, start: .unboundedPreceding, end: .currentRow))
        let ends = frame.unit == .range ? peerEnds(l) : []
        let starts = frame.unit == .range ? peerStarts(l) : []
        // RANGE with offsets: positions by the value of the one ORDER BY key.
        var keyValues: [Double] = []
        if frame.unit == .range, [frame.start, frame.end].contains(where: { if case .preceding = $0 { return true }; if case .following = $0 { return true }; return false }),
           let orderExpr = spec.orderBy.first?.expr {
            let c = try Evaluator.evaluate(orderExpr, input)
            keyValues = Vectors.doubles(c) ?? []
        }
        let descending = spec.orderBy.first?.descending ?? false
        for k in 0..<l.partitionCount {
            let s = l.starts[k], e = l.starts[k + 1]
            for i in s..<e {
                func bound(_ b: WindowSpec.FrameBound, isStart: Bool) -> Int {
                    switch b {
                    case .unboundedPreceding: return s
                    case .unboundedFollowing: return e
                    case .currentRow:
                        if frame.unit == .rows { return isStart ? i : i + 1 }
                        return isStart ? starts[i] : ends[i]
                    case .preceding(let d), .following(let d):
                        let forward: Bool
                        if case .following = b { forward = true } else { forward = false }
                        if frame.unit == .rows {
                            let j = forward ? i + Int(d) : i - Int(d)
                            return max(s, min(e, isStart ? j : j + 1))
                        }
                        guard !keyValues.isEmpty else { return isStart ? s : e }
                        let v = keyValues[Int(l.rows[i])]
                        // In sort direction, the frame edge is the key value moved by d.
                        let target = (forward != descending) ? v + Double(d) : v - Double(d)
                        // First sorted position whose key is past (or, for the start, at) the target.
                        var lo = s, hi = e
                        while lo < hi {
                            let mid = (lo + hi) / 2
                            let x = keyValues[Int(l.rows[mid])]
                            let before = descending ? (isStart ? x > target : x >= target) : (isStart ? x < target : x <= target)
                            if before { lo = mid + 1 } else { hi = mid }
                        }
                        return lo
                    }
                }
                let fs = bound(frame.start, isStart: true), fe = bound(frame.end, isStart: false)
                out[i] = (fs, max(fs, fe))
            }
        }
        return out
    }

    private func aggregate(_ agg: AggregateSpec, _ spec: WindowSpec, _ l: Layout, _ input: RecordBatch) throws -> Column {
        let n = input.rowCount
        var arg = try agg.argument.map { try Evaluator.evaluate($0, input) }
        var extra: [Column] = []
        switch agg.function {
        case .argMin, .argMax: extra = try agg.extraArguments.prefix(1).map { try Evaluator.evaluate($0, input) }
        case .stringAgg: extra = try agg.orderBy.map { try Evaluator.evaluate($0.expr, input) }
        default: break
        }
        if let f = agg.filter {
            let mask = try Evaluator.truth(f, input)
            if let a = arg { arg = ColumnKernels.masked(a, mask); extra = extra.map { ColumnKernels.masked($0, mask) } } else {
                arg = Column(type: .boolean, values: .boolean(mask), validity: Bitmap(bools: mask))
            }
        }
        let wholePartition: Bool = {
            guard let f = spec.frame else { return spec.orderBy.isEmpty }
            return f.start == .unboundedPreceding && f.end == .unboundedFollowing
        }()
        if wholePartition {
            // One grouped aggregation by partition, then each row takes its partition's value.
            var acc = Accumulator(agg)
            try acc.update(groups: l.partitionOfRow, arg: arg, extra: extra, groupCount: l.partitionCount)
            let perPartition = acc.resultColumn(groups: l.partitionCount)
            return perPartition.gather(l.partitionOfRow)
        }
        let frames = try self.frames(spec, l, input)
        let prefixable = !agg.distinct && [.count, .countStar, .sum, .avg].contains(agg.function)
            && (arg == nil || SQLType.isNumeric(arg!.type) || agg.function == .count || agg.function == .countStar)
        var results = [Scalar](repeating: .null, count: n)
        if prefixable {
            // Prefix sums per partition in sorted order: a frame's sum is a difference.
            let doubles = arg.flatMap { Vectors.doubles($0) }
            let ints = arg.flatMap { TypeRules.isInteger($0.type) ? Vectors.int64s($0) : nil }
            for k in 0..<l.partitionCount {
                let s = l.starts[k], e = l.starts[k + 1]
                var cnt = [Int64](repeating: 0, count: e - s + 1)
                var dsum = [Double](repeating: 0, count: e - s + 1)
                var isum = [Int64](repeating: 0, count: e - s + 1)
                var overflow = false
                for i in s..<e {
                    let row = Int(l.rows[i])
                    let valid = arg.map { !$0.isNull(row) } ?? true
                    cnt[i - s + 1] = cnt[i - s] + (valid ? 1 : 0)
                    dsum[i - s + 1] = dsum[i - s] + (valid ? (doubles?[row] ?? 0) : 0)
                    let (r, o) = isum[i - s].addingReportingOverflow(valid ? (ints?[row] ?? 0) : 0)
                    isum[i - s + 1] = r
                    overflow = overflow || o
                }
                if overflow && agg.type == .int64 { throw QueryError.execution("integer overflow in \(agg.text): the sum exceeds BIGINT") }
                for i in s..<e {
                    let (fs, fe) = frames[i]
                    let row = Int(l.rows[i])
                    let c = cnt[fe - s] - cnt[fs - s]
                    switch agg.function {
                    case .count, .countStar: results[row] = .int(c)
                    case .avg: results[row] = c > 0 ? .double((dsum[fe - s] - dsum[fs - s]) / Double(c)) : .null
                    default:
                        guard c > 0 else { results[row] = .null; continue }
                        if agg.type == .int64 { results[row] = .int(isum[fe - s] &- isum[fs - s]) }
                        else if case .decimal(_, let sc) = agg.type { results[row] = .decimal(isum[fe - s] &- isum[fs - s], sc) }
                        else { results[row] = .double(dsum[fe - s] - dsum[fs - s]) }
                    }
                }
            }
            return ColumnFactory.fromScalars(results, type: agg.type)
        }
        // Any other aggregate: fold each row's frame.
        for i in 0..<l.rows.count {
            let (fs, fe) = frames[i]
            var acc = Accumulator(agg)
            if fe > fs {
                let picked = Array(l.rows[fs..<fe])
                try acc.updateSingleGroup(rows: picked.count, arg: arg?.gather(picked), extra: extra.map { $0.gather(picked) })
            } else {
                acc.grow(to: 1)
            }
            results[Int(l.rows[i])] = acc.result(0)
        }
        return ColumnFactory.fromScalars(results, type: agg.type)
    }
}
