import EvoGraph
import EvoLang
import EvoTensor

/// Tensor operations bound as methods (`t.mean(axes: [0, 2, 3], keepdims: true)`) and as functions
/// (`mean(t, axes: ...)`), with NumPy/PyTorch names and a doc string each.
enum TensorMethods {
  typealias Body = (Tensor, Arguments) throws -> Value

  /// Methods whose result is not a tensor (every other one returns a tensor, for completion).
  private static let notTensorResults: Set<String> = ["item", "tolist", "backward", "zero_grad"]

  /// A method whose receiver is argument 0 (a tensor, or anything convertible when called as a function).
  private static func op(_ name: String, _ params: [NativeParameter], _ doc: String, _ body: @escaping Body)
    -> NativeFunction
  {
    NativeFunction(name, [p("x")] + params, doc: doc) { a in try body(try Convert.tensor(a[0], name), a) }
  }

  private static func unary(_ name: String, _ doc: String, _ f: @escaping (Tensor) throws -> Tensor) -> NativeFunction {
    op(name, [], doc) { t, _ in .tensor(try f(t)) }
  }

  static let all: [NativeFunction] = {
    for f in methods where !notTensorResults.contains(f.name) { f.returns = "Tensor" }
    return methods
  }()

  private static let methods: [NativeFunction] = [
    unary("exp", "eˣ element-wise.") { $0.exp() },
    unary("log", "Natural logarithm element-wise (NaN below zero; see signed_log).") { $0.log() },
    unary("sqrt", "Square root element-wise (NaN below zero; see signed_sqrt).") { $0.sqrt() },
    unary("rsqrt", "1/√x element-wise.") { $0.rsqrt() },
    unary("abs", "|x| element-wise.") { $0.abs() },
    unary("neg", "−x element-wise.") { $0.neg() },
    unary("square", "x² element-wise.") { $0.square() },
    unary("sigmoid", "1/(1+e⁻ˣ) element-wise.") { $0.sigmoid() },
    unary("tanh", "tanh element-wise.") { $0.tanh() },
    unary("sin", "Sine element-wise.") { $0.sin() },
    unary("cos", "Cosine element-wise.") { $0.cos() },
    unary("relu", "max(x, 0) element-wise.") { $0.relu() },
    unary("swish", "x·sigmoid(x) element-wise (also called silu).") { $0.swish() },
    unary("silu", "x·sigmoid(x) element-wise (also called swish).") { $0.swish() },
    unary("sign", "−1, 0 or 1 element-wise (no gradient).") { $0.sign() },
    unary("signed_log", "sign(x)·ln|x|, the search space's log.") { try $0.signedLog() },
    unary("signed_sqrt", "sign(x)·√|x|, the search space's sqrt.") { try $0.signedSqrt() },
    unary("detach", "The same values, cut from the autodiff tape.") { $0.detached() },
    unary("copy", "An independent copy of the values.") { $0.copy() },
    op("clamp", [p("min", .null), p("max", .null)], "Clamps into [min, max]; either bound may be nil.") { t, a in
      .tensor(t.clamp(min: try optionalFloat(a, 1), max: try optionalFloat(a, 2)))
    },
    op("pow", [p("exponent")], "x raised to a number or tensor exponent, element-wise.") { t, a in
      if case .number(let e) = a[1] { return .tensor(t.pow(Float(e))) }
      return .tensor(try t.pow(Convert.tensor(a[1], "pow")))
    },
    op("maximum", [p("other")], "Element-wise maximum with broadcasting.") { t, a in
      .tensor(try t.maximum(Convert.tensor(a[1], "maximum")))
    },
    op("minimum", [p("other")], "Element-wise minimum with broadcasting.") { t, a in
      .tensor(try t.minimum(Convert.tensor(a[1], "minimum")))
    },
    op("matmul", [p("other")], "Matrix product (also the @ operator); batch dimensions broadcast.") { t, a in
      .tensor(try t.matmul(Convert.tensor(a[1], "matmul")))
    },
    op("sum", [p("axes", .null), p("keepdims", .bool(false))], "Sum over axes (all by default).") { t, a in
      .tensor(try t.sum(axes: Convert.axes(a[1], "sum"), keepdims: a[2].isTruthy))
    },
    op("mean", [p("axes", .null), p("keepdims", .bool(false))], "Mean over axes (all by default).") { t, a in
      .tensor(try t.mean(axes: Convert.axes(a[1], "mean"), keepdims: a[2].isTruthy))
    },
    op("var", [p("axes", .null), p("keepdims", .bool(false))], "Biased variance over axes (all by default).") { t, a in
      .tensor(try t.variance(axes: Convert.axes(a[1], "var"), keepdims: a[2].isTruthy))
    },
    op("max", [p("axes", .null), p("keepdims", .bool(false))], "Maximum over axes (all by default).") { t, a in
      .tensor(try t.max(axes: Convert.axes(a[1], "max"), keepdims: a[2].isTruthy))
    },
    op("min", [p("axes", .null), p("keepdims", .bool(false))], "Minimum over axes (all by default).") { t, a in
      .tensor(try t.min(axes: Convert.axes(a[1], "min"), keepdims: a[2].isTruthy))
    },
    op("argmax", [p("axis", .number(-1)), p("keepdims", .bool(false))], "Index of the largest element along an axis.") {
      t, a in
      .tensor(try t.argmax(axis: a.int(1), keepdims: a[2].isTruthy))
    },
    op("reshape", [p("shape")], "The same values in another shape (one dimension may be -1).") { t, a in
      .tensor(try t.reshape(Convert.shape(a[1], "reshape")))
    },
    op("permute", [p("order")], "Reorders the dimensions.") { t, a in
      .tensor(try t.permute(Convert.shape(a[1], "permute")))
    },
    op("transpose", [p("a", .number(-2)), p("b", .number(-1))], "Swaps two dimensions (the last two by default).") {
      t, a in
      .tensor(try t.transpose(a.int(1), a.int(2)))
    },
    op("flatten", [p("start", .number(1))], "Flattens the dimensions from `start` on.") { t, a in
      .tensor(try t.flatten(from: a.int(1)))
    },
    op("unsqueeze", [p("axis")], "Inserts a dimension of size 1.") { t, a in .tensor(try t.unsqueeze(a.int(1))) },
    op("squeeze", [p("axis", .null)], "Removes dimensions of size 1 (all, or the one at `axis`).") { t, a in
      .tensor(try t.squeeze(a.optionalInt(1)))
    },
    op("broadcast_to", [p("shape")], "Repeats along broadcast dimensions to fill a shape.") { t, a in
      .tensor(try t.broadcast(to: Convert.shape(a[1], "broadcast_to")))
    },
    op("softmax", [p("axis", .number(-1))], "Softmax along an axis.") { t, a in .tensor(try t.softmax(axis: a.int(1)))
    },
    op("log_softmax", [p("axis", .number(-1))], "log(softmax) along an axis, computed stably.") { t, a in
      .tensor(try t.logSoftmax(axis: a.int(1)))
    },
    op("cross_entropy", [p("labels")], "Mean cross-entropy of logits (N, K) against integer labels.") { t, a in
      .tensor(try t.crossEntropy(labels: Convert.labels(a[1], "cross_entropy")))
    },
    op("linear", [p("weight"), p("bias", .null)], "x · weightᵀ + bias.") { t, a in
      .tensor(try t.linear(Convert.tensor(a[1], "linear"), bias: optionalTensor(a, 2, "linear")))
    },
    op(
      "conv2d",
      [
        p("weight"), p("bias", .null), p("stride", .number(1)), p("padding", .number(0)), p("dilation", .number(1)),
        p("groups", .number(1)),
      ],
      "2-D convolution of (N, C, H, W) with (C_out, C/groups, kH, kW); groups = C is depthwise."
    ) { t, a in
      .tensor(
        try t.conv2d(
          Convert.tensor(a[1], "conv2d"), bias: optionalTensor(a, 2, "conv2d"), stride: a.int(3),
          padding: a.int(4), dilation: a.int(5), groups: a.int(6)))
    },
    op("max_pool2d", [p("kernel"), p("stride", .null), p("padding", .number(0))], "Max pooling over square windows.") {
      t, a in
      .tensor(try t.maxPool2d(kernel: a.int(1), stride: a.optionalInt(2), padding: a.int(3)))
    },
    op(
      "avg_pool2d", [p("kernel"), p("stride", .null), p("padding", .number(0))], "Average pooling over square windows."
    ) { t, a in
      .tensor(try t.avgPool2d(kernel: a.int(1), stride: a.optionalInt(2), padding: a.int(3)))
    },
    op("global_avg_pool", [], "Mean over H and W: (N, C, H, W) → (N, C).") { t, _ in .tensor(try t.globalAvgPool()) },
    op("upsample", [], "Nearest-neighbour upsampling by 2.") { t, _ in .tensor(try t.upsampleNearest2x()) },
    op(
      "pad", [p("padding"), p("value", .number(0))],
      "Pads with a constant: padding is a list of [before, after] per leading axis."
    ) { t, a in
      let pairs = try a.list(1).items.map { item -> (Int, Int) in
        let ends = try Convert.shape(item, "pad")
        guard ends.count == 2 else { throw EvoError(.value, "pad(): each padding entry is [before, after]") }
        return (ends[0], ends[1])
      }
      return .tensor(try t.pad(pairs, value: Float(a.number(2))))
    },
    op("index_select", [p("axis"), p("indices")], "The rows `indices` along `axis` (indices may repeat).") { t, a in
      .tensor(try t.indexSelect(axis: a.int(1), Convert.labels(a[2], "index_select")))
    },
    op("embedding", [p("ids")], "Rows of an embedding table (V, D) for integer ids.") { t, a in
      .tensor(try t.embedding(Convert.labels(a[1], "embedding")))
    },
    op(
      "spectral_norm", [p("u"), p("update", .bool(true))],
      "weight / σ, σ its largest singular value by one power iteration from u (updated in place when update)."
    ) { t, a in
      .tensor(try t.spectralNormalized(u: Convert.tensor(a[1], "spectral_norm"), update: a[2].isTruthy))
    },
    op(
      "eigh", [],
      "[eigenvalues ascending, eigenvectors as columns] of a symmetric matrix (float64 inside, no gradient)."
    ) { t, _ in
      let (values, vectors) = try t.symmetricEigen()
      return .list(ListObject([.tensor(values), .tensor(vectors)]))
    },
    op(
      "sort", [p("axis", .number(-1)), p("descending", .bool(false))], "The values sorted along an axis (no gradient)."
    ) { t, a in
      .tensor(try t.sorted(axis: a.int(1), descending: a[2].isTruthy))
    },
    op("group_mean", [p("groups")], "Per-group mean over (C/g, H, W), shaped (N, C, 1, 1) so it broadcasts.") { t, a in
      .tensor(try t.groupMoments(groups: a.int(1)).mean)
    },
    op("group_var", [p("groups")], "Per-group biased variance over (C/g, H, W), shaped (N, C, 1, 1).") { t, a in
      .tensor(try t.groupMoments(groups: a.int(1)).variance)
    },
    op(
      "batch_norm",
      [
        p("gamma"), p("beta"), p("running_mean", .null), p("running_var", .null), p("training", .bool(true)),
        p("decay", .number(0.9)), p("eps", .number(1e-5)), p("relu", .bool(false)),
      ],
      "Fused batch normalisation per channel; with running statistics they are updated while training and used otherwise. relu: true applies the ReLU in the same kernel."
    ) { t, a in
      var stats: RunningStats?
      switch (a[3], a[4]) {
      case (.null, .null): stats = nil
      case (.null, _), (_, .null):
        throw EvoError(.argument, "batch_norm() needs both running_mean and running_var, or neither")
      default:
        stats = RunningStats(
          mean: try Convert.tensor(a[3], "batch_norm"), variance: try Convert.tensor(a[4], "batch_norm"),
          decay: Float(try a.number(6)))
      }
      return .tensor(
        try t.batchNorm(
          gamma: Convert.tensor(a[1], "batch_norm"), beta: Convert.tensor(a[2], "batch_norm"),
          running: stats, training: a[5].isTruthy, eps: Float(a.number(7)), relu: a[8].isTruthy))
    },
    op("item", [], "The single value of a one-element tensor, as a number.") { t, _ in .float32(try t.item()) },
    op("tolist", [], "The values as nested lists.") { t, _ in Convert.nested(t) },
    op("backward", [p("gradient", .null)], "Back-propagates from a scalar (or with a gradient of the same shape).") {
      t, a in
      if case .null = a[1] { try t.backward() } else { try t.backward(gradient: Convert.tensor(a[1], "backward")) }
      return .null
    },
    op("zero_grad", [], "Clears .grad.") { t, _ in
      t.zeroGrad()
      return .null
    },
    op("requires_grad_", [p("flag", .bool(true))], "Marks the tensor as a leaf that receives gradients; returns it.") {
      t, a in
      t.requiresGrad = a[1].isTruthy
      return a[0]
    },
  ]

  static func optionalFloat(_ a: Arguments, _ i: Int) throws -> Float? {
    if case .null = a[i] { return nil }
    return Float(try a.number(i))
  }

  static func optionalTensor(_ a: Arguments, _ i: Int, _ function: String) throws -> Tensor? {
    if case .null = a[i] { return nil }
    return try Convert.tensor(a[i], function)
  }
}
