extension Tensor {
  private func poolGeometry(kernel: Int, stride: Int?, padding: Int, op: String) throws -> (Int, Int, Int, Int) {
    guard rank == 4 else { throw TensorError.shape(op, "input must be (N, C, H, W), got \(shapeString(shape))") }
    let s = stride ?? kernel
    guard kernel >= 1, s >= 1, padding >= 0, padding * 2 <= kernel else {
      throw TensorError.argument(
        op, "kernel \(kernel), stride \(s), padding \(padding): need kernel, stride ≥ 1 and padding ≤ kernel/2")
    }
    let oh = (shape[2] + 2 * padding - kernel) / s + 1
    let ow = (shape[3] + 2 * padding - kernel) / s + 1
    guard shape[2] + 2 * padding >= kernel, shape[3] + 2 * padding >= kernel else {
      throw TensorError.shape(op, "kernel \(kernel) does not fit input \(shape[2])×\(shape[3])")
    }
    return (s, oh, ow, shape[0] * shape[1])
  }

  /// Max pooling over `kernel`×`kernel` windows (stride defaults to the kernel); padding counts as −∞.
  public func maxPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) throws -> Tensor {
    let (s, oh, ow, planes) = try poolGeometry(kernel: kernel, stride: stride, padding: padding, op: "max_pool2d")
    let h = shape[2]
    let w = shape[3]
    let out = TensorStorage(uninitializedCount: planes * oh * ow)
    var argmax = [Int](repeating: 0, count: planes * oh * ow)
    let src = storage.pointer
    for p in 0..<planes {
      for i in 0..<oh {
        for j in 0..<ow {
          var best = -Float.infinity
          var bestIndex = -1
          for ki in 0..<kernel {
            let y = i * s - padding + ki
            guard y >= 0 && y < h else { continue }
            for kj in 0..<kernel {
              let x = j * s - padding + kj
              guard x >= 0 && x < w else { continue }
              let idx = (p * h + y) * w + x
              if src[idx] > best || bestIndex < 0 {
                best = src[idx]
                bestIndex = idx
              }
            }
          }
          let o = (p * oh + i) * ow + j
          out.pointer[o] = best
          argmax[o] = bestIndex
        }
      }
    }
    let inShape = shape
    let total = count
    return Tensor.record(shape: [shape[0], shape[1], oh, ow], storage: out, inputs: [self]) { g in
      let dx = TensorStorage(count: total, repeating: 0)
      for (o, idx) in argmax.enumerated() { dx.pointer[idx] += g.storage.pointer[o] }
      return [Tensor(shape: inShape, storage: dx)]
    }
  }

  /// Average pooling over `kernel`×`kernel` windows (stride defaults to the kernel); padding counts as 0.
  public func avgPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) throws -> Tensor {
    let (s, oh, ow, planes) = try poolGeometry(kernel: kernel, stride: stride, padding: padding, op: "avg_pool2d")
    let h = shape[2]
    let w = shape[3]
    let scale = 1 / Float(kernel * kernel)
    let out = TensorStorage(count: planes * oh * ow, repeating: 0)
    let visit: (Int, Int, Int, (Int, Int) -> Void) -> Void = { p, i, j, body in
      for ki in 0..<kernel {
        let y = i * s - padding + ki
        guard y >= 0 && y < h else { continue }
        for kj in 0..<kernel {
          let x = j * s - padding + kj
          if x >= 0 && x < w { body((p * h + y) * w + x, (p * oh + i) * ow + j) }
        }
      }
    }
    let src = storage.pointer
    for p in 0..<planes {
      for i in 0..<oh { for j in 0..<ow { visit(p, i, j) { idx, o in out.pointer[o] += src[idx] * scale } } }
    }
    let inShape = shape
    let total = count
    return Tensor.record(shape: [shape[0], shape[1], oh, ow], storage: out, inputs: [self]) { g in
      let dx = TensorStorage(count: total, repeating: 0)
      let gp = g.storage.pointer
      for p in 0..<planes {
        for i in 0..<oh { for j in 0..<ow { visit(p, i, j) { idx, o in dx.pointer[idx] += gp[o] * scale } } }
      }
      return [Tensor(shape: inShape, storage: dx)]
    }
  }

  /// Mean over the spatial dimensions: (N, C, H, W) → (N, C).
  public func globalAvgPool() throws -> Tensor {
    guard rank == 4 else {
      throw TensorError.shape("global_avg_pool", "input must be (N, C, H, W), got \(shapeString(shape))")
    }
    return try mean(axes: [2, 3])
  }

  /// Nearest-neighbour upsampling by 2 in H and W.
  public func upsampleNearest2x() throws -> Tensor {
    guard rank == 4 else {
      throw TensorError.shape("upsample", "input must be (N, C, H, W), got \(shapeString(shape))")
    }
    let n = shape[0]
    let c = shape[1]
    let h = shape[2]
    let w = shape[3]
    let expanded = try reshape([n, c, h, 1, w, 1]).broadcast(to: [n, c, h, 2, w, 2])
    return try expanded.reshape([n, c, 2 * h, 2 * w])
  }
}
