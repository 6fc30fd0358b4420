import LakeqParquet

/// Encryption at rest of a Delta table: table properties (the `configuration` of its metaData)
/// name the master key, and every data file written to the table is encrypted with Parquet
/// modular encryption. The keys come from the key file of `$LAKEQ_KEY_FILE` (or the writer's
/// options). See spec/delta.md.
///
/// - `lakeq.encryption.footerKey`: the master key id (required to enable encryption)
/// - `lakeq.encryption.algorithm`: `AES_GCM_V1` (default) or `AES_GCM_CTR_V1`
/// - `lakeq.encryption.plaintextFooter`: `true` for a signed plaintext footer (default `false`)
public enum TableEncryption {
    public static let footerKeyProperty = "lakeq.encryption.footerKey"
    public static let algorithmProperty = "lakeq.encryption.algorithm"
    public static let plaintextFooterProperty = "lakeq.encryption.plaintextFooter"

    /// The file encryption a table's properties ask for; nil for a plaintext table.
    public static func settings(_ configuration: [String: String]) throws -> FileEncryption? {
        guard let key = configuration[footerKeyProperty], !key.isEmpty else { return nil }
        var e = FileEncryption(footerKey: key)
        switch configuration[algorithmProperty]?.uppercased() {
        case nil, "AES_GCM_V1"?: break
        case "AES_GCM_CTR_V1"?: e.algorithm = .aesGcmCtrV1
        case let other?: throw DeltaError.invalidArgument("table property \(algorithmProperty) = \(other): AES_GCM_V1 or AES_GCM_CTR_V1")
        }
        e.plaintextFooter = configuration[plaintextFooterProperty]?.lowercased() == "true"
        return e
    }

    /// `options` with the table's encryption applied (keys from `options`, else `$LAKEQ_KEY_FILE`).
    static func apply(_ configuration: [String: String], to options: WriterOptions) throws -> WriterOptions {
        guard let settings = try settings(configuration) else { return options }
        var o = options
        guard let keys = try o.encryption?.keys ?? KeyRing.fromEnvironment() else {
            throw DeltaError.invalidArgument("the table is encrypted at rest with key \(settings.footerKey); give the key file ($LAKEQ_KEY_FILE or --key-file)")
        }
        guard keys.keys[settings.footerKey] != nil else {
            throw DeltaError.invalidArgument("the table is encrypted at rest with key \(settings.footerKey), which the key file does not hold")
        }
        o.encryption = WriterEncryption(keys: keys, settings: settings)
        return o
    }
}
