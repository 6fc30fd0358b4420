/// Formats decimal values (an unscaled integer and a scale) in plain notation.
public enum DecimalText {
    /// `unscaled × 10^-scale` with exactly `scale` fraction digits and a leading `0`.
    public static func format(unscaled: Int64, scale: Int) -> String {
        let negative = unscaled < 0
        return format(digits: String(unscaled.magnitude), negative: negative, scale: scale)
    }

    /// Same for a big-endian two's complement integer of any width (Parquet's byte-array decimals).
    public static func format<C: Collection>(bigEndian bytes: C, scale: Int) -> String where C.Element == UInt8 {
        guard let first = bytes.first else { return format(digits: "0", negative: false, scale: scale) }
        let negative = first & 0x80 != 0
        // Magnitude as big-endian bytes: negate two's complement when negative.
        var mag = Array(bytes)
        if negative {
            var carry = 1
            for i in stride(from: mag.count - 1, through: 0, by: -1) {
                let v = Int(~mag[i]) + carry
                mag[i] = UInt8(truncatingIfNeeded: v)
                carry = v >> 8
            }
        }
        // Repeated division by 10^9 over base-256 digits.
        var chunks: [UInt32] = []
        var work = mag.drop { $0 == 0 }.map { $0 }
        while !work.isEmpty {
            var rem: UInt64 = 0
            var next: [UInt8] = []
            next.reserveCapacity(work.count)
            for b in work {
                let cur = rem << 8 | UInt64(b)
                let q = cur / 1_000_000_000
                rem = cur % 1_000_000_000
                if !next.isEmpty || q != 0 { next.append(UInt8(q)) }
            }
            chunks.append(UInt32(rem))
            work = next
        }
        var digits = chunks.last.map { String($0) } ?? "0"
        for c in chunks.dropLast().reversed() {
            let s = String(c)
            digits += String(repeating: "0", count: 9 - s.count) + s
        }
        return format(digits: digits, negative: negative && digits != "0", scale: scale)
    }

    static func format(digits: String, negative: Bool, scale: Int) -> String {
        var body: String
        if scale <= 0 {
            body = digits + (digits == "0" ? "" : String(repeating: "0", count: -scale))
        } else {
            let padded = digits.count <= scale ? String(repeating: "0", count: scale - digits.count + 1) + digits : digits
            let split = padded.index(padded.endIndex, offsetBy: -scale)
            body = padded[..<split] + "." + padded[split...]
        }
        return (negative ? "-" : "") + body
    }
}
