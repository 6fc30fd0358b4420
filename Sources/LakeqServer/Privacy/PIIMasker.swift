import Crypto
import LakeqColumnar
import LakeqQuery

/// Masks PII for keys without the `pii` grant: every output column whose values can show a
/// column the table marks PII (the column, an expression over it, min/max/sum/avg of it; see
/// `OutputLineage`) becomes VARCHAR tokens, the first 128 bits of HMAC-SHA256(server secret,
/// the value's text) in hex. Equal values give equal tokens, so grouping by a masked column
/// and comparing tokens still work; the values themselves cannot be recovered without the
/// secret. NULL stays NULL. Filters in the SQL still compare the real values.
struct PIIMasker: Sendable {
    let key: SymmetricKey

    init(secret: [UInt8]) { key = SymmetricKey(data: secret) }

    /// The output columns of a query that must be masked.
    static func columnsToMask(_ lineage: OutputLineage, pii: Set<TableColumn>) -> [Int] {
        guard !pii.isEmpty else { return [] }
        return lineage.revealing.indices.filter { !lineage.revealing[$0].isDisjoint(with: pii) }
    }

    func token(_ text: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for b in mac.prefix(16) {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `column` with every value replaced by its token (each distinct value hashed once).
    func mask(_ column: Column, rows: Int) -> Column {
        let cell = CellText(column)
        var memo: [String: Int32] = [:]
        var dictionary = ByteArrays()
        var indices = [Int32](repeating: 0, count: rows)
        for r in 0..<rows where !column.isNull(r) {
            let text = cell.text(r)
            if let k = memo[text] {
                indices[r] = k
            } else {
                let k = Int32(dictionary.count)
                dictionary.append(Array(token(text).utf8))
                memo[text] = k
                indices[r] = k
            }
        }
        if dictionary.count == 0 { dictionary.append([UInt8]()) }  // every row NULL: indices point at a placeholder
        return Column(type: .string, values: .dictionary(dictionary: .bytes(dictionary), indices: indices), validity: column.validity)
    }
}
