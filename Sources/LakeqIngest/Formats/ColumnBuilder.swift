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
        case .jsonNested: canInt = false; canDouble = false; canBool = false; canDate = false; canTimestamp = false
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
/// Values live in `RawStorage` (fixed-width values; strings as end offsets plus bytes) until
/// `take()` copies them into a `Column`. The owner calls `deallocate()` when done.
public struct ColumnAccumulator {
    public let column: ColumnSpec
    /// Fixed-width values: Int32 (int32, date, decimal ≤ 9), Int64 (int64, timestamp,
    /// decimal ≤ 18), Double, Bool, or `fixedWidth` bytes (wider decimals).
    var values = RawStorage()
    /// Strings: each value's end offset (Int32) into `data`.
    var offsets = RawStorage()
    var data = RawStorage()
    let fixedWidth: Int
    /// Rows so far, and the (ascending) rows that are null: nulls are rare, so a value costs
    /// no validity append.
    public internal(set) var count = 0
    public var nullRows: [Int32] = []
    public var nulls: Int { nullRows.count }

    public static func decimalWidth(_ p: Int) -> Int {
        max(1, (Int((Double(p) * 3.321928094887362).rounded(.up)) + 1 + 7) / 8)
    }

    /// LIST / STRUCT / MAP columns: values parsed from JSON into child builders.
    let nested: NestedBuilder?

    public init(_ c: ColumnSpec) {
        column = c
        if case .decimal(let p, _) = c.type, p > 18 { fixedWidth = Self.decimalWidth(p) } else { fixedWidth = 0 }
        nested = c.type.isNested ? NestedBuilder(path: c.name, type: c.type, nullable: true) : nil
    }

    /// Bytes per value in `values` (0: a string column).
    var stride: Int {
        switch column.type {
        case .int32, .date: return 4
        case .int64, .timestamp, .double: return 8
        case .boolean: return 1
        case .string, .list, .structure, .map: return 0
        case .decimal(let p, _): return p <= 9 ? 4 : (p <= 18 ? 8 : fixedWidth)
        }
    }

    /// Frees the storage (the accumulator is empty afterwards).
    public mutating func deallocate() {
        nested?.deallocate()
        values.deallocate()
        offsets.deallocate()
        data.deallocate()
        nullRows = []
        count = 0
    }

    /// The value at `row` of an int32/date column (0 for null).
    @inline(__always) public func int32(_ row: Int) -> Int32 { values.load(row, as: Int32.self) }
    /// The value at `row` of an int64/timestamp column (0 for null).
    @inline(__always) public func int64(_ row: Int) -> Int64 { values.load(row, as: Int64.self) }
    /// The value at `row` of a double column (0 for null).
    @inline(__always) public func double(_ row: Int) -> Double { values.load(row, as: Double.self) }
    /// The value at `row` of a boolean column (false for null).
    @inline(__always) public func bool(_ row: Int) -> Bool { values.load(row, as: Bool.self) }

    /// Whether `row` holds a value (not null).
    public func isValid(_ row: Int) -> Bool {
        guard let last = nullRows.last, Int(last) >= row else { return true }
        if Int(last) == row { return false }
        var lo = 0, hi = nullRows.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let v = Int(nullRows[mid])
            if v == row { return false }
            if v < row { lo = mid + 1 } else { hi = mid - 1 }
        }
        return true
    }

    /// Reserves room for `rows` values (strings: about `averageBytes` each).
    public mutating func reserve(_ rows: Int, averageBytes: Int) {
        if stride > 0 {
            values.reserveMore(rows * stride)
        } else {
            offsets.reserveMore(rows * 4)
            data.reserveMore(rows * averageBytes)
        }
    }

    public mutating func truncate(to n: Int) {
        if let nested {
            while let last = nullRows.last, Int(last) >= n { nullRows.removeLast() }
            count = min(count, n)
            nested.truncate(to: n)
            return
        }
        guard count > n else { return }
        while let last = nullRows.last, Int(last) >= n { nullRows.removeLast() }
        count = n
        if stride > 0 {
            values.used = n * stride
        } else {
            offsets.used = n * 4
            data.used = n == 0 ? 0 : Int(offsets.load(n - 1, as: Int32.self))
        }
    }

    public mutating func appendNull() {
        nullRows.append(Int32(truncatingIfNeeded: count))
        count += 1
        if let nested { nested.appendNull(); return }
        let w = stride
        if w > 0 { values.appendZeros(w) } else { offsets.append(Int32(truncatingIfNeeded: data.used)) }
    }

    @inline(__always) mutating func appendString(_ t: UnsafeRawBufferPointer) {
        data.append(bytes: t)
        offsets.append(Int32(truncatingIfNeeded: data.used))
    }

    /// Parses and appends `t`; returns a reason when it is not a value of the column's type.
    public mutating func append(_ t: UnsafeRawBufferPointer, kind: RawField.Kind) -> String? {
        let strict = kind != .text  // JSON: the token kind must fit the type
        if let nested {
            // JSON Lines: an array or object; CSV: a field holding JSON text.
            guard kind == .jsonNested || kind == .text else { return "\(column.name): expected \(column.type), found \(show(t))" }
            if let reason = nested.append(json: t) { return reason }
            count += 1
            return nil
        }
        if kind == .jsonNested { return "\(column.name): expected \(column.type), found the nested value \(show(t))" }
        switch column.type {
        case .string:
            if kind == .jsonNumber || kind == .jsonLiteral {
                return "\(column.name): expected a string, found \(show(t))"
            }
            appendString(t)
        case .int64, .int32:
            if strict && kind != .jsonNumber { return "\(column.name): expected an integer, found \(show(t))" }
            guard let v = ValueParse.int64(t) ?? (t.count > 1 && t[0] == UInt8(ascii: "+") ? ValueParse.int64(UnsafeRawBufferPointer(rebasing: t[1...])) : nil) ?? (t.elementsEqual("-0".utf8) ? 0 : nil) else {
                return "\(column.name): not an integer: \(show(t))"
            }
            if case .int32 = column.type {
                guard let w = Int32(exactly: v) else { return "\(column.name): \(v) is out of int32 range" }
                values.append(w)
            } else {
                values.append(v)
            }
        case .double:
            if strict && kind != .jsonNumber { return "\(column.name): expected a number, found \(show(t))" }
            guard let d = ValueParse.double(t, lenient: !strict) else { return "\(column.name): not a number: \(show(t))" }
            values.append(d)
        case .boolean:
            if strict && kind != .jsonLiteral { return "\(column.name): expected true or false, found \(show(t))" }
            guard let b = ValueParse.bool(t, lenient: true) else { return "\(column.name): not a boolean: \(show(t))" }
            values.append(b)
        case .date:
            if strict && kind != .jsonString { return "\(column.name): expected a date string, found \(show(t))" }
            guard let d = ValueParse.date(t) else { return "\(column.name): not a date (YYYY-MM-DD): \(show(t))" }
            values.append(d)
        case .timestamp(let unit):
            if strict && kind != .jsonString { return "\(column.name): expected a timestamp string, found \(show(t))" }
            guard let v = ValueParse.timestamp(t, unit: unit) ?? ValueParse.date(t).flatMap({ Int64($0).multipliedReportingOverflow(by: 86_400 * unit.perSecond).overflow ? nil : Int64($0) * 86_400 * unit.perSecond }) else {
                return "\(column.name): not an ISO-8601 timestamp (or finer than \(unit)): \(show(t))"
            }
            values.append(v)
        case .decimal(let p, let s):
            if strict && kind != .jsonNumber && kind != .jsonString { return "\(column.name): expected a decimal, found \(show(t))" }
            let width = p <= 18 ? 8 : fixedWidth
            guard let be = ValueParse.decimal(t, precision: p, scale: s, width: width) else {
                return "\(column.name): not a decimal(\(p),\(s)) without rounding: \(show(t))"
            }
            if p <= 18 {
                var v: UInt64 = 0
                for b in be { v = v << 8 | UInt64(b) }
                if p <= 9 { values.append(Int32(truncatingIfNeeded: Int64(bitPattern: v))) } else { values.append(Int64(bitPattern: v)) }
            } else {
                be.withUnsafeBytes { values.append(bytes: $0) }
            }
        case .list, .structure, .map:
            return "\(column.name): internal: nested column without a builder"
        }
        count += 1
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
            values.append(v)
        case .double:
            guard kind == .text || kind == .jsonNumber else { return false }
            if let v = ValueParse.int64(t) {
                guard v.magnitude <= 1 << 53 else { return false }  // would stay exact only as an integer
                values.append(Double(v))
            } else {
                guard let d = ValueParse.double(t, lenient: false), d.isFinite else { return false }
                // Digits only, yet not an Int64: an integer past Int64, which a double would round.
                if !t.contains(UInt8(ascii: ".")), !t.contains(UInt8(ascii: "e")), !t.contains(UInt8(ascii: "E")),
                   !(t.count == 2 && t[0] == UInt8(ascii: "-") && t[1] == UInt8(ascii: "0")) { return false }
                values.append(d)
            }
        case .boolean:
            guard kind == .text || kind == .jsonLiteral, let b = ValueParse.bool(t, lenient: false) else { return false }
            values.append(b)
        case .date:
            guard kind == .text || kind == .jsonString, let d = ValueParse.date(t) else { return false }
            values.append(d)
        case .timestamp(.micros):
            guard kind == .text || kind == .jsonString else { return false }
            if let v = ValueParse.timestamp(t, unit: .micros) {
                values.append(v)
            } else if let d = ValueParse.date(t) {
                values.append(Int64(d) * 86_400_000_000)
            } else {
                return false
            }
        default:
            return false  // not an inferred type
        }
        count += 1
        return true
    }

    private func show(_ t: UnsafeRawBufferPointer) -> String {
        let s = String(decoding: t.prefix(60), as: UTF8.self)
        return "\"\(s)\"" + (t.count > 60 ? "…" : "")
    }

    /// The accumulated values as a column (a copy); the accumulator is emptied and keeps its
    /// memory for reuse.
    public mutating func take() -> Column {
        if let nested {
            nullRows.removeAll(keepingCapacity: true)
            count = 0
            return nested.take()
        }
        var validity: Bitmap?
        if !nullRows.isEmpty {
            var v = Bitmap(count: count, value: true)
            for r in nullRows { v[Int(r)] = false }
            validity = v
        }
        let out: ColumnValues
        switch column.type {
        case .int32, .date: out = .int32(values.array(of: Int32.self))
        case .int64, .timestamp: out = .int64(values.array(of: Int64.self))
        case .double: out = .float64(values.array(of: Double.self))
        case .boolean: out = .boolean(values.array(of: Bool.self))
        case .string:
            var ends = offsets.array(of: Int32.self)
            ends.insert(0, at: 0)
            out = .bytes(ByteArrays(offsets: ends, data: data.array(of: UInt8.self)))
        case .decimal(let p, _):
            if p <= 9 { out = .int32(values.array(of: Int32.self)) } else if p <= 18 { out = .int64(values.array(of: Int64.self)) } else {
                var f = FixedBytes(width: fixedWidth)
                f.data = values.array(of: UInt8.self)
                out = .fixed(f)
            }
        case .list, .structure, .map:
            out = .int32([])  // unreachable: nested columns return above
        }
        nullRows.removeAll(keepingCapacity: true)
        count = 0
        values.used = 0
        offsets.used = 0
        data.used = 0
        return Column(type: column.type.dataType, values: out, validity: validity)
    }
}
