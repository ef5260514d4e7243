import EvoTensor
import EvoTestSupport
import Foundation
import Testing

@testable import EvoGraph

/// The generated native sweeps against the Swift fused evaluator, and the kernel cache's handling of
/// compilers and files.
@Suite struct NativeKernelTests {
  /// Planes of 6 (below one vector), 16 (whole vectors) and 49 (vectors and a tail).
  static let shapes = [[3, 6, 2, 3], [2, 6, 4, 4], [2, 6, 7, 7]]

  /// Expects native and Swift fused evaluation of `graph` to agree on every shape, training and not.
  func compare(_ graph: LayerGraph) throws {
    for shape in Self.shapes {
      for training in [true, false] {
        let native = try FusedEvaluationTests.run(graph, fused: true, native: .always, training: training, shape: shape)
        let swift = try FusedEvaluationTests.run(graph, fused: true, native: .never, training: training, shape: shape)
        FusedEvaluationTests.expectAgree(graph, native, swift)
      }
    }
  }

  @Test func compilerIsAvailable() {
    #expect(NativeKernelCache.shared.compiler != nil, "no C compiler found: layers fall back to the Swift evaluator")
  }

  @Test(arguments: NamedLayers.names)
  func namedLayersAgree(_ name: String) throws {
    let graph = try #require(NamedLayers.graph(name))
    let layer = try GraphLayer(graph: graph, channels: 4)
    #expect(layer.nativeSource != nil, "\(name) has no native form")
    try compare(graph)
  }

  /// Every element-wise primitive as a full node (of x and of a full node) and as a table node (of
  /// the per-channel vectors and of a statistic), in a graph that compiles.
  @Test(arguments: Primitive.elementwise)
  func everyPrimitiveAgrees(_ primitive: Primitive) throws {
    let p = primitive.name
    let formula =
      primitive.arity == 2
      ? "\(p)(x, x * v1) + \(p)(v1, v0 + v1) * \(p)(v0, x) - \(p)(mean_hw(x), v1) * x"
      : "\(p)(x * v1) + \(p)(v1) * \(p)(x) - \(p)(var_hw(x)) * x"
    let graph = try LayerGraph(formula: formula)
    #expect(FusedPlan(graph) != nil, "\(formula) has no fused plan")
    try compare(graph)
  }

  /// Primitives mixed with aggregations of every kind.
  @Test func mixturesAgree() throws {
    for formula in [
      "log(x) * exp(x * v1)", "tanh(x) + sigmoid(x * v0)", "sqrt(x) / abs(x - v0)", "square(x) - max(x, v0)",
      "max(sqrt(var_bhw(x)), x * v1 + sqrt(var_hw(x)))", "x / sqrt(mu2_hwc/g(x)) * sigmoid(x * v1)",
      "(x - mean_hwc(x)) / sqrt(var_hwc(x))", "exp(-x) + log(abs(x) + mean_hw(x))", "max(x * x, v1) / (x + v0)",
      "max(x, 0) * v1 + v0", "x * x / (x * x + mu2_bhw(x))",
    ] {
      let graph = try LayerGraph(formula: formula)
      #expect(FusedPlan(graph) != nil, "\(formula) has no fused plan")
      try compare(graph)
    }
  }

  @Test func randomGraphsAgree() throws {
    var rng = RandomGenerator(seed: 5)
    var compiled = 0
    while compiled < 25 {
      let graph = try LayerGraph.random(nodes: 2 + rng.int(below: 10), rng: &rng)
      guard FusedPlan(graph) != nil else { continue }
      compiled += 1
      let native = try FusedEvaluationTests.run(graph, fused: true, native: .always, shape: [2, 6, 7, 7])
      let swift = try FusedEvaluationTests.run(graph, fused: true, native: .never, shape: [2, 6, 7, 7])
      FusedEvaluationTests.expectAgree(graph, native, swift)
    }
  }

  /// The division guard on the denominators it changes (below eps in magnitude, 0, NaN), in the plane's
  /// vectors and its scalar tail: the same values and gradients node by node, in the Swift sweeps and in C.
  @Test func divisionGuardAgreesInEveryForm() throws {
    let eps = LayerOptions().eps
    let denominators: [Float] = [0.5, -0.5, 1e-9, -1e-9, 0, .nan, eps, -eps, 0, .nan, 1e-9, -1e-9, 2, -2, eps / 2]
    let expected = denominators.map { d -> Float in
      guard abs(d) >= eps else { return d < 0 ? -1 / eps : 1 / eps }
      return 1 / d
    }
    let expectedGrad = denominators.map { d -> Float in abs(d) >= eps ? -1 / (d * d) : 0 }
    let graph = try LayerGraph(formula: "v1 / x", affine: false)
    for (fused, native) in [(false, NativeKernelPolicy.never), (true, .never), (true, .always)] {
      let layer = try GraphLayer(graph: graph, channels: 1)
      layer.fused = fused
      layer.native = native
      let x = try Tensor(shape: [1, 1, 3, 5], values: denominators).requiringGrad()
      let y = try layer(x)
      if native == .always { #expect(layer.nativeKernel != nil, "the native kernel was not built") }
      try y.sum().backward()
      #expect(y.values == expected, "fused \(fused), native \(native)")
      // -1/d² where the guard kept d (to float rounding: the sweeps compute it as -(1/d)·(1/d)), else 0.
      expectClose(x.grad?.values ?? [], expectedGrad, tolerance: 1e-6)
    }
  }

  /// Plans whose aggregations read intermediate nodes: statistics from the native chain, several
  /// backward sweeps.
  @Test func multiLevelPlansAgree() throws {
    for formula in [
      "x / sqrt(var_hw(x - mean_bhw(x)))", "var_hwc(x*v1 + mean_hw(exp(x)))*x",
      "tanh(x) / sqrt(mu2_hwc/g(x / sqrt(var_bhw(sigmoid(x)))))",
      "max(x*v1, x*v1) - mean_hwc(x*x)", "sigmoid(x) * var_hw(x * mean_bhw(x)) + mu2_hwc(tanh(x))",
    ] {
      let graph = try LayerGraph(formula: formula)
      let plan = try #require(FusedPlan(graph))
      #expect(!plan.aggregatesOnlyInput || formula.hasPrefix("max"), "\(formula) should need several sweeps")
      try compare(graph)
    }
  }

  // MARK: - The cache

  func temporaryFolder() -> String {
    "\(NSTemporaryDirectory())evo-kernels-\(UUID().uuidString)"
  }

  var source: String {
    get throws {
      let graph = try #require(NamedLayers.graph("evonorm_b0"))
      let plan = try #require(FusedPlan(graph))
      return NativeSource.make(plan)
    }
  }

  @Test func libraryIsBuiltOnceAndReusedFromDisk() throws {
    let compiler = try #require(NativeKernelCache.defaultCompiler())
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let source = try source
    #expect(NativeKernelCache(compiler: compiler, folder: folder).kernel(source: source, build: false) == nil)
    #expect(NativeKernelCache(compiler: compiler, folder: folder).kernel(source: source, build: true) != nil)
    let libraries = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".so") }
    #expect(libraries.count == 1)
    let name = try #require(libraries.first)
    let library = "\(folder)/\(name)"
    let built = try FileManager.default.attributesOfItem(atPath: library)[.modificationDate] as? Date
    // A new process (a new cache) loads the library without building it again.
    #expect(NativeKernelCache(compiler: compiler, folder: folder).kernel(source: source, build: true) != nil)
    #expect(try FileManager.default.attributesOfItem(atPath: library)[.modificationDate] as? Date == built)
  }

  @Test func corruptLibraryIsRebuilt() throws {
    let compiler = try #require(NativeKernelCache.defaultCompiler())
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let source = try source
    let cache = NativeKernelCache(compiler: compiler, folder: folder)
    let library = try #require(cache.libraryPath(source: source))
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try Data("not a shared library".utf8).write(to: URL(fileURLWithPath: library))
    #expect(cache.kernel(source: source, build: true) != nil)
    #expect(try Data(contentsOf: URL(fileURLWithPath: library)).count > 1000)
  }

  @Test func missingOrFailingCompilerFallsBack() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let source = try source
    #expect(NativeKernelCache(compiler: nil, folder: folder).kernel(source: source, build: true) == nil)
    #expect(NativeKernelCache(compiler: "/bin/false", folder: folder).kernel(source: source, build: true) == nil)
    #expect(
      NativeKernelCache(compiler: "\(folder)/no-such-compiler", folder: folder).kernel(source: source, build: true)
        == nil)
    let libraries = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.filter { $0.hasSuffix(".so") } ?? []
    #expect(libraries.isEmpty)
  }

  /// A compiler stopped by a signal (Ctrl-C reaches the compiler too) is not held against the graph:
  /// the next call builds the library.
  @Test func interruptedCompileIsRetried() throws {
    let compiler = try #require(NativeKernelCache.defaultCompiler())
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    // Killed by a signal on its first run, the real compiler afterwards.
    let wrapper = "\(folder)/cc-once-killed"
    let mark = "\(folder)/killed"
    let script = "#!/bin/sh\nif [ ! -e \(mark) ]; then touch \(mark); kill -KILL $$; fi\nexec \(compiler) \"$@\"\n"
    try Data(script.utf8).write(to: URL(fileURLWithPath: wrapper))
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper)
    let cache = NativeKernelCache(compiler: wrapper, folder: folder)
    let source = try source
    #expect(cache.kernel(source: source, build: true) == nil)
    #expect(FileManager.default.fileExists(atPath: mark))
    #expect(cache.kernel(source: source, build: true) != nil)
  }

  /// Library names come from `StableHash`: FNV-1a's published test vectors, and order matters.
  @Test func libraryNamesHashStably() {
    #expect(StableHash.hex(StableHash.string("")) == "cbf29ce484222325")
    #expect(StableHash.hex(StableHash.string("a")) == "af63dc4c8601ec8c")
    #expect(StableHash.string("ab") != StableHash.string("ba"))
  }
}
