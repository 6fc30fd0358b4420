import Foundation
import LakeqColumnar
@testable import LakeqDelta

/// A fresh temporary directory, removed by the caller with `cleanup`.
func makeTempDir(_ tag: String) throws -> String {
    let dir = NSTemporaryDirectory() + "lakeq-delta-\(tag)-" + UUID().uuidString.lowercased()
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

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

/// Runs `python3 -c script` with `args`; nil output when python or `deltalake` is missing.
func runPython(_ script: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script + pythonExitWithoutTeardown] + args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// True when `import deltalake` works; prints why not otherwise.
func deltalakeAvailable() -> Bool {
    guard let r = try? runPython("import deltalake, pyarrow", []), r.status == 0 else {
        print("SKIPPED: python3 with the deltalake package is not available (pip install deltalake pyarrow)")
        return false
    }
    return true
}


/// Ends the interpreter without its teardown: delta-rs and pyarrow thread pools have been
/// seen to abort ("terminate called without an active exception") while Python exits, after
/// the script's work is done and printed. A script that raised never gets here.
let pythonExitWithoutTeardown = "\nimport os as _o, sys as _s\n_s.stdout.flush(); _s.stderr.flush(); _o._exit(0)\n"
