import Foundation
import LakeqColumnar

/// Parses and validates records held in memory, one record per line, with the schema, rules
/// and derived columns of `lakeq ingest` and its fast paths (the same `ChunkParser`). For
/// callers that are not reading files: `lakeq stream` joins a batch's Kafka messages with
/// line feeds and hands the buffer over in chunks.
///
/// CSV records carry no header: their fields are the schema's source columns in schema order.
public final class RecordParser: @unchecked Sendable {
    public let schema: IngestSchema
    public let format: SourceFormat
    let parser: ChunkParser

    /// Good rows as batches of the table's schema (derived columns filled), and the bad ones.
    public struct Output {
        public var batches: [RecordBatch]
        public var rows: Int
        /// Bad records; `line` is the 1-based line of the buffer (the chunk's `firstLine` counts).
        public var bad: [BadRow]
    }

    public init(schema: IngestSchema, format: SourceFormat) {
        self.schema = schema
        self.format = format
        var map = FieldMap()
        map.names = schema.columns.map { Array($0.name.utf8) }
        map.byName = Dictionary(schema.columns.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        map.csvTarget = schema.columns.indices.filter { schema.columns[$0].derivedFrom == nil }
        map.csvFieldCount = map.csvTarget.count
        parser = ChunkParser(schema: CompiledSchema(schema), format: format, map: map)
    }

    /// Parses `chunks` of `bytes` on up to `threads` threads; results in chunk order.
    public func parse(_ bytes: UnsafeRawBufferPointer, chunks: [Chunk], threads: Int) -> Output {
        let outputs = ParallelChunks.map(threads: threads, chunks) { parser.parse(bytes, $0, keepColumns: true) }
        let arrow = schema.arrowSchema
        var out = Output(batches: [], rows: 0, bad: [])
        for o in outputs {
            if o.rows > 0 { out.batches.append(RecordBatch(schema: arrow, columns: o.columns, rowCount: o.rows)) }
            out.rows += o.rows
            out.bad += o.bad
        }
        return out
    }
}
