import CZlib
import EvoTestSupport
import Foundation
import Testing

@testable import EvoTensor

/// A fresh temporary folder for one test.
func temporaryFolder() throws -> String {
  let path = NSTemporaryDirectory() + "evo-tests-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

func write(_ bytes: [UInt8], to path: String) { FileManager.default.createFile(atPath: path, contents: Data(bytes)) }

/// An IDX header: magic for unsigned bytes with `dims.count` dimensions, then big-endian sizes.
func idxHeader(_ dims: [Int]) -> [UInt8] {
  [0, 0, 8, UInt8(dims.count)] + dims.flatMap { d in [24, 16, 8, 0].map { UInt8((d >> $0) & 0xFF) } }
}

@Suite struct IDXTests {
  @Test func readsSmallFilesItWrote() throws {
    let dir = try temporaryFolder()
    write(idxHeader([2, 2, 3]) + [0, 255, 51, 102, 153, 204, 1, 2, 3, 4, 5, 6], to: "\(dir)/img")
    write(idxHeader([2]) + [7, 3], to: "\(dir)/lab")
    let set = try Datasets.loadIDX(images: "\(dir)/img", labels: "\(dir)/lab")
    #expect(set.images.shape == [2, 1, 2, 3])
    #expect(set.labels == [7, 3])
    expectClose(Array(set.images.values[0..<3]), [0, 1, 0.2])
  }

  @Test(arguments: ["truncated", "magic", "lying", "huge", "overflowing strides", "count mismatch", "empty", "missing"])
  func malformedFilesAreErrors(_ kind: String) throws {
    let dir = try temporaryFolder()
    write(idxHeader([2]) + [1, 2], to: "\(dir)/lab")
    switch kind {
    case "truncated": write(idxHeader([2, 2, 2]) + [1, 2, 3], to: "\(dir)/img")
    case "magic": write([0, 0, 9, 3] + Array(idxHeader([2, 1, 1]).dropFirst(4)) + [1, 2], to: "\(dir)/img")
    case "lying": write(idxHeader([2, 2]) + [1, 2, 3, 4], to: "\(dir)/img")
    case "huge": write(idxHeader([0x7FFF_FFFF, 0x7FFF_FFFF, 0x7FFF_FFFF]) + [1, 2, 3], to: "\(dir)/img")
    // Issue #14: no data, but [0, 2^32-1, 2^32-1] overflowed the plane size in the loader.
    case "overflowing strides": write(idxHeader([0, 0xFFFF_FFFF, 0xFFFF_FFFF]), to: "\(dir)/img")
    case "count mismatch": write(idxHeader([3, 1, 1]) + [1, 2, 3], to: "\(dir)/img")
    case "empty": write([], to: "\(dir)/img")
    default: break
    }
    let error = #expect(throws: TensorError.self) { try Datasets.loadIDX(images: "\(dir)/img", labels: "\(dir)/lab") }
    #expect(error?.kind == .file)
  }

  /// Issue #14: a gzip bomb (a header declaring one 1×1 image, then 64 MB of zeros compressed to 64 KB)
  /// stops at the size its header declares instead of being inflated whole.
  @Test func gzipBombStopsAtTheDeclaredSize() throws {
    let dir = try temporaryFolder()
    write(idxHeader([1]) + [3], to: "\(dir)/lab")
    try gzip(
      [idxHeader([1, 1, 1]) + [7]] + Array(repeating: [UInt8](repeating: 0, count: 1 << 20), count: 64),
      to: "\(dir)/img.gz")
    let error = #expect(throws: TensorError.self) {
      try Datasets.loadIDX(images: "\(dir)/img.gz", labels: "\(dir)/lab")
    }
    #expect(error?.message.contains("holds more than the 17 bytes its header declares") == true)
  }

  @Test func gzipCorruptionIsAnError() throws {
    let dir = try temporaryFolder()
    // A gzip header followed by garbage.
    write([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + Array(repeating: 0xAB, count: 64), to: "\(dir)/img.gz")
    write(idxHeader([1]) + [1], to: "\(dir)/lab")
    #expect(throws: TensorError.self) { try Datasets.loadIDX(images: "\(dir)/img.gz", labels: "\(dir)/lab") }
  }

  /// Issue #14: a gzip file cut short (a truncated download) is an error naming it, not a shorter file
  /// (zlib's gzread reports it only through gzerror).
  @Test func truncatedGzipIsAnError() throws {
    let dir = try temporaryFolder()
    try gzip([(0..<(1 << 20)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }], to: "\(dir)/whole.gz")
    let whole = try #require(FileManager.default.contents(atPath: "\(dir)/whole.gz"))
    #expect(try GzipFile.read(path: "\(dir)/whole.gz", op: "test").count == 1 << 20)
    write(Array(whole.prefix(whole.count / 2)), to: "\(dir)/cut.gz")
    let error = #expect(throws: TensorError.self) { _ = try GzipFile.read(path: "\(dir)/cut.gz", op: "test") }
    #expect(error?.message.contains("cut.gz is truncated") == true)
  }

  @Test(
    .enabled(if: FileManager.default.fileExists(atPath: Datasets.fashionMNISTDirectory + "/train-images-idx3-ubyte.gz"))
  )
  func fashionMNISTFromTheDebianPackage() throws {
    let train = try Datasets.fashionMNIST("train")
    #expect(train.images.shape == [60000, 1, 28, 28])
    #expect(train.labels.first == 9)
    #expect(Set(train.labels) == Set(0..<10))
    let test = try Datasets.fashionMNIST("test", limit: 100)
    #expect(test.images.shape == [100, 1, 28, 28])
    #expect(try test.images.max().item() <= 1 && test.images.min().item() >= 0)
    #expect(throws: TensorError.self) { try Datasets.fashionMNIST("validation") }
  }
}

@Suite struct CIFARTests {
  @Test func readsAGeneratedBatch() throws {
    let dir = try temporaryFolder()
    var bytes: [UInt8] = []
    for i in 0..<3 {
      bytes.append(UInt8(i * 4))
      bytes += (0..<3072).map { UInt8(($0 + i) % 256) }
    }
    write(bytes, to: "\(dir)/data_batch_1.bin")
    let set = try Datasets.loadCIFAR10Batch(path: "\(dir)/data_batch_1.bin")
    #expect(set.images.shape == [3, 3, 32, 32])
    #expect(set.labels == [0, 4, 8])
    #expect(try set.images.element(at: [1, 2, 31, 31]) == Float((3071 + 1) % 256) / 255)
  }

  @Test func rejectsPartialRecordsAndBadLabels() throws {
    let dir = try temporaryFolder()
    write([1] + Array(repeating: 0, count: 3000), to: "\(dir)/short.bin")
    write([12] + Array(repeating: 0, count: 3072), to: "\(dir)/label.bin")
    #expect(throws: TensorError.self) { try Datasets.loadCIFAR10Batch(path: "\(dir)/short.bin") }
    #expect(throws: TensorError.self) { try Datasets.loadCIFAR10Batch(path: "\(dir)/label.bin") }
    #expect(throws: TensorError.self) { try Datasets.loadCIFAR10Batch(path: "\(dir)/absent.bin") }
  }

  /// Issue #14: CIFAR goes through the one bounded inflate: a `.gz` batch reads as the plain one, and a
  /// gzip bomb (64 MB of zeros in 64 KB) stops once `maxBytes` are inflated instead of being inflated whole.
  @Test func gzippedBatchesAndBombs() throws {
    let dir = try temporaryFolder()
    let record = [UInt8(7)] + (0..<3072).map { UInt8($0 % 251) }
    try gzip([record, record], to: "\(dir)/batch.bin.gz")
    let set = try Datasets.loadCIFAR10Batch(path: "\(dir)/batch.bin.gz")
    #expect(set.labels == [7, 7])
    #expect(try set.images.element(at: [1, 0, 0, 5]) == Float(5) / 255)
    try gzip(Array(repeating: [UInt8](repeating: 0, count: 1 << 20), count: 64), to: "\(dir)/bomb.bin.gz")
    let error = #expect(throws: TensorError.self) {
      try Datasets.loadCIFAR10Batch(path: "\(dir)/bomb.bin.gz", maxBytes: 4 << 20)
    }
    #expect(error?.message.contains("holds more than 4.2 MB, the most cifar10 reads") == true)
  }
}

/// Writes `chunks` one after the other into a gzip file.
func gzip(_ chunks: [[UInt8]], to path: String) throws {
  let file = try #require(gzopen(path, "wb"))
  for chunk in chunks { _ = chunk.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) } }
  gzclose(file)
}

@Suite struct PNGTests {
  @Test(arguments: [1, 3])
  func roundTripsExactly(_ channels: Int) throws {
    let dir = try temporaryFolder()
    let values = (0..<(channels * 5 * 7)).map { Float(($0 * 37) % 256) / 255 }
    let image = try Tensor(shape: [channels, 5, 7], values: values)
    try PNGImage.write(image, path: "\(dir)/a.png")
    let back = try PNGImage.read(path: "\(dir)/a.png")
    #expect(back.shape == [channels, 5, 7])
    expectClose(back.values, values, tolerance: 1e-6)
  }

  @Test func malformedPNGsAreErrors() throws {
    let dir = try temporaryFolder()
    write(Array("not a png at all".utf8), to: "\(dir)/bad.png")
    #expect(throws: TensorError.self) { try PNGImage.read(path: "\(dir)/bad.png") }
    try PNGImage.write(Tensor.ones([1, 16, 16]), path: "\(dir)/ok.png")
    let full = try #require(FileManager.default.contents(atPath: "\(dir)/ok.png"))
    write(Array(full.prefix(full.count / 2)), to: "\(dir)/cut.png")
    #expect(throws: TensorError.self) { try PNGImage.read(path: "\(dir)/cut.png") }
    #expect(throws: TensorError.self) { try PNGImage.write(Tensor.ones([2, 4, 4]), path: "\(dir)/x.png") }
  }
}

@Suite struct SafetensorsTests {
  @Test func roundTripAndByteLayout() throws {
    let dir = try temporaryFolder()
    let a = try Tensor(shape: [2, 2], values: [1, -2, 3.5, 0])
    let b = Tensor(7)
    try Safetensors.save(["w": a, "bias": b], metadata: ["format": "pt"], to: "\(dir)/m.safetensors")
    let bytes = try #require(FileManager.default.contents(atPath: "\(dir)/m.safetensors"))
    let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    #expect((8 + headerLength) % 8 == 0)
    let header = try #require(
      try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
    let w = try #require(header["w"] as? [String: Any])
    #expect(w["dtype"] as? String == "F32")
    #expect((w["shape"] as? [Int]) == [2, 2])
    #expect(bytes.count == 8 + headerLength + 5 * 4)
    let (tensors, meta) = try Safetensors.load(path: "\(dir)/m.safetensors")
    #expect(tensors["w"]?.values == a.values && tensors["w"]?.shape == [2, 2])
    #expect(tensors["bias"]?.values == [7] && tensors["bias"]?.shape == [])
    #expect(meta == ["format": "pt"])
  }

  @Test func readsAFileWrittenByPyTorch() throws {
    // Header and data exactly as `safetensors.torch.save_file({"a": torch.arange(6.).reshape(2, 3)},
    // metadata={"m": "x"})` wrote them (88-byte header padded with spaces, then 6 little-endian floats).
    let header = Array(
      #"{"__metadata__":{"m":"x"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}      "#.utf8)
    let floats = (0..<6).flatMap { i in withUnsafeBytes(of: Float(i).bitPattern.littleEndian) { Array($0) } }
    #expect(header.count == 88)
    let dir = try temporaryFolder()
    write([88, 0, 0, 0, 0, 0, 0, 0] + header + floats, to: "\(dir)/torch.safetensors")
    let (tensors, meta) = try Safetensors.load(path: "\(dir)/torch.safetensors")
    #expect(tensors["a"]?.shape == [2, 3])
    #expect(tensors["a"]?.values == [0, 1, 2, 3, 4, 5])
    #expect(meta == ["m": "x"])
  }

  @Test(arguments: [
    "short", "lying length", "bad json", "offsets", "dtype", "shape mismatch", "negative shape",
    // Issue #14: strict parsing, as the reference implementation does.
    "overflowing strides", "shape beyond 2^64", "boolean shape", "float offsets", "overlap", "gap", "trailing bytes",
  ])
  func malformedFilesAreErrors(_ kind: String) throws {
    let dir = try temporaryFolder()
    func file(_ header: String, data: Int, declared: UInt64? = nil) -> [UInt8] {
      let json = Array(header.utf8)
      let length = declared ?? UInt64(json.count)
      return (0..<8).map { UInt8((length >> (8 * UInt64($0))) & 0xFF) } + json + Array(repeating: 0, count: data)
    }
    let bytes: [UInt8]
    switch kind {
    case "short": bytes = [1, 2, 3]
    case "lying length": bytes = file("{}", data: 0, declared: 1 << 40)
    case "bad json": bytes = file("{not json", data: 0)
    case "offsets": bytes = file(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: 8)
    case "dtype": bytes = file(#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, data: 8)
    case "shape mismatch": bytes = file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: 8)
    case "overflowing strides":
      bytes = file(#"{"a":{"dtype":"F32","shape":[0,3000000000,3000000000,3000000000],"data_offsets":[0,0]}}"#, data: 0)
    case "shape beyond 2^64":
      bytes = file(#"{"a":{"dtype":"F32","shape":[18446744073709551618],"data_offsets":[0,8]}}"#, data: 8)
    case "boolean shape": bytes = file(#"{"a":{"dtype":"F32","shape":[true,true],"data_offsets":[0,4]}}"#, data: 4)
    case "float offsets": bytes = file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4.5]}}"#, data: 8)
    case "overlap":
      bytes = file(
        #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
        data: 12)
    case "gap": bytes = file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8)
    case "trailing bytes": bytes = file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 8)
    default: bytes = file(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#, data: 0)
    }
    write(bytes, to: "\(dir)/bad.safetensors")
    let error = #expect(throws: TensorError.self) { try Safetensors.load(path: "\(dir)/bad.safetensors") }
    #expect(error?.kind == .file)
  }
}

@Suite struct BatchLoaderTests {
  @Test func seededShuffleCoversEveryExampleOncePerEpoch() throws {
    let images = try Tensor.arange(0, 10).reshape([10, 1, 1, 1])
    let set = LabeledImages(images: images, labels: Array(0..<10))
    let loader = try BatchLoader(set, batchSize: 4, seed: 3)
    let epoch0 = Array(loader.epoch(0))
    let again = Array(loader.epoch(0))
    let epoch1 = Array(loader.epoch(1))
    #expect(epoch0.map(\.images.shape[0]) == [4, 4, 2])
    #expect(epoch0.flatMap(\.labels).sorted() == Array(0..<10))
    #expect(epoch0.flatMap(\.labels) == again.flatMap(\.labels))
    #expect(epoch0.flatMap(\.labels) != epoch1.flatMap(\.labels))
    for batch in epoch0 { #expect(batch.images.values == batch.labels.map(Float.init)) }
    #expect(Array(try BatchLoader(set, batchSize: 4, dropLast: true).epoch(0)).count == 2)
    #expect(throws: TensorError.self) { try BatchLoader(set, batchSize: 0) }
  }
}

@Suite struct EndToEndTraining {
  @Test(
    .enabled(if: FileManager.default.fileExists(atPath: Datasets.fashionMNISTDirectory + "/train-images-idx3-ubyte.gz"))
  )
  func smallConvNetLearnsFashionMNIST() throws {
    let train = try Datasets.fashionMNIST("train", limit: 2048)
    let test = try Datasets.fashionMNIST("test", limit: 500)
    var rng = RandomGenerator(seed: 1)
    let conv = try Initializer.kaimingNormal([8, 1, 3, 3], rng: &rng).requiringGrad()
    let gamma = try Tensor.ones([8]).requiringGrad()
    let beta = try Tensor.zeros([8]).requiringGrad()
    let fc = try Initializer.xavierUniform([10, 8 * 14 * 14], rng: &rng).requiringGrad()
    let bias = try Tensor.zeros([10]).requiringGrad()
    let stats = RunningStats(channels: 8)
    func forward(_ x: Tensor, training: Bool) throws -> Tensor {
      let h = try x.conv2d(conv, padding: 1).batchNorm(gamma: gamma, beta: beta, running: stats, training: training)
        .relu()
      return try h.maxPool2d(kernel: 2).flatten().linear(fc, bias: bias)
    }
    let opt = try SGD(
      [ParameterGroup([conv, fc]), ParameterGroup([gamma, beta, bias], weightDecay: 0)],
      learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4)
    let loader = try BatchLoader(train, batchSize: 64, seed: 2)
    var firstLoss: Float = 0
    var lastLoss: Float = 0
    for epoch in 0..<2 {
      for (i, batch) in loader.epoch(epoch).enumerated() {
        opt.zeroGrad()
        let loss = try forward(batch.images, training: true).crossEntropy(labels: batch.labels)
        try loss.backward()
        try opt.step()
        if epoch == 0 && i == 0 { firstLoss = try loss.item() }
        lastLoss = try loss.item()
      }
    }
    let predictions = try Autograd.withNoGrad { try forward(test.images, training: false).argmax(axis: 1) }
    let accuracy = Float(zip(predictions.values, test.labels).filter { Int($0) == $1 }.count) / Float(test.labels.count)
    #expect(lastLoss < firstLoss * 0.5)
    #expect(accuracy > 0.7, "test accuracy \(accuracy)")
  }
}
