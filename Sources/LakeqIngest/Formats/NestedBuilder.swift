import LakeqColumnar

/// Builds one LIST / STRUCT / MAP column from JSON text (a JSON Lines value, or a CSV field
/// holding JSON): arrays become lists, objects structs (keys are field names; a missing key
/// is null, an unknown or repeated one an error) or maps (keys in the order written). Leaf
/// values go through `ColumnAccumulator`, so they follow exactly the rules of flat columns
/// (JSON token kinds must fit, timestamps and decimals parsed the same way).
///
/// Rows can be rolled back (`truncate`), as the owning accumulator's are.
final class NestedBuilder {
    let type: ValueType
    /// The column path for messages (`segments[].start`).
    let path: String
    let nullable: Bool
    private(set) var leaf: ColumnAccumulator?
    private(set) var children: [NestedBuilder] = []
    /// Lists and maps: `count + 1` offsets into the child (children[0]; a map's values are children[1]).
    private var offsets: [Int32] = [0]
    /// Lists, maps and structs: which slots are non-null.
    private var valid: [Bool] = []
    private var fieldIndex: [String: Int] = [:]
    /// Deeper input is refused (a hostile line must not exhaust the stack).
    static let maxDepth = 64

    init(path: String, type: ValueType, nullable: Bool) {
        self.type = type
        self.path = path
        self.nullable = nullable
        switch type {
        case .list(let e):
            children = [NestedBuilder(path: path + "[]", type: e, nullable: true)]
        case .structure(let fields):
            children = fields.map { NestedBuilder(path: path + "." + $0.name, type: $0.type, nullable: $0.nullable) }
            for (k, f) in fields.enumerated() { fieldIndex[f.name] = k }
        case .map(let v):
            children = [NestedBuilder(path: path + " key", type: .string, nullable: false), NestedBuilder(path: path + "[]", type: v, nullable: true)]
        default:
            leaf = ColumnAccumulator(ColumnSpec(name: path, type: type, nullable: nullable))
        }
    }

    var count: Int { leaf?.count ?? valid.count }

    func deallocate() {
        leaf?.deallocate()
        for c in children { c.deallocate() }
    }

    /// A null slot (no nullability check: the caller decides whether NULL is allowed).
    func appendNull() {
        if leaf != nil { leaf?.appendNull(); return }
        valid.append(false)
        switch type {
        case .list, .map: offsets.append(offsets[offsets.count - 1])
        default: for c in children { c.appendNull() }
        }
    }

    /// Keeps the first `n` slots. Children are cut back even when this builder has no more
    /// than `n` slots: a value that failed halfway left entries in them but no slot here.
    func truncate(to n: Int) {
        if leaf != nil { leaf?.truncate(to: n); return }
        guard n <= valid.count else { return }
        valid.removeLast(valid.count - n)
        switch type {
        case .list, .map:
            let entries = Int(offsets[n])
            offsets.removeLast(offsets.count - n - 1)
            for c in children { c.truncate(to: entries) }
        default:
            for c in children { c.truncate(to: n) }
        }
    }

    /// Parses one JSON value from `text` and appends it; a reason when it does not fit (then
    /// nothing is appended).
    func append(json text: UnsafeRawBufferPointer) -> String? {
        let before = count
        var reader = JSONReader(bytes: text)
        var error = reader.value(into: self, depth: 0)
        if error == nil {
            reader.skipSpace()
            if reader.i != text.count { error = "\(path): text after the JSON value" }
        }
        if error != nil { truncate(to: before) }
        return error
    }

    /// The built column; the builder is emptied.
    func take() -> Column {
        if leaf != nil { return leaf!.take() }
        let validity: Bitmap? = valid.allSatisfy { $0 } ? nil : Bitmap(bools: valid)
        let n = valid.count
        let values: ColumnValues
        switch type {
        case .list:
            values = .list(ListValues(offsets: offsets, entries: children[0].take()))
        case .map(let v):
            let keys = children[0].take(), vals = children[1].take()
            let entryType = DataType.mapEntries(key: Field(name: "key", type: .string, nullable: false),
                                                value: Field(name: "value", type: v.dataType, nullable: true))
            values = .list(ListValues(offsets: offsets, entries: Column(type: entryType, values: .structure(StructValues(children: [keys, vals], count: keys.count)))))
        default:
            values = .structure(StructValues(children: children.map { $0.take() }, count: n))
        }
        offsets = [0]
        valid = []
        return Column(type: type.dataType, values: values, validity: validity)
    }

    fileprivate func closeList() {
        offsets.append(Int32(truncatingIfNeeded: children[0].count))
        valid.append(true)
    }

    fileprivate func closeStruct() { valid.append(true) }

    fileprivate func field(_ name: String) -> Int? { fieldIndex[name] }

    fileprivate func appendLeaf(_ t: UnsafeRawBufferPointer, kind: RawField.Kind) -> String? {
        leaf?.append(t, kind: kind)
    }
}

/// A small JSON reader feeding a `NestedBuilder` tree.
private struct JSONReader {
    let bytes: UnsafeRawBufferPointer
    var i = 0

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
    }

    private func describe(_ b: UInt8) -> String {
        switch b {
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "\""): return "a string"
        default: return "a scalar"
        }
    }

    private func expected(_ builder: NestedBuilder) -> String {
        switch builder.type {
        case .list: return "an array"
        case .structure, .map: return "an object"
        default: return "\(builder.type)"
        }
    }

    mutating func value(into b: NestedBuilder, depth: Int) -> String? {
        guard depth < NestedBuilder.maxDepth else { return "\(b.path): nested too deeply" }
        skipSpace()
        guard i < bytes.count else { return "\(b.path): truncated JSON" }
        if bytes.count - i >= 4, bytes[i] == 0x6E, bytes[i + 1] == 0x75, bytes[i + 2] == 0x6C, bytes[i + 3] == 0x6C {  // null
            i += 4
            if !b.nullable { return "\(b.path): null in a non-nullable field" }
            b.appendNull()
            return nil
        }
        let c = bytes[i]
        switch b.type {
        case .list:
            guard c == UInt8(ascii: "[") else { return "\(b.path): expected an array, found \(describe(c))" }
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; b.closeList(); return nil }
            while true {
                if let e = value(into: b.children[0], depth: depth + 1) { return e }
                skipSpace()
                guard i < bytes.count else { return "\(b.path): truncated array" }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; b.closeList(); return nil }
                return "\(b.path): expected ',' or ']'"
            }
        case .structure, .map:
            guard c == UInt8(ascii: "{") else { return "\(b.path): expected an object, found \(describe(c))" }
            i += 1
            let isMap: Bool = { if case .map = b.type { return true }; return false }()
            var seen = [Bool](repeating: false, count: b.children.count)
            skipSpace()
            var empty = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; empty = true }
            while !empty {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\""), let key = string() else { return "\(b.path): expected a quoted key" }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return "\(b.path): expected ':' after a key" }
                i += 1
                let keyText = key.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
                if isMap {
                    if let e = key.withUnsafeBytes({ b.children[0].appendLeaf($0, kind: .jsonString) }) { return e }
                    if let e = value(into: b.children[1], depth: depth + 1) { return e }
                } else {
                    guard let k = b.field(keyText) else { return "\(b.path): unknown field \"\(keyText.prefix(60))\"" }
                    guard !seen[k] else { return "\(b.path): duplicate field \"\(keyText)\"" }
                    seen[k] = true
                    if let e = value(into: b.children[k], depth: depth + 1) { return e }
                }
                skipSpace()
                guard i < bytes.count else { return "\(b.path): truncated object" }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; break }
                return "\(b.path): expected ',' or '}'"
            }
            if isMap {
                b.closeList()
            } else {
                for (k, child) in b.children.enumerated() where !seen[k] {
                    if !child.nullable { return "\(child.path): missing in a non-nullable field" }
                    child.appendNull()
                }
                b.closeStruct()
            }
            return nil
        default:
            if c == UInt8(ascii: "\"") {
                guard let text = string() else { return "\(b.path): bad string" }
                return text.withUnsafeBytes { b.appendLeaf($0, kind: .jsonString) }
            }
            if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") { return "\(b.path): expected \(expected(b)), found \(describe(c))" }
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: "]"), bytes[i] != UInt8(ascii: "}"),
                  bytes[i] != 0x20, bytes[i] != 0x09, bytes[i] != 0x0A, bytes[i] != 0x0D { i += 1 }
            let tok = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
            if tok.elementsEqual("true".utf8) || tok.elementsEqual("false".utf8) { return b.appendLeaf(tok, kind: .jsonLiteral) }
            if ValueParse.isNumberSyntax(tok) { return b.appendLeaf(tok, kind: .jsonNumber) }
            return "\(b.path): invalid JSON value \(String(decoding: tok.prefix(40), as: UTF8.self))"
        }
    }

    /// A JSON string at the opening quote, unescaped; nil when unterminated or badly escaped.
    private mutating func string() -> [UInt8]? {
        let start = i + 1
        var k = start
        var escaped = false
        while k < bytes.count {
            let c = bytes[k]
            if c == UInt8(ascii: "\\") { escaped = true; k += 2; continue }
            if c == UInt8(ascii: "\"") { break }
            k += 1
        }
        guard k < bytes.count else { return nil }
        i = k + 1
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<k])
        if !escaped { return Array(raw) }
        var out: [UInt8] = []
        return JSONText.unescape(raw, into: &out) ? out : nil
    }
}
