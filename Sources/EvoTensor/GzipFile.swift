import CZlib

/// Reads a whole file through zlib's `gzread` (which also reads uncompressed files as they are),
/// growing the buffer only as data arrives, so a lying header can never force a huge allocation.
enum GzipFile {
  /// The decompressed bytes, at most `limit` of them (an error beyond that).
  static func read(path: String, op: String, limit: Int = 1 << 31) throws -> [UInt8] {
    guard let file = gzopen(path, "rb") else { throw TensorError.file(op, "cannot open \(path)") }
    defer { gzclose(file) }
    gzbuffer(file, 1 << 20)
    var bytes: [UInt8] = []
    let chunk = 1 << 20
    var buffer = [UInt8](repeating: 0, count: chunk)
    while true {
      let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(chunk)) }
      if n < 0 {
        var errnum: Int32 = 0
        let message = gzerror(file, &errnum).map { String(cString: $0) } ?? "read error"
        throw TensorError.file(op, "\(path): \(message)")
      }
      if n == 0 { break }
      bytes.append(contentsOf: buffer[0..<Int(n)])
      guard bytes.count <= limit else { throw TensorError.file(op, "\(path) is larger than \(limit) bytes") }
    }
    return bytes
  }
}
