import Foundation

/// Action ↔ JSON, one action per line (the Delta log's newline-delimited JSON).
public enum ActionCodec {
    /// JSON lines of a commit file, each ending with a newline.
    public static func encode(_ actions: [Action]) -> String {
        var out = ""
        for a in actions {
            json(a).write(to: &out)
            out += "\n"
        }
        return out
    }

    /// Parses a commit file. Blank lines are skipped; `what` names the file in errors.
    public static func decode(_ text: String, what: String) throws -> [Action] {
        var actions: [Action] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            // The parser skips whitespace around the document; only blank lines need a check.
            // (Foundation's trimmingCharacters bridged every line through NSString: a tenth of a
            // small query's time.)
            if line.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) { continue }
            do {
                actions.append(try action(try JSONValue.parse(utf8: line.utf8)))
            } catch let e as DeltaError {
                throw DeltaError.corrupt("\(what) line \(n + 1): \(e.description)")
            }
        }
        return actions
    }

    // MARK: to JSON

    static func json(_ a: Action) -> JSONValue {
        switch a {
        case .protocol(let p):
            var o: [String: JSONValue] = ["minReaderVersion": .int(Int64(p.minReaderVersion)), "minWriterVersion": .int(Int64(p.minWriterVersion))]
            if let r = p.readerFeatures { o["readerFeatures"] = .array(r.map { .string($0) }) }
            if let w = p.writerFeatures { o["writerFeatures"] = .array(w.map { .string($0) }) }
            return .object(["protocol": .object(o)])
        case .metaData(let m):
            var o: [String: JSONValue] = [
                "id": .string(m.id),
                "format": .object(["provider": .string(m.formatProvider), "options": strings(m.formatOptions)]),
                "schemaString": .string(m.schemaString),
                "partitionColumns": .array(m.partitionColumns.map { .string($0) }),
                "configuration": strings(m.configuration),
            ]
            if let n = m.name { o["name"] = .string(n) }
            if let d = m.description { o["description"] = .string(d) }
            if let t = m.createdTime { o["createdTime"] = .int(t) }
            return .object(["metaData": .object(o)])
        case .add(let f):
            var o: [String: JSONValue] = [
                "path": .string(f.path),
                "partitionValues": optionalStrings(f.partitionValues),
                "size": .int(f.size),
                "modificationTime": .int(f.modificationTime),
                "dataChange": .bool(f.dataChange),
            ]
            if let s = f.statsJSON { o["stats"] = .string(s) }
            if let t = f.tags { o["tags"] = strings(t) }
            return .object(["add": .object(o)])
        case .remove(let r):
            var o: [String: JSONValue] = ["path": .string(r.path), "dataChange": .bool(r.dataChange)]
            if let t = r.deletionTimestamp { o["deletionTimestamp"] = .int(t) }
            if let p = r.partitionValues { o["partitionValues"] = optionalStrings(p) }
            if let s = r.size { o["size"] = .int(s) }
            if let e = r.extendedFileMetadata { o["extendedFileMetadata"] = .bool(e) }
            return .object(["remove": .object(o)])
        case .txn(let t):
            var o: [String: JSONValue] = ["appId": .string(t.appId), "version": .int(t.version)]
            if let l = t.lastUpdated { o["lastUpdated"] = .int(l) }
            return .object(["txn": .object(o)])
        case .commitInfo(let c):
            return .object(["commitInfo": .object(c.fields)])
        case .other(let key, let value):
            return .object([key: value])
        }
    }

    static func strings(_ d: [String: String]) -> JSONValue { .object(d.mapValues { .string($0) }) }
    static func optionalStrings(_ d: [String: String?]) -> JSONValue { .object(d.mapValues { $0.map { .string($0) } ?? .null }) }

    // MARK: from JSON

    static func action(_ v: JSONValue) throws -> Action {
        guard let o = v.objectValue, o.count == 1, let (key, body) = o.first else {
            throw DeltaError.corrupt("an action must be an object with exactly one key")
        }
        func need<T>(_ x: T?, _ field: String) throws -> T {
            guard let x else { throw DeltaError.corrupt("\(key) action without a valid \(field)") }
            return x
        }
        switch key {
        case "protocol":
            return .protocol(ProtocolAction(
                minReaderVersion: Int(try need(body["minReaderVersion"]?.intValue, "minReaderVersion")),
                minWriterVersion: Int(try need(body["minWriterVersion"]?.intValue, "minWriterVersion")),
                readerFeatures: body["readerFeatures"]?.arrayValue?.compactMap(\.stringValue),
                writerFeatures: body["writerFeatures"]?.arrayValue?.compactMap(\.stringValue)))
        case "metaData":
            return .metaData(MetadataAction(
                id: try need(body["id"]?.stringValue, "id"),
                name: body["name"]?.stringValue,
                description: body["description"]?.stringValue,
                formatProvider: body["format"]?["provider"]?.stringValue ?? "parquet",
                formatOptions: stringMap(body["format"]?["options"]),
                schemaString: try need(body["schemaString"]?.stringValue, "schemaString"),
                partitionColumns: body["partitionColumns"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                configuration: stringMap(body["configuration"]),
                createdTime: body["createdTime"]?.intValue))
        case "add":
            return .add(AddFile(
                path: try need(body["path"]?.stringValue, "path"),
                partitionValues: optionalStringMap(body["partitionValues"]),
                size: try need(body["size"]?.intValue, "size"),
                modificationTime: body["modificationTime"]?.intValue ?? 0,
                dataChange: body["dataChange"]?.boolValue ?? true,
                statsJSON: body["stats"]?.stringValue,
                tags: body["tags"].map(stringMap)))
        case "remove":
            return .remove(RemoveFile(
                path: try need(body["path"]?.stringValue, "path"),
                deletionTimestamp: body["deletionTimestamp"]?.intValue,
                dataChange: body["dataChange"]?.boolValue ?? true,
                partitionValues: body["partitionValues"].map(optionalStringMap),
                size: body["size"]?.intValue,
                extendedFileMetadata: body["extendedFileMetadata"]?.boolValue))
        case "txn":
            return .txn(TransactionAction(
                appId: try need(body["appId"]?.stringValue, "appId"),
                version: try need(body["version"]?.intValue, "version"),
                lastUpdated: body["lastUpdated"]?.intValue))
        case "commitInfo":
            return .commitInfo(CommitInfo(fields: body.objectValue ?? [:]))
        default:
            return .other(key: key, value: body)
        }
    }

    static func stringMap(_ v: JSONValue?) -> [String: String] {
        guard let o = v?.objectValue else { return [:] }
        var out: [String: String] = [:]
        for (k, x) in o {
            switch x {
            case .string(let s): out[k] = s
            case .null: continue
            default: out[k] = x.serialized
            }
        }
        return out
    }

    static func optionalStringMap(_ v: JSONValue?) -> [String: String?] {
        guard let o = v?.objectValue else { return [:] }
        var out: [String: String?] = [:]
        for (k, x) in o {
            switch x {
            case .string(let s): out[k] = .some(s)
            case .null: out[k] = .some(nil)
            default: out[k] = .some(x.serialized)
            }
        }
        return out
    }
}
