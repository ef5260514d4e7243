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
      guard name != "__metadata__", let t = tensors[name] else { throw TensorError.argument("save_tensors", "reserved name __metadata__") }
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
      t.withData { buf in
        for v in buf { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
      }
    }
    try AtomicFile.write(data, to: path, op: "save_tensors")
  }

  /// Reads every tensor (F32 only) and the metadata from a safetensors file, validating the header
  /// against the file's real size.
  public static func load(path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    let op = "load_tensors"
    guard let data = FileManager.default.contents(atPath: path) else { throw TensorError.file(op, "cannot read \(path)") }
    guard data.count >= 8 else { throw TensorError.file(op, "\(path) is too short for a safetensors header") }
    let declared = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    guard declared <= UInt64(maximumHeaderBytes), Int(declared) <= data.count - 8 else {
      throw TensorError.file(op, "\(path) declares a \(declared)-byte header but the file has \(data.count) bytes")
    }
    let headerEnd = 8 + Int(declared)
    guard let object = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)), let header = object as? [String: Any] else {
      throw TensorError.file(op, "\(path) has a header that is not a JSON object")
    }
    let body = data.count - headerEnd
    var tensors: [String: Tensor] = [:]
    var metadata: [String: String] = [:]
    for (name, value) in header {
      if name == "__metadata__" {
        guard let meta = value as? [String: String] else { throw TensorError.file(op, "\(path): __metadata__ must map strings to strings") }
        metadata = meta
        continue
      }
      guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
            let shape = (entry["shape"] as? [NSNumber])?.map({ $0.intValue }),
            let offsets = (entry["data_offsets"] as? [NSNumber])?.map({ $0.intValue }), offsets.count == 2 else {
        throw TensorError.file(op, "\(path): entry \"\(name)\" lacks dtype, shape or data_offsets")
      }
      guard dtype == "F32" else { throw TensorError.file(op, "\(path): tensor \"\(name)\" has dtype \(dtype); only F32 is supported") }
      do { try Shape.validate(shape, op: op) } catch { throw TensorError.file(op, "\(path): tensor \"\(name)\" has invalid shape \(shape)") }
      let (begin, end) = (offsets[0], offsets[1])
      guard begin >= 0, end >= begin, end <= body, end - begin == Shape.count(shape) * 4 else {
        throw TensorError.file(op, "\(path): tensor \"\(name)\" has offsets [\(begin), \(end)] that do not match shape \(shape) inside \(body) data bytes")
      }
      let storage = TensorStorage(uninitializedCount: Shape.count(shape))
      data.withUnsafeBytes { raw in
        for i in 0..<storage.count {
          let bits = raw.loadUnaligned(fromByteOffset: headerEnd + begin + 4 * i, as: UInt32.self)
          storage.pointer[i] = Float(bitPattern: UInt32(littleEndian: bits))
        }
      }
      tensors[name] = Tensor(shape: shape, storage: storage)
    }
    return (tensors, metadata)
  }
}
