import Foundation
@preconcurrency import LakeqIngest
import LakeqKafka

/// One Kafka message of a batch: where it came from and where its bytes are.
struct MessageMeta {
    var partition: Int32
    var offset: Int64
    var timestamp: Int64
    /// Byte range of the key in `MessageBatch.keys` (length -1: no key).
    var keyStart: Int32
    var keyLength: Int32
}

/// A message of the batch that goes through the parser.
struct ParsedMessage {
    var meta: MessageMeta
    var start: Int
    var firstLine: Int
}

/// A batch being filled by the consumer thread. Messages to parse are copied into one buffer,
/// each followed by a line feed, so ingest's line-oriented parser reads them unchanged (one
/// message = one record; message N is line N of the buffer unless a CSV quoted field holds
/// line breaks). Messages that cannot be records are set aside with their reason at once.
final class MessageBatch: @unchecked Sendable {
    let format: SourceFormat
    let maxMessageBytes: Int
    /// The values to parse, each followed by a line feed.
    let data: MessageBuffer
    var keys: [UInt8] = []
    /// Messages that go through the parser, in buffer order, each with its byte start in
    /// `data` and its first line (1-based).
    var parsed: [ParsedMessage] = []
    var nextLine = 1
    /// Messages quarantined without parsing: origin, raw text, reason.
    var setAside: [QuarantineRow] = []
    /// Per partition: first and last offset in the batch.
    var ranges: [Int32: (first: Int64, last: Int64)] = [:]
    /// Per partition: the txn version the batch expects the table to hold before it (-1: none).
    var expectedPrevious: [Int32: Int64] = [:]
    var count = 0
    var bytes = 0
    /// When the first message arrived (the latency clock), and when the batch closed.
    var opened: DispatchTime?
    let topic: String

    /// `buffer`: memory to fill (emptied; a recycled batch's, so that pages are not faulted
    /// in again for every batch).
    init(topic: String, format: SourceFormat, maxMessageBytes: Int, buffer: MessageBuffer) {
        self.topic = topic
        self.format = format
        self.maxMessageBytes = maxMessageBytes
        data = buffer
        data.count = 0
    }

    var isEmpty: Bool { count == 0 }

    /// Adds a consumed message.
    func add(_ m: KafkaMessage) {
        if opened == nil { opened = .now() }
        count += 1
        let value = m.value
        bytes += value.count
        let p = m.partition, off = m.offset
        if let r = ranges[p] { ranges[p] = (r.first, off) } else { ranges[p] = (off, off) }
        var meta = MessageMeta(partition: p, offset: off, timestamp: m.timestampMillis ?? -1, keyStart: Int32(keys.count), keyLength: -1)
        if let k = m.key {
            meta.keyLength = Int32(k.count)
            keys.append(contentsOf: k)
        }
        if value.count > maxMessageBytes {
            setAside(meta, value, "message: \(value.count) bytes is above the limit of \(maxMessageBytes) (--max-message-bytes)")
            return
        }
        if value.isEmpty || isBlank(value) {
            setAside(meta, value, m.valueIsNull ? "message: no value (null)" : "message: empty")
            return
        }
        let start = data.count
        data.append(value)
        var lines = 1
        // A line break inside the message would split it into two records.
        if let base = value.baseAddress, memchr(base, 0x0A, value.count) != nil {
            if let reason = unfoldLineBreaks(from: start) {
                data.count = start
                setAside(meta, value, reason)
                return
            }
            if format == .csv { for i in start..<data.count where data[i] == 0x0A { lines += 1 } }
        }
        data.append(0x0A)
        parsed.append(ParsedMessage(meta: meta, start: start, firstLine: nextLine))
        nextLine += lines
    }

    private func isBlank(_ v: UnsafeRawBufferPointer) -> Bool {
        for b in v where b != 0x20 && b != 0x09 && b != 0x0A && b != 0x0D { return false }
        return true
    }

    /// JSON: line breaks between tokens become spaces (same value); one inside a string is not
    /// JSON. CSV: a line break is allowed only inside a quoted field. Returns a reason when the
    /// message cannot be one record.
    private func unfoldLineBreaks(from start: Int) -> String? {
        var inString = false, escaped = false
        for i in start..<data.count {
            let b = data[i]
            switch format {
            case .jsonl:
                if inString {
                    if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false } else if b == 0x0A {
                        return "malformed: a raw line break inside a JSON string"
                    }
                } else if b == 0x22 {
                    inString = true
                } else if b == 0x0A || b == 0x0D {
                    data[i] = 0x20
                }
            case .csv:
                if b == 0x22 { inString.toggle() } else if b == 0x0A && !inString {
                    return "malformed: more than one CSV record in a message"
                }
            }
        }
        if format == .csv && inString { return "malformed: unterminated quoted field" }
        return nil
    }

    private func setAside(_ meta: MessageMeta, _ value: UnsafeRawBufferPointer, _ reason: String) {
        setAside.append(QuarantineRow(message: origin(meta), raw: String(decoding: value, as: UTF8.self), reasons: [reason], kind: .malformed))
    }

    /// The quarantine origin of a message.
    func origin(_ meta: MessageMeta) -> MessageOrigin {
        let key: String? = meta.keyLength < 0 ? nil
            : String(decoding: keys[Int(meta.keyStart)..<Int(meta.keyStart + meta.keyLength)], as: UTF8.self)
        return MessageOrigin(topic: topic, partition: meta.partition, offset: meta.offset, key: key,
                             timestampMillis: meta.timestamp >= 0 ? meta.timestamp : nil)
    }

    /// The parsed message whose record starts at buffer line `line`.
    func message(atLine line: Int) -> MessageMeta? {
        var lo = 0, hi = parsed.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if parsed[mid].firstLine == line { return parsed[mid].meta }
            if parsed[mid].firstLine < line { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }

    /// The parsed messages cut into about `pieces` chunks of whole messages.
    func chunks(pieces: Int) -> [Chunk] {
        let n = parsed.count
        guard n > 0 else { return [] }
        let per = max(1, (n + pieces - 1) / pieces)
        var out: [Chunk] = []
        var i = 0
        while i < n {
            let j = min(n, i + per)
            let end = j < n ? parsed[j].start : data.count
            let lastLine = j < n ? parsed[j].firstLine - 1 : nextLine - 1
            out.append(Chunk(start: parsed[i].start, end: end, firstLine: parsed[i].firstLine, lines: lastLine - parsed[i].firstLine + 1))
            i = j
        }
        return out
    }
}
