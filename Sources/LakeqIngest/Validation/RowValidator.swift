import Foundation
import LakeqColumnar

/// What kind of rule a bad row broke (its first reason's kind is what the summary counts).
public enum ReasonKind: String, CaseIterable, Sendable {
    /// Not a record: unterminated quote, broken JSON, nested JSON value.
    case malformed
    /// Wrong number of CSV fields, or a JSON key missing / unexpected.
    case missingField = "missing_field"
    /// A value that is not of its column's type.
    case wrongType = "wrong_type"
    /// A null in a required column.
    case null
    /// A `min` / `max` / `max_exclusive` / `max_column` / `min_column` rule.
    case outOfRange = "out_of_range"
    /// An `allowed` or `regex` rule.
    case notAllowed = "not_allowed"
    /// An `equals` rule.
    case rule
}

/// A row set aside: where it came from and every reason found.
public struct BadRow: Sendable {
    /// 1-based physical line.
    public var line: Int
    /// Byte range of the line (without its line end) in the source.
    public var start: Int
    public var end: Int
    public var reasons: [String]
    public var kind: ReasonKind
}

/// The schema prepared for checking rows fast: indices instead of names, allowed values
/// as bytes, compiled regular expressions.
final class CompiledSchema: @unchecked Sendable {
    let columns: [IngestColumn]
    /// (derived column, timestamp column it comes from).
    let derived: [(target: Int, source: Int)]
    let allowed: [[[UInt8]]?]
    /// The allowed values of up to 8 bytes, for `ShortText` compares.
    let allowedShort: [[ShortText]?]
    let regex: [NSRegularExpression?]
    let maxColumn: [Int?]
    let minColumn: [Int?]
    let equals: [(left: Int, op: RuleOp, factor: Double, right: Int)?]
    let hasSingleRules: [Bool]
    /// Columns with rules that read other columns, checked once the row is complete.
    let crossColumns: [Int]
    let ruleColumnsOnDerived: [Int]

    /// Range checks without copying the column's description (its strings would be retained
    /// and released per value): a value inside passes; one outside goes to the full check,
    /// which words the reason.
    let fastInt: [(lo: Int64, hi: Int64, narrow: Bool)?]
    let fastDouble: [(lo: Double, hi: Double, below: Double)?]
    /// String columns whose only rules are `allowed` / `regex`.
    let fastString: [Bool]

    init(_ schema: IngestSchema) {
        columns = schema.columns
        fastInt = schema.columns.map { c in
            let narrow: Bool
            switch c.type {
            case .int32, .date: narrow = true
            case .int64, .timestamp: narrow = false
            default: return nil
            }
            guard c.rules.allowed == nil, c.rules.regex == nil else { return nil }
            var lo = Int64.min, hi = Int64.max
            if let b = c.rules.min, case .int(let x) = b { lo = x }
            if let b = c.rules.max, case .int(let x) = b { hi = Swift.min(hi, x) }
            if let b = c.rules.maxExclusive, case .int(let x) = b {
                guard x > Int64.min else { return nil }
                hi = Swift.min(hi, x - 1)
            }
            return (lo, hi, narrow)
        }
        fastDouble = schema.columns.map { c in
            guard c.type == .double, c.rules.allowed == nil, c.rules.regex == nil else { return nil }
            return (c.rules.min?.asDouble ?? -.infinity, c.rules.max?.asDouble ?? .infinity, c.rules.maxExclusive?.asDouble ?? .infinity)
        }
        fastString = schema.columns.map { c in
            c.type == .string && c.rules.min == nil && c.rules.max == nil && c.rules.maxExclusive == nil
        }
        let index = Dictionary(schema.columns.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        derived = schema.columns.enumerated().compactMap { k, c in c.derivedFrom.flatMap { index[$0] }.map { (k, $0) } }
        allowed = schema.columns.map { $0.rules.allowed?.map { Array($0.utf8) } }
        allowedShort = allowed.map { list in
            list.map { $0.compactMap { v in v.withUnsafeBytes { ShortText($0) } } }
        }
        regex = schema.columns.map { c in c.rules.regex.flatMap { try? NSRegularExpression(pattern: $0) } }
        maxColumn = schema.columns.map { $0.rules.maxColumn.flatMap { index[$0] } }
        minColumn = schema.columns.map { $0.rules.minColumn.flatMap { index[$0] } }
        equals = schema.columns.map { c in
            c.rules.equals.flatMap { e in
                guard let l = index[e.left], let r = index[e.right] else { return nil }
                return (l, e.op, e.factor, r)
            }
        }
        hasSingleRules = schema.columns.map { c in
            c.rules.min != nil || c.rules.max != nil || c.rules.maxExclusive != nil || c.rules.allowed != nil || c.rules.regex != nil
        }
        crossColumns = schema.columns.indices.filter { k in
            schema.columns[k].rules.maxColumn != nil || schema.columns[k].rules.minColumn != nil || schema.columns[k].rules.equals != nil
        }
        ruleColumnsOnDerived = derived.map(\.target).filter { schema.columns[$0].rules.min != nil || schema.columns[$0].rules.max != nil || schema.columns[$0].rules.maxExclusive != nil }
    }
}

/// Values of up to 8 bytes as one integer (zero-padded; compared together with the length),
/// so that short codes are matched without building Strings or comparing byte by byte.
struct ShortText: Equatable {
    var bits: UInt64
    var length: Int

    @inline(__always) init?(_ t: UnsafeRawBufferPointer) {
        guard t.count <= 8 else { return nil }
        var v: UInt64 = 0
        if let b = t.baseAddress, t.count > 0 {
            withUnsafeMutableBytes(of: &v) { $0.baseAddress!.copyMemory(from: b, byteCount: t.count) }
        }
        bits = v
        length = t.count
    }
}

/// A direct-mapped cache of verdicts for short values (a regex column usually has few).
struct ShortVerdictCache {
    // 4,096 slots: the ~250 country codes of the sample data fit with few collisions.
    private var keys = [UInt64](repeating: 0, count: 4_096)
    /// Length + 1 of the cached value; 0: empty slot.
    private var lengths = [UInt8](repeating: 0, count: 4_096)
    private var verdicts = [Bool](repeating: false, count: 4_096)

    @inline(__always) private static func slot(_ t: ShortText) -> Int {
        Int(truncatingIfNeeded: ((t.bits &+ UInt64(t.length)) &* 0x9E37_79B9_7F4A_7C15) >> 52)
    }

    func verdict(_ t: ShortText) -> Bool? {
        let i = Self.slot(t)
        return lengths[i] == UInt8(t.length + 1) && keys[i] == t.bits ? verdicts[i] : nil
    }

    mutating func store(_ t: ShortText, _ v: Bool) {
        let i = Self.slot(t)
        keys[i] = t.bits
        lengths[i] = UInt8(t.length + 1)
        verdicts[i] = v
    }
}

/// Per-thread rule state: caches of regex verdicts (regular expressions need a String;
/// columns checked by regex usually have few distinct values): short values in a
/// direct-mapped table per column, longer ones by String.
struct RuleScratch {
    var regexCache: [Int: [String: Bool]] = [:]
    var shortRegexCache: [ShortVerdictCache?] = []
}

extension CompiledSchema {
    @inline(__always) func show(_ t: UnsafeRawBufferPointer) -> String {
        String(decoding: t.prefix(60), as: UTF8.self) + (t.count > 60 ? "…" : "")
    }

    /// The value of numeric column `k` at `row` as a double (nil if null).
    @inline(__always) func number(_ acc: Accumulators, _ k: Int, _ row: Int) -> Double? {
        guard acc[k].isValid(row) else { return nil }
        switch columns[k].type {
        case .int32: return Double(acc[k].int32(row))
        case .int64: return Double(acc[k].int64(row))
        case .double: return acc[k].double(row)
        default: return nil
        }
    }

    /// Checks the rules of column `k` on the value just appended at `row` (text is its
    /// source text, for messages); nil when it passes.
    func checkSingle(_ acc: Accumulators, _ k: Int, _ row: Int, _ text: UnsafeRawBufferPointer,
                     _ scratch: inout RuleScratch) -> String? {
        if let b = fastInt[k] {
            let v = b.narrow ? Int64(acc[k].int32(row)) : acc[k].int64(row)
            if v >= b.lo && v <= b.hi { return nil }
        } else if let b = fastDouble[k] {
            let v = acc[k].double(row)
            if v >= b.lo && v <= b.hi && v < b.below { return nil }  // NaN: full check
        } else if fastString[k] {
            // Short values: allowed list and cached regex verdicts, touching no Strings.
            if let short = ShortText(text) {
                var ok = true
                if let list = allowedShort[k] { ok = list.contains(short) }
                if ok && regex[k] != nil { ok = k < scratch.shortRegexCache.count && scratch.shortRegexCache[k]?.verdict(short) == true }
                if ok { return nil }
            }
        }
        // Read through the array element instead of copying it: a copy retains its strings
        // and rule arrays on every row.
        let r = columns[k].rules
        switch columns[k].type {
        case .int32, .int64, .date, .timestamp:
            let v: Int64
            switch columns[k].type {
            case .int32, .date: v = Int64(acc[k].int32(row))
            default: v = acc[k].int64(row)
            }
            func bound(_ b: RuleScalar) -> String {
                guard case .int(let x) = b else { return b.description }
                switch columns[k].type {
                case .timestamp(let u): return IngestSchema.isoTimestamp(x, unit: u)
                case .date: return IngestSchema.isoDate(Int32(truncatingIfNeeded: x))
                default: return String(x)
                }
            }
            if let b = r.min, case .int(let x) = b, v < x { return "\(columns[k].name): \(show(text)) is below the minimum \(bound(b))" }
            if let b = r.max, case .int(let x) = b, v > x { return "\(columns[k].name): \(show(text)) is above the maximum \(bound(b))" }
            if let b = r.maxExclusive, case .int(let x) = b, v >= x { return "\(columns[k].name): \(show(text)) is not before \(bound(b))" }
        case .double:
            let v = acc[k].double(row)
            if v.isNaN, r.min != nil || r.max != nil || r.maxExclusive != nil { return "\(columns[k].name): NaN is outside the allowed range" }
            if let b = r.min, v < b.asDouble { return "\(columns[k].name): \(show(text)) is below the minimum \(b)" }
            if let b = r.max, v > b.asDouble { return "\(columns[k].name): \(show(text)) is above the maximum \(b)" }
            if let b = r.maxExclusive, v >= b.asDouble { return "\(columns[k].name): \(show(text)) is not below \(b)" }
        case .string:
            if let allowed = allowed[k] {
                var ok = false
                if let short = ShortText(text), let list = allowedShort[k] {
                    // Any allowed value equal to a short text is itself short.
                    for a in list where a == short { ok = true; break }
                } else {
                    for a in allowed where text.count == a.count {
                        if a.withUnsafeBytes({ memcmp($0.baseAddress!, text.baseAddress!, a.count) == 0 }) { ok = true; break }
                    }
                }
                if !ok { return "\(columns[k].name): \"\(show(text))\" is not one of \(r.allowed?.joined(separator: ", ") ?? "")" }
            }
            if let re = regex[k] {
                let short = ShortText(text)
                if let short {
                    if scratch.shortRegexCache.count <= k { scratch.shortRegexCache += Array(repeating: nil, count: k + 1 - scratch.shortRegexCache.count) }
                    if let v = scratch.shortRegexCache[k]?.verdict(short) {
                        if v { return nil }
                        return "\(columns[k].name): \"\(show(text))\" does not match \(r.regex ?? "")"
                    }
                }
                let s = String(decoding: text, as: UTF8.self)
                let verdict: Bool
                if let short {
                    let ns = s as NSString
                    verdict = re.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)) != nil
                    if scratch.shortRegexCache[k] == nil { scratch.shortRegexCache[k] = ShortVerdictCache() }
                    scratch.shortRegexCache[k]?.store(short, verdict)
                } else if let cached = scratch.regexCache[k]?[s] {
                    verdict = cached
                } else {
                    let ns = s as NSString
                    verdict = re.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)) != nil
                    if (scratch.regexCache[k]?.count ?? 0) < 10_000 { scratch.regexCache[k, default: [:]][s] = verdict }
                }
                if !verdict { return "\(columns[k].name): \"\(show(text))\" does not match \(r.regex ?? "")" }
            }
        default:
            break
        }
        return nil
    }

    /// Fills derived columns and checks cross-column rules for the row at `row`; appends
    /// reasons for failures. `failed[k]` marks columns whose own value was bad (their
    /// dependants are not judged again).
    func finishRow(_ acc: Accumulators, _ row: Int, _ failed: [Bool], _ reasons: inout [String], _ kind: inout ReasonKind?) {
        for (t, s) in derived {
            guard !failed[s], acc[s].isValid(row), case .timestamp(let unit) = columns[s].type else { acc[t].appendNull(); continue }
            let perDay = 86_400 * unit.perSecond
            let v = acc[s].int64(row)
            var d = v / perDay
            if v % perDay != 0 && v < 0 { d -= 1 }  // floor: dates before 1970 too
            acc[t].appendDays(Int32(truncatingIfNeeded: d))
        }
        for t in ruleColumnsOnDerived where acc[t].isValid(row) {
            let v = Int64(acc[t].int32(row))
            let text = IngestSchema.isoDate(Int32(truncatingIfNeeded: v))
            var bad: String?
            if case .int(let x)? = columns[t].rules.min, v < x { bad = "\(columns[t].name): \(text) is below the minimum \(IngestSchema.isoDate(Int32(truncatingIfNeeded: x)))" }
            if case .int(let x)? = columns[t].rules.max, v > x { bad = "\(columns[t].name): \(text) is above the maximum \(IngestSchema.isoDate(Int32(truncatingIfNeeded: x)))" }
            if case .int(let x)? = columns[t].rules.maxExclusive, v >= x { bad = "\(columns[t].name): \(text) is not before \(IngestSchema.isoDate(Int32(truncatingIfNeeded: x)))" }
            if let bad { reasons.append(bad); kind = kind ?? .outOfRange }
        }
        for k in crossColumns where !failed[k] && acc[k].isValid(row) {
            if let o = maxColumn[k], !failed[o], let v = number(acc, k, row), let w = number(acc, o, row), v > w {
                reasons.append("\(columns[k].name): \(RuleScalar.format(v)) is above \(columns[o].name) \(RuleScalar.format(w))")
                kind = kind ?? .outOfRange
            }
            if let o = minColumn[k], !failed[o], let v = number(acc, k, row), let w = number(acc, o, row), v < w {
                reasons.append("\(columns[k].name): \(RuleScalar.format(v)) is below \(columns[o].name) \(RuleScalar.format(w))")
                kind = kind ?? .outOfRange
            }
            if let e = equals[k], !failed[e.left], !failed[e.right], let a = number(acc, e.left, row), let b = number(acc, e.right, row) {
                let expected = e.op.holds(a, e.factor * b)
                let actual = acc[k].bool(row)
                if actual != expected {
                    reasons.append("\(columns[k].name): \(actual) but \(columns[k].rules.equals?.text ?? "the rule") is \(expected)")
                    kind = kind ?? .rule
                }
            }
        }
    }
}

extension ColumnAccumulator {
    /// Appends a date (days since the epoch) to a date column.
    mutating func appendDays(_ d: Int32) {
        values.append(d)
        count += 1
    }
}
