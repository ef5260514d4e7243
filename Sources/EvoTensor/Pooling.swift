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
  /// Planes are split over the workers in both directions.
  public func avgPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) throws -> Tensor {
    let (s, oh, ow, planes) = try poolGeometry(kernel: kernel, stride: stride, padding: padding, op: "avg_pool2d")
    let window = PoolWindow(h: shape[2], w: shape[3], oh: oh, ow: ow, kernel: kernel, stride: s, padding: padding)
    let scale = 1 / Float(kernel * kernel)
    let out = TensorStorage(count: planes * oh * ow, repeating: 0)
    let src = SendablePointer(storage.pointer)
    let dst = SendablePointer(out.pointer)
    let halving = kernel == 2 && s == 2 && padding == 0
    Parallel.forRanges(planes, minimumPerWorker: 16) { range in
      for p in range {
        let x = src.pointer + p * window.inputSize
        let y = dst.pointer + p * window.outputSize
        if halving {
          window.sumSquares(x, into: y, scale: scale)
        } else {
          window.forEachPixel { i, o in y[o] += x[i] * scale }
        }
      }
    }
    let inShape = shape
    let total = count
    return Tensor.record(shape: [shape[0], shape[1], oh, ow], storage: out, inputs: [self]) { g in
      let dx = TensorStorage(count: total, repeating: 0)
      let gp = SendablePointer(g.storage.pointer)
      let dxp = SendablePointer(dx.pointer)
      Parallel.forRanges(planes, minimumPerWorker: 16) { range in
        for p in range {
          let gy = gp.pointer + p * window.outputSize
          let gx = dxp.pointer + p * window.inputSize
          if halving {
            window.spreadSquares(gy, into: gx, scale: scale)
          } else {
            window.forEachPixel { i, o in gx[i] += gy[o] * scale }
          }
        }
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
    let h = shape[2]
    let w = shape[3]
    let planes = shape[0] * shape[1]
    // Input and output of the 2×2 windows that the output's pixels repeat (the gradient sums them).
    let window = PoolWindow(h: 2 * h, w: 2 * w, oh: h, ow: w, kernel: 2, stride: 2, padding: 0)
    let out = TensorStorage(uninitializedCount: planes * 4 * h * w)
    let src = SendablePointer(storage.pointer)
    let dst = SendablePointer(out.pointer)
    Parallel.forRanges(planes, minimumPerWorker: 16) { range in
      for p in range {
        window.spreadSquares(src.pointer + p * h * w, into: dst.pointer + p * 4 * h * w, scale: 1)
      }
    }
    let inShape = shape
    return Tensor.record(shape: [shape[0], shape[1], 2 * h, 2 * w], storage: out, inputs: [self]) { g in
      let dx = TensorStorage(uninitializedCount: planes * h * w)
      let gp = SendablePointer(g.storage.pointer)
      let dxp = SendablePointer(dx.pointer)
      Parallel.forRanges(planes, minimumPerWorker: 16) { range in
        for p in range {
          window.sumSquares(gp.pointer + p * 4 * h * w, into: dxp.pointer + p * h * w, scale: 1)
        }
      }
      return [Tensor(shape: inShape, storage: dx)]
    }
  }
}

/// The windows of a 2-D pooling over one plane: input h×w, output oh×ow.
struct PoolWindow: Sendable {
  let h: Int
  let w: Int
  let oh: Int
  let ow: Int
  let kernel: Int
  let stride: Int
  let padding: Int

  var inputSize: Int { h * w }
  var outputSize: Int { oh * ow }

  /// For 2×2 windows with stride 2 and no padding: y[i][j] = scale · (sum of the window's four inputs).
  @inline(__always)
  func sumSquares(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, scale: Float) {
    for i in 0..<oh {
      let top = x + 2 * i * w
      let bottom = top + w
      let row = y + i * ow
      for j in 0..<ow { row[j] = scale * ((top[2 * j] + top[2 * j + 1]) + (bottom[2 * j] + bottom[2 * j + 1])) }
    }
  }

  /// For 2×2 windows with stride 2 and no padding: every input of window (i, j) set to scale · y[i][j]
  /// (inputs outside every window, the last row or column of an odd size, are set to 0).
  @inline(__always)
  func spreadSquares(_ y: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, scale: Float) {
    if 2 * oh < h || 2 * ow < w { x.update(repeating: 0, count: h * w) }
    for i in 0..<oh {
      let top = x + 2 * i * w
      let bottom = top + w
      let row = y + i * ow
      for j in 0..<ow {
        let v = scale * row[j]
        top[2 * j] = v
        top[2 * j + 1] = v
        bottom[2 * j] = v
        bottom[2 * j + 1] = v
      }
    }
  }

  /// Calls `body(input, output)` for every input pixel inside every output pixel's window (indices within
  /// one plane), skipping the padding.
  @inline(__always)
  func forEachPixel(_ body: (Int, Int) -> Void) {
    for i in 0..<oh {
      let y0 = i * stride - padding
      let ky = Swift.max(0, -y0)..<Swift.min(kernel, h - y0)
      for j in 0..<ow {
        let x0 = j * stride - padding
        let kx = Swift.max(0, -x0)..<Swift.min(kernel, w - x0)
        let o = i * ow + j
        for ki in ky {
          let row = (y0 + ki) * w + x0
          for kj in kx { body(row + kj, o) }
        }
      }
    }
  }
}
