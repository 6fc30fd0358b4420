/// The per-file statistics of an `add` action (`stats`): row count, and per column the
/// minimum, maximum and number of nulls.
///
/// Values are kept as JSON: numbers for numeric columns, strings for strings, dates
/// (`YYYY-MM-DD`) and timestamps (ISO 8601). A column absent from a map means unknown.
/// Timestamp bounds are written at millisecond precision, the minimum rounded down and the
/// maximum rounded up, so they stay sound bounds for readers that compare at that precision.
public struct FileStats: Hashable, Sendable {
    public var numRecords: Int64
    /// Per column; a struct column's value is an object of its fields' bounds.
    public var minValues: [String: JSONValue]
    public var maxValues: [String: JSONValue]
    /// Null counts of top-level leaf columns.
    public var nullCount: [String: Int64]
    /// Null counts of struct columns: objects of their fields' counts.
    public var nestedNullCount: [String: JSONValue] = [:]

    public init(numRecords: Int64, minValues: [String: JSONValue] = [:], maxValues: [String: JSONValue] = [:], nullCount: [String: Int64] = [:]) {
        self.numRecords = numRecords
        self.minValues = minValues
        self.maxValues = maxValues
        self.nullCount = nullCount
    }

    /// Parses the `stats` string of an `add` action.
    public init(json: String) throws {
        let v = try JSONValue.parse(json)
        guard let n = v["numRecords"]?.intValue else { throw DeltaError.corrupt("stats without numRecords") }
        numRecords = n
        minValues = v["minValues"]?.objectValue ?? [:]
        maxValues = v["maxValues"]?.objectValue ?? [:]
        let counts = v["nullCount"]?.objectValue ?? [:]
        nullCount = counts.compactMapValues(\.intValue)
        nestedNullCount = counts.filter { if case .object = $0.value { return true } else { return false } }
    }

    /// The `stats` JSON text.
    public var json: String {
        JSONValue.object([
            "numRecords": .int(numRecords),
            "minValues": .object(minValues),
            "maxValues": .object(maxValues),
            "nullCount": .object(nullCount.mapValues { .int($0) }.merging(nestedNullCount) { leaf, _ in leaf }),
        ]).serialized
    }
}
