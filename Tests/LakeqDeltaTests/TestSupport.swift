import Foundation
import LakeqColumnar
@testable import LakeqDelta
import LakeqTestSupport

/// A fresh temporary directory, removed by the caller with `cleanup`.
func makeTempDir(_ tag: String) throws -> String { try TemporaryDirectory("delta-" + tag).path }

func cleanup(_ dir: String) { try? FileManager.default.removeItem(atPath: dir) }

/// The schema of the viewing-event tables the tests write.
let viewsSchema = Schema([
    Field(name: "user_id", type: .int64, nullable: false),
    Field(name: "title", type: .string, nullable: true),
    Field(name: "seconds", type: .float64, nullable: true),
    Field(name: "at", type: .timestamp(.micros, utc: true), nullable: true),
    Field(name: "day", type: .date32, nullable: true),
])

/// Rows `start..<start+count`; `day` cycles over three dates so batches span partitions.
func viewsBatch(start: Int, count: Int) -> RecordBatch {
    let ids = (start..<(start + count)).map { Int64($0) }
    var titles = ByteArrays()
    for i in ids { titles.append(Array("title-\(i % 7)".utf8)) }
    let seconds = ids.map { Double($0) * 1.5 }
    let at = ids.map { 1_700_000_000_000_000 + $0 * 1_000_123 }
    let day = ids.map { Int32(19_700 + Int($0) % 3) }
    return RecordBatch(schema: viewsSchema, columns: [
        Column(type: .int64, values: .int64(ids)),
        Column(type: .string, values: .bytes(titles)),
        Column(type: .float64, values: .float64(seconds)),
        Column(type: .timestamp(.micros, utc: true), values: .int64(at)),
        Column(type: .date32, values: .int32(day)),
    ], rowCount: count)
}

/// Runs `python3 -c script` with `args`.
func runPython(_ script: String, _ args: [String]) throws -> TestEnvironment.Outcome {
    try TestEnvironment.runPython(script, args)
}
