import EvoGraph
import EvoLang
import EvoNotebook
import EvoRuntime
import EvoTensor
import Foundation

// Fuzz targets for every reader of untrusted input (issue #14). Each target takes bytes and must end in
// a value or an error: a crash, a hang or a failed allocation is a bug.
//
// Built normally, `evo-fuzz TARGET FILE...` runs each file once through TARGET (regression inputs in
// Tests/fuzz-corpus/TARGET replay this way). Built by scripts/fuzz.sh with `-sanitize=fuzzer,address`
// and `-DEVO_LIBFUZZER`, it is a libFuzzer binary fuzzing the target named by `EVO_FUZZ_TARGET`.

/// A scratch file for the readers that take a path.
nonisolated(unsafe) let scratch = NSTemporaryDirectory() + "/evo-fuzz-\(getpid()).bin"

func withFile(_ bytes: [UInt8], _ body: (String) throws -> Void) {
  FileManager.default.createFile(atPath: scratch, contents: Data(bytes))
  _ = try? body(scratch)
}

nonisolated(unsafe) let targets: [String: ([UInt8]) -> Void] = [
  "parser": { bytes in _ = try? checkSyntax(SourceFile(name: "fuzz", text: String(decoding: bytes, as: UTF8.self))) },
  "interpreter": { bytes in
    let vm = Interpreter(stackCapacity: 1 << 16, maxDepth: 200)
    vm.stepBudget = 20_000
    vm.output = { _ in }
    _ = try? LargeStack.run { try vm.run(SourceFile(name: "fuzz", text: String(decoding: bytes, as: UTF8.self))) }
  },
  "runtime": { bytes in
    let session = Session()
    session.interpreter.stepBudget = 20_000
    session.interpreter.output = { _ in }
    _ = session.run(String(decoding: bytes, as: UTF8.self), name: "fuzz")
  },
  "formula": { bytes in
    if let g = try? LayerGraph(formula: String(decoding: bytes, as: UTF8.self)) { _ = (g.formula, g.json, g.canonicalHash) }
  },
  "graph-json": { bytes in
    if let g = try? LayerGraph(json: String(decoding: bytes, as: UTF8.self)) { _ = (g.formula, g.dot(), g.canonicalHash) }
  },
  "safetensors": { bytes in withFile(bytes) { path in _ = try Safetensors.load(path: path) } },
  "idx": { bytes in
    // The first byte splits the input into an image file and a label file.
    let cut = min(Int(bytes.first ?? 0), max(bytes.count - 1, 0))
    let labels = NSTemporaryDirectory() + "/evo-fuzz-\(getpid())-labels.bin"
    FileManager.default.createFile(atPath: labels, contents: Data(bytes.dropFirst().prefix(cut)))
    withFile(Array(bytes.dropFirst().dropFirst(cut))) { path in _ = try Datasets.loadIDX(images: path, labels: labels, limit: 64) }
  },
  "png": { bytes in _ = try? PNGImage.decode(bytes) },
  "cifar": { bytes in withFile(bytes) { path in _ = try Datasets.loadCIFAR10Batch(path: path) } },
  "percent": { bytes in _ = try? PercentFormat.parse(String(decoding: bytes, as: UTF8.self)) },
  "ipynb": { bytes in _ = try? IPYNBFormat.parse(String(decoding: bytes, as: UTF8.self)) },
]

#if EVO_LIBFUZZER
  /// The target libFuzzer drives, from `EVO_FUZZ_TARGET` (libFuzzer owns the command line).
  nonisolated(unsafe) let selected: ([UInt8]) -> Void = {
    let name = ProcessInfo.processInfo.environment["EVO_FUZZ_TARGET"] ?? ""
    guard let target = targets[name] else {
      FileHandle.standardError.write(Data("evo-fuzz: set EVO_FUZZ_TARGET to one of \(targets.keys.sorted())\n".utf8))
      exit(2)
    }
    return target
  }()

  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selected(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
  }

  @_silgen_name("LLVMFuzzerRunDriver")
  func runDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
  ) -> Int32

  /// The entry point SwiftPM links as `main` for this executable (it renames executables' mains).
  @_cdecl("evo_fuzz_main")
  public func fuzzMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    var count = argc, vector = argv
    return runDriver(&count, &vector) { data, size in fuzzOne(data, size) }
  }
#else
  @main
  enum Replay {
    static func main() {
      let arguments = CommandLine.arguments
      guard arguments.count >= 2, let target = targets[arguments[1]] else {
        FileHandle.standardError.write(Data("usage: evo-fuzz {\(targets.keys.sorted().joined(separator: ","))} FILE...\n".utf8))
        exit(2)
      }
      for path in arguments.dropFirst(2) {
        guard let data = FileManager.default.contents(atPath: path) else {
          FileHandle.standardError.write(Data("evo-fuzz: cannot read \(path)\n".utf8))
          exit(2)
        }
        target(Array(data))
      }
      print("ran \(arguments.count - 2) inputs")
    }
  }
#endif
