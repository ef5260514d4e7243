import Dispatch

/// Runs `body(workerIndex, range)` over `0..<count` (the images of a batch, or a depthwise convolution's
/// channels) split among workers, BLAS single-threaded inside. Stops early (and throws) when
/// cancellation is requested.
func forWorkerChunks(_ count: Int, op: String, _ body: @Sendable (Int, Range<Int>, CancellationToken) -> Void) throws {
  let token = Cancellation.current
  let workers = Swift.min(Parallel.workers, count)
  if workers <= 1 {
    body(0, 0..<count, token)
  } else {
    BLASThreads.withSingleThread {
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        body(w, (count * w / workers)..<(count * (w + 1) / workers), token)
      }
    }
  }
  try Cancellation.check(op)
}

extension Tensor {
  /// 2-D convolution (cross-correlation) of x (N, C, H, W) with weight (C_out, C/groups, kH, kW) and an
  /// optional bias (C_out). `groups` = C gives a depthwise convolution.
  public func conv2d(
    _ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1
  ) throws -> Tensor {
    let geo = try ConvGeometry(
      input: shape, weight: weight.shape, stride: stride, padding: padding, dilation: dilation, groups: groups)
    if let bias, bias.shape != [geo.outChannels] {
      throw TensorError.shape("conv2d", "bias must have shape [\(geo.outChannels)], got \(shapeString(bias.shape))")
    }
    let outShape = [geo.batch, geo.outChannels, geo.outH, geo.outW]
    let out = TensorStorage(uninitializedCount: try Shape.validate(outShape, op: "conv2d"))
    let direct = DirectConv3x3.applies(to: geo) ? DirectConv3x3(geo) : nil
    if geo.isDepthwise {
      try depthwiseForward(geo, x: storage.pointer, w: weight.storage.pointer, out: out.pointer)
    } else if let direct {
      try direct.forward(x: storage.pointer, w: weight.storage.pointer, out: out.pointer)
    } else {
      try gemmForward(geo, x: storage.pointer, w: weight.storage.pointer, out: out.pointer)
    }
    if let bias {
      let plane = geo.outPlane
      let bp = bias.storage.pointer
      for n in 0..<geo.batch {
        for c in 0..<geo.outChannels {
          let p = out.pointer + (n * geo.outChannels + c) * plane
          let b = bp[c]
          for i in 0..<plane { p[i] += b }
        }
      }
    }
    let x = detached()
    let w = weight.detached()
    var inputs = [self, weight]
    if let bias { inputs.append(bias) }
    return Tensor.record(shape: outShape, storage: out, inputs: inputs) { g in
      // The direct kernels overwrite every gradient value; the others accumulate into zeros.
      let dx = direct != nil ? TensorStorage(uninitializedCount: x.count) : TensorStorage(count: x.count, repeating: 0)
      let dw = direct != nil ? TensorStorage(uninitializedCount: w.count) : TensorStorage(count: w.count, repeating: 0)
      if let direct {
        try direct.backward(
          x: x.storage.pointer, w: w.storage.pointer, g: g.storage.pointer, dx: dx.pointer, dw: dw.pointer)
      } else if geo.isDepthwise {
        try depthwiseBackward(
          geo, x: x.storage.pointer, w: w.storage.pointer, g: g.storage.pointer, dx: dx.pointer, dw: dw.pointer)
      } else {
        try gemmBackward(
          geo, x: x.storage.pointer, w: w.storage.pointer, g: g.storage.pointer, dx: dx.pointer, dw: dw.pointer)
      }
      var grads: [Tensor?] = [Tensor(shape: x.shape, storage: dx), Tensor(shape: w.shape, storage: dw)]
      if bias != nil { grads.append(try g.sum(axes: [0, 2, 3])) }
      return grads
    }
  }
}

/// Images unfolded together into one column matrix, so that small planes still make wide GEMMs:
/// as many as fit in about 1 MB of columns.
private func imagesPerChunk(_ geo: ConvGeometry) -> Int {
  Swift.max(1, (1 << 18) / Swift.max(geo.colRows * geo.outPlane, 1))
}

private func gemmForward(
  _ geo: ConvGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
) throws {
  let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
  let ws = SendablePointer(UnsafeMutablePointer(mutating: w))
  let os = SendablePointer(out)
  let plane = geo.outPlane
  try forWorkerChunks(geo.batch, op: "conv2d") { _, images, token in
    if geo.isPointwise {
      for n in images where !token.isRequested {
        for gi in 0..<geo.groups {
          blockedSgemm(
            transB: false, m: geo.outPerGroup, n: plane, k: geo.colRows, ws.pointer + geo.weightOffset(group: gi),
            xs.pointer + geo.inputOffset(image: n, group: gi), os.pointer + geo.outputOffset(image: n, group: gi),
            token: token)
        }
      }
      return
    }
    forUnfoldedChunks(geo, x: xs.pointer, images: images, token: token) { start, count, gi, col, product in
      blockedSgemm(
        transB: false, m: geo.outPerGroup, n: count * plane, k: geo.colRows, ws.pointer + geo.weightOffset(group: gi),
        col, product, token: token)
      scatter(
        product, count: count, channels: geo.outPerGroup, plane: plane,
        into: os.pointer + geo.outputOffset(image: start, group: gi), imageStride: geo.outChannels * plane)
    }
  }
}

/// Runs `body(start, count, group, col, scratch)` for the images of `images`, `imagesPerChunk` at a
/// time, and each group: `col` holds that group of those images unfolded side by side (rows
/// `count · outPlane` wide) and `scratch` has room for `outPerGroup` such rows. Stops between chunks
/// when cancellation is requested.
private func forUnfoldedChunks(
  _ geo: ConvGeometry, x: UnsafePointer<Float>, images: Range<Int>, token: CancellationToken,
  _ body: (Int, Int, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
) {
  let chunk = imagesPerChunk(geo)
  ScratchBuffers.with(geo.colRows * geo.outPlane * chunk) { col in
    ScratchBuffers.with(geo.outPerGroup * geo.outPlane * chunk) { scratch in
      for start in stride(from: images.lowerBound, to: images.upperBound, by: chunk) where !token.isRequested {
        let count = Swift.min(chunk, images.upperBound - start)
        for gi in 0..<geo.groups {
          geo.im2col(images: x, start, count, group: gi, into: col)
          body(start, count, gi, col, scratch)
        }
      }
    }
  }
}

/// Copies `channels` planes of `count` NCHW images into one matrix (channels × count·plane, images side by
/// side): the layout of a GEMM over several images at once. `scatter` is its inverse.
private func gather(
  _ first: UnsafePointer<Float>, imageStride: Int, count: Int, channels: Int, plane: Int,
  into matrix: UnsafeMutablePointer<Float>
) {
  let width = count * plane
  for i in 0..<count {
    for c in 0..<channels {
      (matrix + c * width + i * plane).update(from: first + i * imageStride + c * plane, count: plane)
    }
  }
}

/// Copies a GEMM product (channels × count·plane, images side by side) into NCHW images.
private func scatter(
  _ product: UnsafeMutablePointer<Float>, count: Int, channels: Int, plane: Int,
  into first: UnsafeMutablePointer<Float>, imageStride: Int
) {
  let width = count * plane
  for i in 0..<count {
    for c in 0..<channels {
      (first + i * imageStride + c * plane).update(from: product + c * width + i * plane, count: plane)
    }
  }
}

private func gemmBackward(
  _ geo: ConvGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, g: UnsafePointer<Float>,
  dx: UnsafeMutablePointer<Float>, dw: UnsafeMutablePointer<Float>
) throws {
  let workers = Swift.min(Parallel.workers, geo.batch)
  let weightCount = geo.outChannels * geo.colRows
  // Each worker accumulates its own weight gradient; they are summed at the end.
  let partials = UnsafeMutablePointer<Float>.allocate(capacity: weightCount * workers)
  partials.initialize(repeating: 0, count: weightCount * workers)
  defer { partials.deallocate() }
  let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
  let ws = SendablePointer(UnsafeMutablePointer(mutating: w))
  let gs = SendablePointer(UnsafeMutablePointer(mutating: g))
  let dxs = SendablePointer(dx)
  let ps = SendablePointer(partials)
  let plane = geo.outPlane
  try forWorkerChunks(geo.batch, op: "conv2d backward") { worker, images, token in
    let dwLocal = ps.pointer + worker * weightCount
    if geo.isPointwise {
      for n in images where !token.isRequested {
        for gi in 0..<geo.groups {
          let xg = xs.pointer + geo.inputOffset(image: n, group: gi)
          let dxg = dxs.pointer + geo.inputOffset(image: n, group: gi)
          let gg = gs.pointer + geo.outputOffset(image: n, group: gi)
          let wg = ws.pointer + geo.weightOffset(group: gi)
          blockedSgemm(
            transB: true, m: geo.outPerGroup, n: geo.colRows, k: plane, gg, xg, dwLocal + geo.weightOffset(group: gi),
            accumulate: true, token: token)
          blockedSgemm(
            transA: true, transB: false, m: geo.colRows, n: plane, k: geo.outPerGroup, wg, gg, dxg, accumulate: true,
            token: token)
        }
      }
      return
    }
    forUnfoldedChunks(geo, x: xs.pointer, images: images, token: token) { start, count, gi, col, gathered in
      let width = count * plane
      gather(
        gs.pointer + geo.outputOffset(image: start, group: gi), imageStride: geo.outChannels * plane,
        count: count, channels: geo.outPerGroup, plane: plane, into: gathered)
      let wg = ws.pointer + geo.weightOffset(group: gi)
      blockedSgemm(
        transB: true, m: geo.outPerGroup, n: geo.colRows, k: width, gathered, col,
        dwLocal + geo.weightOffset(group: gi), accumulate: true, token: token)
      blockedSgemm(
        transA: true, transB: false, m: geo.colRows, n: width, k: geo.outPerGroup, wg, gathered, col, token: token)
      for i in 0..<count {
        geo.col2im(col + i * plane, dxs.pointer + geo.inputOffset(image: start + i, group: gi), rowStride: width)
      }
    }
  }
  for wIdx in 0..<workers {
    let p = partials + wIdx * weightCount
    for i in 0..<weightCount { dw[i] += p[i] }
  }
}
