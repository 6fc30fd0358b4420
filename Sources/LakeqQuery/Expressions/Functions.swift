import Foundation
import LakeqColumnar

/// Scalar function implementations: a vectorized path for the time functions, a per-value
/// path for everything.
enum Functions {
    static let microsPerDay: Int64 = 86_400_000_000

    static func vectorized(_ f: ScalarFunction, _ args: [Column], type: DataType, count n: Int) throws -> Column? {
        switch f {
        case .dateTrunc:
            guard args.count == 2, case .string(let unit) = Scalar.from(args[0], row: 0), n > 0 else { return nil }
            let c = args[1]
            guard case .int64(let v) = c.values, case .timestamp = c.type else { return nil }
            let step: Int64
            switch unit.lowercased() {
            case "day": step = microsPerDay
            case "hour": step = 3_600_000_000
            case "minute": step = 60_000_000
            case "second": step = 1_000_000
            default: return nil
            }
            return Column(type: c.type, values: .int64(v.map { $0.floorDiv(step) &* step }), validity: c.validity)
        case .hour:
            guard let c = args.first, case .int64(let v) = c.values, case .timestamp = c.type else { return nil }
            return Column(type: .int64, values: .int64(v.map { $0.floorMod(microsPerDay) / 3_600_000_000 }), validity: c.validity)
        default:
            return nil
        }
    }

    static func apply(_ f: ScalarFunction, _ args: [Scalar], type: DataType) throws -> Scalar {
        if f == .coalesce {
            return try Casts.cast(args.first { !$0.isNull } ?? .null, to: type)
        }
        if f != .concat && args.contains(where: \.isNull) { return .null }
        switch f {
        case .dateTrunc:
            guard case .string(let unit) = args[0] else { throw QueryError.execution("date_trunc needs a unit string") }
            return try dateTrunc(unit.lowercased(), args[1])
        case .year, .month, .day, .hour, .minute, .second, .dayOfWeek:
            return .int(try datePart(f.rawValue, args[0]))
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
        case .round:
            let digits = args.count > 1 ? Int(args[1].asDouble ?? 0) : 0
            switch args[0] {
            case .int: return args[0]
            default:
                guard let d = args[0].asDouble else { return .null }
                let f = pow(10.0, Double(digits))
                // Past the double's range: all digits kept (f = inf) or everything rounded away (f = 0).
                if f == 0 { return .double(0) }
                let r = (d * f).rounded(.toNearestOrAwayFromZero) / f
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
        case .concat:
            return .string(args.map { if case .string(let s) = $0 { return s }; return $0.isNull ? "" : Casts.text($0) }.joined())
        case .coalesce: return .null
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
        let day = micros.floorDiv(microsPerDay)
        let (y, m, _) = CivilDate.civilFromDays(Int(day))
        let truncated: Int64
        switch unit {
        case "microsecond", "microseconds": truncated = micros
        case "second", "seconds": truncated = micros.floorDiv(1_000_000) * 1_000_000
        case "minute", "minutes": truncated = micros.floorDiv(60_000_000) * 60_000_000
        case "hour", "hours": truncated = micros.floorDiv(3_600_000_000) * 3_600_000_000
        case "day", "days": truncated = day * microsPerDay
        case "week", "weeks":
            let weekday = (day + 3).floorMod(7)  // 1970-01-01 was a Thursday; weeks start Monday
            truncated = (day - weekday) * microsPerDay
        case "month", "months": truncated = Int64(CivilDate.daysFromCivil(year: y, month: m, day: 1)) * microsPerDay
        case "quarter", "quarters":
            truncated = Int64(CivilDate.daysFromCivil(year: y, month: (m - 1) / 3 * 3 + 1, day: 1)) * microsPerDay
        case "year", "years": truncated = Int64(CivilDate.daysFromCivil(year: y, month: 1, day: 1)) * microsPerDay
        default: throw QueryError.execution("date_trunc: unknown unit '\(unit)'")
        }
        return isDate ? .date(Int32(truncated.floorDiv(microsPerDay))) : .timestamp(truncated)
    }

    static func datePart(_ part: String, _ v: Scalar) throws -> Int64 {
        let micros: Int64
        switch v {
        case .timestamp(let t): micros = t
        case .date(let d): micros = Int64(d) * microsPerDay
        default: throw QueryError.execution("\(part)() needs a DATE or TIMESTAMP")
        }
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
        case "dayofweek", "dow": return (day + 4).floorMod(7)  // Sunday = 0
        case "doy", "dayofyear": return day - Int64(CivilDate.daysFromCivil(year: y, month: 1, day: 1)) + 1
        case "quarter": return Int64((m - 1) / 3 + 1)
        case "epoch": return micros.floorDiv(1_000_000)
        default: throw QueryError.execution("unknown date part '\(part)'")
        }
    }
}

extension Int64 {
    @inlinable func floorMod(_ d: Int64) -> Int64 {
        let r = self % d
        return r != 0 && (r < 0) != (d < 0) ? r + d : r
    }
}
