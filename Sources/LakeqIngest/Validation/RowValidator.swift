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
        let index = Dictionary(schema.columns.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        derived = schema.columns.enumerated().compactMap { k, c in c.derivedFrom.flatMap { index[$0] }.map { (k, $0) } }
        allowed = schema.columns.map { $0.rules.allowed?.map { Array($0.utf8) } }
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

/// Per-thread rule state: a cache of regex verdicts (regular expressions need a String;
/// columns checked by regex usually have few distinct values, and strings of up to 15 UTF-8
/// bytes are stored inline, so the cache lookup allocates nothing for them).
struct RuleScratch {
    var regexCache: [Int: [String: Bool]] = [:]
}

extension CompiledSchema {
    @inline(__always) func show(_ t: UnsafeRawBufferPointer) -> String {
        String(decoding: t.prefix(60), as: UTF8.self) + (t.count > 60 ? "…" : "")
    }

    /// The value of numeric column `k` at `row` as a double (nil if null).
    @inline(__always) func number(_ acc: [ColumnAccumulator], _ k: Int, _ row: Int) -> Double? {
        guard acc[k].valid[row] else { return nil }
        switch columns[k].type {
        case .int32: return Double(acc[k].i32[row])
        case .int64: return Double(acc[k].i64[row])
        case .double: return acc[k].f64[row]
        default: return nil
        }
    }

    /// Checks the rules of column `k` on the value just appended at `row` (text is its
    /// source text, for messages); nil when it passes.
    func checkSingle(_ acc: [ColumnAccumulator], _ k: Int, _ row: Int, _ text: UnsafeRawBufferPointer,
                     _ scratch: inout RuleScratch) -> String? {
        if let b = fastInt[k] {
            let v = b.narrow ? Int64(acc[k].i32[row]) : acc[k].i64[row]
            if v >= b.lo && v <= b.hi { return nil }
        } else if let b = fastDouble[k] {
            let v = acc[k].f64[row]
            if v >= b.lo && v <= b.hi && v < b.below { return nil }  // NaN: full check
        }
        // Read through the array element instead of copying it: a copy retains its strings
        // and rule arrays on every row.
        let r = columns[k].rules
        switch columns[k].type {
        case .int32, .int64, .date, .timestamp:
            let v: Int64
            switch columns[k].type {
            case .int32, .date: v = Int64(acc[k].i32[row])
            default: v = acc[k].i64[row]
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
            let v = acc[k].f64[row]
            if v.isNaN, r.min != nil || r.max != nil || r.maxExclusive != nil { return "\(columns[k].name): NaN is outside the allowed range" }
            if let b = r.min, v < b.asDouble { return "\(columns[k].name): \(show(text)) is below the minimum \(b)" }
            if let b = r.max, v > b.asDouble { return "\(columns[k].name): \(show(text)) is above the maximum \(b)" }
            if let b = r.maxExclusive, v >= b.asDouble { return "\(columns[k].name): \(show(text)) is not below \(b)" }
        case .string:
            if let allowed = allowed[k] {
                var ok = false
                for a in allowed where text.count == a.count && text.elementsEqual(a) { ok = true; break }
                if !ok { return "\(columns[k].name): \"\(show(text))\" is not one of \(r.allowed?.joined(separator: ", ") ?? "")" }
            }
            if let re = regex[k] {
                let s = String(decoding: text, as: UTF8.self)
                let verdict: Bool
                if let cached = scratch.regexCache[k]?[s] {
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
    func finishRow(_ acc: inout [ColumnAccumulator], _ row: Int, _ failed: [Bool], _ reasons: inout [String], _ kind: inout ReasonKind?) {
        for (t, s) in derived {
            guard !failed[s], acc[s].valid[row], case .timestamp(let unit) = columns[s].type else { acc[t].appendNull(); continue }
            let perDay = 86_400 * unit.perSecond
            let v = acc[s].i64[row]
            var d = v / perDay
            if v % perDay != 0 && v < 0 { d -= 1 }  // floor: dates before 1970 too
            acc[t].appendDays(Int32(truncatingIfNeeded: d))
        }
        for t in ruleColumnsOnDerived where acc[t].valid[row] {
            let v = Int64(acc[t].i32[row])
            let text = IngestSchema.isoDate(Int32(truncatingIfNeeded: v))
            var bad: String?
            if case .int(let x)? = columns[t].rules.min, v < x { bad = "\(columns[t].name): \(text) is below the minimum \(IngestSchema.isoDate(Int32(truncatingIfNeeded: x)))" }
            if case .int(let x)? = columns[t].rules.max, v > x { bad = "\(columns[t].name): \(text) is above the maximum \(IngestSchema.isoDate(Int32(truncatingIfNeeded: x)))" }
            if case .int(let x)? = columns[t].rules.maxExclusive, v >= x { bad = "\(columns[t].name): \(text) is not before \(IngestSchema.isoDate(Int32(truncatingIfNeeded: x)))" }
            if let bad { reasons.append(bad); kind = kind ?? .outOfRange }
        }
        for k in crossColumns where !failed[k] && acc[k].valid[row] {
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
                let actual = acc[k].bools[row]
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
        i32.append(d)
        valid.append(true)
    }
}
