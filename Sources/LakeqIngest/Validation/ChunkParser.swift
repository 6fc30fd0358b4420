import Foundation
import LakeqColumnar

/// The input format of a source.
public enum SourceFormat: String, Sendable {
    case csv, jsonl
}

/// What one chunk turned into: the good rows as columns, and the bad rows.
struct ChunkOutput {
    var columns: [Column]
    var rows: Int
    var bad: [BadRow]
    var lines: Int
}

/// How a source's fields map onto the schema: for CSV, header position → column index; for
/// JSON Lines, column names as bytes (keys are matched by name).
struct FieldMap {
    var csvTarget: [Int] = []
    var csvFieldCount = 0
    var names: [[UInt8]] = []
    var byName: [String: Int] = [:]
}

extension ChunkParser {
    /// Byte equality by length and memcmp (the generic `elementsEqual` is slow on this path).
    @inline(__always) static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, a.count > 0 else { return true }
        return b.withUnsafeBytes { pb in pb.baseAddress.map { memcmp(pa, $0, a.count) == 0 } ?? false }
    }

    static func hasOddQuotes(_ line: UnsafeRawBufferPointer) -> Bool {
        var odd = false
        for b in line where b == 0x22 { odd.toggle() }
        return odd
    }

    /// A CSV record starting at `start` whose quoted fields span lines, when it parses cleanly
    /// to exactly `fieldCount` fields before `end`: where its text ends (without the line end),
    /// where the next record starts, and how many physical lines it used. nil otherwise (the
    /// first line alone is then the bad row: a stray quote must not swallow the lines after it).
    static func multiLineRecord(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, fieldCount: Int,
                                into fields: inout [RawField]) -> (end: Int, next: Int, lines: Int)? {
        let rest = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        var scanner = CSVScanner(rest)
        var found: [RawField] = []
        var error: String?
        guard scanner.next(into: &found, error: &error) != nil, error == nil, found.count == fieldCount, scanner.line > 2 else { return nil }
        var textEnd = start + scanner.pos
        if textEnd > start, bytes[textEnd - 1] == 0x0A { textEnd -= 1 }
        if textEnd > start, bytes[textEnd - 1] == 0x0D { textEnd -= 1 }
        fields = found
        return (textEnd, start + scanner.pos, scanner.line - 1)
    }
}

/// The accumulators of a chunk's columns, written in place.
typealias Accumulators = UnsafeMutableBufferPointer<ColumnAccumulator>

/// Parses and validates the lines of one chunk. Allocation per row is limited to the column
/// buffers' amortized growth; a bad row costs its reason strings.
struct ChunkParser {
    let schema: CompiledSchema
    let format: SourceFormat
    let map: FieldMap

    func parse(_ bytes: UnsafeRawBufferPointer, _ chunk: Chunk, keepColumns: Bool) -> ChunkOutput {
        let columns = schema.columns
        var acc = columns.map { ColumnAccumulator($0.spec) }
        defer { for k in acc.indices { acc[k].deallocate() } }
        for k in acc.indices { acc[k].reserve(chunk.lines, averageBytes: 12) }
        var bad: [BadRow] = []
        var rows = 0
        var good = 0
        let scratch = TextScratch()
        var fields: [RawField] = []
        // Fields of lines without quotes, split in place (room for the expected count).
        let plainFields = UnsafeMutableBufferPointer<RawField>.allocate(capacity: max(1, map.csvFieldCount))
        defer { plainFields.deallocate() }
        var keys: [RawField] = []
        var failed = [Bool](repeating: false, count: columns.count)
        var filled = [Bool](repeating: false, count: columns.count)
        var reasons: [String] = []
        var kind: ReasonKind?
        var rules = RuleScratch()
        let isDerived = columns.map { $0.derivedFrom != nil }
        // Locals: no property read per value.
        let hasSingleRules = schema.hasSingleRules
        let fastInt = schema.fastInt, fastDouble = schema.fastDouble

        var pos = chunk.start
        var line = chunk.firstLine
        // Through a buffer pointer: a value append then costs no uniqueness check of the array.
        acc.withUnsafeMutableBufferPointer { acc in
        while pos < chunk.end {
            var e = pos
            // memchr: the line end (the C routine is vectorized; a byte loop is not).
            if let base = bytes.baseAddress, let hit = memchr(base + pos, 0x0A, chunk.end - pos) {
                e = base.distance(to: UnsafeRawPointer(hit))
            } else {
                e = chunk.end
            }
            let lineStart = pos, lineNo = line
            pos = e + 1
            line += 1
            var le = e
            if le > lineStart && bytes[le - 1] == 0x0D { le -= 1 }
            if le == lineStart { continue }  // blank line: no record
            var lineBytes = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<le])
            reasons.removeAll(keepingCapacity: true)
            kind = nil
            for k in failed.indices { failed[k] = false }

            // The row state goes in as inout parameters: captured vars would be boxed and
            // every access to them checked for exclusivity at run time.
            @inline(__always) func put(_ acc: Accumulators, _ reasons: inout [String], _ kind: inout ReasonKind?,
                                       _ failed: inout [Bool], _ rules: inout RuleScratch, _ rows: Int,
                                       _ k: Int, _ f: RawField, _ text: UnsafeRawBufferPointer) {
                if let reason = acc[k].append(text, kind: f.kind) {
                    reasons.append(reason)
                    kind = kind ?? .wrongType
                    failed[k] = true
                    acc[k].appendNull()
                } else if hasSingleRules[k], !inRange(acc, k, rows), let reason = schema.checkSingle(acc, k, rows, text, &rules) {
                    reasons.append(reason)
                    kind = kind ?? (columns[k].rules.allowed != nil || columns[k].rules.regex != nil ? .notAllowed : .outOfRange)
                    failed[k] = true
                }
            }
            /// The common case of a range rule, inline: a value inside passes (outside, or other
            /// rules: `checkSingle` decides and words the reason).
            @inline(__always) func inRange(_ acc: Accumulators, _ k: Int, _ row: Int) -> Bool {
                if let b = fastInt[k] {
                    let v = b.narrow ? Int64(acc[k].int32(row)) : acc[k].int64(row)
                    return v >= b.lo && v <= b.hi
                }
                if let b = fastDouble[k] {
                    let v = acc[k].double(row)
                    return v >= b.lo && v <= b.hi && v < b.below
                }
                return false
            }
            @inline(__always) func putNull(_ acc: Accumulators, _ reasons: inout [String], _ kind: inout ReasonKind?,
                                           _ failed: inout [Bool], _ k: Int, missing: Bool) {
                if !columns[k].nullable {
                    reasons.append(missing ? "\(columns[k].name): missing" : "\(columns[k].name): null in a required column")
                    kind = kind ?? (missing ? .missingField : .null)
                    failed[k] = true
                }
                acc[k].appendNull()
            }

            var structural: String?
            var structuralKind = ReasonKind.malformed
            switch format {
            case .csv:
                var error: String?
                let fieldCount: Int
                let plain: Bool
                if let n = CSVScanner.splitPlain(lineBytes, into: plainFields) {
                    fieldCount = n
                    plain = true
                } else {
                    var scanner = CSVScanner(lineBytes)
                    _ = scanner.next(into: &fields, error: &error)
                    if error != nil, Self.hasOddQuotes(lineBytes),
                       let record = Self.multiLineRecord(bytes, from: lineStart, to: chunk.end, fieldCount: map.csvFieldCount, into: &fields) {
                        // A quoted field holds line breaks: the record is the next lines too.
                        error = nil
                        lineBytes = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<record.end])
                        le = record.end
                        pos = record.next
                        line = lineNo + record.lines
                    }
                    fieldCount = fields.count
                    plain = false
                }
                if let error {
                    structural = error
                } else if fieldCount != map.csvFieldCount {
                    structural = "expected \(map.csvFieldCount) fields, found \(fieldCount)"
                    structuralKind = .missingField
                } else {
                    for p in 0..<fieldCount {
                        let f = plain ? plainFields[p] : fields[p]
                        let k = map.csvTarget[p]
                        if f.isNull { putNull(acc, &reasons, &kind, &failed, k, missing: false); continue }
                        put(acc, &reasons, &kind, &failed, &rules, rows, k, f, CSVScanner.text(lineBytes, f, scratch: scratch))
                    }
                }
            case .jsonl:
                var scanner = JSONLScanner(lineBytes)
                scanner.acceptsNested = true  // flat columns refuse nested values themselves
                var error: String?
                _ = scanner.next(keys: &keys, values: &fields, error: &error)
                if let error {
                    structural = error
                } else {
                    for k in filled.indices { filled[k] = false }
                    for (i, key) in keys.enumerated() {
                        // Fast path: the i-th key is usually the i-th column.
                        var k = -1
                        let raw = UnsafeRawBufferPointer(rebasing: lineBytes[key.start..<key.end])
                        if !key.escaped, i < map.names.count, Self.sameBytes(raw, map.names[i]) { k = i } else {
                            guard let kt = JSONLScanner.text(lineBytes, key, scratch: scratch) else { structural = "bad escape in a key"; break }
                            k = map.byName[String(decoding: kt, as: UTF8.self)] ?? -1
                        }
                        guard k >= 0, !isDerived[k] else {
                            structural = "unexpected field \(String(decoding: raw.prefix(60), as: UTF8.self))"
                            structuralKind = .missingField
                            break
                        }
                        guard !filled[k] else { structural = "duplicate field \(columns[k].name)"; break }
                        filled[k] = true
                        let v = fields[i]
                        if v.isNull { putNull(acc, &reasons, &kind, &failed, k, missing: false); continue }
                        if v.kind == .jsonString {
                            guard let t = JSONLScanner.text(lineBytes, v, scratch: scratch) else {
                                reasons.append("\(columns[k].name): bad string escape")
                                kind = kind ?? .wrongType
                                failed[k] = true
                                acc[k].appendNull()
                                continue
                            }
                            put(acc, &reasons, &kind, &failed, &rules, rows, k, v, t)
                        } else {
                            put(acc, &reasons, &kind, &failed, &rules, rows, k, v, UnsafeRawBufferPointer(rebasing: lineBytes[v.start..<v.end]))
                        }
                    }
                    if structural == nil {
                        for k in filled.indices where !filled[k] && !isDerived[k] { putNull(acc, &reasons, &kind, &failed, k, missing: true) }
                    }
                }
            }
            if let structural {
                reasons = [structural]
                kind = structuralKind
            } else {
                schema.finishRow(acc, rows, failed, &reasons, &kind)
            }
            if !reasons.isEmpty {
                for k in acc.indices { acc[k].truncate(to: rows) }
                bad.append(BadRow(line: lineNo, start: lineStart, end: le, reasons: reasons, kind: kind ?? .malformed))
                continue
            }
            good += 1
            rows += 1
            // Validation only (the --max-bad-fraction pre-pass): keep nothing.
            if !keepColumns { for k in acc.indices { acc[k].truncate(to: 0) }; rows = 0 }
        }
        }
        let cols = keepColumns ? acc.indices.map { acc[$0].take() } : []
        return ChunkOutput(columns: cols, rows: good, bad: bad, lines: chunk.lines)
    }
}
