import EvoLang
import EvoRuntime
import Foundation
import Testing

/// `data.cifar10(folder)`: the stdlib's CIFAR-10 data set over a folder of binary batches, as the data
/// set's "binary version" unpacks (written here, two images a file, with known pixels).
@Suite struct CIFARDatasetTests {
  /// Six batch files; image i of file f has label (f + i) % 10 and every byte equal to 10·f + i.
  func makeFolder() throws -> String {
    let dir = NSTemporaryDirectory() + "evo-cifar-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let files = (1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]
    for (f, name) in files.enumerated() {
      var bytes: [UInt8] = []
      for i in 0..<2 {
        bytes.append(UInt8((f + i) % 10))
        bytes += [UInt8](repeating: UInt8(10 * f + i), count: 3072)
      }
      try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
    }
    return dir
  }

  func run(_ code: String) -> String {
    let session = Session()
    var printed = ""
    session.interpreter.output = { printed += $0 }
    if case .failure(let error) = session.run(code, name: "<test>") { printed += "error: \(error.message)" }
    return printed
  }

  @Test func trainAndTestSplitsFromAFolder() throws {
    let dir = try makeFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let printed = run(
      """
      import data
      let train_set = data.cifar10("\(dir)")
      let test_set = data.cifar10("\(dir)", split: "test")
      print(train_set.len(), train_set.images.shape, train_set.labels.tolist())
      print(test_set.len(), test_set.labels.tolist(), train_set.names[3])
      print(round(train_set.images[9, 2, 31, 31].item() * 255), round(test_set.images[1, 0, 0, 0].item() * 255))
      let b = train_set.batches(10, shuffle: false)[0]
      let expected = (train_set.images[0:10] - tensor([0.4914, 0.4822, 0.4465]).reshape([1, 3, 1, 1])) / tensor([0.2470, 0.2435, 0.2616]).reshape([1, 3, 1, 1])
      print(b[0].shape, (b[0] - expected).abs().max().item() < 1e-6)
      print(data.cifar10("\(dir)", limit: 3).len())
      """)
    let lines = printed.split(separator: "\n").map(String.init)
    #expect(lines.count == 5, "\(printed)")
    guard lines.count == 5 else { return }
    #expect(lines[0] == "10 [10, 3, 32, 32] [0, 1, 1, 2, 2, 3, 3, 4, 4, 5]")
    #expect(lines[1] == "2 [5, 6] cat")
    #expect(lines[2] == "41 51")
    #expect(lines[3] == "[10, 3, 32, 32] true")
    #expect(lines[4] == "3")
  }

  @Test func aMissingBatchOrSplitIsAClearError() throws {
    let dir = try makeFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.removeItem(atPath: "\(dir)/data_batch_3.bin")
    let missing = run("import data\ndata.cifar10(\"\(dir)\")")
    #expect(missing.contains("data_batch_3.bin"), "\(missing)")
    let split = run("import data\ndata.cifar10(\"\(dir)\", split: \"val\")")
    #expect(split.contains("split must be \"train\" or \"test\""), "\(split)")
  }
}
