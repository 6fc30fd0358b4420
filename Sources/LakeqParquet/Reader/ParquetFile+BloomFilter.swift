import LakeqColumnar

extension ParquetFile {
    /// The bitset bytes of a column chunk's bloom filter, straight from the file map; nil when
    /// the chunk has none or one this reader does not understand (then nothing may be pruned).
    func bloomFilterBitset(rowGroup: Int, column: Int) throws -> UnsafeRawBufferPointer? {
        guard rowGroup >= 0, rowGroup < rowGroupCount, column >= 0, column < schema.columns.count,
              let meta = try columnChunk(rowGroup: rowGroup, column: column).metaData,
              let offset = meta.bloomFilterOffset,
              // Encrypted filters (header and bitset modules) are not read: no pruning.
              decryption?.isEncrypted(rowGroup: rowGroup, column: column) != true else { return nil }
        let what = "\(path): row group \(rowGroup), column \(schema.columns[column].name): bloom filter"
        // Header and bitset lie before the footer; bloom_filter_length bounds both when given.
        var available = Int64(dataEnd) - offset
        if let length = meta.bloomFilterLength { available = min(available, Int64(length)) }
        guard offset >= 0, available > 0 else { throw ParquetError.corrupt("\(what) (offset \(offset)) lies outside the data") }
        let region = try file.slice(offset, available, what: what)
        let (header, headerSize) = try BloomFilterHeader.decode(region)
        guard header.isSplitBlockXXHashUncompressed else { return nil }
        let n = Int(header.numBytes)
        guard n >= SplitBlockBloomFilter.minimumBytes, n <= SplitBlockBloomFilter.maximumBytes, n % 32 == 0,
              n <= region.count - headerSize else {
            throw ParquetError.corrupt("\(what): bitset of \(n) bytes does not fit (\(region.count - headerSize) available, or not a multiple of 32)")
        }
        return UnsafeRawBufferPointer(rebasing: region[headerSize..<(headerSize + n)])
    }

    /// The split-block bloom filter of a column chunk (copied out of the file), or nil when
    /// the chunk has none.
    public func bloomFilter(rowGroup: Int, column: Int) throws -> SplitBlockBloomFilter? {
        try bloomFilterBitset(rowGroup: rowGroup, column: column).map { SplitBlockBloomFilter(bitset: $0) }
    }

    /// False when the chunk's bloom filter proves that no value of the chunk equals any of
    /// `values` (an `=` or `IN` predicate cannot hold in the row group); true when one may, or
    /// when the chunk has no usable filter. `values` are in the column's stored units (those
    /// of `StatValue` for statistics: integers as `.int`, floats as `.double`, strings and
    /// binary as `.bytes`); a value that cannot be stored in the column is absent from it.
    /// This is the one bloom-filter pruning decision; callers check it before dictionaries.
    public func bloomFilterMayContain(rowGroup: Int, column: Int, values: [StatValue]) throws -> Bool {
        guard let bits = try bloomFilterBitset(rowGroup: rowGroup, column: column) else { return true }
        let descriptor = schema.columns[column]
        let blocks = UInt64(bits.count / 32)
        for v in values {
            // Booleans and values of another kind cannot be hashed: keep the row group.
            guard let hash = BloomHash.of(v, physical: descriptor.physicalType, typeLength: descriptor.typeLength) else {
                if case .bool = v { return true }
                if Self.representable(v, descriptor) { return true }
                continue
            }
            let base = Int(((hash >> 32) &* blocks) >> 32) * 32
            let key = UInt32(truncatingIfNeeded: hash)
            var all = true
            for i in 0..<8 {
                let word = UInt32(littleEndian: bits.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self))
                if word & (1 << ((key &* SplitBlockBloomFilter.salt[i]) >> 27)) == 0 { all = false; break }
            }
            if all { return true }
        }
        return false
    }

    /// Whether `v` is of a kind the column can hold at all (if not, an unhashable value is
    /// simply absent; if so, it was unhashable for another reason and must not prune).
    private static func representable(_ v: StatValue, _ d: ColumnDescriptor) -> Bool {
        switch (d.physicalType, v) {
        case (.int32, .int), (.int32, .uint), (.int64, .int), (.int64, .uint): return false  // out of range: absent
        case (.float, .double): return false  // not exactly a float: absent
        case (.fixedLenByteArray, .bytes), (.int96, .bytes): return false  // wrong width: absent
        default: return true
        }
    }
}
