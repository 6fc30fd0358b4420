import Foundation
import LakeqColumnar

/// A number in a rule: integers (and timestamps, dates in their storage unit) compare
/// exactly as Int64, doubles as Double.
public enum RuleScalar: Equatable, CustomStringConvertible {
    case int(Int64)
    case double(Double)

    public var asDouble: Double {
        switch self { case .int(let v): return Double(v); case .double(let d): return d }
    }

    public var description: String {
        switch self { case .int(let v): return String(v); case .double(let d): return RuleScalar.format(d) }
    }

    /// Shortest text of a double, without a trailing `.0` for whole numbers.
    static func format(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}

/// A comparison operator of the small rule form `a OP [k *] b`.
public enum RuleOp: String, CaseIterable {
    case lt = "<", le = "<=", gt = ">", ge = ">=", eq = "==", ne = "!="

    func holds(_ a: Double, _ b: Double) -> Bool {
        switch self {
        case .lt: return a < b
        case .le: return a <= b
        case .gt: return a > b
        case .ge: return a >= b
        case .eq: return a == b
        case .ne: return a != b
        }
    }
}

/// `"equals": "watch >= 0.9 * duration"` on a boolean column: the value must be the
/// comparison's result, evaluated in DOUBLE.
public struct EqualsComparison: Equatable {
    public var left: String
    public var op: RuleOp
    public var factor: Double
    public var right: String
    public var text: String
}

/// Quality rules of one column (all optional). Rules apply to non-null values; nullability
/// is the column's `nullable` / `required`.
public struct ColumnRules: Equatable {
    public var min: RuleScalar?
    public var max: RuleScalar?
    /// Upper bound the value must stay below (for half-open ranges such as time windows).
    public var maxExclusive: RuleScalar?
    /// The value must be at most / at least another numeric column's value in the same row.
    public var maxColumn: String?
    public var minColumn: String?
    /// String columns: the value must be one of these (case-sensitive, byte-exact).
    public var allowed: [String]?
    /// String columns: the whole value must match (NSRegularExpression syntax, anchored by the
    /// `^…$` the author writes).
    public var regex: String?
    public var equals: EqualsComparison?

    public var isEmpty: Bool { self == ColumnRules() }
}

/// One column of an ingest schema file.
public struct IngestColumn: Equatable {
    public var name: String
    public var type: ValueType
    public var nullable: Bool
    /// `to_date(col)`: computed from another column, not read from the source.
    public var derivedFrom: String?
    public var rules: ColumnRules
    /// `"pii": true`: the column holds personal data (stored as the Delta column mark
    /// `lakeq.pii`; the service hashes it for keys without PII access).
    public var pii = false
    /// `"description"`: free text about the column (stored as the Delta column `comment`).
    public var description: String?

    public var spec: ColumnSpec { ColumnSpec(name: name, type: type, nullable: nullable) }
}

/// Errors of the ingest layer; `description` is the one-line message the CLI prints.
public enum IngestError: Error, CustomStringConvertible {
    case schema(String)
    case usage(String)
    case io(String)
    case tooManyBad(String)
    public var description: String {
        switch self {
        case .schema(let m), .usage(let m), .io(let m), .tooManyBad(let m): return m
        }
    }
}

/// The schema file (`spec/schema-file.md`): columns, types, nullability, quality rules and
/// derived columns. A superset of the `lakeq convert` file.
public struct IngestSchema: Equatable {
    public var columns: [IngestColumn]

    public init(columns: [IngestColumn]) { self.columns = columns }

    /// Column keys the file format knows; any other key is an error (a typo must not
    /// silently drop a rule).
    static let knownKeys: Set<String> = ["name", "type", "nullable", "required", "min", "max", "max_exclusive",
                                         "max_column", "min_column", "allowed", "regex", "derived", "equals", "description", "pii"]

    /// Loads and checks a schema file.
    public static func load(path: String) throws -> IngestSchema {
        guard let data = FileManager.default.contents(atPath: path) else { throw IngestError.io("\(path): cannot read the schema file") }
        do { return try parse(data) } catch let IngestError.schema(m) { throw IngestError.schema("\(path): \(m)") }
    }

    /// Parses schema-file JSON.
    public static func parse(_ data: Data) throws -> IngestSchema {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cols = root["columns"] as? [[String: Any]] else {
            throw IngestError.schema("expected {\"columns\": [{\"name\": ..., \"type\": ..., \"nullable\": ...}, ...]}")
        }
        var out: [IngestColumn] = []
        var seen = Set<String>()
        for (i, c) in cols.enumerated() {
            guard let name = c["name"] as? String, !name.isEmpty else { throw IngestError.schema("column \(i + 1) has no name") }
            guard seen.insert(name).inserted else { throw IngestError.schema("duplicate column \(name)") }
            if let unknown = c.keys.filter({ !knownKeys.contains($0) }).sorted().first {
                throw IngestError.schema("column \(name): unknown key \"\(unknown)\"")
            }
            guard let typeName = c["type"] as? String, let type = ValueType.parse(typeName) else {
                throw IngestError.schema("column \(name): unknown type \(c["type"] ?? "(none)"); use int32, int64, double, boolean, string, date, timestamp[(ms|us|ns)], decimal(p,s), list<T>, struct<name: T, …> or map<string, T>")
            }
            if type.isNested, let rule = ["min", "max", "max_exclusive", "max_column", "min_column", "allowed", "regex", "equals", "derived"].first(where: { c[$0] != nil }) {
                throw IngestError.schema("column \(name): rule \"\(rule)\" does not apply to the nested type \(type)")
            }
            var nullable = (c["nullable"] as? Bool) ?? true
            if let r = c["required"] as? Bool { nullable = !r }
            var col = IngestColumn(name: name, type: type, nullable: nullable, derivedFrom: nil, rules: ColumnRules())
            if let p = c["pii"] {
                guard let flag = p as? Bool else {
                    throw IngestError.schema("column \(name): pii must be true or false")
                }
                col.pii = flag
            }
            if let d = c["description"] {
                guard let text = d as? String else { throw IngestError.schema("column \(name): description must be a string") }
                col.description = text
            }
            if let d = c["derived"] {
                guard let text = d as? String, let src = parseToDate(text) else {
                    throw IngestError.schema("column \(name): derived must be \"to_date(COLUMN)\"")
                }
                guard type == .date else { throw IngestError.schema("column \(name): to_date(...) makes a date column, not \(type)") }
                col.derivedFrom = src
            }
            func bound(_ key: String) throws -> RuleScalar? {
                guard let v = c[key] else { return nil }
                guard let b = scalar(v, type: type) else {
                    throw IngestError.schema("column \(name): \(key) \(v) is not a \(type) value")
                }
                return b
            }
            col.rules.min = try bound("min")
            col.rules.max = try bound("max")
            col.rules.maxExclusive = try bound("max_exclusive")
            for key in ["max_column", "min_column"] {
                guard let v = c[key] else { continue }
                guard let other = v as? String else { throw IngestError.schema("column \(name): \(key) must name a column") }
                if key == "max_column" { col.rules.maxColumn = other } else { col.rules.minColumn = other }
            }
            if let a = c["allowed"] {
                guard type == .string, let list = a as? [Any], !list.isEmpty, list.allSatisfy({ $0 is String }) else {
                    throw IngestError.schema("column \(name): allowed must be a non-empty list of strings on a string column")
                }
                col.rules.allowed = list.compactMap { $0 as? String }
            }
            if let r = c["regex"] {
                guard type == .string, let text = r as? String, (try? NSRegularExpression(pattern: text)) != nil else {
                    throw IngestError.schema("column \(name): regex must be a valid pattern on a string column")
                }
                col.rules.regex = text
            }
            if let e = c["equals"] {
                guard type == .boolean, let text = e as? String, let cmp = parseComparison(text) else {
                    throw IngestError.schema("column \(name): equals must be \"A OP [K *] B\" (OP one of < <= > >= == !=) on a boolean column")
                }
                col.rules.equals = cmp
            }
            out.append(col)
        }
        guard !out.isEmpty else { throw IngestError.schema("no columns") }
        // Cross-column references must name numeric columns of this schema.
        let byName = Dictionary(out.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func numeric(_ t: ValueType) -> Bool {
            switch t { case .int32, .int64, .double: return true; default: return false }
        }
        for c in out {
            for ref in [c.rules.maxColumn, c.rules.minColumn, c.rules.equals?.left, c.rules.equals?.right].compactMap({ $0 }) {
                guard let r = byName[ref] else { throw IngestError.schema("column \(c.name): rule refers to unknown column \(ref)") }
                guard numeric(r.type), c.rules.equals != nil || numeric(c.type) else {
                    throw IngestError.schema("column \(c.name): rule compares with \(ref), both must be numeric")
                }
            }
            if let src = c.derivedFrom {
                guard let s = byName[src] else { throw IngestError.schema("column \(c.name): derived from unknown column \(src)") }
                guard case .timestamp = s.type, s.derivedFrom == nil else {
                    throw IngestError.schema("column \(c.name): to_date needs a timestamp column read from the source")
                }
            }
        }
        return IngestSchema(columns: out)
    }

    /// `to_date(name)` → name.
    static func parseToDate(_ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.lowercased().hasPrefix("to_date("), t.hasSuffix(")") else { return nil }
        let inner = t.dropFirst(8).dropLast().trimmingCharacters(in: .whitespaces)
        return inner.isEmpty ? nil : inner
    }

    /// `a OP [k *] b`.
    static func parseComparison(_ text: String) -> EqualsComparison? {
        for op in RuleOp.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count }) {
            guard let r = text.range(of: " \(op.rawValue) ") else { continue }
            let left = text[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
            var right = text[r.upperBound...].trimmingCharacters(in: .whitespaces)
            var factor = 1.0
            if let star = right.firstIndex(of: "*") {
                guard let k = Double(right[..<star].trimmingCharacters(in: .whitespaces)) else { return nil }
                factor = k
                right = right[right.index(after: star)...].trimmingCharacters(in: .whitespaces)
            }
            guard !left.isEmpty, !right.isEmpty, !left.contains(" "), !right.contains(" ") else { return nil }
            return EqualsComparison(left: left, op: op, factor: factor, right: right, text: text)
        }
        return nil
    }

    /// A rule bound in the column's storage form: timestamps (ISO-8601 text) in their unit,
    /// dates (`YYYY-MM-DD`) in days, integers exactly.
    static func scalar(_ v: Any, type: ValueType) -> RuleScalar? {
        switch type {
        case .int32, .int64:
            if let i = v as? Int64 { return .int(i) }
            if let d = v as? Double, d == d.rounded(), abs(d) < 9e15 { return .int(Int64(d)) }
            return nil
        case .double:
            if let d = v as? Double { return .double(d) }
            return nil
        case .timestamp(let unit):
            guard let s = v as? String else { return nil }
            return Array(s.utf8).withUnsafeBytes { ValueParse.timestamp($0, unit: unit) }.map { .int($0) }
        case .date:
            guard let s = v as? String else { return nil }
            return Array(s.utf8).withUnsafeBytes { ValueParse.date($0) }.map { .int(Int64($0)) }
        default:
            return nil
        }
    }

    /// The columns read from the source (not derived).
    public var sourceColumns: [IngestColumn] { columns.filter { $0.derivedFrom == nil } }

    /// The table schema (every column, derived ones included).
    public var arrowSchema: Schema {
        Schema(columns.map { Field(name: $0.name, type: $0.type.dataType, nullable: $0.nullable) })
    }

    /// The file's canonical JSON form, stored in the table's metadata so later ingests
    /// validate with the same rules without `--schema`.
    public var json: String {
        var cols: [[String: Any]] = []
        for c in columns {
            var o: [String: Any] = ["name": c.name, "type": c.type.description, "nullable": c.nullable]
            func put(_ k: String, _ s: RuleScalar?) {
                guard let s else { return }
                switch (s, c.type) {
                case (.int(let v), .timestamp(let unit)): o[k] = Self.isoTimestamp(v, unit: unit)
                case (.int(let v), .date): o[k] = Self.isoDate(Int32(truncatingIfNeeded: v))
                case (.int(let v), _): o[k] = v
                case (.double(let d), _): o[k] = d
                }
            }
            put("min", c.rules.min)
            put("max", c.rules.max)
            put("max_exclusive", c.rules.maxExclusive)
            if let m = c.rules.maxColumn { o["max_column"] = m }
            if let m = c.rules.minColumn { o["min_column"] = m }
            if let a = c.rules.allowed { o["allowed"] = a }
            if let r = c.rules.regex { o["regex"] = r }
            if let e = c.rules.equals { o["equals"] = e.text }
            if let d = c.derivedFrom { o["derived"] = "to_date(\(d))" }
            if c.pii { o["pii"] = true }
            if let d = c.description { o["description"] = d }
            cols.append(o)
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["columns": cols], options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func isoDate(_ days: Int32) -> String {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    static func isoTimestamp(_ v: Int64, unit: TimeUnit) -> String {
        let per = unit.perSecond
        var secs = v / per
        var frac = v % per
        if frac < 0 { secs -= 1; frac += per }
        var days = secs / 86_400
        var rest = secs % 86_400
        if rest < 0 { days -= 1; rest += 86_400 }
        let digits = unit == .millis ? 3 : unit == .micros ? 6 : 9
        let f = String(frac)
        let fracText = frac == 0 ? "" : "." + String(repeating: "0", count: digits - f.count) + f
        return isoDate(Int32(truncatingIfNeeded: days)) + String(format: "T%02d:%02d:%02d", rest / 3600, rest / 60 % 60, rest % 60) + fracText + "Z"
    }

    /// Columns, types and nullability equal (rules may differ); nil when equal, else why not.
    public func structuralDifference(from other: IngestSchema) -> String? {
        let a = columns.map { "\($0.name):\($0.type)\($0.nullable ? "?" : "")" }
        let b = other.columns.map { "\($0.name):\($0.type)\($0.nullable ? "?" : "")" }
        if a == b { return nil }
        return "[\(a.joined(separator: ", "))] vs [\(b.joined(separator: ", "))]"
    }
}
