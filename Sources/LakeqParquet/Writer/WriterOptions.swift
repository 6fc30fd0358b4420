/// Settings of a `ParquetWriter`. Defaults follow pyarrow's where it has one.
public struct WriterOptions: Sendable {
    /// When integer columns are written with DELTA_BINARY_PACKED instead of PLAIN.
    public enum DeltaIntegers: Sendable, Hashable {
        /// Never.
        case off
        /// Always, for every INT32/INT64 column (dictionary encoding is then not tried).
        case on
        /// For a chunk that is not dictionary-encoded and whose values ascend (an id or time column).
        case auto
    }

    /// Page compression codec (default SNAPPY, as pyarrow).
    public var compression: CompressionCodec = .snappy
    /// Codec level (ZSTD, GZIP, BROTLI); `nil` is the codec's default.
    public var compressionLevel: Int? = nil
    /// Rows per row group (pyarrow's default, 1Mi).
    public var rowGroupRows: Int = 1_048_576
    /// A row group is also closed when its buffered values reach about this many bytes.
    public var rowGroupBytes: Int = 512 << 20
    /// A data page ends once its encoded values reach this size (1 MiB, as pyarrow) ...
    public var pageBytes: Int = 1 << 20
    /// ... or this many rows (20,000, as current arrow).
    public var pageRows: Int = 20_000
    /// Try dictionary encoding (RLE_DICTIONARY data pages plus a PLAIN dictionary page).
    public var dictionary: Bool = true
    /// A chunk whose PLAIN-encoded dictionary would pass this many bytes is written PLAIN (1 MiB, as pyarrow).
    public var dictionaryPageSizeLimit: Int = 1 << 20
    /// Data page version: 1 (default) or 2.
    public var pageVersion: Int = 1
    public var deltaIntegers: DeltaIntegers = .auto
    /// Write min/max/null_count statistics in chunk metadata and page headers.
    public var statistics: Bool = true
    /// Write the page index (ColumnIndex + OffsetIndex) before the footer.
    public var pageIndex: Bool = true
    /// Byte-array bounds longer than this are truncated (and marked inexact).
    public var statisticsTruncateLength: Int = 64
    /// `fsync` the file before closing it.
    public var fsync: Bool = false
    /// Threads encoding the column chunks of one row group (1 = the calling thread only).
    public var threads: Int = 1
    /// The footer's `created_by`.
    public var createdBy: String = "lakeq version 0.1.0"
    /// Columns (top-level names) given a split-block bloom filter in every row group, for
    /// `=` / `IN` pruning. Worth it on high-cardinality columns (ids); none by default.
    public var bloomFilters: [String: BloomFilterOptions] = [:]
    /// Parquet modular encryption of the file (nil: plaintext). Bloom filters are not written
    /// for encrypted columns.
    public var encryption: WriterEncryption? = nil

    /// Sizing of one column's bloom filters.
    public struct BloomFilterOptions: Sendable, Hashable {
        /// Target false-positive rate (default 0.01, as DuckDB).
        public var falsePositiveRate: Double
        /// Expected distinct values per row group; nil sizes each filter for the distinct
        /// values the chunk actually has (the dictionary's size, else its value count).
        public var distinctValues: Int?

        public init(falsePositiveRate: Double = 0.01, distinctValues: Int? = nil) {
            self.falsePositiveRate = falsePositiveRate
            self.distinctValues = distinctValues
        }
    }

    /// Bloom filters on `columns` with the default sizing.
    public mutating func addBloomFilters(_ columns: [String], falsePositiveRate: Double = 0.01) {
        for c in columns { bloomFilters[c] = BloomFilterOptions(falsePositiveRate: falsePositiveRate) }
    }

    public init() {}

    /// Throws `invalidArgument` for settings that cannot work.
    func validate() throws {
        func check(_ ok: Bool, _ what: String) throws { if !ok { throw ParquetError.invalidArgument("writer options: \(what)") } }
        try check(rowGroupRows >= 1, "rowGroupRows must be at least 1")
        try check(rowGroupBytes >= 1, "rowGroupBytes must be at least 1")
        try check(pageBytes >= 1, "pageBytes must be at least 1")
        try check(pageRows >= 1, "pageRows must be at least 1")
        try check(pageVersion == 1 || pageVersion == 2, "pageVersion must be 1 or 2")
        try check(dictionaryPageSizeLimit >= 0, "dictionaryPageSizeLimit must not be negative")
        try check(statisticsTruncateLength >= 1, "statisticsTruncateLength must be at least 1")
        try check(threads >= 1, "threads must be at least 1")
        for (name, b) in bloomFilters {
            try check(b.falsePositiveRate > 0 && b.falsePositiveRate < 1, "bloom filter false-positive rate of \(name) must be in (0, 1)")
            try check((b.distinctValues ?? 1) >= 1, "bloom filter distinct values of \(name) must be at least 1")
        }
        switch compression {
        case .uncompressed, .snappy, .gzip, .zstd, .lz4Raw, .brotli: break
        default: throw ParquetError.unsupported("writing compression codec \(compression)")
        }
    }
}
