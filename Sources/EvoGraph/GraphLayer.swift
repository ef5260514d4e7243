import EvoTensor

/// Settings a layer instance evaluates its graph with.
public struct LayerOptions: Sendable, Equatable {
  /// Groups for the (h, w, c/g) aggregations; reduced until it divides the channel count
  /// (our default, after the reference implementation's fallback).
  public var groups: Int = 32
  /// Added inside the square root of every variance or second moment, and the smallest magnitude a
  /// denominator may have.
  public var eps: Float = 1e-5
  /// Weight of the old value in the moving averages of batch statistics.
  public var decay: Float = 0.9
  /// Initial value of gamma (0 for the last norm of a residual block).
  public var gammaInit: Float = 1

  public init(groups: Int = 32, eps: Float = 1e-5, decay: Float = 0.9, gammaInit: Float = 1) {
    self.groups = groups
    self.eps = eps
    self.decay = decay
    self.gammaInit = gammaInit
  }

  /// The group count used for `channels`: `groups`, reduced until it divides `channels`.
  public func effectiveGroups(channels: Int) -> Int {
    var g = Swift.max(1, Swift.min(groups, channels))
    while channels % g != 0 { g -= 1 }
    return g
  }
}

/// One instance of a layer graph inside a model: it owns its trainable vectors v0 and v1, the affine
/// gamma and beta (all shaped (1, C, 1, 1)) and the moving averages of its batch statistics.
public final class GraphLayer {
  public let graph: LayerGraph
  public let channels: Int
  public let options: LayerOptions
  /// The group count actually used (see `LayerOptions.effectiveGroups`).
  public let groups: Int
  public let v0: Tensor
  public let v1: Tensor
  public let gamma: Tensor
  public let beta: Tensor
  /// Moving averages of batch statistics, by node index (means start at 0, variances and second
  /// moments at 1), used in inference mode.
  public let movingAverages: [Int: Tensor]
  /// Training mode uses and updates batch statistics; inference mode uses the moving averages.
  public var training = true
  /// Whether to evaluate fused (one pass over memory for the element-wise chain) when the graph allows
  /// it; off, every node is a separate tensor operation. Both give the same values and gradients.
  public var fused = true
  /// When the fused sweeps run as compiled native code (see `NativeKernelCache`) rather than the Swift
  /// evaluator. Both give the same values and gradients up to rounding.
  public var native: NativeKernelPolicy = .forLargeInputs
  /// The fused evaluation plan, nil for graphs that need the node-by-node evaluator.
  let fusedPlan: FusedPlan?
  /// The C source of the fused plan's sweeps (nil without a plan).
  let nativeSource: String?
  /// The compiled sweeps once loaded; nil while not (yet) available.
  private(set) var nativeKernel: NativeKernel?

  public init(graph: LayerGraph, channels: Int, options: LayerOptions = LayerOptions()) throws {
    guard channels > 0 else { throw GraphError.invalid("a layer needs at least one channel, got \(channels)") }
    self.graph = graph
    self.channels = channels
    self.options = options
    groups = options.effectiveGroups(channels: channels)
    let vector = [1, channels, 1, 1]
    v0 = try Tensor.full(vector, 0).requiringGrad()
    v1 = try Tensor.full(vector, 1).requiringGrad()
    gamma = try Tensor.full(vector, options.gammaInit).requiringGrad()
    beta = try Tensor.full(vector, 0).requiringGrad()
    var moving: [Int: Tensor] = [:]
    for (i, node) in graph.nodes.enumerated() {
      if case .aggregate(let statistic, .batch) = node.primitive {
        moving[LayerGraph.leafCount + i] = try Tensor.full(vector, statistic == .mean ? 0 : 1)
      }
    }
    movingAverages = moving
    fusedPlan = FusedPlan(graph)
    nativeSource = fusedPlan.map(NativeSource.make)
  }

  /// The trainable tensors the output depends on (v0, v1 when used; gamma and beta when affine). None
  /// of them should get weight decay.
  public var parameters: [Tensor] {
    var result: [Tensor] = []
    if graph.uses(.v0) { result.append(v0) }
    if graph.uses(.v1) { result.append(v1) }
    if graph.affine { result += [gamma, beta] }
    return result
  }

  /// The operation name of the error a layer throws when its own output is not finite. A search counts
  /// that error (and no other numeric error) as the candidate's divergence.
  public static let nonFiniteOutputOp = "layer output"

  /// The error of a layer whose output left the finite numbers.
  static func nonFiniteOutput(_ graph: LayerGraph) -> TensorError {
    TensorError(.numeric, op: nonFiniteOutputOp, "the output of \(graph.formula) is not finite")
  }

  /// Evaluates the layer on x (N, C, H, W) through autodiff. Throws a `.numeric` `TensorError` when
  /// the output is not finite, a `.shape` one when x does not fit.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank == 4, x.shape[1] == channels else {
      throw TensorError(
        .shape, op: "layer", "expects (N, \(channels), H, W), got [\(x.shape.map(String.init).joined(separator: ", "))]"
      )
    }
    if fused, x.count > 0, let plan = fusedPlan {
      return try FusedEvaluator(plan: plan, layer: self, x: x, native: kernel(for: x)).forward()
    }
    let y = try GraphEvaluator(layer: self, input: x).run()
    guard y.isFinite else { throw Self.nonFiniteOutput(graph) }
    return y
  }

  /// The native kernel to evaluate x with under the policy, compiling it on first need.
  private func kernel(for x: Tensor) -> NativeKernel? {
    guard let nativeSource, native != .never else { return nil }
    if let nativeKernel { return nativeKernel }
    let build = native == .always || x.count >= NativeKernelPolicy.largeInput
    nativeKernel = NativeKernelCache.shared.kernel(source: nativeSource, build: build)
    return nativeKernel
  }

  /// The layer's output, or a failure value when it is not finite or cannot be computed.
  public func evaluate(_ x: Tensor) -> LayerEvaluation {
    do {
      return .tensor(try self(x))
    } catch {
      return .failure("\(error)")
    }
  }
}

/// When a layer's fused sweeps run as compiled native code.
public enum NativeKernelPolicy: Sendable {
  /// Always the Swift evaluator.
  case never
  /// Native code once compiled; compiled (a fraction of a second, once per graph and machine) for an
  /// input of at least `largeInput` elements, where it pays for itself.
  case forLargeInputs
  /// Native code whenever it can be built.
  case always

  /// The input size from which `forLargeInputs` compiles.
  public static let largeInput = 1 << 16
}

/// The result of evaluating a candidate layer: a tensor, or why there is none.
public enum LayerEvaluation {
  case tensor(Tensor)
  case failure(String)
}
