import Foundation
import LakeqColumnar
import LakeqParquet
import Testing
@testable import LakeqQuery

/// A small Hive-partitioned lake written with lakeq's own writer, queried end to end.
///
/// Table `t` (date partitions 2026-01-01 and 2026-01-02):
///   id  show     watch  rating  date
///   1   Alpha    10.0   5       2026-01-01
///   2   Beta     20.0   NULL    2026-01-01
///   3   Alpha    30.0   3       2026-01-01
///   4   The Cat  40.0   NULL    2026-01-02
///   5   Beta     50.0   4       2026-01-02
final class Lake {
    let dir: String

    init() throws {
        dir = NSTemporaryDirectory() + "lakeq-query-tests-\(UUID().uuidString)"
        let schema = Schema([
            Field(name: "id", type: .int64, nullable: false),
            Field(name: "show", type: .string, nullable: false),
            Field(name: "watch", type: .float64, nullable: false),
            Field(name: "rating", type: .int32, nullable: true),
        ])
        let parts: [(String, [Int64], [String], [Double], [Int32?])] = [
            ("2026-01-01", [1, 2, 3], ["Alpha", "Beta", "Alpha"], [10, 20, 30], [5, nil, 3]),
            ("2026-01-02", [4, 5], ["The Cat", "Beta"], [40, 50], [nil, 4]),
        ]
        for (date, ids, shows, watch, ratings) in parts {
            let folder = dir + "/t/date=\(date)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let writer = try ParquetWriter(path: folder + "/part-0.parquet", schema: schema)
            var validity = Bitmap(count: 0, value: false)
            for r in ratings { validity.append(r != nil) }
            try writer.write(RecordBatch(schema: schema, columns: [
                Column(type: .int64, values: .int64(ids)),
                Column(type: .string, values: .bytes(ByteArrays(strings: shows))),
                Column(type: .float64, values: .float64(watch)),
                Column(type: .int32, values: .int32(ratings.map { $0 ?? 0 }), validity: validity),
            ], rowCount: ids.count))
            _ = try writer.close()
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func csv(_ sql: String, threads: Int = 2) throws -> String {
        let r = try QueryEngine(lake: dir, threads: threads).run(sql)
        return ResultFormatter.render(r, as: .csv)
    }
}

@Suite struct QueryEngineTests {
    let lake: Lake
    init() throws { lake = try Lake() }

    @Test func countStar() throws {
        #expect(try lake.csv("select count(*) from t") == "count_star()\n5\n")
    }

    @Test func groupByWithOrderAndLimit() throws {
        #expect(try lake.csv("select show, avg(watch) from t group by show order by 2 desc, show limit 2") ==
            "show,avg(watch)\nThe Cat,40.0\nBeta,35.0\n")
    }

    @Test func keywordColumnNamesWorkUnquoted() throws {
        #expect(try lake.csv("select date, count(*) as n from t group by date order by date") ==
            "date,n\n2026-01-01,3\n2026-01-02,2\n")
    }

    @Test func nullSemantics() throws {
        #expect(try lake.csv("select count(rating), sum(rating), min(rating), max(rating) from t") ==
            "count(rating),sum(rating),min(rating),max(rating)\n3,12,3,5\n")
        #expect(try lake.csv("select id from t where rating is null order by id") == "id\n2\n4\n")
        #expect(try lake.csv("select id from t where rating <> 5 order by id") == "id\n3\n5\n")
        #expect(try lake.csv("select count(*) from t where rating in (3, null)") == "count_star()\n1\n")
    }

    @Test func partitionPruningInExplain() throws {
        let text = try lake.csv("explain select count(*) from t where date = DATE '2026-01-02'")
        #expect(text.contains("1 of 2 kept, 1 skipped by partition values"))
        #expect(try lake.csv("select count(*) from t where date = DATE '2026-01-02'") == "count_star()\n2\n")
    }

    @Test func statisticsPruning() throws {
        let text = try lake.csv("explain select id from t where id > 4")
        #expect(text.contains("1 skipped by statistics"))
        #expect(try lake.csv("select id from t where id > 4") == "id\n5\n")
    }

    @Test func likeBetweenCaseAndFunctions() throws {
        #expect(try lake.csv("select count(*) from t where show like 'The %'") == "count_star()\n1\n")
        #expect(try lake.csv("select count(*) from t where show ilike 'alpha'") == "count_star()\n2\n")
        #expect(try lake.csv("select id from t where watch between 20 and 40 order by id desc") == "id\n4\n3\n2\n")
        #expect(try lake.csv("select case when watch > 25 then 'hi' else 'lo' end as k, count(*) from t group by k order by k") ==
            "k,count_star()\nhi,3\nlo,2\n")
        #expect(try lake.csv("select upper(show), length(show), coalesce(rating, 0) from t where id = 4") ==
            "upper(show),length(show),\"coalesce(rating, 0)\"\nTHE CAT,7,0\n")
    }

    @Test func distinctHavingOffset() throws {
        #expect(try lake.csv("select distinct show from t order by show") == "show\nAlpha\nBeta\nThe Cat\n")
        #expect(try lake.csv("select show, count(*) from t group by show having count(*) > 1 order by show") ==
            "show,count_star()\nAlpha,2\nBeta,2\n")
        #expect(try lake.csv("select id from t order by id limit 2 offset 1") == "id\n2\n3\n")
        #expect(try lake.csv("select count(distinct show) from t") == "count(DISTINCT show)\n3\n")
    }

    @Test func errorsNameTheProblem() throws {
        #expect(throws: QueryError.self) { try lake.csv("select nope from t") }
        do { _ = try lake.csv("select shw from t") } catch let e as QueryError { #expect(e.description.contains("did you mean show")) }
        do { _ = try lake.csv("select * from tt") } catch let e as QueryError { #expect(e.description.contains("did you mean t")) }
        #expect(throws: QueryError.self) { try lake.csv("select show, count(*) from t") }
        #expect(throws: QueryError.self) { try lake.csv("select sum(show) from t") }
        #expect(throws: QueryError.self) { try lake.csv("select * from t where show") }
        #expect(throws: SQLSyntaxError.self) { try lake.csv("select from t") }
        #expect(throws: QueryError.self) { try lake.csv("select id from t where rating in (1, 'x')") }
    }

    @Test func sumOfIntegersWidensAndOverflowIsAnError() throws {
        #expect(try lake.csv("select sum(rating * 1000000000) from t") == "sum((rating * 1000000000))\n12000000000\n")
        #expect(throws: QueryError.self) { try lake.csv("select sum(id * 9223372036854775807) from t") }
    }

    @Test func emptyResultsKeepTheirColumns() throws {
        #expect(try lake.csv("select id, show from t where id > 100 order by id") == "id,show\n")
        #expect(try lake.csv("select show, count(*) from t where id > 100 group by show") == "show,count_star()\n")
        #expect(try lake.csv("select count(*), sum(watch) from t where id > 100") == "count_star(),sum(watch)\n0,\n")
    }

    @Test func pathsGlobsAndReadParquet() throws {
        let glob = lake.dir + "/t/*/*.parquet"
        #expect(try lake.csv("select count(*) from '\(glob)'") == "count_star()\n5\n")
        #expect(try lake.csv("select count(*) from read_parquet('\(glob)', hive_partitioning = true) where date = DATE '2026-01-01'") ==
            "count_star()\n3\n")
        #expect(throws: QueryError.self) { try lake.csv("select count(*) from '\(lake.dir)/nothing/*.parquet'") }
    }

    @Test func schemaEvolutionAddsNullColumnsAndRejectsTypeChanges() throws {
        // A third partition whose files add a column and drop `rating`.
        let folder = lake.dir + "/t/date=2026-01-03"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let schema = Schema([Field(name: "id", type: .int64, nullable: false), Field(name: "show", type: .string, nullable: false),
                             Field(name: "watch", type: .float64, nullable: false), Field(name: "extra", type: .string, nullable: false)])
        let w = try ParquetWriter(path: folder + "/part-0.parquet", schema: schema)
        try w.write(RecordBatch(schema: schema, columns: [
            Column(type: .int64, values: .int64([6])), Column(type: .string, values: .bytes(ByteArrays(strings: ["Gamma"]))),
            Column(type: .float64, values: .float64([60])), Column(type: .string, values: .bytes(ByteArrays(strings: ["x"]))),
        ], rowCount: 1))
        _ = try w.close()
        #expect(try lake.csv("select id, rating, extra from t where id >= 5 order by id") == "id,rating,extra\n5,4,\n6,,x\n")
        #expect(try lake.csv("select count(extra), count(rating) from t") == "count(extra),count(rating)\n1,3\n")

        let bad = lake.dir + "/t/date=2026-01-04"
        try FileManager.default.createDirectory(atPath: bad, withIntermediateDirectories: true)
        let badSchema = Schema([Field(name: "id", type: .string, nullable: false)])
        let b = try ParquetWriter(path: bad + "/part-0.parquet", schema: badSchema)
        try b.write(RecordBatch(schema: badSchema, columns: [Column(type: .string, values: .bytes(ByteArrays(strings: ["seven"])))], rowCount: 1))
        _ = try b.close()
        do {
            _ = try lake.csv("select count(*) from t")
            Issue.record("a type change across files must be an error")
        } catch let e as QueryError {
            #expect(e.description.contains("column id is BIGINT in") && e.description.contains("VARCHAR in") && e.description.contains("2026-01-04"))
            // The file the column was first seen in is named.
            #expect(e.description.contains("date=2026-01-01/"))
        }
    }

    @Test func aRepeatedPartitionKeyTakesItsInnermostValue() throws {
        let folder = lake.dir + "/rep/k=1/k=2"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let schema = Schema([Field(name: "id", type: .int64, nullable: false)])
        let w = try ParquetWriter(path: folder + "/part-0.parquet", schema: schema)
        try w.write(RecordBatch(schema: schema, columns: [Column(type: .int64, values: .int64([7]))], rowCount: 1))
        _ = try w.close()
        #expect(try lake.csv("select id, k from rep") == "id,k\n7,2\n")
    }

    @Test func outputFormats() throws {
        let r = try QueryEngine(lake: lake.dir, threads: 1).run("select show, watch, rating, date from t where id in (1, 2) order by id")
        #expect(ResultFormatter.render(r, as: .jsonl) ==
            "{\"show\":\"Alpha\",\"watch\":10.0,\"rating\":5,\"date\":\"2026-01-01\"}\n{\"show\":\"Beta\",\"watch\":20.0,\"rating\":null,\"date\":\"2026-01-01\"}\n")
        #expect(ResultFormatter.render(r, as: .json).hasPrefix("[{\"show\":\"Alpha\""))
        let table = ResultFormatter.render(r, as: .table)
        #expect(table.contains("│ Alpha   │") && table.contains("│ VARCHAR │") && table.contains("NULL") && table.hasSuffix("2 rows\n"))
        let ts = try QueryEngine(lake: lake.dir, threads: 1).run("select TIMESTAMP '2026-01-03 17:04:11.5' as t, DATE '2026-01-03' as d from t limit 1")
        #expect(ResultFormatter.render(ts, as: .csv) == "t,d\n2026-01-03T17:04:11.5Z,2026-01-03\n")
    }

    @Test func pageIndexSkipsPages() throws {
        // 1000 rows in pages of 10: ids ascending, so id ranges select a few pages.
        let folder = lake.dir + "/paged"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let schema = Schema([Field(name: "id", type: .int64, nullable: false), Field(name: "k", type: .int64, nullable: false),
                             Field(name: "s", type: .string, nullable: true)])
        var options = WriterOptions()
        options.pageRows = 10
        options.dictionary = false
        let w = try ParquetWriter(path: folder + "/part-0.parquet", schema: schema, options: options)
        var validity = Bitmap(count: 0, value: false)
        for i in 0..<1000 { validity.append(i % 7 != 0) }
        try w.write(RecordBatch(schema: schema, columns: [
            Column(type: .int64, values: .int64((0..<1000).map { Int64($0) })),
            Column(type: .int64, values: .int64((0..<1000).map { Int64($0 % 13) })),
            Column(type: .string, values: .bytes(ByteArrays(strings: (0..<1000).map { "v\($0)" })), validity: validity),
        ], rowCount: 1000))
        _ = try w.close()
        let explain = try lake.csv("explain analyze select sum(k), count(s) from paged where id between 35 and 54")
        #expect(explain.contains("97 skipped by page statistics"), "\(explain)")
        #expect(explain.contains("rows: 30 scanned, 20 after filter"), "\(explain)")
        #expect(try lake.csv("select sum(k), count(s), min(s) from paged where id between 35 and 54") == "sum(k),count(s),min(s)\n123,17,v36\n")
        #expect(try lake.csv("select count(*) from paged where id > 2000") == "count_star()\n0\n")
        #expect(try lake.csv("select id, s from paged where id in (5, 7, 999) order by id") == "id,s\n5,v5\n7,\n999,v999\n")
    }

    @Test func threeValuedLogicInProjectionsAndFilters() throws {
        #expect(try lake.csv("select id, rating > 3 and watch > 25 as a, rating > 3 or watch > 25 as o, not (rating > 3) as n from t order by id") ==
            "id,a,o,n\n1,false,true,false\n2,false,,\n3,false,true,true\n4,,true,\n5,true,true,false\n")
        #expect(try lake.csv("select id from t where rating > 3 or watch > 25 order by id") == "id\n1\n3\n4\n5\n")
        #expect(try lake.csv("select id from t where not (rating > 3 and watch > 25) order by id") == "id\n1\n2\n3\n")
    }

    @Test func countMinMaxFromMetadata() throws {
        let explain = try lake.csv("explain analyze select count(*), min(id), max(id), min(show), max(rating) from t")
        #expect(explain.contains("2 row groups answered from metadata"), "\(explain)")
        #expect(try lake.csv("select count(*), min(id), max(id), min(show), max(rating) from t") ==
            "count_star(),min(id),max(id),min(show),max(rating)\n5,1,5,Alpha,5\n")
        // Doubles are never taken from statistics (NaN is left out of them).
        #expect(!(try lake.csv("explain analyze select max(watch) from t")).contains("answered from metadata"))
    }

    @Test func oneThreadAndTwoThreadsAgree() throws {
        let q = "select show, sum(watch), count(*) from t group by show order by show"
        #expect(try lake.csv(q, threads: 1) == lake.csv(q, threads: 2))
    }
}
