import Foundation
import LakeqColumnar
import LakeqParquet
@testable import LakeqQuery

/// The tables every sqllogictest file can read (plain Parquet, Hive-partitioned where noted),
/// small but laid out to exercise pruning: several files, row groups of 250 rows, pages of 50.
///
/// - `t` (partitioned by `date`): id, show, watch, rating — the five rows of the engine tests.
/// - `ev` (partitioned by `day`, 2026-01-01 … 2026-01-03, 1000 rows each): event_id 1…3000
///   ascending, user_id 1…50, show (one of ten titles, `s0` … `s9`), device (tv, mobile, web,
///   tablet, console), watch DOUBLE (0 … 99.9), rating INTEGER 1…5 or NULL, completed BOOLEAN,
///   ts TIMESTAMP within the day.
/// - `shows`: show `s0` … `s11` (s10 and s11 never watched), genre (drama, comedy, news),
///   seasons INTEGER (NULL for news).
/// - `users`: user_id 1…60 (51…60 never watch), country (NL, DE, FR, US), plan (basic,
///   standard, premium), signup DATE, birth_year INTEGER (NULL for every seventh user).
/// - `sessions` (nested, written by lakeq; row groups of 100 rows): session_id 1…600
///   ascending, user_id 1…20, segments `STRUCT(start BIGINT, "end" BIGINT, bitrate
///   INTEGER)[]` (0…3 per session, NULL for every 13th session, a NULL segment in every
///   17th), device `STRUCT(kind VARCHAR, os STRUCT(name VARCHAR, version INTEGER))` (NULL for
///   every 11th; os.version = session_id / 10, so row groups prune on it), tags
///   `VARCHAR[]`, props `MAP(VARCHAR, VARCHAR)` (keys lang, quality, cdn), scores
///   `INTEGER[]` (0…4 values 1…10, a NULL value in every 6th, NULL for every 15th).
enum SQLLogicFixture {
    static func write(into lake: String) throws {
        try writeT(lake)
        try writeEvents(lake)
        try writeShows(lake)
        try writeUsers(lake)
        try writeSessions(lake)
    }

    static let segmentType = DataType.structure(fields: [
        Field(name: "start", type: .int64, nullable: true), Field(name: "end", type: .int64, nullable: true),
        Field(name: "bitrate", type: .int32, nullable: true),
    ])
    static let osType = DataType.structure(fields: [Field(name: "name", type: .string, nullable: true), Field(name: "version", type: .int32, nullable: true)])
    static let deviceType = DataType.structure(fields: [Field(name: "kind", type: .string, nullable: true), Field(name: "os", type: osType, nullable: true)])

    private static func writeSessions(_ lake: String) throws {
        let schema = Schema([
            Field(name: "session_id", type: .int64, nullable: false), Field(name: "user_id", type: .int64, nullable: false),
            Field(name: "segments", type: .list(element: Field(name: "element", type: segmentType, nullable: true)), nullable: true),
            Field(name: "device", type: deviceType, nullable: true),
            Field(name: "tags", type: .list(element: Field(name: "element", type: .string, nullable: true)), nullable: true),
            Field(name: "props", type: .map(key: Field(name: "key", type: .string, nullable: false), value: Field(name: "value", type: .string, nullable: true)), nullable: true),
            Field(name: "scores", type: .list(element: Field(name: "element", type: .int32, nullable: true)), nullable: true),
        ])
        var state: UInt64 = 777
        func next(_ n: UInt64) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % n)
        }
        let kinds = ["tv", "mobile", "web"], systems = ["tizen", "android", "ios", "linux"], tagWords = ["hd", "kids", "live", "replay"]
        var ids: [Int64] = [], users: [Int64] = []
        var segments: [Scalar] = [], devices: [Scalar] = [], tags: [Scalar] = [], props: [Scalar] = [], scores: [Scalar] = []
        for i in 1...600 {
            ids.append(Int64(i))
            users.append(Int64(1 + next(20)))
            if i % 13 == 0 {
                segments.append(.null)
            } else {
                var segs: [Scalar] = []
                var t = Int64(next(100))
                for k in 0..<next(4) {
                    if i % 17 == 0 && k == 0 { segs.append(.null); continue }
                    let length = Int64(1 + next(60))
                    segs.append(.structure(["start", "end", "bitrate"], [.int(t), .int(t + length), i % 7 == 0 ? .null : .int(Int64(500 * (1 + next(8))))]))
                    t += length
                }
                segments.append(.list(segs))
            }
            if i % 11 == 0 {
                devices.append(.null)
            } else {
                let os: Scalar = i % 5 == 0 ? .null : .structure(["name", "version"], [.string(systems[next(4)]), .int(Int64(i / 10))])
                devices.append(.structure(["kind", "os"], [.string(kinds[next(3)]), os]))
            }
            tags.append(i % 9 == 0 ? .null : .list((0..<next(3)).map { _ in .string(tagWords[next(4)]) }))
            var keys: [Scalar] = [], values: [Scalar] = []
            if next(2) == 0 { keys.append(.string("lang")); values.append(.string(["en", "nl", "de"][next(3)])) }
            if next(3) > 0 { keys.append(.string("quality")); values.append(i % 8 == 0 ? .null : .string(["sd", "hd", "uhd"][next(3)])) }
            if i % 4 == 0 { keys.append(.string("cdn")); values.append(.string("edge\(next(3))")) }
            props.append(i % 10 == 0 ? .null : .map(keys, values))
            var list: [Scalar] = (0..<next(5)).map { _ in .int(Int64(1 + next(10))) }
            if i % 6 == 0 && !list.isEmpty { list[0] = .null }
            scores.append(i % 15 == 0 ? .null : .list(list))
        }
        var options = WriterOptions()
        options.rowGroupRows = 100
        options.pageRows = 50
        try write(lake + "/sessions/part-0.parquet", schema, [
            Column(type: .int64, values: .int64(ids)), Column(type: .int64, values: .int64(users)),
            ColumnFactory.fromScalars(segments, type: schema.fields[2].type), ColumnFactory.fromScalars(devices, type: deviceType),
            ColumnFactory.fromScalars(tags, type: schema.fields[4].type), ColumnFactory.fromScalars(props, type: schema.fields[5].type),
            ColumnFactory.fromScalars(scores, type: schema.fields[6].type),
        ], rows: 600, options: options)
    }

    private static func bitmap(_ valid: [Bool]) -> Bitmap? { valid.allSatisfy { $0 } ? nil : Bitmap(bools: valid) }

    private static func write(_ path: String, _ schema: Schema, _ columns: [Column], rows: Int, options: WriterOptions = WriterOptions()) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let w = try ParquetWriter(path: path, schema: schema, options: options)
        try w.write(RecordBatch(schema: schema, columns: columns, rowCount: rows))
        _ = try w.close()
    }

    private static func writeT(_ lake: String) throws {
        let schema = Schema([
            Field(name: "id", type: .int64, nullable: false), Field(name: "show", type: .string, nullable: false),
            Field(name: "watch", type: .float64, nullable: false), Field(name: "rating", type: .int32, nullable: true),
        ])
        let parts: [(String, [Int64], [String], [Double], [Int32?])] = [
            ("2026-01-01", [1, 2, 3], ["Alpha", "Beta", "Alpha"], [10, 20, 30], [5, nil, 3]),
            ("2026-01-02", [4, 5], ["The Cat", "Beta"], [40, 50], [nil, 4]),
        ]
        for (date, ids, shows, watch, ratings) in parts {
            try write(lake + "/t/date=\(date)/part-0.parquet", schema, [
                Column(type: .int64, values: .int64(ids)), Column(type: .string, values: .bytes(ByteArrays(strings: shows))),
                Column(type: .float64, values: .float64(watch)),
                Column(type: .int32, values: .int32(ratings.map { $0 ?? 0 }), validity: bitmap(ratings.map { $0 != nil })),
            ], rows: ids.count)
        }
    }

    private static func writeEvents(_ lake: String) throws {
        let schema = Schema([
            Field(name: "event_id", type: .int64, nullable: false), Field(name: "user_id", type: .int64, nullable: false),
            Field(name: "show", type: .string, nullable: false), Field(name: "device", type: .string, nullable: false),
            Field(name: "watch", type: .float64, nullable: false), Field(name: "rating", type: .int32, nullable: true),
            Field(name: "completed", type: .boolean, nullable: false), Field(name: "ts", type: .timestamp(.micros, utc: true), nullable: false),
        ])
        var options = WriterOptions()
        options.rowGroupRows = 250
        options.pageRows = 50
        var state: UInt64 = 12345
        func next(_ n: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % n
        }
        let devices = ["tv", "mobile", "web", "tablet", "console"]
        for day in 0..<3 {
            var ids: [Int64] = [], users: [Int64] = [], shows: [String] = [], devs: [String] = []
            var watch: [Double] = [], ratings: [Int32] = [], rated: [Bool] = [], completed: [Bool] = [], ts: [Int64] = []
            let dayStart = Int64(20454 + day) * 86_400_000_000  // 2026-01-01
            for k in 0..<1000 {
                ids.append(Int64(day * 1000 + k + 1))
                users.append(Int64(1 + next(50)))
                shows.append("s\(Int(next(10)) * Int(next(10)) / 9)")
                devs.append(devices[Int(next(5))])
                let w = Double(next(1000)) / 10
                watch.append(w)
                let r = next(7)
                ratings.append(Int32(r % 5 + 1))
                rated.append(r < 4)
                completed.append(w >= 60)
                ts.append(dayStart + Int64(k) * 86_000_000)
            }
            try write(lake + "/ev/day=2026-01-0\(day + 1)/part-0.parquet", schema, [
                Column(type: .int64, values: .int64(ids)), Column(type: .int64, values: .int64(users)),
                Column(type: .string, values: .bytes(ByteArrays(strings: shows))), Column(type: .string, values: .bytes(ByteArrays(strings: devs))),
                Column(type: .float64, values: .float64(watch)), Column(type: .int32, values: .int32(ratings), validity: bitmap(rated)),
                Column(type: .boolean, values: .boolean(completed)), Column(type: .timestamp(.micros, utc: true), values: .int64(ts)),
            ], rows: 1000, options: options)
        }
    }

    private static func writeShows(_ lake: String) throws {
        let schema = Schema([
            Field(name: "show", type: .string, nullable: false), Field(name: "genre", type: .string, nullable: false),
            Field(name: "seasons", type: .int32, nullable: true),
        ])
        let genres = ["drama", "comedy", "news"]
        let names = (0..<12).map { "s\($0)" }
        let g = (0..<12).map { genres[$0 % 3] }
        let seasons = (0..<12).map { Int32($0 % 4 + 1) }
        try write(lake + "/shows/part-0.parquet", schema, [
            Column(type: .string, values: .bytes(ByteArrays(strings: names))), Column(type: .string, values: .bytes(ByteArrays(strings: g))),
            Column(type: .int32, values: .int32(seasons), validity: bitmap((0..<12).map { $0 % 3 != 2 })),
        ], rows: 12)
    }

    private static func writeUsers(_ lake: String) throws {
        let schema = Schema([
            Field(name: "user_id", type: .int64, nullable: false), Field(name: "country", type: .string, nullable: false),
            Field(name: "plan", type: .string, nullable: false), Field(name: "signup", type: .date32, nullable: false),
            Field(name: "birth_year", type: .int32, nullable: true),
        ])
        let countries = ["NL", "DE", "FR", "US"], plans = ["basic", "standard", "premium"]
        let ids = (1...60).map { Int64($0) }
        try write(lake + "/users/part-0.parquet", schema, [
            Column(type: .int64, values: .int64(ids)),
            Column(type: .string, values: .bytes(ByteArrays(strings: ids.map { countries[Int($0) % 4] }))),
            Column(type: .string, values: .bytes(ByteArrays(strings: ids.map { plans[Int($0 * 7) % 3] }))),
            Column(type: .date32, values: .int32(ids.map { Int32(20089 + Int($0) * 5) })),  // from 2025-01-06, every 5 days
            Column(type: .int32, values: .int32(ids.map { Int32(1960 + Int($0) % 45) }), validity: bitmap(ids.map { $0 % 7 != 0 })),
        ], rows: 60)
    }
}
