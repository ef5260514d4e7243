import CZlib
import EvoLimits

/// The one way Evo reads a data file that may be gzip-compressed: zlib's `gzread` (which also reads
/// uncompressed files as they are), growing the buffer only as data arrives, so a lying header can never
/// force a huge allocation and a gzip bomb is never inflated past a bound.
enum GzipFile {
  /// The decompressed bytes. `expectedSize` sees the bytes read so far and returns the total the file's
  /// own header declares once it can tell; reading stops (with an error) as soon as the data goes past
  /// that, past `maxBytes`, or past the memory limit, checked after every 1 MB inflated; a gzip stream
  /// that ends early (a truncated download) is an error too, not a shorter file.
  static func read(
    path: String, op: String, maxBytes: Int = .max, expectedSize: ([UInt8]) throws -> Int? = { _ in nil }
  ) throws -> [UInt8] {
    guard !path.utf8.contains(0), let file = gzopen(path, "rb") else {
      throw TensorError.file(op, "cannot open \(path)")
    }
    defer { gzclose(file) }
    gzbuffer(file, 1 << 20)
    var bytes: [UInt8] = []
    var limit: Int?
    let chunk = 1 << 20
    var buffer = [UInt8](repeating: 0, count: chunk)
    while true {
      try Cancellation.check(op)
      let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(chunk)) }
      if n < 0 {
        var errnum: Int32 = 0
        let message = gzerror(file, &errnum).map { String(cString: $0) } ?? "read error"
        throw TensorError.file(op, "\(path): \(message)")
      }
      if n == 0 {
        // zlib ends a truncated gzip stream like a short file, flagging it only through gzerror.
        var errnum: Int32 = 0
        _ = gzerror(file, &errnum)
        if errnum == Z_BUF_ERROR { throw TensorError.file(op, "\(path) is truncated: its gzip stream ends early") }
        break
      }
      bytes.append(contentsOf: buffer[0..<Int(n)])
      if limit == nil { limit = try expectedSize(bytes) }
      if let limit, bytes.count > limit {
        throw TensorError.file(op, "\(path) holds more than the \(limit) bytes its header declares")
      }
      if bytes.count > maxBytes {
        throw TensorError.file(op, "\(path) holds more than \(MemoryLimit.format(maxBytes)), the most \(op) reads")
      }
      try MemoryLimit.check(bytes.count, of: 1, op: op)
    }
    return bytes
  }
}
