import LakeqColumnar

/// Maps group-key tuples to dense group ids.
///
/// One key of integer-like type hashes raw Int64s; one VARCHAR key hashes each dictionary
/// entry once per batch and maps rows through their dictionary indices; anything else hashes
/// `[Scalar]` tuples.
final class GroupTable {
    enum Kind { case none, integer, string, general }

    let kind: Kind
    let keyTypes: [DataType]
    private(set) var count = 0

    private var intMap = Int64HashMap()
    private var intKeys: [Int64] = []
    private var stringMap: [String: Int32] = [:]
    private var stringKeys: [String] = []
    private var nullGroup: Int32?
    private var generalMap: [[Scalar]: Int32] = [:]
    private var generalKeys: [[Scalar]] = []
    /// Group ids whose key is NULL (for the single-key kinds).
    private var nullKeyGroups: Set<Int32> = []

    init(keyTypes: [DataType]) {
        self.keyTypes = keyTypes
        if keyTypes.isEmpty {
            kind = .none
        } else if keyTypes.count == 1 {
            switch keyTypes[0] {
            case .int32, .int64, .date32, .timestamp, .decimal, .boolean: kind = .integer
            case .string: kind = .string
            default: kind = .general
            }
        } else {
            kind = .general
        }
        if kind == .none { count = 1 }
    }

    /// Group ids for `rows` of the key columns.
    func groupIds(_ keys: [Column], rowCount n: Int) -> [Int32] {
        switch kind {
        case .none:
            return [Int32](repeating: 0, count: n)
        case .integer:
            let c = keys[0]
            let values: [Int64]
            if case .boolean(let b) = c.values { values = b.map { $0 ? 1 : 0 } } else { values = Vectors.int64s(c) ?? [] }
            var out = [Int32](repeating: 0, count: n)
            // Work on locals: class properties in a hot loop pay dynamic exclusivity checks.
            var map = intMap
            intMap = Int64HashMap(capacity: 0)
            var keysOut = intKeys
            intKeys = []
            var groups = count
            for i in 0..<n {
                if let v = c.validity, !v[i] {
                    count = groups; intKeys = keysOut
                    out[i] = nullId()
                    groups = count; keysOut = intKeys
                    continue
                }
                let k = values[i]
                let (g, inserted) = map.findOrInsert(k, newId: Int32(groups))
                if inserted { keysOut.append(k); groups += 1 }
                out[i] = g
            }
            intMap = map
            intKeys = keysOut
            count = groups
            return out
        case .string:
            let c = keys[0]
            var out = [Int32](repeating: 0, count: n)
            if case .dictionary(.bytes(let dict), let idx) = c.values {
                let perEntry = (0..<dict.count).map { stringId(dict.string(at: $0)) }
                if let validity = c.validity {
                    for i in 0..<n { out[i] = validity[i] ? perEntry[Int(idx[i])] : nullId() }
                } else {
                    // Rows map to groups through their dictionary index alone.
                    perEntry.withUnsafeBufferPointer { e in
                        idx.withUnsafeBufferPointer { ix in
                            out.withUnsafeMutableBufferPointer { o in
                                for i in 0..<n { o[i] = e[Int(ix[i])] }
                            }
                        }
                    }
                }
            } else {
                for i in 0..<n {
                    if c.isNull(i) { out[i] = nullId(); continue }
                    if case .string(let s) = Scalar.from(c, row: i) { out[i] = stringId(s) }
                }
            }
            return out
        case .general:
            var out = [Int32](repeating: 0, count: n)
            for i in 0..<n { out[i] = generalId(keys.map { Scalar.from($0, row: i) }) }
            return out
        }
    }

    private func nullId() -> Int32 {
        if let g = nullGroup { return g }
        let g = Int32(count)
        nullGroup = g
        nullKeyGroups.insert(g)
        count += 1
        // Keep the per-kind key arrays aligned with group ids.
        switch kind {
        case .integer: intKeys.append(0)
        case .string: stringKeys.append("")
        default: break
        }
        return g
    }

    private func stringId(_ s: String) -> Int32 {
        if let g = stringMap[s] { return g }
        let g = Int32(count)
        stringMap[s] = g
        stringKeys.append(s)
        count += 1
        return g
    }

    private func generalId(_ k: [Scalar]) -> Int32 {
        if let g = generalMap[k] { return g }
        let g = Int32(count)
        generalMap[k] = g
        generalKeys.append(k)
        count += 1
        return g
    }

    /// The key of group `g` as scalars.
    func key(_ g: Int) -> [Scalar] {
        switch kind {
        case .none: return []
        case .general: return generalKeys[g]
        case .integer:
            if nullKeyGroups.contains(Int32(g)) { return [.null] }
            let v = intKeys[g]
            switch keyTypes[0] {
            case .date32: return [.date(Int32(truncatingIfNeeded: v))]
            case .timestamp: return [.timestamp(v)]
            case .decimal(_, let s): return [.decimal(v, s)]
            case .boolean: return [.bool(v != 0)]
            default: return [.int(v)]
            }
        case .string:
            if nullKeyGroups.contains(Int32(g)) { return [.null] }
            return [.string(stringKeys[g])]
        }
    }

    /// Key column `k` of every group, built without boxing for the single-key kinds.
    func keyColumn(_ k: Int) -> Column {
        let type = keyTypes[k]
        var validity: Bitmap?
        if !nullKeyGroups.isEmpty {
            var v = Bitmap(count: count, value: true)
            for g in nullKeyGroups { v[Int(g)] = false }
            validity = v
        }
        switch kind {
        case .integer:
            switch type {
            case .int32, .date32: return Column(type: type, values: .int32(intKeys.map { Int32(truncatingIfNeeded: $0) }), validity: validity)
            case .boolean: return Column(type: type, values: .boolean(intKeys.map { $0 != 0 }), validity: validity)
            default: return Column(type: type, values: .int64(intKeys), validity: validity)
            }
        case .string:
            var b = ByteArrays()
            for s in stringKeys { b.append(Array(s.utf8)) }
            return Column(type: type, values: .bytes(b), validity: validity)
        default:
            return ColumnFactory.fromScalars((0..<count).map { key($0)[k] }, type: type)
        }
    }

    /// Id in this table of group `g` of `other` (same key types), adding it if new.
    func id(forGroup g: Int, of other: GroupTable) -> Int32 {
        if other.nullKeyGroups.contains(Int32(g)) { return kind == .general || kind == .none ? id(forKey: other.key(g)) : nullId() }
        switch kind {
        case .integer: return intId(other.intKeys[g])
        case .string: return stringId(other.stringKeys[g])
        default: return id(forKey: other.key(g))
        }
    }

    /// Id of the group with this key, adding it if new (used when merging tables).
    func id(forKey k: [Scalar]) -> Int32 {
        switch kind {
        case .none: return 0
        case .general: return generalId(k)
        case .integer:
            switch k[0] {
            case .null: return nullId()
            case .int(let v), .timestamp(let v), .decimal(let v, _): return intId(v)
            case .date(let d): return intId(Int64(d))
            case .bool(let b): return intId(b ? 1 : 0)
            default: return generalId(k)
            }
        case .string:
            if case .string(let s) = k[0] { return stringId(s) }
            return nullId()
        }
    }

    private func intId(_ v: Int64) -> Int32 {
        let (g, inserted) = intMap.findOrInsert(v, newId: Int32(count))
        if inserted {
            intKeys.append(v)
            count += 1
        }
        return g
    }
}
