import Dispatch
import Foundation
import LakeqColumnar
import LakeqParquet
import LakeqDelta
import LakeqIngest

/// xoshiro256** seeded through SplitMix64: fast, deterministic, one stream per day so days
/// can be generated in parallel and still give the same data.
public struct Xoshiro256 {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64, stream: UInt64) {
        var x = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    @inline(__always) public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    @inline(__always) public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
    /// Uniform in 0..<n.
    @inline(__always) public mutating func below(_ n: Int) -> Int { Int(((next() >> 32) &* UInt64(n)) >> 32) }
    /// Standard normal (Box-Muller; one of the pair is dropped for simplicity).
    mutating func normal() -> Double {
        let u = max(unit(), 0x1p-60)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * unit())
    }
}

/// First index `i` with `cdf[i] > u` (the last index when none is).
@inline(__always)
func sampleCDF(_ cdf: [Double], _ u: Double) -> Int {
    var lo = 0, hi = cdf.count - 1
    while lo < hi {
        let mid = (lo + hi) >> 1
        if cdf[mid] > u { hi = mid } else { lo = mid + 1 }
    }
    return lo
}

/// The viewing-events sample table of `/work/shared/bench/DATASET.md`, generated column by
/// column (no per-row objects) and written as a Hive-partitioned lake, one file per day.
/// Same rows and seed give the same files; the values follow the Python generator's
/// distributions but are not byte-identical to it.
public struct EventsGenerator: Sendable {
    public static let days = 30
    static let startMicros: Int64 = 1_767_225_600_000_000  // 2026-01-01T00:00:00Z
    static let hourMicros: Int64 = 3_600_000_000
    static let users = 1_000_000
    static let showCount = 2_000

    public static let schema = Schema([
        Field(name: "event_id", type: .int64, nullable: false),
        Field(name: "user_id", type: .int64, nullable: false),
        Field(name: "show", type: .string, nullable: false),
        Field(name: "show_type", type: .string, nullable: false),
        Field(name: "genre", type: .string, nullable: false),
        Field(name: "season", type: .int32, nullable: true),
        Field(name: "episode", type: .int32, nullable: true),
        Field(name: "event_time", type: .timestamp(.micros, utc: true), nullable: false),
        Field(name: "watch", type: .float64, nullable: false),
        Field(name: "duration", type: .float64, nullable: false),
        Field(name: "completed", type: .boolean, nullable: false),
        Field(name: "device", type: .string, nullable: false),
        Field(name: "country", type: .string, nullable: false),
        Field(name: "rating", type: .int32, nullable: true),
        Field(name: "bitrate_kbps", type: .int32, nullable: false),
    ])

    /// The table's columns: the generated ones plus the `date` partition column.
    static let tableSchema = Schema(schema.fields + [Field(name: "date", type: .date32, nullable: false)])

    static let showTypes = ["movie", "series", "documentary", "special"]
    static let showTypeP = [0.45, 0.35, 0.12, 0.08]
    static let genres = ["Drama", "Comedy", "Thriller", "Action", "Romance", "Horror", "Sci-Fi",
                         "Fantasy", "Animation", "Crime", "Mystery", "Documentary", "Family",
                         "Adventure", "Music", "History", "Biography", "Sport", "Reality", "War"]
    static let docGenres = [11, 15, 16, 17, 14, 9]
    static let devices = ["tv", "mobile", "web", "tablet", "console"]
    static let deviceP = [0.38, 0.27, 0.17, 0.12, 0.06]
    static let countries: [(String, Double)] = [
        ("US", 20), ("BR", 7), ("GB", 6), ("DE", 5.5), ("FR", 5), ("IN", 5), ("MX", 4),
        ("JP", 3.5), ("CA", 3.5), ("ES", 3), ("IT", 3), ("AU", 2.5), ("KR", 2.5), ("NL", 2),
        ("PL", 2), ("AR", 2), ("CO", 1.8), ("TR", 1.8), ("ID", 1.5), ("PH", 1.5), ("SE", 1.2),
        ("ZA", 1.2), ("CL", 1.2), ("BE", 1), ("CH", 1), ("AT", 0.9), ("PT", 0.9), ("NO", 0.8),
        ("DK", 0.8), ("SA", 0.8), ("EG", 0.8), ("NG", 0.8), ("IE", 0.7), ("CZ", 0.7),
        ("FI", 0.6), ("NZ", 0.6), ("SG", 0.6), ("IL", 0.6), ("AE", 0.6), ("IS", 0.4)]
    static let bitrates: [Int32] = [235, 375, 560, 750, 1050, 1750, 2350, 3000, 4300, 5800, 8000, 12000, 16000]
    static let bitrateWeights: [[Double]] = [
        [0, 0, 0, 1, 1, 2, 3, 4, 6, 10, 14, 8, 5],
        [3, 6, 10, 12, 10, 8, 5, 3, 1, 0.5, 0, 0, 0],
        [1, 2, 4, 6, 8, 10, 10, 8, 6, 4, 2, 0.5, 0],
        [1, 2, 4, 6, 8, 10, 9, 6, 4, 2, 1, 0, 0],
        [0, 0, 0, 0, 1, 2, 3, 5, 8, 10, 12, 6, 3],
    ]
    static let completeP = [0.50, 0.62, 0.45, 0.55]
    static let ratingDone = [0.03, 0.05, 0.15, 0.37, 0.40]
    static let ratingNot = [0.25, 0.25, 0.25, 0.15, 0.10]
    static let adjectives = ("Silent Broken Hidden Golden Crimson Last Lost Dark Bright Endless Frozen Burning "
        + "Wild Quiet Secret Hollow Iron Velvet Electric Midnight Northern Southern Distant "
        + "Fallen Restless Little Great Brave Savage Gentle Pale Scarlet Silver Wicked Lucky "
        + "Lonely Final First Eternal Sacred Stolen Twisted Shattered Hungry Sleeping Rising "
        + "Painted Glass Paper Stone Salt Copper Amber Winter Summer Autumn Spring Blue Green "
        + "Red Black White").split(separator: " ").map(String.init)
    static let nouns = ("River Kingdom Garden Empire Signal Harbor Mirror Orchard Engine Crown Island "
        + "Frontier Station Forest Tide Voyage Circus Archive Lantern Cathedral Horizon Valley "
        + "Witness Promise Shadow Storm Dream Machine Bridge Tower Desert Ocean Mountain City "
        + "Road House Room Letter Song Game Hunt Heist Trial Code Protocol Reckoning "
        + "Inheritance Experiment Detective Stranger Daughter Brother Captain Doctor Queen "
        + "Prince Thief Wolf Raven Fox Tiger Whale Comet Planet Moon Star Sun Fire Rain "
        + "Snow").split(separator: " ").map(String.init)
    /// Titles that exercise CSV quoting, JSON escaping and UTF-8 (2-, 3- and 4-byte).
    static let specialTitles = [
        "Salt, Sand and Sea", "Hello, Stranger", "The \"Perfect\" Crime", "O'Brien's Heist",
        "Say \"Cheese\"", "Zürich, Night Shift", "Café Tokyo", "Señora Luna", "Amélie and the Comet",
        "Ōshima Blues", "Über Station", "Nuit Blanche: Paris", "Back\\Slash Diaries",
        "\u{1F3AC} Final Cut", "Theory of the Comet", "Theory of Everything Else", "Thermal Engine",
        "Theo and the Whale", "The Ümlaut Files",
    ]

    public let rows: Int
    public let seed: UInt64

    // Static tables, built once.
    let titles: ByteArrays
    let showCDF: [Double]
    let showType: [Int32]
    let showGenre: [Int32]
    let showDuration: [Double]
    let showSeasons: [Int32]
    let showEpisodes: [Int32]
    private let userCDF: [Double]
    let userCountry: [Int32]
    private let userDevice: [Int32]
    private let countryCDF: [Double]
    private let deviceCDF: [Double]
    private let bitrateCDF: [[Double]]
    /// Rows per hour over the 720 hours.
    public let hourCounts: [Int]

    static func cdf(_ w: [Double]) -> [Double] {
        let total = w.reduce(0, +)
        var acc = 0.0
        var out = w.map { acc += $0 / total; return acc }
        if !out.isEmpty { out[out.count - 1] = 1.0 }
        return out
    }

    public init(rows: Int, seed: UInt64) {
        self.rows = rows
        self.seed = seed
        var rng = Xoshiro256(seed: seed, stream: 0)
        // Shows: special titles first, then pattern titles, deduplicated, then shuffled so
        // popularity rank is independent of the pattern.
        var list = Self.specialTitles
        var seen = Set(list)
        let adj = Self.adjectives, noun = Self.nouns
        while list.count < Self.showCount {
            let a = adj[rng.below(adj.count)], n1 = noun[rng.below(noun.count)], n2 = noun[rng.below(noun.count)]
            let t: String
            switch rng.below(20) {
            case 0..<4: t = "The \(a) \(n1)"
            case 4: t = "The \(n1) of \(n2)"
            case 5..<11: t = "\(a) \(n1)"
            case 11..<14: t = "\(n1) of the \(n2)"
            case 14: t = "\(a) \(n1) \(["II", "III", "IV", "V"][rng.below(4)])"
            case 15: t = "\(n1) \(2 + rng.below(98))"
            case 16: t = "A \(a) \(n1)"
            case 17: t = "Theory of the \(n1)"
            default: t = "\(a) \(n1)s"
            }
            if seen.insert(t).inserted { list.append(t) }
        }
        for i in stride(from: list.count - 1, to: 0, by: -1) { list.swapAt(i, rng.below(i + 1)) }
        titles = ByteArrays(strings: list)
        showCDF = Self.cdf((1...Self.showCount).map { 1.0 / pow(Double($0), 1.05) })  // Zipf
        let typeCDF = Self.cdf(Self.showTypeP)
        var gw = [Double](repeating: 1, count: Self.genres.count)
        gw[0] = 4; gw[1] = 3.5; gw[2] = 3; gw[3] = 3; gw[11] = 0.3
        let genreCDF = Self.cdf(gw)
        var st: [Int32] = [], ge: [Int32] = [], du: [Double] = [], se: [Int32] = [], ep: [Int32] = []
        let seriesLen: [Double] = [22, 25, 30, 42, 45, 50, 55, 60]
        let epChoices: [Int32] = [6, 8, 10, 12, 13, 16, 20, 22, 24]
        for _ in 0..<Self.showCount {
            let t = sampleCDF(typeCDF, rng.unit())
            st.append(Int32(t))
            ge.append(Int32(t == 2 ? Self.docGenres[rng.below(Self.docGenres.count)] : sampleCDF(genreCDF, rng.unit())))
            var d: Double
            switch t {
            case 0: d = min(max(112 + 22 * rng.normal(), 75), 200)
            case 1: d = seriesLen[rng.below(seriesLen.count)] + (rng.unit() * 4 - 2)
            case 2: d = min(max(70 + 25 * rng.normal(), 35), 150)
            default: d = min(max(60 + 30 * rng.normal(), 20), 180)
            }
            du.append((d * 10).rounded() / 10)
            var seasons: Int32 = 1
            while seasons < 10 && rng.unit() > 0.35 { seasons += 1 }
            se.append(seasons)
            ep.append(epChoices[rng.below(epChoices.count)])
        }
        showType = st; showGenre = ge; showDuration = du; showSeasons = se; showEpisodes = ep
        // Users: lognormal activity (heavy users), home country and device.
        var uw = [Double](repeating: 0, count: Self.users)
        for i in 0..<Self.users { uw[i] = exp(1.4 * rng.normal()) }
        userCDF = Self.cdf(uw)
        let ccdf = Self.cdf(Self.countries.map(\.1)), dcdf = Self.cdf(Self.deviceP)
        countryCDF = ccdf
        deviceCDF = dcdf
        var uc = [Int32](repeating: 0, count: Self.users), ud = uc
        let c = ccdf, d = dcdf
        do {
            do {
                for i in 0..<Self.users {
                    uc[i] = Int32(sampleCDF(c, rng.unit()))
                    ud[i] = Int32(sampleCDF(d, rng.unit()))
                }
            }
        }
        userCountry = uc; userDevice = ud
        bitrateCDF = Self.bitrateWeights.map { Self.cdf($0) }
        hourCounts = Self.spread(rows)
    }

    /// Rows per hour: daily curve peaking at 20h UTC, weekends and New Year's Day busier.
    /// Deterministic largest-remainder apportionment, so the total is exactly `rows`.
    static func spread(_ rows: Int) -> [Int] {
        var w = [Double](repeating: 0, count: days * 24)
        for d in 0..<days {
            // 2026-01-01 is a Thursday: weekday index 3 (Monday = 0).
            let weekday = (3 + d) % 7
            var f = weekday >= 5 ? 1.25 : 1.0
            if d == 0 { f = 1.3 }
            for h in 0..<24 {
                let x = 0.5 * (1 - cos(2 * Double.pi * Double(h - 8) / 24))
                w[d * 24 + h] = f * (0.25 + pow(x, 1.5))
            }
        }
        let total = w.reduce(0, +)
        let exact = w.map { $0 / total * Double(rows) }
        var counts = exact.map { Int($0) }
        var left = rows - counts.reduce(0, +)
        let order = exact.indices.sorted { (exact[$0] - Double(counts[$0])) > (exact[$1] - Double(counts[$1])) }
        var k = 0
        while left > 0 { counts[order[k % order.count]] += 1; left -= 1; k += 1 }
        return counts
    }

    /// Rows of `day` and the event_id of its first row.
    public func dayRange(_ day: Int) -> (rows: Int, firstID: Int64) {
        let before = hourCounts[0..<(day * 24)].reduce(0, +)
        return (hourCounts[(day * 24)..<(day * 24 + 24)].reduce(0, +), Int64(before) + 1)
    }

    /// The columns of `count` rows of `day` starting at its row `offset`, as one batch.
    /// Each batch has its own random stream (day, batch), so batches are independent.
    public func batch(day: Int, offset: Int, count: Int, batchIndex: Int) -> RecordBatch {
        var rng = Xoshiro256(seed: seed, stream: UInt64(1 + day * 4096 + batchIndex))
        let (_, firstID) = dayRange(day)
        // Timestamps: the hour of each row, then sorted uniform offsets within the hour from
        // exponential spacings (no sort needed).
        var eventTime = [Int64](repeating: 0, count: count)
        var hourStart = 0
        var h = day * 24
        var row = 0
        while row < offset + count, h < day * 24 + 24 {
            let c = hourCounts[h]
            let lo = max(offset, hourStart), hi = min(offset + count, hourStart + c)
            if lo < hi {
                // Only the rows of this hour in this batch: spacings over [lo, hi) of c rows.
                var spacings = [Double](repeating: 0, count: hi - lo + 1)
                var acc = 0.0
                for i in 0..<spacings.count { acc += -log(max(rng.unit(), 0x1p-60)); spacings[i] = acc }
                // This batch covers the fraction [lo, hi) of the hour's rows.
                let f0 = Double(lo - hourStart) / Double(c), f1 = Double(hi - hourStart) / Double(c)
                let base = Self.startMicros + Int64(h) * Self.hourMicros
                for i in 0..<(hi - lo) {
                    let frac = f0 + (f1 - f0) * spacings[i] / acc
                    eventTime[lo - offset + i] = base + Int64(frac * Double(Self.hourMicros))
                }
            }
            hourStart += c
            row = hourStart
            h += 1
        }
        var eventID = [Int64](repeating: 0, count: count)
        var userID = eventID
        var show = [Int32](repeating: 0, count: count)
        var stype = show, genre = show, season = show, episode = show, device = show, country = show, rating = show, bitrate = show
        var watch = [Double](repeating: 0, count: count), duration = watch
        var completed = [Bool](repeating: false, count: count)
        var seriesValid = Bitmap(count: count, value: false)
        var ratingValid = Bitmap(count: count, value: false)
        let ratingDoneCDF = Self.cdf(Self.ratingDone), ratingNotCDF = Self.cdf(Self.ratingNot)
        let ucdf = userCDF, scdf = showCDF
        do {
            do {
                for i in 0..<count {
                    eventID[i] = firstID + Int64(offset + i)
                    let u = sampleCDF(ucdf, rng.unit())
                    userID[i] = Int64(u + 1)
                    let s = sampleCDF(scdf, rng.unit())
                    show[i] = Int32(s)
                    let t = showType[s]
                    stype[i] = t
                    genre[i] = showGenre[s]
                    if t == 1 {
                        seriesValid[i] = true
                        season[i] = 1 + Int32(rng.unit() * Double(showSeasons[s]))
                        episode[i] = 1 + Int32(rng.unit() * Double(showEpisodes[s]))
                    }
                    let d = showDuration[s]
                    duration[i] = d
                    let full = rng.unit() < Self.completeP[Int(t)]
                    let r = rng.unit()
                    let frac = full ? 1 - 0.1 * r * r : 0.9 * pow(r, 1.6)
                    let w = min((d * frac * 1000).rounded() / 1000, d)
                    watch[i] = w
                    let done = w >= 0.9 * d
                    completed[i] = done
                    if rng.unit() < 0.15 {
                        ratingValid[i] = true
                        let cdf = done ? ratingDoneCDF : ratingNotCDF
                        rating[i] = 1 + Int32(sampleCDF(cdf, rng.unit()))
                    }
                    country[i] = rng.unit() < 0.03
                        ? Int32(sampleCDF(countryCDF, rng.unit())) : userCountry[u]
                    let dev = rng.unit() >= 0.55
                        ? Int32(sampleCDF(deviceCDF, rng.unit())) : userDevice[u]
                    device[i] = dev
                    bitrate[i] = Self.bitrates[sampleCDF(bitrateCDF[Int(dev)], rng.unit())]
                }
            }
        }
        func dict(_ values: [String], _ idx: [Int32]) -> Column {
            Column(type: .string, values: .dictionary(dictionary: .bytes(ByteArrays(strings: values)), indices: idx))
        }
        let columns: [Column] = [
            Column(type: .int64, values: .int64(eventID)),
            Column(type: .int64, values: .int64(userID)),
            Column(type: .string, values: .dictionary(dictionary: .bytes(titles), indices: show)),
            dict(Self.showTypes, stype),
            dict(Self.genres, genre),
            Column(type: .int32, values: .int32(season), validity: seriesValid),
            Column(type: .int32, values: .int32(episode), validity: seriesValid),
            Column(type: .timestamp(.micros, utc: true), values: .int64(eventTime)),
            Column(type: .float64, values: .float64(watch)),
            Column(type: .float64, values: .float64(duration)),
            Column(type: .boolean, values: .boolean(completed)),
            dict(Self.devices, device),
            dict(Self.countries.map(\.0), country),
            Column(type: .int32, values: .int32(rating), validity: ratingValid),
            Column(type: .int32, values: .int32(bitrate)),
        ]
        return RecordBatch(schema: Self.schema, columns: columns, rowCount: count)
    }

    /// Writes the sample as a Delta table `outDir/events` partitioned by `date`: one data
    /// file per day (`threads` days at a time, through `DataFileWriter`), then one commit
    /// adding all 30. Returns the bytes written.
    public func writeLake(outDir: String, options: WriterOptions, threads: Int, rowGroupRows: Int = 131_072) throws -> Int64 {
        let root = (outDir as NSString).appendingPathComponent("events")
        let fm = FileManager.default
        if fm.fileExists(atPath: root) { try fm.removeItem(atPath: root) }
        // The table carries the rules of examples/events.schema.json (embedded), so later
        // ingest, stream and the service validate by them.
        let rules = try IngestSchema.viewingEvents()
        guard rules.arrowSchema == Self.tableSchema else {
            throw IngestError.schema("the generator's columns differ from the viewing-events schema file")
        }
        let table = try rules.createTable(at: root, partitionColumns: ["date"], name: "events")
        var opts = options
        opts.rowGroupRows = rowGroupRows
        let writer = DataFileWriter(snapshot: try table.snapshot(), options: opts)
        let lock = NSLock()
        var next = 0
        var failure: Error?
        var adds = [AddFile?](repeating: nil, count: Self.days)
        let workers = max(1, min(threads, Self.days))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                lock.lock()
                let day = next
                next += 1
                let stop = failure != nil
                lock.unlock()
                if stop || day >= Self.days { return }
                do {
                    let (n, _) = dayRange(day)
                    var batches: [RecordBatch] = []
                    var off = 0, b = 0
                    while off < n {
                        let c = min(rowGroupRows, n - off)
                        batches.append(batch(day: day, offset: off, count: c, batchIndex: b))
                        off += c
                        b += 1
                    }
                    let add = try writer.write(batches, partitionValues: ["date": Self.dateString(day)])
                    lock.lock(); adds[day] = add; lock.unlock()
                } catch {
                    lock.lock(); failure = failure ?? error; lock.unlock()
                }
            }
        }
        if let failure { throw failure }
        let all = adds.compactMap { $0 }
        try table.append(all, commitInfo: CommitInfo(timestamp: Int64(Date().timeIntervalSince1970 * 1000), operation: "WRITE",
                                                     operationParameters: ["mode": "Append"], extra: ["lakeqGen": .object(["rows": .int(Int64(rows)), "seed": .int(Int64(bitPattern: seed))])]))
        return all.reduce(0) { $0 + $1.size }
    }

    static func dateString(_ day: Int) -> String {
        // January 2026 has 31 days; the 30 days are 2026-01-01 ... 2026-01-30.
        String(format: "2026-01-%02d", day + 1)
    }
}
