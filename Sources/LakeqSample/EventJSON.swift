import LakeqColumnar

/// Rows of a generated batch as JSON objects (one per row, keys in schema order), the form
/// `lakeq produce` publishes and `lakeq stream --format json` reads. Written into a reused
/// byte buffer; dictionary strings are escaped once per batch.
public struct EventJSON {
    /// Ways `damage` spoils a row for the bad-message mix of `lakeq produce --bad-rate`.
    public enum Damage: Int, CaseIterable, Sendable {
        /// Cut in half: not JSON.
        case truncated
        /// `user_id` as a string: wrong type.
        case wrongType
        /// `bitrate_kbps` 99999: above its maximum.
        case outOfRange
        /// `device` not one of the allowed values.
        case notAllowed
        /// `completed` flipped: breaks `completed = watch >= 0.9 * duration`.
        case brokenRule
    }

    let batch: RecordBatch
    /// Per column: the escaped JSON text of each dictionary entry (string columns).
    private let strings: [[[UInt8]]?]
    private let names: [[UInt8]]

    public init(_ batch: RecordBatch) {
        self.batch = batch
        names = batch.schema.fields.map { f in
            var b: [UInt8] = []
            JSONText.append(f.name, to: &b)
            b.append(UInt8(ascii: ":"))
            return b
        }
        strings = batch.columns.map { c -> [[UInt8]]? in
            guard case .dictionary(let dict, _) = c.values, case .bytes(let b) = dict else { return nil }
            return (0..<b.count).map { i in
                var out: [UInt8] = []
                JSONText.append(b.string(at: i), to: &out)
                return out
            }
        }
    }

    /// The row's `user_id` (the message key).
    public func userID(_ row: Int) -> Int64 {
        guard case .int64(let v) = batch.columns[1].values else { return 0 }
        return v[row]
    }

    /// The row's `event_id`.
    public func eventID(_ row: Int) -> Int64 {
        guard case .int64(let v) = batch.columns[0].values else { return 0 }
        return v[row]
    }

    /// Replaces `out` with row `row` as a JSON object, spoiled by `damage` if given.
    public func encode(_ row: Int, into out: inout [UInt8], damage: Damage? = nil) {
        out.removeAll(keepingCapacity: true)
        out.append(UInt8(ascii: "{"))
        for (k, c) in batch.columns.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out += names[k]
            let name = batch.schema.fields[k].name
            if c.isNull(row) { out += Array("null".utf8); continue }
            switch c.values {
            case .dictionary(_, let idx):
                if damage == .notAllowed && name == "device" {
                    out += Array("\"Xbox\"".utf8)
                } else if let s = strings[k] {
                    out += s[Int(idx[row])]
                }
            case .int64(let v):
                if case .timestamp = c.type {
                    appendTimestamp(v[row], &out)
                } else if damage == .wrongType && name == "user_id" {
                    out += Array("\"u\(v[row])\"".utf8)
                } else {
                    out += Array(String(v[row]).utf8)
                }
            case .int32(let v):
                out += Array(String(damage == .outOfRange && name == "bitrate_kbps" ? 99_999 : v[row]).utf8)
            case .float64(let v):
                out += Array("\(v[row])".utf8)
            case .boolean(let v):
                let b = damage == .brokenRule && name == "completed" ? !v[row] : v[row]
                out += Array((b ? "true" : "false").utf8)
            case .bytes(let b):
                JSONText.append(b.string(at: row), to: &out)
            default:
                out += Array("null".utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
        if damage == .truncated { out.removeLast(out.count / 2) }
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ` of microseconds since the epoch, quoted.
    private func appendTimestamp(_ micros: Int64, _ out: inout [UInt8]) {
        var days = micros / 86_400_000_000
        var rest = micros % 86_400_000_000
        if rest < 0 { days -= 1; rest += 86_400_000_000 }
        let (y, m, d) = CivilDate.civilFromDays(Int(days))
        let secs = Int(rest / 1_000_000), frac = Int(rest % 1_000_000)
        out.append(UInt8(ascii: "\""))
        digits(y, 4, &out); out.append(UInt8(ascii: "-")); digits(m, 2, &out); out.append(UInt8(ascii: "-")); digits(d, 2, &out)
        out.append(UInt8(ascii: "T"))
        digits(secs / 3600, 2, &out); out.append(UInt8(ascii: ":")); digits(secs / 60 % 60, 2, &out); out.append(UInt8(ascii: ":"))
        digits(secs % 60, 2, &out); out.append(UInt8(ascii: ".")); digits(frac, 6, &out)
        out += [UInt8(ascii: "Z"), UInt8(ascii: "\"")]
    }

    private func digits(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
        var buf = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var x = v
        var i = width - 1
        while i >= 0 && x > 0 { buf[i] = UInt8(ascii: "0") + UInt8(x % 10); x /= 10; i -= 1 }
        out += buf
    }
}
