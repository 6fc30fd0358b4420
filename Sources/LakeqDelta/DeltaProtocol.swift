/// Delta Lake protocol versions this module reads and writes.
public enum DeltaProtocol {
    public static let minReaderVersion = 1
    public static let minWriterVersion = 2
}
