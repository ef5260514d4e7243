import EvoTensor

/// Evaluates a layer graph node by node with EvoTensor operations, so that autodiff reaches x, v0, v1,
/// gamma and beta.
struct GraphEvaluator {
  let layer: GraphLayer
  let input: Tensor

  func run() throws -> Tensor {
    let graph = layer.graph
    let x = input
    var values: [Tensor] = [x, try Tensor.zeros([1, 1, 1, 1]), layer.v0, layer.v1]
    values.reserveCapacity(graph.nodeCount)
    for (i, node) in graph.nodes.enumerated() {
      let a = values[node.inputs[0]]
      let b = node.inputs.count > 1 ? values[node.inputs[1]] : a
      values.append(try apply(node.primitive, a, b, index: LayerGraph.leafCount + i, inputIndex: node.inputs[0]))
    }
    var y = values[graph.output]
    if y.shape != x.shape { y = try y.broadcast(to: x.shape) }
    return graph.affine ? try y * layer.gamma + layer.beta : y
  }

  private func apply(_ primitive: Primitive, _ a: Tensor, _ b: Tensor, index: Int, inputIndex: Int) throws -> Tensor {
    if case .aggregate(let statistic, let axes) = primitive {
      let full = a.shape == input.shape ? a : try a.broadcast(to: input.shape)
      return try aggregate(full, statistic, axes, index: index)
    }
    let readingStatistic = layer.graph.primitive(at: inputIndex)?.isNonNegativeStatistic == true
    guard let rule = primitive.rule(readingStatistic: readingStatistic) else {
      throw GraphError.invalid("\(primitive.name) has no element-wise rule")
    }
    return try rule.tensor(a, b, eps: layer.options.eps)
  }

  private func aggregate(_ x: Tensor, _ statistic: Statistic, _ axes: AggregationAxes, index: Int) throws -> Tensor {
    switch axes {
    case .batch:
      guard let moving = layer.movingAverages[index] else { return try statistic.compute(x, axes: [0, 2, 3]) }
      if !layer.training { return moving }
      let value = try statistic.compute(x, axes: [0, 2, 3])
      let decay = layer.options.decay
      value.withData { batch in
        moving.withMutableData { average in
          for c in average.indices { average[c] = decay * average[c] + (1 - decay) * batch[c] }
        }
      }
      return value
    case .layer:
      return try statistic.compute(x, axes: [1, 2, 3])
    case .instance:
      return try statistic.compute(x, axes: [2, 3])
    case .group:
      let n = x.shape[0]
      let c = x.shape[1]
      let g = layer.groups
      let grouped = try x.reshape([n, g, -1])
      let value = try statistic.compute(grouped, axes: [2])
      return try value.broadcast(to: [n, g, c / g]).reshape([n, c, 1, 1])
    }
  }
}

extension Statistic {
  /// The statistic of x over `axes`, dimensions kept.
  func compute(_ x: Tensor, axes: [Int]) throws -> Tensor {
    switch self {
    case .mean: return try x.mean(axes: axes, keepdims: true)
    case .secondMoment: return try x.square().mean(axes: axes, keepdims: true)
    case .variance: return try x.variance(axes: axes, keepdims: true)
    }
  }
}
