import Foundation
import LakeqColumnar
import LakeqParquet

/// What `convert` reads and how it writes.
struct ConvertSettings {
    enum Format { case csv, jsonl }
    var format: Format
    /// From `--schema`; nil means infer.
    var schema: [ConvertColumn]?
    var writer = WriterOptions()
    var skipBad = false
    /// Bad rows reported one by one before only counting.
    var reportLimit = 100
}

/// Per-column type inference. The rule never loses information: a column takes the
/// narrowest type every non-null value converts to exactly, else it stays a string.
struct InferenceState {
    var sawValue = false, sawNull = false
    var canInt = true, canDouble = true, canBool = true, canDate = true, canTimestamp = true
    /// Largest integer magnitude seen: doubles hold integers exactly only up to 2^53.
    var maxAbsInt: UInt64 = 0

    mutating func observe(_ t: UnsafeRawBufferPointer, kind: RawField.Kind) {
        sawValue = true
        switch kind {
        case .jsonString: canInt = false; canDouble = false; canBool = false
        case .jsonNumber: canBool = false; canDate = false; canTimestamp = false
        case .jsonLiteral: canInt = false; canDouble = false; canDate = false; canTimestamp = false
        case .text: break
        }
        if canInt {
            if let v = ValueParse.int64(t) { maxAbsInt = max(maxAbsInt, v.magnitude) } else { canInt = false }
        }
        if canDouble {
            if let d = ValueParse.double(t, lenient: false), d.isFinite {
                if ValueParse.int64(t) == nil, !t.contains(UInt8(ascii: ".")), !t.contains(UInt8(ascii: "e")), !t.contains(UInt8(ascii: "E")), !(t.count == 2 && t[0] == UInt8(ascii: "-") && t[1] == UInt8(ascii: "0")) {
                    canDouble = false  // an integer too large for Int64: as a double it would be rounded
                }
            } else {
                canDouble = false
            }
        }
        if canBool && ValueParse.bool(t, lenient: false) == nil { canBool = false }
        if canDate || canTimestamp {
            let isDate = ValueParse.date(t) != nil
            if !isDate { canDate = false }
            if canTimestamp && !isDate && ValueParse.timestamp(t, unit: .micros) == nil { canTimestamp = false }
        }
    }

    var type: ConvertType {
        guard sawValue else { return .string }
        if canInt { return .int64 }
        if canDouble && maxAbsInt <= (1 << 53) { return .double }
        if canBool { return .boolean }
        if canDate { return .date }
        if canTimestamp { return .timestamp(.micros) }
        return .string
    }
}

/// Accumulates one output column's values for the current batch; rows can be rolled back.
struct ColumnAccumulator {
    let column: ConvertColumn
    var i32: [Int32] = [], i64: [Int64] = [], f64: [Double] = [], bools: [Bool] = []
    var bytes = ByteArrays()
    var fixed: FixedBytes
    var valid: [Bool] = []
    var nulls = 0

    static func decimalWidth(_ p: Int) -> Int {
        max(1, (Int((Double(p) * 3.321928094887362).rounded(.up)) + 1 + 7) / 8)
    }

    init(_ c: ConvertColumn) {
        column = c
        if case .decimal(let p, _) = c.type { fixed = FixedBytes(width: p > 18 ? Self.decimalWidth(p) : 1) } else { fixed = FixedBytes(width: 1) }
    }

    var count: Int { valid.count }

    mutating func truncate(to n: Int) {
        guard valid.count > n else { return }
        for k in n..<valid.count where !valid[k] { nulls -= 1 }
        valid.removeLast(valid.count - n)
        switch column.type {
        case .int32, .date: i32.removeLast(i32.count - n)
        case .int64, .timestamp: i64.removeLast(i64.count - n)
        case .double: f64.removeLast(f64.count - n)
        case .boolean: bools.removeLast(bools.count - n)
        case .string: bytes.offsets.removeLast(bytes.offsets.count - 1 - n); bytes.data.removeLast(bytes.data.count - Int(bytes.offsets[n]))
        case .decimal(let p, _):
            if p <= 9 { i32.removeLast(i32.count - n) } else if p <= 18 { i64.removeLast(i64.count - n) } else { fixed.data.removeLast(fixed.data.count - n * fixed.width) }
        }
    }

    mutating func appendNull() {
        valid.append(false)
        nulls += 1
        switch column.type {
        case .int32, .date: i32.append(0)
        case .int64, .timestamp: i64.append(0)
        case .double: f64.append(0)
        case .boolean: bools.append(false)
        case .string: bytes.appendEmpty()
        case .decimal(let p, _):
            if p <= 9 { i32.append(0) } else if p <= 18 { i64.append(0) } else { fixed.data.append(contentsOf: repeatElement(0, count: fixed.width)) }
        }
    }

    /// Parses and appends `t`; returns a reason when it is not a value of the column's type.
    mutating func append(_ t: UnsafeRawBufferPointer, kind: RawField.Kind) -> String? {
        let strict = kind != .text  // JSON: the token kind must fit the type
        switch column.type {
        case .string:
            if kind == .jsonNumber || kind == .jsonLiteral {
                return "\(column.name): expected a string, found \(show(t))"
            }
            bytes.append(t)
        case .int64, .int32:
            if strict && kind != .jsonNumber { return "\(column.name): expected an integer, found \(show(t))" }
            guard let v = ValueParse.int64(t) ?? (t.count > 1 && t[0] == UInt8(ascii: "+") ? ValueParse.int64(UnsafeRawBufferPointer(rebasing: t[1...])) : nil) ?? (t.elementsEqual("-0".utf8) ? 0 : nil) else {
                return "\(column.name): not an integer: \(show(t))"
            }
            if column.type == .int32 {
                guard let w = Int32(exactly: v) else { return "\(column.name): \(v) is out of int32 range" }
                i32.append(w)
            } else {
                i64.append(v)
            }
        case .double:
            if strict && kind != .jsonNumber { return "\(column.name): expected a number, found \(show(t))" }
            guard let d = ValueParse.double(t, lenient: !strict) else { return "\(column.name): not a number: \(show(t))" }
            f64.append(d)
        case .boolean:
            if strict && kind != .jsonLiteral { return "\(column.name): expected true or false, found \(show(t))" }
            guard let b = ValueParse.bool(t, lenient: true) else { return "\(column.name): not a boolean: \(show(t))" }
            bools.append(b)
        case .date:
            if strict && kind != .jsonString { return "\(column.name): expected a date string, found \(show(t))" }
            guard let d = ValueParse.date(t) else { return "\(column.name): not a date (YYYY-MM-DD): \(show(t))" }
            i32.append(d)
        case .timestamp(let unit):
            if strict && kind != .jsonString { return "\(column.name): expected a timestamp string, found \(show(t))" }
            guard let v = ValueParse.timestamp(t, unit: unit) ?? ValueParse.date(t).flatMap({ Int64($0).multipliedReportingOverflow(by: 86_400 * unit.perSecond).overflow ? nil : Int64($0) * 86_400 * unit.perSecond }) else {
                return "\(column.name): not an ISO-8601 timestamp (or finer than \(unit)): \(show(t))"
            }
            i64.append(v)
        case .decimal(let p, let s):
            if strict && kind != .jsonNumber && kind != .jsonString { return "\(column.name): expected a decimal, found \(show(t))" }
            let width = p <= 18 ? 8 : fixed.width
            guard let be = ValueParse.decimal(t, precision: p, scale: s, width: width) else {
                return "\(column.name): not a decimal(\(p),\(s)) without rounding: \(show(t))"
            }
            if p <= 18 {
                var v: UInt64 = 0
                for b in be { v = v << 8 | UInt64(b) }
                if p <= 9 { i32.append(Int32(truncatingIfNeeded: Int64(bitPattern: v))) } else { i64.append(Int64(bitPattern: v)) }
            } else {
                fixed.data.append(contentsOf: be)
            }
        }
        valid.append(true)
        return nil
    }

    private func show(_ t: UnsafeRawBufferPointer) -> String {
        let s = String(decoding: t.prefix(60), as: UTF8.self)
        return "\"\(s)\"" + (t.count > 60 ? "…" : "")
    }

    /// The accumulated values as a column; the accumulator is emptied.
    mutating func take() -> Column {
        let validity: Bitmap? = nulls > 0 ? Bitmap(valid) : nil
        let values: ColumnValues
        switch column.type {
        case .int32, .date: values = .int32(i32); i32 = []
        case .int64, .timestamp: values = .int64(i64); i64 = []
        case .double: values = .float64(f64); f64 = []
        case .boolean: values = .boolean(bools); bools = []
        case .string: values = .bytes(bytes); bytes = ByteArrays()
        case .decimal(let p, _):
            if p <= 9 { values = .int32(i32); i32 = [] } else if p <= 18 { values = .int64(i64); i64 = [] } else {
                values = .fixed(fixed); fixed = FixedBytes(width: fixed.width)
            }
        }
        valid.removeAll(keepingCapacity: true)
        nulls = 0
        return Column(type: column.type.dataType, values: values, validity: validity)
    }
}

/// CSV / JSON Lines to one Parquet file: infer (first pass) unless a schema is given, then
/// parse and write row group by row group (second pass). Writes to a temporary file renamed
/// over `output` only on success.
struct Converter {
    let settings: ConvertSettings
    var errorOutput: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    struct Summary { var rows = 0; var badRows = 0; var columns: [ConvertColumn] = [] }

    func run(input: String, output: String) throws -> Summary {
        let file = try InputFile(path: input)
        return try file.data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Summary in
            let columns = try settings.schema ?? infer(bytes)
            guard !columns.isEmpty else { throw ConvertError.usage("\(input): no columns") }
            let tmp = output + ".tmp-\(getpid())"
            do {
                let summary = try convert(bytes, columns: columns, input: input, to: tmp)
                guard rename(tmp, output) == 0 else {
                    throw ConvertError.io("\(output): cannot rename the finished file into place: \(String(cString: strerror(errno)))")
                }
                return summary
            } catch {
                unlink(tmp)
                throw error
            }
        }
    }

    // MARK: pass 1

    private func infer(_ bytes: UnsafeRawBufferPointer) throws -> [ConvertColumn] {
        var names: [String] = []
        var states: [InferenceState] = []
        var scratch: [UInt8] = []
        switch settings.format {
        case .csv:
            var scanner = CSVScanner(bytes)
            var fields: [RawField] = []
            var error: String?
            guard scanner.next(into: &fields, error: &error) != nil else { throw ConvertError.usage("empty CSV: no header row") }
            if let error { throw ConvertError.usage("CSV header: \(error)") }
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
        var out: [ConvertColumn] = []
        var used = Set<String>()
        for (k, n) in names.enumerated() {
            guard used.insert(n).inserted else { throw ConvertError.usage("duplicate column name \(n)") }
            out.append(ConvertColumn(name: n, type: states[k].type, nullable: states[k].sawNull || !states[k].sawValue))
        }
        return out
    }

    // MARK: pass 2

    private func convert(_ bytes: UnsafeRawBufferPointer, columns: [ConvertColumn], input: String, to path: String) throws -> Summary {
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
            guard scanner.next(into: &fields, error: &error) != nil else { throw ConvertError.usage("\(input): empty CSV: no header row") }
            let header = fields.map { String(decoding: CSVScanner.text(bytes, $0, scratch: &scratch), as: UTF8.self) }
            // Map CSV positions to output columns.
            var target = [Int](repeating: -1, count: header.count)
            for (p, h) in header.enumerated() {
                guard let k = byName[h] else { throw ConvertError.usage("\(input): CSV column \(h) is not in the schema") }
                target[p] = k
            }
            for c in columns where !header.contains(c.name) { throw ConvertError.usage("\(input): schema column \(c.name) is missing from the CSV header") }
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
            throw ConvertError.badRows(summary.badRows)
        }
        try writer.close()
        return summary
    }
}
