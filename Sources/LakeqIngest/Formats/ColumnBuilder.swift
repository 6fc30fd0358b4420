import LakeqColumnar

/// Per-column type inference. The rule never loses information: a column takes the
/// narrowest type every non-null value converts to exactly, else it stays a string.
public struct InferenceState {
    public var sawValue = false, sawNull = false
    public var canInt = true, canDouble = true, canBool = true, canDate = true, canTimestamp = true
    /// Largest integer magnitude seen: doubles hold integers exactly only up to 2^53.
    public var maxAbsInt: UInt64 = 0

    public init() {}

    public mutating func observe(_ t: UnsafeRawBufferPointer, kind: RawField.Kind) {
        sawValue = true
        switch kind {
        case .jsonString: canInt = false; canDouble = false; canBool = false
        case .jsonNumber: canBool = false; canDate = false; canTimestamp = false
        case .jsonLiteral: canInt = false; canDouble = false; canDate = false; canTimestamp = false
        case .text: break
        }
        var isInt = false
        // Integers are tracked even once the column cannot be int64 any more: a double column
        // must not take an integer past 2^53, whichever order the values come in.
        if canInt || canDouble {
            if let v = ValueParse.int64(t) { maxAbsInt = max(maxAbsInt, v.magnitude); isInt = true } else { canInt = false }
        }
        // A canonical integer is also an exact double (magnitude checked in `type`).
        if canDouble && !isInt {
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

    /// Combines the states of two parts of a column (inference does not depend on order).
    public mutating func merge(_ o: InferenceState) {
        sawValue = sawValue || o.sawValue
        sawNull = sawNull || o.sawNull
        canInt = canInt && o.canInt
        canDouble = canDouble && o.canDouble
        canBool = canBool && o.canBool
        canDate = canDate && o.canDate
        canTimestamp = canTimestamp && o.canTimestamp
        maxAbsInt = max(maxAbsInt, o.maxAbsInt)
    }

    public var type: ValueType {
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
public struct ColumnAccumulator {
    public let column: ColumnSpec
    public var i32: [Int32] = [], i64: [Int64] = [], f64: [Double] = [], bools: [Bool] = []
    public var bytes = ByteArrays()
    public var fixed: FixedBytes
    public var valid: [Bool] = []
    public var nulls = 0

    public static func decimalWidth(_ p: Int) -> Int {
        max(1, (Int((Double(p) * 3.321928094887362).rounded(.up)) + 1 + 7) / 8)
    }

    public init(_ c: ColumnSpec) {
        column = c
        if case .decimal(let p, _) = c.type { fixed = FixedBytes(width: p > 18 ? Self.decimalWidth(p) : 1) } else { fixed = FixedBytes(width: 1) }
    }

    public var count: Int { valid.count }

    /// Reserves room for `rows` values (strings: about `averageBytes` each).
    public mutating func reserve(_ rows: Int, averageBytes: Int) {
        valid.reserveCapacity(rows)
        switch column.type {
        case .int32, .date: i32.reserveCapacity(rows)
        case .int64, .timestamp: i64.reserveCapacity(rows)
        case .double: f64.reserveCapacity(rows)
        case .boolean: bools.reserveCapacity(rows)
        case .string: bytes.offsets.reserveCapacity(rows + 1); bytes.data.reserveCapacity(rows * averageBytes)
        case .decimal(let p, _):
            if p <= 9 { i32.reserveCapacity(rows) } else if p <= 18 { i64.reserveCapacity(rows) } else { fixed.data.reserveCapacity(rows * fixed.width) }
        }
    }

    public mutating func truncate(to n: Int) {
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

    public mutating func appendNull() {
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
    public mutating func append(_ t: UnsafeRawBufferPointer, kind: RawField.Kind) -> String? {
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
            if case .int32 = column.type {
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

    /// Appends `t` only when inference over it would keep the column's current type (see
    /// `InferenceState`): the check behind a type inferred from a sample. Returns false, with
    /// nothing appended, for a value that would have changed the inferred type. Not for
    /// string columns, whose inferred type no value changes.
    public mutating func appendInferred(_ t: UnsafeRawBufferPointer, kind: RawField.Kind) -> Bool {
        switch column.type {
        case .int64:
            guard kind == .text || kind == .jsonNumber, let v = ValueParse.int64(t) else { return false }
            i64.append(v)
        case .double:
            guard kind == .text || kind == .jsonNumber else { return false }
            if let v = ValueParse.int64(t) {
                guard v.magnitude <= 1 << 53 else { return false }  // would stay exact only as an integer
                f64.append(Double(v))
            } else {
                guard let d = ValueParse.double(t, lenient: false), d.isFinite else { return false }
                // Digits only, yet not an Int64: an integer past Int64, which a double would round.
                if !t.contains(UInt8(ascii: ".")), !t.contains(UInt8(ascii: "e")), !t.contains(UInt8(ascii: "E")),
                   !(t.count == 2 && t[0] == UInt8(ascii: "-") && t[1] == UInt8(ascii: "0")) { return false }
                f64.append(d)
            }
        case .boolean:
            guard kind == .text || kind == .jsonLiteral, let b = ValueParse.bool(t, lenient: false) else { return false }
            bools.append(b)
        case .date:
            guard kind == .text || kind == .jsonString, let d = ValueParse.date(t) else { return false }
            i32.append(d)
        case .timestamp(.micros):
            guard kind == .text || kind == .jsonString else { return false }
            if let v = ValueParse.timestamp(t, unit: .micros) {
                i64.append(v)
            } else if let d = ValueParse.date(t) {
                i64.append(Int64(d) * 86_400_000_000)
            } else {
                return false
            }
        default:
            return false  // not an inferred type
        }
        valid.append(true)
        return true
    }

    private func show(_ t: UnsafeRawBufferPointer) -> String {
        let s = String(decoding: t.prefix(60), as: UTF8.self)
        return "\"\(s)\"" + (t.count > 60 ? "…" : "")
    }

    /// The accumulated values as a column; the accumulator is emptied.
    public mutating func take() -> Column {
        let validity: Bitmap? = nulls > 0 ? Bitmap(bools: valid) : nil
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

