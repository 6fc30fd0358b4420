import Testing
import LakeqColumnar

@Suite struct JSONTextTests {
    func unescape(_ body: String) -> String? {
        var out: [UInt8] = []
        let ok = Array(body.utf8).withUnsafeBytes { JSONText.unescape($0, into: &out) }
        return ok ? String(decoding: out, as: UTF8.self) : nil
    }

    @Test(arguments: ["", "plain", "quote \" back\\slash", "tab\tnew\nline\r", "\u{1}ctl", "héllo 🎬 Final Cut"])
    func roundTrips(text: String) {
        let quoted = JSONText.quoted(text)
        #expect(quoted.hasPrefix("\"") && quoted.hasSuffix("\""))
        #expect(unescape(String(quoted.dropFirst().dropLast())) == text)
    }

    @Test func decodesEscapesAndSurrogatePairs() {
        #expect(unescape(#"a\/b\u00e9\ud83c\udfac"#) == "a/bé🎬")
        #expect(unescape(#"\b\f"#) == "\u{8}\u{c}")
    }

    @Test(arguments: [#"\x"#, #"\u12"#, #"\uzzzz"#, #"\ud83c"#, #"\ud83c\u0041"#, #"\udfac"#, "end\\"])
    func rejectsBadEscapes(body: String) {
        #expect(unescape(body) == nil)
    }
}
