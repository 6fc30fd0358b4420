import Foundation
import Testing
import LakeqColumnar
@testable import LakeqIngest

@Suite struct ParallelChunksTests {
    @Test("chunks end on record boundaries: quoted newlines stay inside one chunk")
    func quotedNewlines() {
        let text = "a,\"x\ny\"\nb,c\nd,\"p\n\"\"q\"\"\nr\"\ne,f\n"
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in
            let (segs, last) = ParallelChunks.segments(raw, from: 0, firstLine: 1, perSegment: 100, perChunk: 1, csvQuotes: true)
            let chunks = segs.flatMap { $0 }
            #expect(last == 7)
            #expect(chunks.map(\.lines) == [2, 1, 3, 1])
            #expect(chunks.map(\.firstLine) == [1, 3, 4, 7])
            // Every chunk parses to whole records.
            var records = 0
            for c in chunks {
                var s = CSVScanner(UnsafeRawBufferPointer(rebasing: raw[c.start..<c.end]))
                var f: [RawField] = []
                var e: String?
                while s.next(into: &f, error: &e) != nil { #expect(e == nil && f.count == 2); records += 1 }
            }
            #expect(records == 4)
            // Without quote tracking every line is a chunk.
            let plain = ParallelChunks.segments(raw, from: 0, firstLine: 1, perSegment: 100, perChunk: 1).segments.flatMap { $0 }
            #expect(plain.count == 7)
        }
    }

    @Test("map keeps item order; joined concatenates columns with validity")
    func mapAndJoin() {
        let out = ParallelChunks.map(threads: 2, Array(0..<100)) { $0 * 2 }
        #expect(out == (0..<100).map { $0 * 2 })
        let a = Column(type: .int64, values: .int64([1, 2]), validity: nil)
        let b = Column(type: .int64, values: .int64([0, 4]), validity: Bitmap(bools: [false, true]))
        let j = Column.joined([a, b])
        #expect(j.count == 4)
        #expect(j.isNull(2) && !j.isNull(3) && !j.isNull(0))
        let s = Column.joined([Column(type: .string, values: .bytes(ByteArrays(offsets: [0, 1], data: [65])), validity: nil),
                               Column(type: .string, values: .bytes(ByteArrays(offsets: [0, 2], data: [66, 67])), validity: nil)])
        if case .bytes(let ba) = s.values { #expect(ba.offsets == [0, 1, 3] && ba.data == [65, 66, 67]) } else { Issue.record("not bytes") }
    }
}
