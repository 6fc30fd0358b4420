import Foundation
import LakeqColumnar
import Testing
@testable import LakeqIngest

@Suite("RawStorage and ColumnAccumulator")
struct ColumnAccumulatorTests {
    @Test("RawStorage: growth from empty keeps every value; zeros, bytes, arrays, deallocate")
    func rawStorage() {
        var s = RawStorage()
        #expect(s.array(of: Int64.self).isEmpty)
        for i in 0..<10_000 { s.append(Int64(i) * 3 - 7) }  // grows many times
        #expect(s.used == 80_000)
        #expect(s.load(9_999, as: Int64.self) == 29_990)
        #expect(s.array(of: Int64.self) == (0..<10_000).map { Int64($0) * 3 - 7 })
        s.used = 8
        s.appendZeros(16)
        [UInt8](repeating: 0xAB, count: 3).withUnsafeBytes { s.append(bytes: $0) }
        s.append(bytes: UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(s.array(of: UInt8.self) == [249, 255, 255, 255, 255, 255, 255, 255] + [UInt8](repeating: 0, count: 16) + [0xAB, 0xAB, 0xAB])
        s.deallocate()
        #expect(s.used == 0 && s.capacity == 0 && s.base == nil)
        s.append(true)
        #expect(s.array(of: Bool.self) == [true])
        s.deallocate()
    }

    @Test("RawStorage: byte appends of every short length copy exactly (the word-copy paths)")
    func shortCopies() {
        var s = RawStorage()
        defer { s.deallocate() }
        var want: [UInt8] = []
        let source = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for n in 0...40 {
            for offset in [0, 3, 64 - n] {
                source.withUnsafeBytes { s.append(bytes: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) }
                want += source[offset..<(offset + n)]
            }
        }
        #expect(s.array(of: UInt8.self) == want)
        for n in [1, 4, 8, 3, 0] { s.appendZeros(n); want += [UInt8](repeating: 0, count: n) }
        #expect(s.array(of: UInt8.self) == want)
    }

    func text(_ s: String, _ body: (UnsafeRawBufferPointer) -> Void) {
        var a = Array(s.utf8)
        a.withUnsafeBytes { body($0) }
    }

    @Test("every type: values, nulls, truncation after a bad row, take() twice")
    func accumulate() throws {
        let specs: [(ValueType, [String?])] = [
            (.int32, ["1", nil, "-2147483648"]), (.int64, ["9223372036854775807", "0", nil]),
            (.double, ["1.5", nil, "-0.0"]), (.boolean, [nil, "true", "false"]),
            (.string, ["", nil, "héllo"]), (.date, ["2026-01-02", nil, "1969-12-31"]),
            (.timestamp(.micros), ["2026-01-02T03:04:05.000006Z", nil, "2026-01-02"]),
            (.decimal(precision: 5, scale: 2), ["1.25", nil, "-3.1"]), (.decimal(precision: 15, scale: 0), ["123456789012345", nil, "0"]),
            (.decimal(precision: 30, scale: 3), ["-1.5", nil, "123456789012345678901234567.000"]),
        ]
        for (type, cells) in specs {
            var a = ColumnAccumulator(ColumnSpec(name: "c", type: type, nullable: true))
            defer { a.deallocate() }
            for round in 0..<2 {
                for c in cells {
                    if let c { text(c) { #expect(a.append($0, kind: .text) == nil, "\(type) \(c)") } } else { a.appendNull() }
                }
                // A bad row's value is rolled back.
                text("x") { _ = a.append($0, kind: .text) }
                a.truncate(to: cells.count)
                #expect(a.count == cells.count && a.nulls == 1)
                #expect(a.isValid(0) == (cells[0] != nil) && a.isValid(1) == (cells[1] != nil))
                let col = a.take()
                #expect(col.count == cells.count, "\(type) round \(round)")
                for (i, c) in cells.enumerated() { #expect(col.isNull(i) == (c == nil), "\(type) row \(i)") }
                #expect(a.count == 0)
                if type == .string, case .bytes(let b) = col.values {
                    #expect(b.string(at: 0) == "" && b.string(at: 2) == "héllo" && b.offsets == [0, 0, 0, 6])
                }
                if type == .int64, case .int64(let v) = col.values { #expect(v == [.max, 0, 0]) }
                if type == .timestamp(.micros), case .int64(let v) = col.values { #expect(v == [1_767_323_045_000_006, 0, 1_767_312_000_000_000]) }
                if case .decimal(30, 3) = type, case .fixed(let f) = col.values { #expect(f.data.count == 3 * ColumnAccumulator.decimalWidth(30)) }
            }
        }
    }

    @Test("typed reads of the current row, and truncation to zero")
    func reads() {
        var i = ColumnAccumulator(ColumnSpec(name: "i", type: .int32, nullable: true))
        var d = ColumnAccumulator(ColumnSpec(name: "d", type: .double, nullable: false))
        var s = ColumnAccumulator(ColumnSpec(name: "s", type: .string, nullable: false))
        defer { i.deallocate(); d.deallocate(); s.deallocate() }
        text("42") { _ = i.append($0, kind: .text) }
        text("2.5") { _ = d.append($0, kind: .text) }
        text("abc") { _ = s.append($0, kind: .text) }
        text("de") { _ = s.append($0, kind: .text) }
        #expect(i.int32(0) == 42 && d.double(0) == 2.5)
        s.truncate(to: 1)
        text("xyz") { _ = s.append($0, kind: .text) }
        if case .bytes(let b) = s.take().values { #expect(b.string(at: 0) == "abc" && b.string(at: 1) == "xyz") } else { Issue.record("not bytes") }
        i.truncate(to: 0)
        #expect(i.take().count == 0)
    }
}
