import LakeqColumnar

/// Re-encodes a large VARCHAR column of few distinct values as a dictionary over those values.
///
/// A join's build side holds its rows once and hands them out per match: with a dictionary,
/// each matched row costs an Int32 gather instead of copying its bytes, and the operators
/// after the join (group keys, comparisons) work once per distinct value (per batch, so the
/// dictionary must stay small). A column of mostly distinct values is given up on after its
/// first few thousand rows.
enum LowCardinalityStrings {
    /// Most distinct values a dictionary gets.
    static let maxEntries = 4096

    /// The column as a dictionary of its distinct values, or nil when it is not a plain byte
    /// column or has too many distinct values.
    static func encode(_ c: Column) -> Column? {
        guard case .bytes(let b) = c.values else { return nil }
        let n = b.count
        guard n > 0 else { return nil }
        let interner = StringInterner(capacity: 256)
        var ids = [Int32](repeating: 0, count: n)
        let encoded: Bool = b.data.withUnsafeBytes { raw in
            ids.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    out[i] = interner.intern(UnsafeRawBufferPointer(rebasing: raw[b.range(i)]))
                    if interner.count > maxEntries { return false }
                }
                return true
            }
        }
        guard encoded else { return nil }
        return Column(type: c.type, values: .dictionary(dictionary: .bytes(interner.strings), indices: ids), validity: c.validity)
    }
}
