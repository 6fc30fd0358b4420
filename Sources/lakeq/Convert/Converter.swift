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

/// CSV / JSON Lines to one Parquet file: infer (first pass) unless a schema is given, then
/// parse and write row group by row group (second pass). Writes to a temporary file renamed
/// over `output` only on success.
struct Converter {
    let settings: ConvertSettings
    var errorOutput: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    struct Summary { var rows = 0; var badRows = 0; var columns: [ColumnSpec] = [] }

    func run(input: String, output: String) throws -> Summary {
        let file = try InputFile(path: input)
        return try file.data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Summary in
            let columns = try settings.schema ?? infer(bytes)
            guard !columns.isEmpty else { throw FormatError.usage("\(input): no columns") }
            let tmp = output + ".tmp-\(getpid())"
            do {
                let summary = try convert(bytes, columns: columns, input: input, to: tmp)
                guard rename(tmp, output) == 0 else {
                    throw FormatError.io("\(output): cannot rename the finished file into place: \(String(cString: strerror(errno)))")
                }
                return summary
            } catch {
                unlink(tmp)
                throw error
            }
        }
    }

    // MARK: pass 1

    private func infer(_ bytes: UnsafeRawBufferPointer) throws -> [ColumnSpec] {
        var names: [String] = []
        var states: [InferenceState] = []
        var scratch: [UInt8] = []
        switch settings.format {
        case .csv:
            var scanner = CSVScanner(bytes)
            var fields: [RawField] = []
            var error: String?
            guard scanner.next(into: &fields, error: &error) != nil else { throw FormatError.usage("empty CSV: no header row") }
            if let error { throw FormatError.usage("CSV header: \(error)") }
            names = fields.map { String(decoding: CSVScanner.text(bytes, $0, scratch: &scratch), as: UTF8.self) }
            states = Array(repeating: InferenceState(), count: names.count)
            while scanner.next(into: &fields, error: &error) != nil {
                guard error == nil, fields.count == names.count else { continue }  // reported in pass 2
                for (k, f) in fields.enumerated() {
                    if f.isNull { states[k].sawNull = true; continue }
                    states[k].observe(CSVScanner.text(bytes, f, scratch: &scratch), kind: .text)
                }
            }
        case .jsonl:
            var scanner = JSONLScanner(bytes)
            var keys: [RawField] = [], values: [RawField] = []
            var error: String?
            var index: [String: Int] = [:]
            var seen: [Bool] = []
            while scanner.next(keys: &keys, values: &values, error: &error) != nil {
                guard error == nil else { continue }
                seen = Array(repeating: false, count: names.count)
                for (k, key) in keys.enumerated() {
                    guard let kt = JSONLScanner.text(bytes, key, scratch: &scratch) else { continue }
                    let name = String(decoding: kt, as: UTF8.self)
                    let c: Int
                    if let i = index[name] { c = i } else {
                        c = names.count
                        index[name] = c
                        names.append(name)
                        var st = InferenceState()
                        st.sawNull = true  // absent from the earlier rows
                        states.append(st)
                        seen.append(false)
                    }
                    seen[c] = true
                    let v = values[k]
                    if v.isNull { states[c].sawNull = true; continue }
                    guard let t = v.kind == .jsonString ? JSONLScanner.text(bytes, v, scratch: &scratch) : UnsafeRawBufferPointer(rebasing: bytes[v.start..<v.end]) else { continue }
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
        return out
    }

    // MARK: pass 2

    private func convert(_ bytes: UnsafeRawBufferPointer, columns: [ColumnSpec], input: String, to path: String) throws -> Summary {
        let schema = Schema(columns.map { Field(name: $0.name, type: $0.type.dataType, nullable: $0.nullable) })
        let writer = try ParquetWriter(path: path, schema: schema, options: settings.writer)
        var acc = columns.map { ColumnAccumulator($0) }
        var summary = Summary(columns: columns)
        let batchRows = max(1, min(settings.writer.rowGroupRows, 1 << 20))
        var rowsInBatch = 0
        var scratch: [UInt8] = []
        let byName = Dictionary(columns.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })

        func bad(_ line: Int, _ reason: String) {
            summary.badRows += 1
            if summary.badRows <= settings.reportLimit { errorOutput("\(input):\(line): \(reason)") }
            for k in acc.indices { acc[k].truncate(to: rowsInBatch) }
        }
        func rowDone() throws {
            rowsInBatch += 1
            summary.rows += 1
            if rowsInBatch == batchRows { try flush() }
        }
        func flush() throws {
            guard rowsInBatch > 0 else { return }
            // With bad rows and no --skip-bad nothing is kept: skip the encoding work.
            if summary.badRows > 0 && !settings.skipBad {
                for k in acc.indices { acc[k].truncate(to: 0) }
            } else {
                let cols = acc.indices.map { acc[$0].take() }
                try writer.write(RecordBatch(schema: schema, columns: cols, rowCount: rowsInBatch))
            }
            rowsInBatch = 0
        }
        @inline(__always) func put(_ k: Int, _ f: RawField, _ text: UnsafeRawBufferPointer) -> String? {
            acc[k].append(text, kind: f.kind)
        }

        switch settings.format {
        case .csv:
            var scanner = CSVScanner(bytes)
            var fields: [RawField] = []
            var error: String?
            guard scanner.next(into: &fields, error: &error) != nil else { throw FormatError.usage("\(input): empty CSV: no header row") }
            let header = fields.map { String(decoding: CSVScanner.text(bytes, $0, scratch: &scratch), as: UTF8.self) }
            // Map CSV positions to output columns.
            var target = [Int](repeating: -1, count: header.count)
            for (p, h) in header.enumerated() {
                guard let k = byName[h] else { throw FormatError.usage("\(input): CSV column \(h) is not in the schema") }
                target[p] = k
            }
            for c in columns where !header.contains(c.name) { throw FormatError.usage("\(input): schema column \(c.name) is missing from the CSV header") }
            rows: while let line = scanner.next(into: &fields, error: &error) {
                if let error { bad(line, error); continue }
                guard fields.count == header.count else {
                    bad(line, "expected \(header.count) fields, found \(fields.count)")
                    continue
                }
                for (p, f) in fields.enumerated() {
                    let k = target[p]
                    if f.isNull {
                        if !columns[k].nullable { bad(line, "\(columns[k].name): null in a non-nullable column"); continue rows }
                        acc[k].appendNull()
                        continue
                    }
                    if let reason = put(k, f, CSVScanner.text(bytes, f, scratch: &scratch)) { bad(line, reason); continue rows }
                }
                try rowDone()
            }
        case .jsonl:
            var scanner = JSONLScanner(bytes)
            var keys: [RawField] = [], values: [RawField] = []
            var error: String?
            var filled = [Bool](repeating: false, count: columns.count)
            let nameBytes = columns.map { Array($0.name.utf8) }
            rows: while let line = scanner.next(keys: &keys, values: &values, error: &error) {
                if let error { bad(line, error); continue }
                for k in filled.indices { filled[k] = false }
                for (i, key) in keys.enumerated() {
                    // Fast path: the i-th key is usually the i-th column.
                    var k = -1
                    let raw = UnsafeRawBufferPointer(rebasing: bytes[key.start..<key.end])
                    if !key.escaped, i < nameBytes.count, raw.elementsEqual(nameBytes[i]) { k = i } else {
                        guard let kt = JSONLScanner.text(bytes, key, scratch: &scratch) else { bad(line, "bad escape in a key"); continue rows }
                        k = byName[String(decoding: kt, as: UTF8.self)] ?? -1
                    }
                    guard k >= 0 else { bad(line, "unexpected field \(String(decoding: raw, as: UTF8.self))"); continue rows }
                    guard !filled[k] else { bad(line, "duplicate field \(columns[k].name)"); continue rows }
                    filled[k] = true
                    let v = values[i]
                    if v.isNull {
                        if !columns[k].nullable { bad(line, "\(columns[k].name): null in a non-nullable column"); continue rows }
                        acc[k].appendNull()
                        continue
                    }
                    let text: UnsafeRawBufferPointer
                    if v.kind == .jsonString {
                        guard let t = JSONLScanner.text(bytes, v, scratch: &scratch) else { bad(line, "\(columns[k].name): bad string escape"); continue rows }
                        text = t
                    } else {
                        text = UnsafeRawBufferPointer(rebasing: bytes[v.start..<v.end])
                    }
                    if let reason = put(k, v, text) { bad(line, reason); continue rows }
                }
                for k in filled.indices where !filled[k] {
                    if !columns[k].nullable { bad(line, "\(columns[k].name): missing from a non-nullable column"); continue rows }
                    acc[k].appendNull()
                }
                try rowDone()
            }
        }
        try flush()
        if summary.badRows > settings.reportLimit { errorOutput("\(input): … \(summary.badRows - settings.reportLimit) more bad rows") }
        if summary.badRows > 0 && !settings.skipBad {
            throw FormatError.badRows(summary.badRows)
        }
        try writer.close()
        return summary
    }
}
