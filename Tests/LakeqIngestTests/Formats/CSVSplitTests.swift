import Foundation
import Testing
@testable import LakeqIngest

@Suite("CSVScanner.splitPlain")
struct CSVSplitTests {
    func fields(_ f: [RawField]) -> [[Int]] { f.map { [$0.start, $0.end, $0.escaped ? 1 : 0, $0.isNull ? 1 : 0] } }

    @Test("random lines: the word-at-a-time split equals the scanner, and refuses quotes and CRs")
    func matchesScanner() {
        var rng = SystemRandomNumberGenerator()
        // Bytes one XOR away from the delimiters too ('-' is ',' ^ 1), to catch borrow errors.
        let alphabet: [UInt8] = Array(",,,-a1.\"\r".utf8) + [0x2D, 0x2E, 0x23, 0x0C, 0xC3, 0xA9, 0x00, 0xFF]
        for _ in 0..<20_000 {
            let n = Int.random(in: 1...40, using: &rng)
            let line = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            line.withUnsafeBytes { raw in
                let room = Int.random(in: 0...45, using: &rng)  // sometimes fewer than the fields
                let buffer = UnsafeMutableBufferPointer<RawField>.allocate(capacity: room)
                defer { buffer.deallocate() }
                let count = CSVScanner.splitPlain(raw, into: buffer)
                let ok = count != nil
                let fast = Array(buffer.prefix(min(room, count ?? 0)))
                let special = line.contains(0x22) || line.contains(0x0D)
                #expect(ok == !special, "\(line)")
                if ok {
                    var scanner = CSVScanner(raw)
                    var slow: [RawField] = []
                    var error: String?
                    _ = scanner.next(into: &slow, error: &error)
                    #expect(error == nil)
                    #expect(count == slow.count, "\(line)")
                    #expect(fields(fast) == fields(Array(slow.prefix(room))), "\(line)")
                }
            }
        }
    }

    @Test("edges: empty fields, a lone comma, exactly 8 and 16 bytes, no commas")
    func edges() {
        for (text, want) in [(",", [[0, 0, 0, 1], [1, 1, 0, 1]]), ("abcdefgh", [[0, 8, 0, 0]]),
                             ("abcdefg,", [[0, 7, 0, 0], [8, 8, 0, 1]]), ("a,,b", [[0, 1, 0, 0], [2, 2, 0, 1], [3, 4, 0, 0]]),
                             ("0123456,89abcde,", [[0, 7, 0, 0], [8, 15, 0, 0], [16, 16, 0, 1]])] {
            let buffer = UnsafeMutableBufferPointer<RawField>.allocate(capacity: 8)
            defer { buffer.deallocate() }
            let count = Array(text.utf8).withUnsafeBytes { CSVScanner.splitPlain($0, into: buffer) }
            #expect(count == want.count)
            #expect(fields(Array(buffer.prefix(want.count))) == want, "\(text)")
        }
        let empty = UnsafeMutableBufferPointer<RawField>.allocate(capacity: 1)
        defer { empty.deallocate() }
        #expect(CSVScanner.splitPlain(UnsafeRawBufferPointer(start: nil, count: 0), into: empty) == nil)
    }
}
