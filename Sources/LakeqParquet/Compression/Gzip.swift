import CZlib

/// GZIP: deflate with a gzip header. Decoding also accepts a zlib header (window bits 15+32
/// auto-detects) and concatenated gzip members, which some writers produce.
enum GzipCodec {
    /// zlib's `avail_in`/`avail_out` are 32-bit; larger buffers are fed in slices of this size.
    static let maxSlice = Int(UInt32.max)

    /// An inflate stream kept between pages: `inflateReset` is far cheaper than init/end.
    /// The `z_stream` lives on the heap because zlib records its address and rejects a moved stream.
    final class Inflater {
        private let stream: UnsafeMutablePointer<z_stream>

        init() throws {
            stream = .allocate(capacity: 1)
            stream.initialize(to: z_stream())
            // `inflateInit2` is a macro; call the function it expands to.
            let status = inflateInit2_(stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else {
                stream.deinitialize(count: 1)
                stream.deallocate()
                throw ParquetError.io("GZIP: inflateInit failed (\(status))")
            }
        }

        deinit {
            inflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }

        func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
            guard inflateReset(stream) == Z_OK else { throw ParquetError.io("GZIP: inflateReset failed") }
            // zlib never writes through next_in; the missing `const` is a zlib API wart.
            let inBase = UnsafeMutableRawPointer(mutating: input.nonNilBase).assumingMemoryBound(to: Bytef.self)
            // inflate rejects a NULL next_out even with avail_out 0.
            let outBase = output.nonNilBase.assumingMemoryBound(to: Bytef.self)
            var inFed = 0    // bytes of input handed to zlib so far
            var outFed = 0   // bytes of output space handed to zlib so far
            stream.pointee.next_in = inBase
            stream.pointee.avail_in = 0
            stream.pointee.next_out = outBase
            stream.pointee.avail_out = 0
            while true {
                if stream.pointee.avail_in == 0 && inFed < input.count {
                    let n = min(input.count - inFed, GzipCodec.maxSlice)
                    stream.pointee.next_in = inBase + inFed
                    stream.pointee.avail_in = UInt32(n)
                    inFed += n
                }
                if stream.pointee.avail_out == 0 && outFed < output.count {
                    let n = min(output.count - outFed, GzipCodec.maxSlice)
                    stream.pointee.next_out = outBase + outFed
                    stream.pointee.avail_out = UInt32(n)
                    outFed += n
                }
                let status = CZlib.inflate(stream, Z_NO_FLUSH)
                let consumed = inFed - Int(stream.pointee.avail_in)
                let produced = outFed - Int(stream.pointee.avail_out)
                switch status {
                case Z_OK:
                    continue  // progress was made
                case Z_STREAM_END:
                    // One gzip member done. More input means another member follows,
                    // unless the output is already full.
                    if consumed == input.count || produced == output.count {
                        try checkDecodedSize(produced, output.count, codec: "GZIP")
                        return
                    }
                    guard inflateReset(stream) == Z_OK else { throw ParquetError.io("GZIP: inflateReset failed") }
                case Z_BUF_ERROR:
                    // No progress possible: buffers are refilled above, so one side is exhausted.
                    if produced == output.count && consumed < input.count {
                        throw ParquetError.corrupt("GZIP: decompresses to more than the \(output.count) bytes the page header says")
                    }
                    throw ParquetError.corrupt("GZIP: truncated stream (\(produced) of \(output.count) bytes decoded)")
                default:
                    let detail = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw ParquetError.corrupt("GZIP: \(detail)")
                }
            }
        }
    }

    static func compress(_ input: UnsafeRawBufferPointer, level: Int) throws -> [UInt8] {
        guard (0...9).contains(level) else {
            throw ParquetError.invalidArgument("GZIP: level \(level) outside 0...9")
        }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        // Window bits 15 + 16 selects the gzip wrapper; memLevel 8 is zlib's default.
        let status = deflateInit2_(
            stream, Int32(level), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw ParquetError.io("GZIP: deflateInit failed (\(status))") }
        defer { deflateEnd(stream) }
        // deflateBound is exact enough that one Z_FINISH pass always completes within it.
        let bound = Int(deflateBound(stream, uLong(input.count)))
        return try makeCompressed(capacity: bound) { out in
            let inBase = UnsafeMutableRawPointer(mutating: input.nonNilBase).assumingMemoryBound(to: Bytef.self)
            let outBase = out.nonNilBase.assumingMemoryBound(to: Bytef.self)
            var inFed = 0
            var outFed = 0
            stream.pointee.avail_in = 0
            stream.pointee.avail_out = 0
            while true {
                if stream.pointee.avail_in == 0 && inFed < input.count {
                    let n = min(input.count - inFed, maxSlice)
                    stream.pointee.next_in = inBase + inFed
                    stream.pointee.avail_in = UInt32(n)
                    inFed += n
                }
                if stream.pointee.avail_out == 0 && outFed < out.count {
                    let n = min(out.count - outFed, maxSlice)
                    stream.pointee.next_out = outBase + outFed
                    stream.pointee.avail_out = UInt32(n)
                    outFed += n
                }
                let flush = inFed == input.count ? Z_FINISH : Z_NO_FLUSH
                let status = deflate(stream, flush)
                if status == Z_STREAM_END { return outFed - Int(stream.pointee.avail_out) }
                guard status == Z_OK else { throw ParquetError.invalidArgument("GZIP: deflate failed (\(status))") }
            }
        }
    }
}
