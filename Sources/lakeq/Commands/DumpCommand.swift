import ArgumentParser
import LakeqColumnar
import LakeqParquet

/// `lakeq dump FILE`: every row as one JSON object per line, in the canonical form; nested
/// fields as arrays (lists), objects (structs) and arrays of key/value objects (maps).
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump", abstract: "Print every row of a Parquet file as JSON lines.")

    @Argument(help: "The Parquet file.") var file: String
    @Option(help: "Key file decrypting an encrypted file (spec/format.md, Key files).") var keyFile: String?

    func run() throws {
        try reportingErrors {
            let pf = try ParquetFile(path: file, keys: try keyFile.map { try KeyRing(keyFile: $0) })
            let keys: [[UInt8]] = pf.schema.fields.map { f in
                var o = OutputBuffer()
                o.writeJSONString(utf8: f.name.utf8)
                return o.bytes + [UInt8(ascii: ":")]
            }
            var out = OutputBuffer()
            let decompressor = Decompressor()
            for g in 0..<pf.rowGroupCount {
                let batch = try pf.readFields(rowGroup: g, decompressor: decompressor)
                for row in 0..<batch.rowCount {
                    out.write(byte: UInt8(ascii: "{"))
                    for (c, column) in batch.columns.enumerated() {
                        if c > 0 { out.write(byte: UInt8(ascii: ",")) }
                        out.write(bytes: keys[c])
                        CanonicalJSON.writeValue(column, row: row, into: &out)
                    }
                    out.write(byte: UInt8(ascii: "}"))
                    out.write(byte: 10)
                    out.flushIfFull()
                }
            }
            out.flush()
        }
    }
}
