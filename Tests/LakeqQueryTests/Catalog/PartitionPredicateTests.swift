import LakeqColumnar
import Testing
@testable import LakeqQuery

@Suite struct PartitionPredicateTests {
    static let fields = [Field(name: "date", type: .date32, nullable: true), Field(name: "device", type: .string, nullable: true),
                         Field(name: "bucket", type: .int32, nullable: true)]

    func matches(_ sql: String, _ values: [String: String?]) throws -> Bool {
        try PartitionPredicate(sql, partitionColumns: Self.fields).matches(values)
    }

    @Test func comparisonsOnTypedPartitionValues() throws {
        let jan10: [String: String?] = ["date": "2026-01-10", "device": "tv", "bucket": "7"]
        #expect(try matches("date = '2026-01-10'", jan10))
        #expect(try matches("date >= DATE '2026-01-10' AND date < '2026-01-11'", jan10))
        #expect(try !matches("date > '2026-01-10'", jan10))
        #expect(try matches("date BETWEEN '2026-01-01' AND '2026-01-31'", jan10))
        #expect(try !matches("date NOT BETWEEN '2026-01-01' AND '2026-01-31'", jan10))
        #expect(try matches("device IN ('tv', 'web') AND bucket > 3", jan10))
        #expect(try matches("bucket = 7", jan10))
        #expect(try !matches("bucket = 70", jan10))   // numerically, not as text
        #expect(try matches("bucket < 10", jan10))
        #expect(try matches("DEVICE like 't%'", jan10))
        #expect(try matches("NOT (device = 'web') OR date IS NULL", jan10))
        #expect(try matches("\"device\" <> 'web'", jan10))
    }

    @Test func nullsFollowThreeValuedLogic() throws {
        let nulls: [String: String?] = ["device": String?.none, "bucket": "__HIVE_DEFAULT_PARTITION__"]  // date absent
        #expect(try matches("date IS NULL", nulls))
        #expect(try matches("bucket IS NULL AND device IS NULL", nulls))
        #expect(try !matches("device = 'tv'", nulls))
        #expect(try !matches("NOT (device = 'tv')", nulls))
        #expect(try !matches("device NOT IN ('tv')", nulls))
        #expect(try matches("device = 'tv' OR date IS NULL", nulls))
        #expect(try !matches("device IN ('tv', NULL)", ["device": "web"]))
    }

    @Test func clearErrors() {
        #expect(throws: QueryError.self) { try PartitionPredicate("watch > 3", partitionColumns: Self.fields) }       // not a partition column
        #expect(throws: QueryError.self) { try PartitionPredicate("date = 5", partitionColumns: Self.fields) }        // types
        #expect(throws: QueryError.self) { try PartitionPredicate("date = '2026-13-45'", partitionColumns: Self.fields) }
        #expect(throws: QueryError.self) { try PartitionPredicate("bucket + 1 = 2", partitionColumns: Self.fields) }  // arithmetic
        #expect(throws: QueryError.self) { try PartitionPredicate("device", partitionColumns: Self.fields) }          // not a condition
        #expect(throws: QueryError.self) { try PartitionPredicate("upper(device) = 'TV'", partitionColumns: Self.fields) }
        #expect(throws: (any Error).self) { try PartitionPredicate("date = ", partitionColumns: Self.fields) }       // syntax
        #expect(throws: QueryError.self) { try PartitionPredicate("bucket LIKE '1%'", partitionColumns: Self.fields) }
    }
}
