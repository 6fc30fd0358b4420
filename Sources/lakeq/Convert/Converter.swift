import Foundation
import LakeqIngest
import LakeqColumnar
import LakeqParquet

/// What `convert` reads and how it writes.
struct ConvertSettings {
    enum Format { case csv, jsonl }
    var format: Format
    /// From `--schema`; nil means infer.
    var schema: [ColumnSpec]?
    var writer = WriterOptions()
    var skipBad = false
    /// Bad rows reported one by one before only counting.
    var reportLimit = 100
}

/// CSV / JSON Lines to one Parquet file, parsed and written row group by row group. Without a
/// schema the column types are inferred from a sample and every value is checked against
/// them as it is parsed; a value that would have changed a type (a late null, a `1.5` in an
/// integer column, …) abandons that attempt for an exact two-pass run: infer over all rows,
/// then convert. Either way the output is the same. Writes to a temporary file renamed over
/// `output` only on success.
struct Converter {
    let settings: ConvertSettings
    var errorOutput: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    struct Summary {
        var rows = 0
        var badRows = 0
        var columns: [ColumnSpec] = []
        /// How the types were found: "schema", "sample" (one pass) or "full" (two passes).
        var inference = "schema"
    }

    /// Records read from each sampled chunk, and how many chunks (spread over the input).
    var sampleRecords = 4_096
    var sampleChunks = 16

    /// A parse under sampled types met a value that contradicts them.
    private struct SpeculationMiss: Error {}

    /// Lines per parallel chunk; a segment (about a row group) is parsed as one chunk on one
    /// thread, so that its columns need no joining.
    var chunkLines = 65_536

    func run(input: String, output: String) throws -> Summary {
        let file = try InputFile(path: input)
        return try file.data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Summary in
            // CSV: the header record, and where the data records start.
            var header: [String] = []
            var dataStart = 0, firstLine = 1
            if settings.format == .csv {
                var scanner = CSVScanner(bytes)
                var fields: [RawField] = []
                var error: String?
                let scratch = TextScratch()
                guard scanner.next(into: &fields, error: &error) != nil else { throw FormatError.usage("\(input): empty CSV: no header row") }
                if let error { throw FormatError.usage("\(input): CSV header: \(error)") }
                header = fields.map { String(decoding: CSVScanner.text(bytes, $0, scratch: scratch), as: UTF8.self) }
                dataStart = scanner.pos
                firstLine = scanner.line
            }
            let perSegment = max(1, min(settings.writer.rowGroupRows, 1 << 20))
            let (segments, _) = ParallelChunks.segments(bytes, from: dataStart, firstLine: firstLine, perSegment: perSegment,
                                                        perChunk: settings.writer.threads > 1 ? max(1, min(chunkLines, perSegment)) : perSegment,
                                                        csvQuotes: settings.format == .csv)
            let chunks = segments.flatMap { $0 }
            func attempt(_ columns: [ColumnSpec], speculative: [Bool]?) throws -> Summary {
                guard !columns.isEmpty else { throw FormatError.usage("\(input): no columns") }
                let tmp = output + ".tmp-\(getpid())"
                do {
                    let summary = try convert(bytes, columns: columns, speculative: speculative, header: header, segments: segments, input: input, to: tmp)
                    guard rename(tmp, output) == 0 else {
                        throw FormatError.io("\(output): cannot rename the finished file into place: \(String(cString: strerror(errno)))")
                    }
                    return summary
                } catch {
                    unlink(tmp)
                    throw error
                }
            }
            if let schema = settings.schema { return try attempt(schema, speculative: nil) }
            let sampled = try infer(bytes, header: header, chunks: chunks, sampled: true)
            do {
                var summary = try attempt(sampled.columns, speculative: sampled.sawValue)
                summary.inference = "sample"
                return summary
            } catch is SpeculationMiss {
                var summary = try attempt(try infer(bytes, header: header, chunks: chunks, sampled: false).columns, speculative: nil)
                summary.inference = "full"
                return summary
            }
        }
    }

    // MARK: pass 1

    /// Column types inferred from every record or, `sampled`, from the first `sampleRecords` of up to
    /// `sampleChunks` chunks spread over the input (JSON Lines: a prefix, so that columns keep
    /// the order of their first appearance). `sawValue`: the column had a non-null value.
    private func infer(_ bytes: UnsafeRawBufferPointer, header: [String], chunks allChunks: [Chunk],
                       sampled: Bool) throws -> (columns: [ColumnSpec], sawValue: [Bool]) {
        var chunks = allChunks
        let limit = sampled ? sampleRecords : Int.max
        if sampled && chunks.count > sampleChunks {
            chunks = (0..<sampleChunks).map { allChunks[$0 * allChunks.count / sampleChunks] }
        }
        var names: [String] = []
        var states: [InferenceState] = []
        let scratch = TextScratch()
        switch settings.format {
        case .csv:
            names = header
            let width = names.count
            // Chunks in parallel, then merged: inference is order-independent.
            let parts = ParallelChunks.map(threads: settings.writer.threads, chunks) { chunk -> [InferenceState] in
                var states = Array(repeating: InferenceState(), count: width)
                let sub = UnsafeRawBufferPointer(rebasing: bytes[chunk.start..<chunk.end])
                var scanner = CSVScanner(sub)
                var fields: [RawField] = []
                var error: String?
                let scratch = TextScratch()
                var records = 0
                while records < limit, scanner.next(into: &fields, error: &error) != nil {
                    records += 1
                    guard error == nil, fields.count == width else { continue }  // reported in pass 2
                    for (k, f) in fields.enumerated() {
                        if f.isNull { states[k].sawNull = true; continue }
                        states[k].observe(CSVScanner.text(sub, f, scratch: scratch), kind: .text)
                    }
                }
                return states
            }
            states = Array(repeating: InferenceState(), count: width)
            for p in parts { for k in 0..<width { states[k].merge(p[k]) } }
        case .jsonl:
            var scanner = JSONLScanner(bytes)
            var keys: [RawField] = [], values: [RawField] = []
            var error: String?
            var index: [String: Int] = [:]
            var seen: [Bool] = []
            var records = 0, goodRecords = 0
            let limit = sampled ? sampleRecords * sampleChunks : Int.max
            while records < limit, scanner.next(keys: &keys, values: &values, error: &error) != nil {
                records += 1
                guard error == nil else { continue }
                defer { goodRecords += 1 }
                seen = Array(repeating: false, count: names.count)
                for (k, key) in keys.enumerated() {
                    guard let kt = JSONLScanner.text(bytes, key, scratch: scratch) else { continue }
                    let name = String(decoding: kt, as: UTF8.self)
                    let c: Int
                    if let i = index[name] { c = i } else {
                        c = names.count
                        index[name] = c
                        names.append(name)
                        var st = InferenceState()
                        st.sawNull = goodRecords > 0  // absent from the earlier rows
                        states.append(st)
                        seen.append(false)
                    }
                    seen[c] = true
                    let v = values[k]
                    if v.isNull { states[c].sawNull = true; continue }
                    guard let t = v.kind == .jsonString ? JSONLScanner.text(bytes, v, scratch: scratch) : UnsafeRawBufferPointer(rebasing: bytes[v.start..<v.end]) else { continue }
                    states[c].observe(t, kind: v.kind)
                }
                for c in seen.indices where !seen[c] { states[c].sawNull = true }
            }
        }
        var out: [ColumnSpec] = []
        var used = Set<String>()
        for (k, n) in names.enumerated() {
            guard used.insert(n).inserted else { throw FormatError.usage("duplicate column name \(n)") }
            out.append(ColumnSpec(name: n, type: states[k].type, nullable: states[k].sawNull || !states[k].sawValue))
        }
        return (out, states.map(\.sawValue))
    }

    // MARK: pass 2

    /// One chunk parsed: its good rows as columns, and its bad rows (line, reason) in order.
    struct Part {
        var columns: [Column] = []
        var rows = 0
        var bad: [(line: Int, reason: String)] = []
        /// A value contradicted the sampled types; the part is incomplete.
        var missed = false
    }

    /// Parses and writes. `speculative` (sampled types; per column whether the sample had a
    /// value) makes a value that contradicts the types throw `SpeculationMiss`.
    private func convert(_ bytes: UnsafeRawBufferPointer, columns: [ColumnSpec], speculative: [Bool]?, header: [String],
                         segments: [[Chunk]], input: String, to path: String) throws -> Summary {
        let schema = Schema(columns.map { Field(name: $0.name, type: $0.type.dataType, nullable: $0.nullable) })
        let writer = try ParquetWriter(path: path, schema: schema, options: settings.writer)
        var summary = Summary(columns: columns)
        let byName = Dictionary(columns.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        // CSV: map header positions to output columns.
        var target = [Int](repeating: -1, count: header.count)
        if settings.format == .csv {
            for (p, h) in header.enumerated() {
                guard let k = byName[h] else { throw FormatError.usage("\(input): CSV column \(h) is not in the schema") }
                target[p] = k
            }
            for c in columns where !header.contains(c.name) { throw FormatError.usage("\(input): schema column \(c.name) is missing from the CSV header") }
        }
        let nameBytes = columns.map { Array($0.name.utf8) }
        // Reports wait for the end: an abandoned speculative run must not have printed any.
        var reports: [String] = []

        for segment in segments {
            // Parse the segment's chunks in parallel; write (and report) in input order.
            let parts = ParallelChunks.map(threads: settings.writer.threads, segment) { chunk in
                parseChunk(bytes, chunk, columns: columns, speculative: speculative, target: target, byName: byName, nameBytes: nameBytes)
            }
            if parts.contains(where: \.missed) { throw SpeculationMiss() }
            var rows = 0
            for part in parts {
                for b in part.bad {
                    summary.badRows += 1
                    if summary.badRows <= settings.reportLimit { reports.append("\(input):\(b.line): \(b.reason)") }
                }
                rows += part.rows
            }
            summary.rows += rows
            // With bad rows and no --skip-bad nothing is kept: skip the encoding work.
            if rows > 0 && (summary.badRows == 0 || settings.skipBad) {
                // One batch per segment, its columns joined in parallel: the writer takes
                // a batch that starts a row group without copying it.
                let live = parts.filter { $0.rows > 0 }
                let joined = live.count == 1 ? live[0].columns : ParallelChunks.map(threads: settings.writer.threads, Array(columns.indices)) { k in
                    Column.joined(live.map { $0.columns[k] })
                }
                try writer.write(RecordBatch(schema: schema, columns: joined, rowCount: rows))
            }
        }
        for r in reports { errorOutput(r) }
        if summary.badRows > settings.reportLimit { errorOutput("\(input): … \(summary.badRows - settings.reportLimit) more bad rows") }
        if summary.badRows > 0 && !settings.skipBad {
            throw FormatError.badRows(summary.badRows)
        }
        try writer.close()
        return summary
    }

    private func parseChunk(_ bytes: UnsafeRawBufferPointer, _ chunk: Chunk, columns: [ColumnSpec], speculative: [Bool]?,
                            target: [Int], byName: [String: Int], nameBytes: [[UInt8]]) -> Part {
        let sub = UnsafeRawBufferPointer(rebasing: bytes[chunk.start..<chunk.end])
        var acc = columns.map { ColumnAccumulator($0) }
        defer { for k in acc.indices { acc[k].deallocate() } }
        for k in acc.indices { acc[k].reserve(chunk.lines, averageBytes: 16) }
        var part = Part()
        let scratch = TextScratch()

        // No nested functions here: captured `acc` / `part` would be boxed and access-checked.
        let nullable = columns.map(\.nullable)
        // Speculative: checked columns (not strings, whose inferred type nothing changes), and
        // columns the sample saw only nulls in (any value is a miss).
        let speculating = speculative != nil
        let checked = columns.map { speculating && $0.type != .string }
        let sampleNullOnly = speculative.map { $0.map { !$0 } } ?? Array(repeating: false, count: columns.count)
        switch settings.format {
        case .csv:
            var scanner = CSVScanner(sub)
            scanner.line = chunk.firstLine
            var fields: [RawField] = []
            fields.reserveCapacity(target.count + 1)
            var error: String?
            let width = target.count
            while let line = scanner.next(into: &fields, error: &error) {
                var reason: String?
                if let error {
                    reason = error
                } else if fields.count != width {
                    reason = "expected \(width) fields, found \(fields.count)"
                } else {
                    for p in 0..<width {
                        let f = fields[p]
                        let k = target[p]
                        if f.isNull {
                            if !nullable[k] {
                                if speculating { part.missed = true; return part }
                                reason = "\(columns[k].name): null in a non-nullable column"; break
                            }
                            acc[k].appendNull()
                            continue
                        }
                        if speculating && (checked[k] || sampleNullOnly[k]) {
                            if sampleNullOnly[k] || !acc[k].appendInferred(CSVScanner.text(sub, f, scratch: scratch), kind: .text) {
                                part.missed = true; return part
                            }
                            continue
                        }
                        if let r = acc[k].append(CSVScanner.text(sub, f, scratch: scratch), kind: .text) { reason = r; break }
                    }
                }
                if let reason {
                    part.bad.append((line, reason))
                    for k in acc.indices { acc[k].truncate(to: part.rows) }
                    continue
                }
                part.rows += 1
            }
        case .jsonl:
            var scanner = JSONLScanner(sub)
            scanner.acceptsNested = columns.contains { $0.type.isNested }  // with --schema list<…>/struct<…>/map<…>
            scanner.line = chunk.firstLine - 1
            var keys: [RawField] = [], values: [RawField] = []
            var error: String?
            var filled = [Bool](repeating: false, count: columns.count)
            while let line = scanner.next(keys: &keys, values: &values, error: &error) {
                var reason: String?
                if let error { reason = error } else {
                    for k in filled.indices { filled[k] = false }
                    for (i, key) in keys.enumerated() {
                        // Fast path: the i-th key is usually the i-th column.
                        var k = -1
                        let raw = UnsafeRawBufferPointer(rebasing: sub[key.start..<key.end])
                        if !key.escaped, i < nameBytes.count, raw.elementsEqual(nameBytes[i]) { k = i } else {
                            guard let kt = JSONLScanner.text(sub, key, scratch: scratch) else { reason = "bad escape in a key"; break }
                            k = byName[String(decoding: kt, as: UTF8.self)] ?? -1
                        }
                        guard k >= 0 else {
                            if speculating { part.missed = true; return part }  // a key the sample did not have
                            reason = "unexpected field \(String(decoding: raw, as: UTF8.self))"; break
                        }
                        guard !filled[k] else { reason = "duplicate field \(columns[k].name)"; break }
                        filled[k] = true
                        let v = values[i]
                        if v.isNull {
                            if !nullable[k] {
                                if speculating { part.missed = true; return part }
                                reason = "\(columns[k].name): null in a non-nullable column"; break
                            }
                            acc[k].appendNull()
                            continue
                        }
                        let text: UnsafeRawBufferPointer
                        if v.kind == .jsonString {
                            guard let t = JSONLScanner.text(sub, v, scratch: scratch) else { reason = "\(columns[k].name): bad string escape"; break }
                            text = t
                        } else {
                            text = UnsafeRawBufferPointer(rebasing: sub[v.start..<v.end])
                        }
                        if speculating && (checked[k] || sampleNullOnly[k]) {
                            if sampleNullOnly[k] || !acc[k].appendInferred(text, kind: v.kind) { part.missed = true; return part }
                            continue
                        }
                        if let r = acc[k].append(text, kind: v.kind) { reason = r; break }
                    }
                    if reason == nil {
                        for k in filled.indices where !filled[k] {
                            if !nullable[k] {
                                if speculating { part.missed = true; return part }
                                reason = "\(columns[k].name): missing from a non-nullable column"; break
                            }
                            acc[k].appendNull()
                        }
                    }
                }
                if let reason {
                    part.bad.append((line, reason))
                    for k in acc.indices { acc[k].truncate(to: part.rows) }
                    continue
                }
                part.rows += 1
            }
        }
        part.columns = acc.indices.map { acc[$0].take() }
        return part
    }
}
