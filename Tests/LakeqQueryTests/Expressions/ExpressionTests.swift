import LakeqColumnar
import Testing
@testable import LakeqQuery

@Suite struct LikePatternTests {
    @Test(arguments: [
        ("The %", "The Cat", true), ("The %", "Theory of the Comet", false), ("%Cat", "The Cat", true),
        ("%he C%", "The Cat", true), ("T_e%", "The", true), ("_", "é", true), ("__", "é", false),
        ("a%b%c", "aXbYc", true), ("a%b%c", "aXcYb", false), ("", "", true), ("%", "", true), ("abc", "abc", true),
        ("100%", "100%", true), ("%%", "x", true),
    ])
    func matches(pattern: String, text: String, expected: Bool) {
        #expect(LikePattern(pattern, caseInsensitive: false).matches(Array(text.utf8)) == expected)
    }

    @Test func ilikeIgnoresCase() {
        #expect(LikePattern("the %", caseInsensitive: true).matches(Array("THE CAT".utf8)))
        #expect(!LikePattern("the %", caseInsensitive: false).matches(Array("THE CAT".utf8)))
    }
}

@Suite struct TemporalTests {
    @Test func timestampTextRoundTrips() {
        let cases: [(String, Int64)] = [
            ("1970-01-01T00:00:00Z", 0), ("2026-01-03T17:04:11.123456Z", 1_767_459_851_123_456),
            ("1969-12-31T23:59:59.999999Z", -1), ("2000-02-29T12:00:00Z", 951_825_600_000_000),
        ]
        for (text, micros) in cases {
            #expect(TimestampText.parse(text) == micros)
            #expect(TimestampText.timestamp(micros) == text)
        }
        #expect(TimestampText.parse("2026-01-03 17:04:11+02:00") == TimestampText.parse("2026-01-03T15:04:11Z"))
        #expect(TimestampText.parse("2026-02-30T00:00:00Z") == nil)
        #expect(TimestampText.parse("2026-01-03T25:00:00Z") == nil)
        #expect(TimestampText.parse("garbage") == nil)
    }

    /// The column path (the last day's bounds remembered, no division inside them) equals the
    /// scalar path for every unit of a day or longer: clustered and scattered times, before
    /// and after 1970, day edges, and times near the ends of Int64 (where the bounds overflow).
    @Test(arguments: ["day", "week", "month", "quarter", "year", "decade"]) func dateTruncColumnEqualsScalar(unit: String) throws {
        let day: Int64 = 86_400_000_000
        var rng: UInt64 = 3
        var times: [Int64] = []
        for i in 0..<4000 {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            let r = Int64(truncatingIfNeeded: rng >> 20)
            if i % 3 == 0 {
                times.append(r % (200 * 365 * day) - 100 * 365 * day)  // scattered, 1870-2070
            } else {
                times.append((times.last ?? 0) + r % (day / 7))  // clustered, crossing day edges both ways
            }
        }
        times += [0, -1, day - 1, day, -day, -day - 1, 5 * day - 1, 5 * day]
        times += [Int64.max / 2, Int64.min / 2, Int64.max / 2 - 1]
        let type = DataType.timestamp(.micros, utc: true)
        let column = Column(type: type, values: .int64(times))
        let truncated = try #require(Functions.dateTruncColumn(unit, column, type: type))
        for (i, t) in times.enumerated() {
            #expect(Scalar.from(truncated, row: i) == (try Functions.dateTrunc(unit, .timestamp(t))), "\(unit) of \(t)")
        }
    }

    @Test func dateTruncAndParts() throws {
        let t = Scalar.timestamp(TimestampText.parse("2026-05-14T13:45:10.5Z")!)
        #expect(try Functions.dateTrunc("day", t) == .timestamp(TimestampText.parse("2026-05-14T00:00:00Z")!))
        #expect(try Functions.dateTrunc("month", t) == .timestamp(TimestampText.parse("2026-05-01T00:00:00Z")!))
        #expect(try Functions.dateTrunc("week", t) == .timestamp(TimestampText.parse("2026-05-11T00:00:00Z")!))
        #expect(try Functions.dateTrunc("year", .date(PartitionTyping.parseDate("2026-05-14")!)) == .date(PartitionTyping.parseDate("2026-01-01")!))
        #expect(throws: QueryError.self) { try Functions.dateTrunc("fortnight", t) }
        #expect(try Functions.datePart("hour", t) == 13)
        #expect(try Functions.datePart("dayofweek", t) == 4)  // a Thursday
        let before = Scalar.timestamp(TimestampText.parse("1969-12-31T23:30:00Z")!)
        #expect(try Functions.dateTrunc("day", before) == .timestamp(TimestampText.parse("1969-12-31T00:00:00Z")!))
    }

    @Test func partitionValueTyping() {
        #expect(PartitionTyping.type(of: ["2026-01-01", "2026-01-02"]) == .date32)
        #expect(PartitionTyping.type(of: ["1", "22", "-3"]) == .int64)
        #expect(PartitionTyping.type(of: ["1", "007"]) == .string)
        #expect(PartitionTyping.type(of: ["99999999999999999999"]) == .string)
        #expect(PartitionTyping.type(of: ["__HIVE_DEFAULT_PARTITION__"]) == .string)
    }
}

@Suite struct CastTests {
    @Test func castsConvertOrFailClearly() throws {
        #expect(try Casts.cast(.string("42"), to: .int64) == .int(42))
        #expect(try Casts.cast(.double(2.5), to: .int64) == .int(2))
        #expect(try Casts.cast(.double(3.5), to: .int64) == .int(4))
        #expect(try Casts.cast(.decimal(-250, 2), to: .int64) == .int(-3))
        #expect(try Casts.cast(.int(7), to: .string) == .string("7"))
        #expect(try Casts.cast(.string("2026-01-02"), to: .date32) == .date(PartitionTyping.parseDate("2026-01-02")!))
        #expect(throws: QueryError.self) { try Casts.cast(.string("x"), to: .int64) }
        #expect(throws: QueryError.self) { try Casts.cast(.int(1 << 40), to: .int32) }
        #expect(throws: QueryError.self) { try Casts.cast(.double(.infinity), to: .int64) }
    }
}

@Suite struct ScalarFunctionTests {
    @Test func roundAtTheEdgesOfTheDoubleRange() throws {
        #expect(try Functions.apply(.round, [.double(2.09), .int(1)], type: .float64) == .double(2.1))
        #expect(try Functions.apply(.round, [.double(25), .int(-1)], type: .float64) == .double(30))
        #expect(try Functions.apply(.round, [.double(2.09), .int(-400)], type: .float64) == .double(0))
        #expect(try Functions.apply(.round, [.double(2.09), .int(400)], type: .float64) == .double(2.09))
        #expect(try Functions.apply(.substr, [.string("héllo"), .int(2), .int(3)], type: .string) == .string("éll"))
        #expect(try Functions.apply(.substr, [.string("abc"), .int(-1), .int(3)], type: .string) == .string("a"))
        #expect(try Functions.apply(.coalesce, [.null, .int(3)], type: .int64) == .int(3))
        #expect(throws: QueryError.self) { try Functions.apply(.abs, [.int(.min)], type: .int64) }
    }
}
