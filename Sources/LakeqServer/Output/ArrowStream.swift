import LakeqColumnar

/// Results as an Arrow IPC stream (`ArrowIPCWriter` in LakeqColumnar), in record batches of
/// at most `batchRows` rows.
enum ArrowStream {
    static let batchRows = 65_536
    static let endOfStream = ArrowIPCWriter.endOfStream

    static func writer(_ t: ResultTable) -> ArrowIPCWriter { ArrowIPCWriter(schema: t.schema) }

    static func whole(_ t: ResultTable) -> [UInt8] {
        let w = writer(t)
        var out = w.schemaMessage()
        var start = 0
        while start < t.rowCount {
            let end = min(t.rowCount, start + batchRows)
            out += w.batchMessage(t.slice(start..<end))
            start = end
        }
        return out + endOfStream
    }
}
