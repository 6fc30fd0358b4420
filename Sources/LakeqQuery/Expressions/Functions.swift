import Foundation
import LakeqColumnar

/// Scalar function implementations: typed column loops for the time functions used in hot
/// queries, a per-value path for everything.
enum Functions {
    static let microsPerDay: Int64 = 86_400_000_000

    static func vectorized(_ f: ScalarFunction, _ args: [Column], type: DataType, count n: Int) throws -> Column? {
        if let nested = try NestedFunctions.evaluate(f, args, type: type, count: n) { return nested }
        switch f {
        case .dateTrunc:
            guard args.count == 2, case .string(let unit) = Scalar.from(args[0], row: 0), n > 0 else { return nil }
            return dateTruncColumn(unit.lowercased(), args[1], type: type)
        case .datePart:
            guard args.count == 2, case .string(let part) = Scalar.from(args[0], row: 0), n > 0 else { return nil }
            let c = args[1]
            switch (part, c.values, c.type) {
            case ("hour", .int64(let v), .timestamp):
                return Column(type: .int64, values: .int64(v.map { $0.floorMod(microsPerDay) / 3_600_000_000 }), validity: c.validity)
            case ("year", .int32(let v), .date32):
                return Column(type: .int64, values: .int64(v.map { Int64(CivilDate.civilFromDays(Int($0)).0) }), validity: c.validity)
            case ("month", .int32(let v), .date32):
                return Column(type: .int64, values: .int64(v.map { Int64(CivilDate.civilFromDays(Int($0)).1) }), validity: c.validity)
            default:
                return nil
            }
        case .addInterval:
            // `date + integer` (keepDate, bound so only there): the days are a column, added row
            // by row. `+ INTERVAL`: days and microseconds are literals; months take the scalar path.
            guard args.count == 5, case .int(0) = Scalar.from(args[1], row: 0), case .bool(let keepDate) = Scalar.from(args[4], row: 0) else { return nil }
            let c = args[0]
            if keepDate {
                guard case .int32(let v) = c.values, case .date32 = c.type else { return nil }
                return Self.addDays(v, validity: c.validity, days: args[2])
            }
            guard case .int(let days) = Scalar.from(args[2], row: 0), case .int(let micros) = Scalar.from(args[3], row: 0),
                  args[2].validity == nil else { return nil }
            let delta = days &* microsPerDay &+ micros
            switch (c.values, c.type) {
            case (.int32(let v), .date32):
                return Column(type: type, values: .int64(v.map { Int64($0) &* microsPerDay &+ delta }), validity: c.validity)
            case (.int64(let v), .timestamp):
                return Column(type: type, values: .int64(v.map { $0 &+ delta }), validity: c.validity)
            default:
                return nil
            }
        default:
            return nil
        }
    }

    /// `date + days` row by row (days an INTEGER or BIGINT column; NULL on either side is NULL);
    /// nil for other day types, which the scalar path handles.
    static func addDays(_ dates: [Int32], validity: Bitmap?, days: Column) -> Column? {
        let n = dates.count
        var out = [Int32](repeating: 0, count: n)
        switch days.values {
        case .int64(let d) where d.count >= n:
            for i in 0..<n { out[i] = dates[i] &+ Int32(truncatingIfNeeded: d[i]) }
        case .int32(let d) where d.count >= n:
            for i in 0..<n { out[i] = dates[i] &+ d[i] }
        default:
            return nil
        }
        var combined = validity
        if let dv = days.validity {
            var bits = Bitmap(count: n, value: true)
            for i in 0..<n where !dv[i] || !(validity?[i] ?? true) { bits[i] = false }
            combined = bits
        }
        return Column(type: .date32, values: .int32(out), validity: combined)
    }

    static func apply(_ f: ScalarFunction, _ args: [Scalar], type: DataType) throws -> Scalar {
        switch f {
        case .coalesce:
            return try Casts.cast(args.first { !$0.isNull } ?? .null, to: type)
        case .greatest, .least:
            var best: Scalar = .null
            for a in args where !a.isNull {
                if best.isNull { best = a; continue }
                let c = Scalar.compare(a, best)
                if f == .greatest ? c > 0 : c < 0 { best = a }
            }
            return try Casts.cast(best, to: type)
        case .nullif:
            if args[0].isNull { return .null }
            if !args[1].isNull && Scalar.compare(args[0], args[1]) == 0 { return .null }
            return args[0]
        case .concat:
            return .string(args.map { if case .string(let s) = $0 { return s }; return $0.isNull ? "" : Casts.text($0) }.joined())
        default:
            break
        }
        if args.contains(where: \.isNull) { return .null }
        switch f {
        case .dateTrunc:
            guard case .string(let unit) = args[0] else { throw QueryError.execution("date_trunc needs a unit string") }
            return try dateTrunc(unit.lowercased(), args[1])
        case .year, .month, .day, .hour, .minute, .second, .dayOfWeek, .dayOfYear, .week, .quarter:
            return .int(try datePart(f.rawValue, args[0]))
        case .datePart:
            guard case .string(let part) = args[0] else { return .null }
            return .int(try datePart(part.lowercased(), args[1]))
        case .epoch:
            return .double(Double(micros(args[0]) ?? 0) / 1_000_000)
        case .dateDiff:
            guard case .string(let part) = args[0], let a = micros(args[1]), let b = micros(args[2]) else { return .null }
            return .int(try dateDiff(part.lowercased(), a, b))
        case .addInterval:
            guard case .int(let months) = args[1], case .int(let days) = args[2], case .int(let us) = args[3], case .bool(let keepDate) = args[4] else { return .null }
            return try addInterval(args[0], months: months, days: days, micros: us, keepDate: keepDate)
        case .makeDate:
            guard let y = args[0].asDouble, let m = args[1].asDouble, let d = args[2].asDouble,
                  let yi = Int(exactly: y), let mi = Int(exactly: m), let di = Int(exactly: d),
                  (1...12).contains(mi), di >= 1, di <= CivilDate.daysInMonth(year: yi, month: mi) else {
                throw QueryError.execution("make_date: no such date \(args.map { Casts.text($0) }.joined(separator: "-"))")
            }
            return .date(Int32(CivilDate.daysFromCivil(year: yi, month: mi, day: di)))
        case .strftime:
            guard let t = micros(args[0]), case .string(let format) = args[1] else { return .null }
            return .string(strftime(t, format))
        case .lower:
            guard case .string(let s) = args[0] else { return .null }
            return .string(s.lowercased())
        case .upper:
            guard case .string(let s) = args[0] else { return .null }
            return .string(s.uppercased())
        case .length:
            guard case .string(let s) = args[0] else { return .null }
            return .int(Int64(s.count))
        case .substr:
            guard case .string(let s) = args[0], case .int(let start) = args[1] else { return .null }
            let chars = Array(s)
            // SQL positions are 1-based; a start before 1 eats into the length.
            var from = Int(clamping: start) - 1
            var length = args.count > 2 ? (args[2].asDouble.map { Int($0) } ?? 0) : chars.count
            if from < 0 { length += from; from = 0 }
            guard length > 0, from < chars.count else { return .string("") }
            return .string(String(chars[from..<min(chars.count, from + length)]))
        case .left, .right:
            guard case .string(let s) = args[0], case .int(let k) = args[1] else { return .null }
            let chars = Array(s)
            let count = k >= 0 ? min(chars.count, Int(clamping: k)) : max(0, chars.count - Int(clamping: -k))
            return .string(String(f == .left ? chars.prefix(count) : chars.suffix(count)))
        case .startsWith, .endsWith, .contains:
            guard case .string(let s) = args[0], case .string(let t) = args[1] else { return .null }
            switch f {
            case .startsWith: return .bool(s.utf8.starts(with: t.utf8))
            case .endsWith: return .bool(s.utf8.count >= t.utf8.count && s.utf8.suffix(t.utf8.count).elementsEqual(t.utf8))
            default: return .bool(t.isEmpty || s.contains(t))
            }
        case .replace:
            guard case .string(let s) = args[0], case .string(let from) = args[1], case .string(let to) = args[2] else { return .null }
            return .string(from.isEmpty ? s : s.replacingOccurrences(of: from, with: to))
        case .trim, .ltrim, .rtrim:
            guard case .string(let s) = args[0] else { return .null }
            var set: Set<Character> = [" "]
            if args.count > 1, case .string(let chars) = args[1] { set = Set(chars) }
            var chars = Substring(s)
            if f != .rtrim { while let c = chars.first, set.contains(c) { chars.removeFirst() } }
            if f != .ltrim { while let c = chars.last, set.contains(c) { chars.removeLast() } }
            return .string(String(chars))
        case .reverse:
            guard case .string(let s) = args[0] else { return .null }
            return .string(String(s.reversed()))
        case .strpos:
            guard case .string(let s) = args[0], case .string(let t) = args[1] else { return .null }
            if t.isEmpty { return .int(1) }
            guard let r = s.range(of: t) else { return .int(0) }
            return .int(Int64(s.distance(from: s.startIndex, to: r.lowerBound) + 1))
        case .regexpMatches:
            guard case .string(let s) = args[0], case .string(let p) = args[1] else { return .null }
            let options = args.count > 2 ? (Casts.text(args[2])) : ""
            let re = try RegexCache.shared.regex(p, options: options)
            return .bool(re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil)
        case .regexpReplace:
            guard case .string(let s) = args[0], case .string(let p) = args[1], case .string(let r) = args[2] else { return .null }
            let options = args.count > 3 ? Casts.text(args[3]) : ""
            let re = try RegexCache.shared.regex(p, options: options)
            let template = RegexCache.template(r)
            let whole = NSRange(s.startIndex..., in: s)
            if options.contains("g") {
                return .string(re.stringByReplacingMatches(in: s, range: whole, withTemplate: template))
            }
            guard let m = re.firstMatch(in: s, range: whole), let range = Range(m.range, in: s) else { return .string(s) }
            let replacement = re.replacementString(for: m, in: s, offset: 0, template: template)
            return .string(s.replacingCharacters(in: range, with: replacement))
        case .round:
            let digits = args.count > 1 ? Int(args[1].asDouble ?? 0) : 0
            switch args[0] {
            case .int(let v):
                guard digits < 0 else { return args[0] }
                let p = Int64(SQLType.pow10(min(18, -digits)))
                let q = v / p, r = v % p
                return .int((q + (Swift.abs(r) * 2 >= p ? (v < 0 ? -1 : 1) : 0)) &* p)
            default:
                guard let d = args[0].asDouble else { return .null }
                let f = pow(10.0, Double(digits))
                // Past the double's range: all digits kept (f = inf) or everything rounded away (f = 0).
                if f == 0 { return .double(0) }
                let p = d * f
                var q = p.rounded(.toNearestOrAwayFromZero)
                // A tie after the multiplication may not be one in the exact value (14.465 is
                // 14.46499…): the product's rounding error decides, as exact decimal rounding would.
                if digits >= 0, Swift.abs(p - p.rounded(.towardZero)) == 0.5 {
                    let err = (-p).addingProduct(d, f)
                    if err < 0 { q = p.rounded(.down) } else if err > 0 { q = p.rounded(.up) }
                }
                let r = q / f
                return .double(r.isFinite ? r : d)
            }
        case .abs:
            switch args[0] {
            case .int(let v):
                guard v != .min else { throw QueryError.execution("integer overflow in abs") }
                return .int(Swift.abs(v))
            case .double(let v): return .double(Swift.abs(v))
            case .decimal(let v, let s): return .decimal(Swift.abs(v), s)
            default: return .null
            }
        case .floor, .ceil:
            if case .int = args[0] { return args[0] }
            guard let d = args[0].asDouble else { return .null }
            return .double(f == .floor ? d.rounded(.down) : d.rounded(.up))
        case .sign:
            guard let d = args[0].asDouble else { return .null }
            return .int(d > 0 ? 1 : (d < 0 ? -1 : 0))
        case .sqrt:
            guard let d = args[0].asDouble else { return .null }
            if d < 0 { throw QueryError.execution("cannot take the square root of a negative number") }
            return .double(d.squareRoot())
        case .ln, .log10:
            guard let d = args[0].asDouble else { return .null }
            if d < 0 { throw QueryError.execution("cannot take the logarithm of a negative number") }
            if d == 0 { throw QueryError.execution("cannot take the logarithm of zero") }
            return .double(f == .ln ? Foundation.log(d) : Foundation.log10(d))
        case .exp:
            guard let d = args[0].asDouble else { return .null }
            return .double(Foundation.exp(d))
        case .power:
            guard let a = args[0].asDouble, let b = args[1].asDouble else { return .null }
            return .double(Foundation.pow(a, b))
        case .coalesce, .greatest, .least, .nullif, .concat, .ifThen, .dateAdd:
            return .null
        case .structExtract, .listExtract, .mapExtractValue, .listLength, .cardinality, .mapKeys, .mapValues,
             .listSum, .listAvg, .listMin, .listMax, .listCount, .listContains, .listValue,
             .structPack, .map, .mapFromEntries:
            throw QueryError.execution("internal: \(f.rawValue) has a column kernel only")
        }
    }

    /// Microseconds of a DATE or TIMESTAMP value.
    static func micros(_ v: Scalar) -> Int64? {
        switch v {
        case .timestamp(let t): return t
        case .date(let d): return Int64(d) * microsPerDay
        default: return nil
        }
    }

    static func dateTrunc(_ unit: String, _ v: Scalar) throws -> Scalar {
        let isDate: Bool
        let micros: Int64
        switch v {
        case .timestamp(let t): micros = t; isDate = false
        case .date(let d): micros = Int64(d) * microsPerDay; isDate = true
        default: throw QueryError.execution("date_trunc needs a DATE or TIMESTAMP")
        }
        let truncated: Int64
        if let coarse = DayTrunc(unit) {
            truncated = coarse.apply(micros.floorDiv(microsPerDay)) * microsPerDay
        } else {
            switch unit {
            case "microsecond", "microseconds": truncated = micros
            case "millisecond", "milliseconds": truncated = micros.floorDiv(1000) * 1000
            case "second", "seconds": truncated = micros.floorDiv(1_000_000) * 1_000_000
            case "minute", "minutes": truncated = micros.floorDiv(60_000_000) * 60_000_000
            case "hour", "hours": truncated = micros.floorDiv(3_600_000_000) * 3_600_000_000
            default: throw QueryError.execution("date_trunc: unknown unit '\(unit)'")
            }
        }
        return isDate ? .date(Int32(truncated.floorDiv(microsPerDay))) : .timestamp(truncated)
    }

    /// date_trunc units of a day or longer, on day numbers (days since 1970-01-01).
    enum DayTrunc {
        case day, week, month, quarter, year, decade

        init?(_ unit: String) {
            switch unit {
            case "day", "days": self = .day
            case "week", "weeks": self = .week
            case "month", "months": self = .month
            case "quarter", "quarters": self = .quarter
            case "year", "years": self = .year
            case "decade", "decades": self = .decade
            default: return nil
            }
        }

        /// The first day of the unit holding `day`.
        func apply(_ day: Int64) -> Int64 {
            if self == .day { return day }
            // 1970-01-01 was a Thursday; weeks start on Monday.
            if self == .week { return day - (day + 3).floorMod(7) }
            let (y, m, _) = CivilDate.civilFromDays(Int(day))
            switch self {
            case .month: return Int64(CivilDate.daysFromCivil(year: y, month: m, day: 1))
            case .quarter: return Int64(CivilDate.daysFromCivil(year: y, month: (m - 1) / 3 * 3 + 1, day: 1))
            case .year: return Int64(CivilDate.daysFromCivil(year: y, month: 1, day: 1))
            default: return Int64(CivilDate.daysFromCivil(year: y - y.floorMod10, month: 1, day: 1))
            }
        }
    }

    /// date_trunc over a TIMESTAMP column (the binder casts a DATE) with a constant unit: once
    /// per dictionary entry, else a typed loop (units of a day or longer remember the last day,
    /// as values come clustered by time). Nil for anything the scalar path must answer (errors).
    static func dateTruncColumn(_ unit: String, _ c: Column, type: DataType) -> Column? {
        if case .dictionary(let d, let idx) = c.values {
            guard let entries = dateTruncColumn(unit, Column(type: c.type, values: d), type: type) else { return nil }
            return Column(type: type, values: .dictionary(dictionary: entries.values, indices: idx), validity: c.validity)
        }
        switch (c.values, c.type, type) {
        case (.int64(let v), .timestamp, .timestamp):
            if let coarse = DayTrunc(unit) {
                // The last day's bounds: a time within them needs no division (two compares
                // instead of a 64-bit divide per row). Empty until a first day is computed, and
                // kept empty where the bounds would overflow.
                var dayStart = Int64.max, dayEnd = Int64.min, lastOut: Int64 = 0
                return Column(type: type, values: .int64(v.map { t in
                    if t >= dayStart && t < dayEnd { return lastOut }
                    let day = t.floorDiv(microsPerDay)
                    lastOut = coarse.apply(day) &* microsPerDay
                    let (start, overflow) = day.multipliedReportingOverflow(by: microsPerDay)
                    let (end, overflowEnd) = start.addingReportingOverflow(microsPerDay)
                    if overflow || overflowEnd { (dayStart, dayEnd) = (Int64.max, Int64.min) } else { (dayStart, dayEnd) = (start, end) }
                    return lastOut
                }), validity: c.validity)
            }
            let step: Int64
            switch unit {
            case "microsecond", "microseconds": return c
            case "millisecond", "milliseconds": step = 1000
            case "second", "seconds": step = 1_000_000
            case "minute", "minutes": step = 60_000_000
            case "hour", "hours": step = 3_600_000_000
            default: return nil
            }
            return Column(type: type, values: .int64(v.map { $0.floorDiv(step) &* step }), validity: c.validity)
        default:
            return nil
        }
    }

    static func datePart(_ part: String, _ v: Scalar) throws -> Int64 {
        guard let micros = micros(v) else { throw QueryError.execution("\(part)() needs a DATE or TIMESTAMP") }
        let day = micros.floorDiv(microsPerDay)
        let (y, m, d) = CivilDate.civilFromDays(Int(day))
        let inDay = micros.floorMod(microsPerDay)
        switch part {
        case "year": return Int64(y)
        case "month": return Int64(m)
        case "day": return Int64(d)
        case "hour": return inDay / 3_600_000_000
        case "minute": return inDay / 60_000_000 % 60
        case "second": return inDay / 1_000_000 % 60
        case "millisecond": return inDay / 1000 % 60_000
        case "microsecond": return inDay % 60_000_000
        case "dayofweek", "dow": return (day + 4).floorMod(7)  // Sunday = 0
        case "isodow": return (day + 3).floorMod(7) + 1  // Monday = 1
        case "doy", "dayofyear": return day - Int64(CivilDate.daysFromCivil(year: y, month: 1, day: 1)) + 1
        case "quarter": return Int64((m - 1) / 3 + 1)
        case "epoch": return micros.floorDiv(1_000_000)
        case "week": return isoWeek(day)
        case "decade": return Int64(y).floorDiv(10)
        case "century": return y > 0 ? Int64((y - 1) / 100 + 1) : -Int64((-y) / 100 + 1)
        case "millennium": return y > 0 ? Int64((y - 1) / 1000 + 1) : -Int64((-y) / 1000 + 1)
        default: throw QueryError.execution("unknown date part '\(part)'")
        }
    }

    /// ISO-8601 week number (weeks start Monday; week 1 holds the year's first Thursday).
    static func isoWeek(_ day: Int64) -> Int64 {
        let weekday = (day + 3).floorMod(7)  // Monday = 0
        let thursday = day - weekday + 3
        let (y, _, _) = CivilDate.civilFromDays(Int(thursday))
        let jan1 = Int64(CivilDate.daysFromCivil(year: y, month: 1, day: 1))
        return (thursday - jan1) / 7 + 1
    }

    /// Boundaries of `part` crossed from `a` to `b` (DuckDB's date_diff).
    static func dateDiff(_ rawPart: String, _ a: Int64, _ b: Int64) throws -> Int64 {
        let part = rawPart.hasSuffix("s") ? String(rawPart.dropLast()) : rawPart
        let (ya, ma, _) = CivilDate.civilFromDays(Int(a.floorDiv(microsPerDay)))
        let (yb, mb, _) = CivilDate.civilFromDays(Int(b.floorDiv(microsPerDay)))
        switch part {
        case "year": return Int64(yb - ya)
        case "quarter": return Int64((yb * 4 + (mb - 1) / 3) - (ya * 4 + (ma - 1) / 3))
        case "month": return Int64((yb * 12 + mb) - (ya * 12 + ma))
        case "week": return (b.floorDiv(microsPerDay) - a.floorDiv(microsPerDay)) / 7
        case "day": return b.floorDiv(microsPerDay) - a.floorDiv(microsPerDay)
        case "hour": return b.floorDiv(3_600_000_000) - a.floorDiv(3_600_000_000)
        case "minute": return b.floorDiv(60_000_000) - a.floorDiv(60_000_000)
        case "second": return b.floorDiv(1_000_000) - a.floorDiv(1_000_000)
        case "millisecond": return b.floorDiv(1000) - a.floorDiv(1000)
        case "microsecond": return b - a
        default: throw QueryError.execution("date_diff: unknown part '\(rawPart)'")
        }
    }

    /// A date or timestamp moved by months (clamped to the month's last day), days and microseconds.
    static func addInterval(_ v: Scalar, months: Int64, days: Int64, micros us: Int64, keepDate: Bool) throws -> Scalar {
        guard var t = micros(v) else { return .null }
        if months != 0 {
            let day = t.floorDiv(microsPerDay)
            let inDay = t - day * microsPerDay
            let (y, m, d) = CivilDate.civilFromDays(Int(day))
            let total = Int64(y) * 12 + Int64(m - 1) + months
            let ny = Int(total.floorDiv(12)), nm = Int(total.floorMod(12)) + 1
            let nd = min(d, CivilDate.daysInMonth(year: ny, month: nm))
            t = Int64(CivilDate.daysFromCivil(year: ny, month: nm, day: nd)) * microsPerDay + inDay
        }
        let (r1, o1) = t.addingReportingOverflow(days.multipliedReportingOverflow(by: microsPerDay).partialValue)
        let (r2, o2) = r1.addingReportingOverflow(us)
        if o1 || o2 { throw QueryError.execution("date arithmetic out of range") }
        if keepDate { return .date(Int32(truncatingIfNeeded: r2.floorDiv(microsPerDay))) }
        return .timestamp(r2)
    }

    /// strftime with the usual specifiers (%Y %m %d %H %M %S %f %j %a %A %b %B %y %p %I %u %w %%).
    static func strftime(_ t: Int64, _ format: String) -> String {
        let day = t.floorDiv(microsPerDay)
        let inDay = t.floorMod(microsPerDay)
        let (y, m, d) = CivilDate.civilFromDays(Int(day))
        let h = Int(inDay / 3_600_000_000), mi = Int(inDay / 60_000_000 % 60), s = Int(inDay / 1_000_000 % 60)
        let weekday = Int((day + 4).floorMod(7))  // Sunday = 0
        let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        var out = ""
        var chars = format.makeIterator()
        while let c = chars.next() {
            guard c == "%" else { out.append(c); continue }
            guard let spec = chars.next() else { out.append("%"); break }
            switch spec {
            case "Y": out += TimestampText.pad(y, 4)
            case "y": out += TimestampText.pad(y.floorMod100, 2)
            case "m": out += TimestampText.pad(m, 2)
            case "d": out += TimestampText.pad(d, 2)
            case "e": out += String(d)
            case "H": out += TimestampText.pad(h, 2)
            case "I": out += TimestampText.pad(h % 12 == 0 ? 12 : h % 12, 2)
            case "p": out += h < 12 ? "AM" : "PM"
            case "M": out += TimestampText.pad(mi, 2)
            case "S": out += TimestampText.pad(s, 2)
            case "f": out += TimestampText.pad(Int(inDay % 1_000_000), 6)
            case "j": out += TimestampText.pad(Int(day - Int64(CivilDate.daysFromCivil(year: y, month: 1, day: 1)) + 1), 3)
            case "a": out += String(dayNames[weekday].prefix(3))
            case "A": out += dayNames[weekday]
            case "b": out += String(monthNames[m - 1].prefix(3))
            case "B": out += monthNames[m - 1]
            case "u": out += String(weekday == 0 ? 7 : weekday)
            case "w": out += String(weekday)
            case "%": out += "%"
            default: out.append("%"); out.append(spec)
            }
        }
        return out
    }
}

private extension Int {
    var floorMod10: Int { ((self % 10) + 10) % 10 }
    var floorMod100: Int { ((self % 100) + 100) % 100 }
}

/// Compiled regular expressions by pattern (patterns are constants of the query).
final class RegexCache: @unchecked Sendable {
    static let shared = RegexCache()
    private let lock = NSLock()
    private var cache: [String: NSRegularExpression] = [:]

    func regex(_ pattern: String, options: String) throws -> NSRegularExpression {
        let key = options + "\u{0}" + pattern
        lock.lock()
        if let r = cache[key] { lock.unlock(); return r }
        lock.unlock()
        var o: NSRegularExpression.Options = []
        if options.contains("i") { o.insert(.caseInsensitive) }
        if options.contains("s") { o.insert(.dotMatchesLineSeparators) }
        let r: NSRegularExpression
        do {
            r = try NSRegularExpression(pattern: pattern, options: o)
        } catch {
            throw QueryError.execution("invalid regular expression '\(pattern)'")
        }
        lock.lock()
        if cache.count > 256 { cache.removeAll() }
        cache[key] = r
        lock.unlock()
        return r
    }

    /// A replacement in RE2 form (`\1` for a group) as a Foundation template (`$1`).
    static func template(_ r: String) -> String {
        var out = ""
        var chars = Array(r)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count, chars[i + 1].isNumber {
                out += "$" + String(chars[i + 1])
                i += 2
                continue
            }
            if c == "\\", i + 1 < chars.count { out += "\\" + String(chars[i + 1]); i += 2; continue }
            if c == "$" { out += "\\$"; i += 1; continue }
            out.append(c)
            i += 1
        }
        chars = []
        return out
    }
}

extension Int64 {
    @inlinable func floorMod(_ d: Int64) -> Int64 {
        let r = self % d
        return r != 0 && (r < 0) != (d < 0) ? r + d : r
    }
}
