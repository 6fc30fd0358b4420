/// A compiled LIKE / ILIKE pattern: `%` any run, `_` one character, matched on UTF-8 bytes
/// (`_` consumes one whole character).
public struct LikePattern: Sendable {
    enum Shape: Sendable {
        case exact([UInt8])
        case prefix([UInt8])
        case suffix([UInt8])
        case contains([UInt8])
        case general
    }

    let pattern: [UInt8]
    let caseInsensitive: Bool
    let shape: Shape

    public init(_ text: String, caseInsensitive: Bool) {
        let bytes = Array((caseInsensitive ? text.lowercased() : text).utf8)
        pattern = bytes
        self.caseInsensitive = caseInsensitive
        let wild = bytes.filter { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "_") }
        if wild.isEmpty {
            shape = .exact(bytes)
        } else if !bytes.contains(UInt8(ascii: "_")) {
            let pct = bytes.enumerated().filter { $0.element == UInt8(ascii: "%") }.map(\.offset)
            if pct == [bytes.count - 1] {
                shape = .prefix(Array(bytes.dropLast()))
            } else if pct == [0] {
                shape = .suffix(Array(bytes.dropFirst()))
            } else if pct == [0, bytes.count - 1] && bytes.count >= 2 {
                shape = .contains(Array(bytes[1..<(bytes.count - 1)]))
            } else {
                shape = .general
            }
        } else {
            shape = .general
        }
    }

    public func matches<C: Collection>(_ value: C) -> Bool where C.Element == UInt8 {
        if caseInsensitive {
            return matchesBytes(Array(String(decoding: value, as: UTF8.self).lowercased().utf8))
        }
        return matchesBytes(value)
    }

    private func matchesBytes<C: Collection>(_ s: C) -> Bool where C.Element == UInt8 {
        switch shape {
        case .exact(let p): return s.elementsEqual(p)
        case .prefix(let p): return s.starts(with: p)
        case .suffix(let p): return s.count >= p.count && s.dropFirst(s.count - p.count).elementsEqual(p)
        case .contains(let p):
            if p.isEmpty { return true }
            let a = Array(s)
            guard a.count >= p.count else { return false }
            for i in 0...(a.count - p.count) where a[i] == p[0] {
                if a[i..<(i + p.count)].elementsEqual(p) { return true }
            }
            return false
        case .general: return Self.general(Array(s), pattern)
        }
    }

    /// Greedy wildcard match with backtracking to the last `%`.
    static func general(_ s: [UInt8], _ p: [UInt8]) -> Bool {
        var si = 0, pi = 0, star = -1, mark = 0
        func charLength(_ i: Int) -> Int {
            let b = s[i]
            if b < 0x80 { return 1 }
            if b >> 5 == 0b110 { return 2 }
            if b >> 4 == 0b1110 { return 3 }
            if b >> 3 == 0b11110 { return 4 }
            return 1
        }
        while si < s.count {
            if pi < p.count && p[pi] == UInt8(ascii: "_") {
                si += min(charLength(si), s.count - si); pi += 1
            } else if pi < p.count && p[pi] == UInt8(ascii: "%") {
                star = pi; mark = si; pi += 1
            } else if pi < p.count && p[pi] == s[si] {
                si += 1; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; si = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == UInt8(ascii: "%") { pi += 1 }
        return pi == p.count
    }
}
