import Foundation

/// Checkpoints in the safetensors format: an 8-byte little-endian header length, a JSON header mapping
/// names to `{dtype, shape, data_offsets}` (plus an optional `__metadata__` string map), then raw
/// little-endian data. Readable by PyTorch's and NumPy's safetensors packages.
public enum Safetensors {
  /// Largest header accepted (the reference implementation uses the same 100 MB bound).
  public static let maximumHeaderBytes = 100_000_000

  /// Writes named float32 tensors and string metadata to `path`, atomically.
  public static func save(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
    var header: [String: Any] = [:]
    var offset = 0
    let names = tensors.keys.sorted()
    for name in names {
      guard name != "__metadata__", let t = tensors[name] else {
        throw TensorError.argument("save_tensors", "reserved name __metadata__")
      }
      header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.count * 4]]
      offset += t.count * 4
    }
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    while (8 + json.count) % 8 != 0 { json.append(0x20) }
    var data = Data(capacity: 8 + json.count + offset)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(json)
    for name in names {
      guard let t = tensors[name] else { continue }
      // Bulk copies of 4M floats at a time (little-endian, as the format wants), checking for cancellation.
      try t.withData { buf in
        for start in stride(from: 0, to: buf.count, by: 1 << 22) {
          try Cancellation.check("save_tensors")
          let part = UnsafeBufferPointer(rebasing: buf[start..<Swift.min(start + (1 << 22), buf.count)])
          #if _endian(little)
            data.append(UnsafeBufferPointer(start: part.baseAddress, count: part.count))
          #else
            for v in part { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
          #endif
        }
      }
    }
    try AtomicFile.write(data, to: path, op: "save_tensors")
  }

  /// Reads every tensor (F32 only) and the metadata from a safetensors file, validating the header
  /// against the file's real size.
  public static func load(path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    let op = "load_tensors"
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TensorError.file(op, "cannot read \(path)")
    }
    guard data.count >= 8 else { throw TensorError.file(op, "\(path) is too short for a safetensors header") }
    let declared = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    guard declared <= UInt64(maximumHeaderBytes), Int(declared) <= data.count - 8 else {
      throw TensorError.file(op, "\(path) declares a \(declared)-byte header but the file has \(data.count) bytes")
    }
    let headerEnd = 8 + Int(declared)
    let entries: [String: HeaderEntry]
    do {
      entries = try JSONDecoder().decode([String: HeaderEntry].self, from: data.subdata(in: 8..<headerEnd))
    } catch {
      throw TensorError.file(op, "\(path) has a malformed header: \(Self.reason(error))")
    }
    var metadata: [String: String] = [:]
    var layout: [(name: String, shape: [Int], begin: Int, end: Int)] = []
    for (name, entry) in entries {
      switch (name, entry) {
      case ("__metadata__", .metadata(let meta)): metadata = meta
      case ("__metadata__", .tensor): throw TensorError.file(op, "\(path): __metadata__ must map strings to strings")
      case (_, .metadata): throw TensorError.file(op, "\(path): entry \"\(name)\" lacks dtype, shape or data_offsets")
      case (_, .tensor(let dtype, let shape, let offsets)):
        guard dtype == "F32" else {
          throw TensorError.file(op, "\(path): tensor \"\(name)\" has dtype \(dtype); only F32 is supported")
        }
        guard offsets.count == 2 else {
          throw TensorError.file(op, "\(path): tensor \"\(name)\" needs data_offsets [begin, end]")
        }
        let count: Int
        do { count = try Shape.validate(shape, op: op) } catch let error as TensorError {
          throw TensorError.file(
            op, "\(path): tensor \"\(name)\" has invalid shape \(shapeString(shape)): \(error.message)")
        }
        guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == count * 4 else {
          throw TensorError.file(
            op, "\(path): tensor \"\(name)\" has offsets \(offsets) that do not match shape \(shapeString(shape))")
        }
        layout.append((name, shape, offsets[0], offsets[1]))
      }
    }
    // As the reference implementation requires: the tensors tile the data exactly, without gaps or overlaps.
    layout.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
    var expected = 0
    for entry in layout {
      guard entry.begin == expected else {
        throw TensorError.file(
          op, "\(path): tensor \"\(entry.name)\" starts at byte \(entry.begin), expected \(expected) (gap or overlap)")
      }
      expected = entry.end
    }
    let body = data.count - headerEnd
    guard expected == body else {
      throw TensorError.file(op, "\(path): the tensors cover \(expected) data bytes but the file has \(body)")
    }
    var tensors: [String: Tensor] = [:]
    for entry in layout {
      let storage = TensorStorage(uninitializedCount: (entry.end - entry.begin) / 4)
      data.withUnsafeBytes { raw in
        for i in 0..<storage.count {
          let bits = raw.loadUnaligned(fromByteOffset: headerEnd + entry.begin + 4 * i, as: UInt32.self)
          storage.pointer[i] = Float(bitPattern: UInt32(littleEndian: bits))
        }
      }
      tensors[entry.name] = Tensor(shape: entry.shape, storage: storage)
    }
    return (tensors, metadata)
  }

  /// One value of the header: a tensor's description, or the `__metadata__` string map. Decoding is strict
  /// as in the reference implementation: integers only (no `true`, `2.5` or `2^64 + 2` for a dimension).
  private enum HeaderEntry: Decodable {
    case tensor(dtype: String, shape: [Int], offsets: [Int])
    case metadata([String: String])

    private enum Keys: String, CodingKey {
      case dtype, shape
      case dataOffsets = "data_offsets"
    }

    init(from decoder: Decoder) throws {
      if let meta = try? decoder.singleValueContainer().decode([String: String].self) {
        self = .metadata(meta)
        return
      }
      let c = try decoder.container(keyedBy: Keys.self)
      self = .tensor(
        dtype: try c.decode(String.self, forKey: .dtype), shape: try c.decode([Int].self, forKey: .shape),
        offsets: try c.decode([Int].self, forKey: .dataOffsets))
    }
  }

  /// A decoding error's cause in a few words, with where in the header it happened.
  private static func reason(_ error: any Error) -> String {
    guard let error = error as? DecodingError else { return "not JSON" }
    switch error {
    case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
      let path = c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
      return (path.isEmpty ? "" : "at \(path): ") + c.debugDescription
    @unknown default: return "not valid"
    }
  }
}
