import Foundation
import Logging

/// A swift-log handler writing one JSON object per line:
/// `{"time":"…","level":"info","label":"lakeq.serve","message":"…", …metadata}`.
/// Metadata values are strings, or nested objects and arrays as swift-log gives them.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let writer: LineWriter

    /// A handler writing to standard error.
    public static func standardError(label: String, level: Logger.Level) -> JSONLogHandler {
        JSONLogHandler(label: label, level: level, writer: sharedStandardError)
    }

    static let sharedStandardError = LineWriter(fd: 2)

    init(label: String, level: Logger.Level, writer: LineWriter) {
        self.label = label
        logLevel = level
        self.writer = writer
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: "{\"time\":".utf8)
        JSONOut.string(Timestamps.iso8601(Date())).write(into: &out)
        out.append(contentsOf: ",\"level\":".utf8)
        JSONOut.string(level.rawValue).write(into: &out)
        out.append(contentsOf: ",\"label\":".utf8)
        JSONOut.string(label).write(into: &out)
        out.append(contentsOf: ",\"message\":".utf8)
        JSONOut.string(message.description).write(into: &out)
        for (k, v) in merged.sorted(by: { $0.key < $1.key }) {
            out.append(UInt8(ascii: ","))
            JSONOut.string(k).write(into: &out)
            out.append(UInt8(ascii: ":"))
            Self.json(v).write(into: &out)
        }
        out.append(UInt8(ascii: "}"))
        writer.append(out)
        if level >= .error { writer.flush() }
    }

    static func json(_ v: Logger.Metadata.Value) -> JSONOut {
        switch v {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let a): return .array(a.map(json))
        case .dictionary(let d): return .object(d.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) })
        }
    }
}

/// Time stamps as logs and the audit log write them: ISO-8601 UTC with milliseconds.
enum Timestamps {
    static func iso8601(_ date: Date) -> String {
        var t = timespec()
        let seconds = date.timeIntervalSince1970
        t.tv_sec = Int(seconds.rounded(.down))
        let millis = Int((seconds - Double(t.tv_sec)) * 1000)
        var tmv = tm()
        var s = t.tv_sec
        gmtime_r(&s, &tmv)
        func pad(_ v: Int32, _ n: Int) -> String {
            let d = String(v)
            return String(repeating: "0", count: max(0, n - d.count)) + d
        }
        return "\(pad(tmv.tm_year + 1900, 4))-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2))T\(pad(tmv.tm_hour, 2)):\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}
