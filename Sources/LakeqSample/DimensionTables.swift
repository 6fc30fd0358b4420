import Foundation
import LakeqColumnar
import LakeqDelta
import LakeqParquet

/// The dimension tables of the sample lake, consistent with `events` (same seed, same
/// catalog): every show and every user that events mention appears exactly once.
///
/// - `shows` (2,000 rows): show, show_type, genre, duration (the values events carry for
///   the show), seasons (INTEGER, NULL unless a series), release_year.
/// - `users` (1,000,000 rows, user_id 1…1,000,000): signup_date (2019-01-01 … 2025-12-31,
///   skewed recent; always before the events' January 2026), country (the user's home
///   country, which most of their events carry), plan (basic, standard, premium),
///   birth_year (1940 … 2010, NULL for about 8%).
extension EventsGenerator {
    public static let showsSchema = Schema([
        Field(name: "show", type: .string, nullable: false),
        Field(name: "show_type", type: .string, nullable: false),
        Field(name: "genre", type: .string, nullable: false),
        Field(name: "duration", type: .float64, nullable: false),
        Field(name: "seasons", type: .int32, nullable: true),
        Field(name: "release_year", type: .int32, nullable: false),
    ])

    public static let usersSchema = Schema([
        Field(name: "user_id", type: .int64, nullable: false),
        Field(name: "signup_date", type: .date32, nullable: false),
        Field(name: "country", type: .string, nullable: false),
        Field(name: "plan", type: .string, nullable: false),
        Field(name: "birth_year", type: .int32, nullable: true),
    ])

    static let plans = ["basic", "standard", "premium"]
    static let planP = [0.35, 0.45, 0.20]

    /// The rows of `shows`.
    public func showsBatch() -> RecordBatch {
        var rng = Xoshiro256(seed: seed, stream: 1 << 40)
        let n = Self.showCount
        var seasons = [Int32](repeating: 0, count: n)
        var valid = Bitmap(count: n, value: false)
        var year = [Int32](repeating: 0, count: n)
        for s in 0..<n {
            if showType[s] == 1 { seasons[s] = showSeasons[s]; valid[s] = true }
            // Older titles are rarer: years skew towards the present.
            year[s] = Int32(2025 - Int(pow(rng.unit(), 2.2) * 75))
        }
        func dict(_ values: [String], _ idx: [Int32]) -> Column {
            Column(type: .string, values: .dictionary(dictionary: .bytes(ByteArrays(strings: values)), indices: idx))
        }
        return RecordBatch(schema: Self.showsSchema, columns: [
            Column(type: .string, values: .bytes(titles)),
            dict(Self.showTypes, showType),
            dict(Self.genres, showGenre),
            Column(type: .float64, values: .float64(showDuration)),
            Column(type: .int32, values: .int32(seasons), validity: valid),
            Column(type: .int32, values: .int32(year)),
        ], rowCount: n)
    }

    /// The rows of `users`.
    public func usersBatch() -> RecordBatch {
        var rng = Xoshiro256(seed: seed, stream: 1 << 41)
        let n = Self.users
        let first = Int32(17897)  // 2019-01-01
        let span = 2557.0  // days to 2025-12-31 (inclusive)
        let planCDF = Self.cdf(Self.planP)
        var ids = [Int64](repeating: 0, count: n)
        var signup = [Int32](repeating: 0, count: n)
        var plan = [Int32](repeating: 0, count: n)
        var birth = [Int32](repeating: 0, count: n)
        var born = Bitmap(count: n, value: true)
        for u in 0..<n {
            ids[u] = Int64(u + 1)
            // Growth: more signups in recent years.
            signup[u] = first + Int32((1 - pow(rng.unit(), 1.8)) * (span - 1))
            plan[u] = Int32(sampleCDF(planCDF, rng.unit()))
            if rng.unit() < 0.08 { born[u] = false } else {
                birth[u] = Int32(min(2010, max(1940, (1988 + 13 * rng.normal()).rounded())))
            }
        }
        return RecordBatch(schema: Self.usersSchema, columns: [
            Column(type: .int64, values: .int64(ids)),
            Column(type: .date32, values: .int32(signup)),
            Column(type: .string, values: .dictionary(dictionary: .bytes(ByteArrays(strings: Self.countries.map(\.0))), indices: userCountry)),
            Column(type: .string, values: .dictionary(dictionary: .bytes(ByteArrays(strings: Self.plans)), indices: plan)),
            Column(type: .int32, values: .int32(birth), validity: born),
        ], rowCount: n)
    }

    /// Writes `outDir/shows` and `outDir/users` as Delta tables (one commit each).
    public func writeDimensions(outDir: String, options: WriterOptions, rowGroupRows: Int = 131_072) throws {
        for (name, schema, batch) in [("shows", Self.showsSchema, showsBatch()), ("users", Self.usersSchema, usersBatch())] {
            let root = (outDir as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: root) { try FileManager.default.removeItem(atPath: root) }
            let table = try DeltaTable.create(at: root, schema: schema, name: name)
            var opts = options
            opts.rowGroupRows = rowGroupRows
            let writer = DataFileWriter(snapshot: try table.snapshot(), options: opts)
            let add = try writer.write([batch], partitionValues: [:])
            try table.append([add], commitInfo: CommitInfo(timestamp: Int64(Date().timeIntervalSince1970 * 1000), operation: "WRITE",
                                                           operationParameters: ["mode": "Append"],
                                                           extra: ["lakeqGen": .object(["seed": .int(Int64(bitPattern: seed))])]))
        }
    }
}
