import ArgumentParser
import LakeqColumnar
import LakeqParquet

/// `lakeq meta FILE`: row groups and, per column chunk, type, encodings, codec, sizes,
/// statistics and page count (like parquet-tools meta).
struct MetaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "meta", abstract: "Print the row groups and column chunks of a Parquet file.")

    @Argument(help: "The Parquet file.") var file: String

    func run() throws {
        try reportingErrors {
            let pf = try ParquetFile(path: file)
            let md = try pf.fullMetadata()
            var out = OutputBuffer()
            out.write("file:        \(file)\n")
            out.write("created_by:  \(md.createdBy ?? "-")\n")
            out.write("version:     \(md.version)\n")
            out.write("rows:        \(md.numRows)\n")
            out.write("row groups:  \(md.rowGroups.count)\n")
            out.write("columns:     \(pf.schema.columns.count)\n")
            for kv in md.keyValueMetadata ?? [] {
                let value = kv.value ?? ""
                out.write("metadata:    \(kv.key) = \(value.count > 120 ? String(value.prefix(120)) + "…" : value)\n")
            }
            for (g, rg) in md.rowGroups.enumerated() {
                out.write("\nrow group \(g): \(rg.numRows) rows, \(rg.totalByteSize) bytes uncompressed")
                if let c = rg.totalCompressedSize { out.write(", \(c) compressed") }
                out.write("\n")
                for (c, chunk) in rg.columns.enumerated() {
                    let d = pf.schema.columns[c]
                    guard let m = chunk.metaData else {
                        out.write("  \(d.path.joined(separator: ".")): (metadata in another file)\n")
                        continue
                    }
                    let pages = (try? pf.pageHeaders(rowGroup: g, column: c)).map { hs in
                        "\(hs.filter { $0.type == .dataPage || $0.type == .dataPageV2 }.count)" + (hs.contains { $0.type == .dictionaryPage } ? "+dict" : "")
                    } ?? "?"
                    out.write("  \(d.path.joined(separator: ".")) \(d.physicalType) \(Describe.type(d.dataType))")
                    out.write(" \(m.encodings.map(\.description).joined(separator: ",")) \(m.codec)")
                    out.write(" values=\(m.numValues) compressed=\(m.totalCompressedSize) uncompressed=\(m.totalUncompressedSize) pages=\(pages)")
                    if let s = try pf.statistics(rowGroup: g, column: c) {
                        out.write(" min=\(s.min.map(\.description) ?? "-") max=\(s.max.map(\.description) ?? "-") nulls=\(s.nullCount.map(String.init) ?? "-")")
                    } else {
                        out.write(" stats=none")
                    }
                    if chunk.columnIndexOffset != nil { out.write(" column_index") }
                    if chunk.offsetIndexOffset != nil { out.write(" offset_index") }
                    out.write("\n")
                }
            }
            out.flush()
        }
    }
}
