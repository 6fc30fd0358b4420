import Foundation
import LakeqColumnar
import LakeqTestSupport
import Testing
@testable import LakeqQuery

/// Nested columns end to end on the sqllogictest fixture's `sessions` table (see
/// `SQLLogicFixture`): pruning on struct leaves, and errors (never traps) for every misuse.
@Suite struct NestedQueryTests {
    static func withLake(_ body: (QueryEngine) throws -> Void) throws {
        let lake = try TemporaryDirectory("nested")
        defer { lake.remove() }
        try SQLLogicFixture.write(into: lake.path)
        try body(QueryEngine(lake: lake.path, threads: 2))
    }

    @Test func structLeafStatisticsPruneRowGroups() throws {
        try Self.withLake { engine in
            // device.os.version = session_id / 10: only rows 420…429 hold 42, in one of six row groups.
            let r = try engine.run("SELECT count(*) FROM sessions WHERE device.os.version = 42")
            #expect(Scalar.from(r.columns[0], row: 0) == .int(7))
            #expect(r.statistics.rowGroupsTotal == 6)
            #expect(r.statistics.rowGroupsSkippedByStatistics == 5)
            let explain = try engine.run("EXPLAIN SELECT session_id FROM sessions WHERE device.os.version > 55")
            let text = (0..<explain.rowCount).map { Casts.text(Scalar.from(explain.columns[0], row: $0)) }.joined(separator: "\n")
            #expect(text.contains("5 skipped by statistics"), "\(text)")
            #expect(text.contains("columns=[session_id, device{os.version}]"), "\(text)")
        }
    }

    @Test func listFieldsAndMapsDoNotPrune() throws {
        try Self.withLake { engine in
            // A field under a list has one value per element, not per row: no row-group pruning.
            let r = try engine.run("SELECT count(*) FROM sessions WHERE segments[1].start = 12345")
            #expect(Scalar.from(r.columns[0], row: 0) == .int(0))
            #expect(r.statistics.rowGroupsSkippedByStatistics == 0)
        }
    }

    /// The struct field paths a query reads of each STRUCT column (absent: read whole).
    static func structPaths(_ engine: QueryEngine, _ sql: String) throws -> [String: Set<[String]>] {
        guard case .select(let s) = try SQLParser.parse(sql) else { throw QueryError.unsupported("not a SELECT") }
        let q = try Binder(catalog: engine.catalog).bind(s)
        let paths = NestedFieldUse.paths(in: Optimizer.optimize(q.plan, registry: q.registry), outputs: q.columns.map(\.id))
        return Dictionary(paths.map { (q.registry.name($0.key), $0.value) }, uniquingKeysWith: { a, b in a.union(b) })
    }

    @Test func onlyTheStructFieldsReadAreDecoded() throws {
        try Self.withLake { engine in
            #expect(try Self.structPaths(engine, "SELECT device.kind, device.os.version FROM sessions WHERE device.os.name = 'ios'")
                    == ["device": [["kind"], ["os", "version"], ["os", "name"]]])
            #expect(try Self.structPaths(engine, "SELECT count(*) FROM sessions s WHERE s.device.os.version > 3") == ["device": [["os", "version"]]])
            #expect(try Self.structPaths(engine, "SELECT device.kind FROM sessions WHERE device IS NULL").isEmpty)
            #expect(try Self.structPaths(engine, "SELECT device FROM sessions").isEmpty)
            #expect(try Self.structPaths(engine, "SELECT tags[1], segments[1].start FROM sessions").isEmpty)
            // Fields not asked for are never looked at, so the answers are those of a whole read.
            let r = try engine.run("SELECT count(device.kind), count(device.os.version), sum(device.os.version) FROM sessions")
            #expect((0..<3).map { Scalar.from(r.columns[$0], row: 0) } == [.int(546), .int(436), .int(12850)])  // as DuckDB reads the file
        }
    }

    @Test func extremeIndicesAreNull() throws {
        try Self.withLake { engine in
            let r = try engine.run("SELECT tags[-9223372036854775808], tags[9223372036854775807], segments[-9223372036854775808].start FROM sessions WHERE session_id = 1")
            #expect(r.rowCount == 1)
            for c in r.columns { #expect(Scalar.from(c, row: 0) == .null) }
            let empty = try engine.run("SELECT device.os.name, tags[1], len(tags), list_sum(scores) FROM (SELECT * FROM sessions LIMIT 0)")
            #expect(empty.rowCount == 0)
        }
    }

    @Test(arguments: [
        ("SELECT device.nope FROM sessions", "has no field 'nope'"),
        ("SELECT device.os.nope.deeper FROM sessions", "has no field 'nope'"),
        ("SELECT session_id[1] FROM sessions", "needs a LIST, MAP or VARCHAR"),
        ("SELECT session_id.x FROM sessions", "not a STRUCT"),
        ("SELECT tags.x FROM sessions", "not a STRUCT"),
        ("SELECT tags['a'] FROM sessions", "must be an integer"),
        ("SELECT tags[1.5] FROM sessions", "must be an integer"),
        ("SELECT props[1] FROM sessions", "cannot be 1"),
        ("SELECT props[session_id] FROM sessions", "cannot be BIGINT"),
        ("SELECT list_sum(tags) FROM sessions", "list of numbers"),
        ("SELECT list_avg(device) FROM sessions", "needs a LIST"),
        ("SELECT list_min(segments) FROM sessions", "scalar values"),
        ("SELECT len(session_id) FROM sessions", "needs a LIST or MAP"),
        ("SELECT cardinality(device) FROM sessions", "needs a LIST or MAP"),
        ("SELECT map_keys(tags) FROM sessions", "needs a MAP"),
        ("SELECT struct_extract(device, session_id) FROM sessions", "constant field name"),
        ("SELECT struct_extract(tags, 'a') FROM sessions", "needs a STRUCT"),
        ("SELECT unnest(session_id) FROM sessions", "unnest needs a LIST"),
        ("SELECT unnest(tags, tags) FROM sessions", "one LIST"),
        ("SELECT count(*) FROM sessions WHERE unnest(tags) = 'hd'", "only in the select list"),
        ("SELECT session_id FROM sessions ORDER BY unnest(tags)", "only in the select list"),
        ("SELECT tags < scores FROM sessions", "cannot compare"),
        ("SELECT tags + 1 FROM sessions", "needs numbers"),
        ("SELECT segments[1", "expected"),
        ("SELECT device. FROM sessions", "name after '.'"),
        ("SELECT (device).os. FROM sessions", "field name after '.'"),
        ("SELECT [1, FROM sessions", "expected an expression"),
        ("SELECT [1, 2 FROM sessions", "expected ']'"),
        ("SELECT [1, 'a'] FROM sessions", "incompatible types"),
    ])
    func misuseIsAClearError(sql: String, message: String) throws {
        try Self.withLake { engine in
            do {
                _ = try engine.run(sql)
                Issue.record("expected an error from \(sql)")
            } catch {
                #expect("\(error)".contains(message), "\(sql): \(error)")
            }
        }
    }
}
