import LakeqColumnar

/// One node of a (possibly nested) Parquet schema to write: a leaf column of a `DataType`, or
/// a group of children: a struct, or, annotated `LIST` / `MAP`, a list or a map in the
/// standard three-level layout. `LevelsWriter` takes the top-level nodes.
///
/// ```swift
/// let add: ParquetNode = .group("add", nullable: true, [
///     .leaf("path", .string, nullable: false),
///     .map("partitionValues", nullable: false, key: .leaf("key", .string, nullable: false),
///          value: .leaf("value", .string, nullable: true)),
///     .list("tags", nullable: true, element: .leaf("element", .string, nullable: false)),
/// ])
/// ```
/// Leaves are numbered depth-first, as in the file footer and `ParquetSchema.columns`.
public struct ParquetNode: Sendable, Equatable {
    public var name: String
    public var repetition: FieldRepetitionType
    /// The value type of a leaf; nil for a group.
    public var type: DataType?
    /// A group's children (empty for a leaf).
    public var children: [ParquetNode]
    /// `.list` or `.map` on a group that is a list or map; nil for structs and leaves.
    public var logicalType: LogicalType?

    public init(name: String, repetition: FieldRepetitionType, type: DataType?, children: [ParquetNode] = [],
                logicalType: LogicalType? = nil) {
        self.name = name
        self.repetition = repetition
        self.type = type
        self.children = children
        self.logicalType = logicalType
    }

    /// A leaf column; `repeated` makes it a bare repeated leaf (a legacy two-level list).
    public static func leaf(_ name: String, _ type: DataType, nullable: Bool, repeated: Bool = false) -> ParquetNode {
        ParquetNode(name: name, repetition: repeated ? .repeated : (nullable ? .optional : .required), type: type)
    }

    /// A struct: a group of `children`.
    public static func group(_ name: String, nullable: Bool, _ children: [ParquetNode]) -> ParquetNode {
        ParquetNode(name: name, repetition: nullable ? .optional : .required, type: nil, children: children)
    }

    /// A list: `<name> (LIST) { repeated group list { <element> } }`; the element node should
    /// be named `element` (its nullability says whether entries may be null).
    public static func list(_ name: String, nullable: Bool, element: ParquetNode) -> ParquetNode {
        ParquetNode(name: name, repetition: nullable ? .optional : .required, type: nil,
                    children: [ParquetNode(name: "list", repetition: .repeated, type: nil, children: [element])],
                    logicalType: .list)
    }

    /// A map: `<name> (MAP) { repeated group key_value { required <key>; <value> } }`; the key
    /// must be required.
    public static func map(_ name: String, nullable: Bool, key: ParquetNode, value: ParquetNode) -> ParquetNode {
        ParquetNode(name: name, repetition: nullable ? .optional : .required, type: nil,
                    children: [ParquetNode(name: "key_value", repetition: .repeated, type: nil, children: [key, value])],
                    logicalType: .map)
    }

    /// The node's schema elements, depth-first (the footer's flattened form).
    func elements(depth: Int = 0) throws -> [SchemaElement] {
        guard depth < 100 else { throw ParquetError.invalidArgument("schema nested too deeply at \(name)") }
        guard !name.isEmpty else { throw ParquetError.invalidArgument("a schema node needs a name") }
        if let type {
            guard children.isEmpty, logicalType == nil else {
                throw ParquetError.invalidArgument("\(name): a leaf has no children or group annotation")
            }
            var e = try SchemaConversion.element(for: Field(name: name, type: type, nullable: repetition != .required),
                                                 storage: SchemaConversion.defaultStorage(for: type))
            e.repetitionType = repetition
            return [e]
        }
        guard !children.isEmpty else { throw ParquetError.invalidArgument("\(name): a group needs at least one child") }
        var seen = Set<String>()
        for c in children where !seen.insert(c.name).inserted {
            throw ParquetError.invalidArgument("\(name): duplicate child \(c.name)")
        }
        var group = SchemaElement(repetitionType: repetition, name: name, numChildren: Int32(children.count))
        switch logicalType {
        case nil: break
        case .list?:
            guard children.count == 1, children[0].repetition == .repeated else {
                throw ParquetError.invalidArgument("\(name): a LIST group holds one repeated group")
            }
            group.logicalType = .list
            group.convertedType = .list
        case .map?:
            guard children.count == 1, children[0].repetition == .repeated, children[0].children.count == 2,
                  children[0].children[0].repetition == .required else {
                throw ParquetError.invalidArgument("\(name): a MAP group holds one repeated group of a required key and a value")
            }
            group.logicalType = .map
            group.convertedType = .map
        case let other?:
            throw ParquetError.invalidArgument("\(name): groups take only LIST or MAP annotations, not \(other)")
        }
        var out = [group]
        for c in children { out += try c.elements(depth: depth + 1) }
        return out
    }
}
