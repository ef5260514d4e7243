import EvoLimits
import Foundation

/// Images (N, C, H, W) scaled to [0, 1] with their integer labels.
public struct LabeledImages {
  public let images: Tensor
  public let labels: [Int]
  public init(images: Tensor, labels: [Int]) {
    self.images = images
    self.labels = labels
  }
}

/// Readers for the data sets the project trains on. All of them validate every header field against
/// the bytes actually present and fail with a `.file` error instead of reading out of bounds.
public enum Datasets {
  /// Where Debian's `dataset-fashion-mnist` package installs the files.
  public static let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

  /// Parses an IDX file (big-endian, magic 0x0000 08 ndims for unsigned bytes) into dimensions and data.
  static func parseIDX(_ bytes: [UInt8], path: String, expectedDims: Int) throws -> (
    dims: [Int], data: ArraySlice<UInt8>
  ) {
    let op = "load_idx"
    guard bytes.count >= 4 else { throw TensorError.file(op, "\(path) is too short for an IDX header") }
    guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08 else {
      throw TensorError.file(op, "\(path) has a bad IDX magic number (expected unsigned-byte data 0x0000 08 nn)")
    }
    let ndims = Int(bytes[3])
    guard ndims == expectedDims else {
      throw TensorError.file(op, "\(path) has \(ndims) dimensions, expected \(expectedDims)")
    }
    let headerSize = 4 + 4 * ndims
    guard bytes.count >= headerSize else { throw TensorError.file(op, "\(path) is truncated inside its header") }
    let dims = (0..<ndims).map { d in
      let o = 4 + 4 * d
      return Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
    }
    // The nonzero dimensions' product must fit too: [0, 2^32-1, 2^32-1] holds no data but overflows strides.
    guard let total = Checked.product(dims), Checked.product(dims.filter { $0 > 0 }) != nil else {
      throw TensorError.file(op, "\(path) declares dimensions \(dims), too large")
    }
    guard bytes.count - headerSize == total else {
      throw TensorError.file(
        op, "\(path) declares \(dims) = \(total) values but holds \(bytes.count - headerSize) bytes of data")
    }
    return (dims, bytes[headerSize...])
  }

  /// An IDX file's bytes, `.gz` or plain, read no further than the size its header declares.
  static func readIDX(_ path: String) throws -> [UInt8] {
    try GzipFile.read(path: path, op: "load_idx") { prefix in
      guard prefix.count >= 4 else { return nil }
      let headerSize = 4 + 4 * Int(prefix[3])
      guard prefix.count >= headerSize else { return nil }
      let dims = (0..<Int(prefix[3])).map { d in prefix[4 + 4 * d..<8 + 4 * d].reduce(0) { $0 << 8 | Int($1) } }
      return Checked.product(dims).flatMap { Checked.sum([$0, headerSize]) } ?? Int.max
    }
  }

  /// Reads an IDX image file (N, H, W) and label file (N) pair, `.gz` or plain.
  public static func loadIDX(images imagePath: String, labels labelPath: String, limit: Int? = nil) throws
    -> LabeledImages
  {
    if let limit, limit < 0 { throw TensorError.argument("load_idx", "limit must be non-negative, got \(limit)") }
    let (dims, pixels) = try parseIDX(readIDX(imagePath), path: imagePath, expectedDims: 3)
    let (ldims, labelBytes) = try parseIDX(readIDX(labelPath), path: labelPath, expectedDims: 1)
    guard ldims[0] == dims[0] else {
      throw TensorError.file("load_idx", "\(imagePath) has \(dims[0]) images but \(labelPath) has \(ldims[0]) labels")
    }
    let n = min(dims[0], limit ?? dims[0])
    let plane = dims[1] * dims[2]
    let storage = TensorStorage(uninitializedCount: try Shape.validate([n, 1, dims[1], dims[2]], op: "load_idx"))
    pixels.withUnsafeBufferPointer { src in
      for i in 0..<(n * plane) { storage.pointer[i] = Float(src[i]) / 255 }
    }
    let labels = labelBytes.prefix(n).map(Int.init)
    return LabeledImages(images: Tensor(shape: [n, 1, dims[1], dims[2]], storage: storage), labels: labels)
  }

  /// Fashion-MNIST's "train" (60,000) or "test" (10,000) split, optionally only the first `limit`.
  public static func fashionMNIST(_ split: String, directory: String = fashionMNISTDirectory, limit: Int? = nil) throws
    -> LabeledImages
  {
    let prefix: String
    switch split {
    case "train": prefix = "train"
    case "test", "t10k": prefix = "t10k"
    default: throw TensorError.argument("fashion_mnist", "split must be \"train\" or \"test\", got \"\(split)\"")
    }
    let images = "\(directory)/\(prefix)-images-idx3-ubyte.gz"
    let labels = "\(directory)/\(prefix)-labels-idx1-ubyte.gz"
    guard FileManager.default.fileExists(atPath: images) else {
      throw TensorError.file(
        "fashion_mnist",
        "\(images) not found; install it with `apt-get install dataset-fashion-mnist` or pass a directory")
    }
    return try loadIDX(images: images, labels: labels, limit: limit)
  }

  /// One CIFAR-10 binary batch file (`.gz` or plain): records of 1 label byte then 3·32·32 channel-major
  /// pixel bytes. At most `maxBytes` are inflated (one batch of 10,000 records is 30.7 MB).
  public static func loadCIFAR10Batch(path: String, maxBytes: Int = 1 << 31) throws -> LabeledImages {
    let op = "cifar10"
    let data = try GzipFile.read(path: path, op: op, maxBytes: maxBytes)
    let record = 1 + 3 * 32 * 32
    guard !data.isEmpty, data.count % record == 0 else {
      throw TensorError.file(
        op, "\(path) has \(data.count) bytes, not a whole number of \(record)-byte CIFAR-10 records")
    }
    let n = data.count / record
    let storage = TensorStorage(uninitializedCount: try Shape.validate([n, 3, 32, 32], op: op))
    var labels: [Int] = []
    labels.reserveCapacity(n)
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
      let bytes = raw.bindMemory(to: UInt8.self)
      for i in 0..<n {
        let label = Int(bytes[i * record])
        guard label < 10 else { throw TensorError.file(op, "\(path): record \(i) has label \(label), outside 0..<10") }
        labels.append(label)
        for j in 0..<3072 { storage.pointer[i * 3072 + j] = Float(bytes[i * record + 1 + j]) / 255 }
      }
    }
    return LabeledImages(images: Tensor(shape: [n, 3, 32, 32], storage: storage), labels: labels)
  }
}

/// Mini-batches of a labelled set in a seeded random order (reshuffled every epoch) or in order.
public struct BatchLoader: Sequence {
  public let data: LabeledImages
  public let batchSize: Int
  public let shuffle: Bool
  public let dropLast: Bool
  private let seed: UInt64

  public init(_ data: LabeledImages, batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false)
    throws
  {
    guard batchSize > 0 else { throw TensorError.argument("batches", "batch size must be positive, got \(batchSize)") }
    guard data.images.rank >= 1, data.images.shape[0] == data.labels.count else {
      throw TensorError.shape("batches", "\(data.labels.count) labels for images \(shapeString(data.images.shape))")
    }
    self.data = data
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.dropLast = dropLast
    self.seed = seed
  }

  /// Batches per epoch.
  public var count: Int { dropLast ? data.labels.count / batchSize : (data.labels.count + batchSize - 1) / batchSize }

  /// The batches of epoch `epoch` (its order depends on the seed and the epoch).
  public func epoch(_ epoch: Int) -> BatchIterator {
    var rng = RandomGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
    let order = shuffle ? rng.permutation(data.labels.count) : Array(0..<data.labels.count)
    return BatchIterator(loader: self, order: order)
  }

  public func makeIterator() -> BatchIterator { epoch(0) }

  public struct BatchIterator: IteratorProtocol, Sequence {
    let loader: BatchLoader
    let order: [Int]
    var position = 0

    public mutating func next() -> LabeledImages? {
      let remaining = order.count - position
      guard remaining > 0, !(loader.dropLast && remaining < loader.batchSize) else { return nil }
      let idx = Array(order[position..<(position + Swift.min(loader.batchSize, remaining))])
      position += idx.count
      guard let images = try? Autograd.withNoGrad({ try loader.data.images.indexSelect(axis: 0, idx) }) else {
        return nil
      }
      return LabeledImages(images: images, labels: idx.map { loader.data.labels[$0] })
    }
  }
}
