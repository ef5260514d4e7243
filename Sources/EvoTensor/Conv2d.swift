import Dispatch

/// The sizes of one 2-D convolution, checked once and shared by the forward and backward kernels.
struct ConvGeometry {
  let batch: Int, inChannels: Int, height: Int, width: Int
  let outChannels: Int, kernelH: Int, kernelW: Int
  let stride: Int, padding: Int, dilation: Int, groups: Int
  let outH: Int, outW: Int

  var inPerGroup: Int { inChannels / groups }
  var outPerGroup: Int { outChannels / groups }
  /// Rows of the column matrix of one group: (C/g)·kh·kw.
  var colRows: Int { inPerGroup * kernelH * kernelW }
  var outPlane: Int { outH * outW }
  var inPlane: Int { height * width }
  /// A 1×1, stride-1, unpadded convolution reads the input directly as its column matrix.
  var isPointwise: Bool { kernelH == 1 && kernelW == 1 && stride == 1 && padding == 0 }
  /// One filter per channel (depthwise), computed by direct loops instead of GEMMs.
  var isDepthwise: Bool { groups == inChannels && outChannels == inChannels && groups > 1 }

  init(input: [Int], weight: [Int], stride: Int, padding: Int, dilation: Int, groups: Int) throws {
    let op = "conv2d"
    guard input.count == 4 else { throw TensorError.shape(op, "input must be (N, C, H, W), got \(shapeString(input))") }
    guard weight.count == 4 else {
      throw TensorError.shape(op, "weight must be (C_out, C_in/groups, kH, kW), got \(shapeString(weight))")
    }
    // The upper bound keeps every size computed below far from overflow.
    let bound = 1 << 31
    guard (1...bound).contains(stride), (1...bound).contains(dilation), (0...bound).contains(padding), groups >= 1
    else {
      throw TensorError.argument(
        op,
        "stride and dilation must be in 1...2^31, padding in 0...2^31, groups ≥ 1 (got stride \(stride), padding \(padding), dilation \(dilation), groups \(groups))"
      )
    }
    batch = input[0]
    inChannels = input[1]
    height = input[2]
    width = input[3]
    outChannels = weight[0]
    kernelH = weight[2]
    kernelW = weight[3]
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
    self.groups = groups
    guard inChannels % groups == 0, outChannels % groups == 0 else {
      throw TensorError.shape(
        op, "groups \(groups) must divide input channels \(inChannels) and output channels \(outChannels)")
    }
    guard weight[1] == inChannels / groups else {
      throw TensorError.shape(
        op,
        "weight \(shapeString(weight)) expects \(weight[1] * groups) input channels, input \(shapeString(input)) has \(inChannels)"
      )
    }
    let spanH = height + 2 * padding - dilation * (kernelH - 1) - 1
    let spanW = width + 2 * padding - dilation * (kernelW - 1) - 1
    outH = spanH / stride + 1
    outW = spanW / stride + 1
    guard spanH >= 0, spanW >= 0, kernelH > 0, kernelW > 0 else {
      throw TensorError.shape(
        op,
        "kernel \(kernelH)×\(kernelW) (dilation \(dilation)) does not fit input \(height)×\(width) with padding \(padding)"
      )
    }
  }

  /// A stride-1 convolution whose output has the input's size ("same" padding): every column-matrix row
  /// is the input plane shifted by a constant offset, so it is filled by one block copy.
  var isSameSizeStrideOne: Bool { stride == 1 && outH == height && outW == width }

  /// For kernel tap (ki, kj) of a same-size convolution: the valid output rows, the flat offset from an
  /// output position to its input position, and the column shift.
  @inline(__always)
  private func sameSizeTap(_ ki: Int, _ kj: Int) -> (rows: Range<Int>, offset: Int, shift: Int) {
    let rowShift = ki * dilation - padding
    let shift = kj * dilation - padding
    let lo = Swift.max(0, -rowShift)
    let hi = Swift.min(outH, height - rowShift)
    return (lo..<Swift.max(lo, hi), rowShift * width + shift, shift)
  }

  private func im2colSameSize(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, rowStride: Int) {
    for c in 0..<inPerGroup {
      let plane = x + c * inPlane
      for ki in 0..<kernelH {
        for kj in 0..<kernelW {
          let row = col + ((c * kernelH + ki) * kernelW + kj) * rowStride
          let (rows, offset, shift) = sameSizeTap(ki, kj)
          guard !rows.isEmpty else {
            row.update(repeating: 0, count: outPlane)
            continue
          }
          row.update(repeating: 0, count: rows.lowerBound * width)
          (row + rows.upperBound * width).update(repeating: 0, count: (outH - rows.upperBound) * width)
          // One block copy of the valid rows; its first or last |shift| elements would read outside the
          // plane, and in every row the |shift| wrapped-around columns are zeroed afterwards.
          let start = rows.lowerBound * width
          let count = rows.count * width
          let skipHead = Swift.max(0, -shift)
          let skipTail = Swift.max(0, shift)
          (row + start + skipHead).update(from: plane + start + offset + skipHead, count: count - skipHead - skipTail)
          for oh in rows {
            let r = row + oh * width
            for ow in 0..<skipHead { r[ow] = 0 }
            for ow in (width - skipTail)..<width { r[ow] = 0 }
          }
        }
      }
    }
  }

  /// col2im for a same-size convolution; zeroes the wrapped-around entries of `col` before one block add.
  private func col2imSameSize(_ col: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>, rowStride: Int) {
    for c in 0..<inPerGroup {
      let plane = dx + c * inPlane
      for ki in 0..<kernelH {
        for kj in 0..<kernelW {
          let row = col + ((c * kernelH + ki) * kernelW + kj) * rowStride
          let (rows, offset, shift) = sameSizeTap(ki, kj)
          guard !rows.isEmpty else { continue }
          let skipHead = Swift.max(0, -shift)
          let skipTail = Swift.max(0, shift)
          for oh in rows {
            let r = row + oh * width
            for ow in 0..<skipHead { r[ow] = 0 }
            for ow in (width - skipTail)..<width { r[ow] = 0 }
          }
          let start = rows.lowerBound * width + skipHead
          let count = rows.count * width - skipHead - skipTail
          let src = row + start
          let dst = plane + start + offset
          for i in 0..<count { dst[i] += src[i] }
        }
      }
    }
  }

  /// The output columns `ow` whose input column `ow·stride + base` lies inside the image.
  @inline(__always)
  func validColumns(base: Int) -> Range<Int> {
    let lo = base >= 0 ? 0 : (-base + stride - 1) / stride
    let hi = width - base <= 0 ? 0 : Swift.min(outW, (width - base + stride - 1) / stride)
    return lo..<Swift.max(lo, hi)
  }

  /// Unfolds one group of one image (C/g, H, W) into columns (C/g·kh·kw, outH·outW) whose rows lie
  /// `rowStride` floats apart (several images share one column matrix side by side).
  func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, rowStride: Int) {
    if isSameSizeStrideOne { return im2colSameSize(x, col, rowStride: rowStride) }
    for c in 0..<inPerGroup {
      for ki in 0..<kernelH {
        for kj in 0..<kernelW {
          let row = col + ((c * kernelH + ki) * kernelW + kj) * rowStride
          let plane = x + c * inPlane
          let base = kj * dilation - padding
          let valid = validColumns(base: base)
          for oh in 0..<outH {
            let ih = oh * stride - padding + ki * dilation
            let dst = row + oh * outW
            // Rows are short (7 to 32 floats): plain loops beat memcpy/memset calls here.
            guard ih >= 0 && ih < height, !valid.isEmpty else {
              for ow in 0..<outW { dst[ow] = 0 }
              continue
            }
            let src = plane + ih * width + base
            for ow in 0..<valid.lowerBound { dst[ow] = 0 }
            if stride == 1 {
              for ow in valid { dst[ow] = src[ow] }
            } else {
              for ow in valid { dst[ow] = src[ow * stride] }
            }
            for ow in valid.upperBound..<outW { dst[ow] = 0 }
          }
        }
      }
    }
  }

  /// Folds column gradients (rows `rowStride` apart) back into one group of one image, adding into `dx`.
  func col2im(_ col: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>, rowStride: Int) {
    if isSameSizeStrideOne { return col2imSameSize(col, dx, rowStride: rowStride) }
    for c in 0..<inPerGroup {
      for ki in 0..<kernelH {
        for kj in 0..<kernelW {
          let row = col + ((c * kernelH + ki) * kernelW + kj) * rowStride
          let plane = dx + c * inPlane
          let base = kj * dilation - padding
          let valid = validColumns(base: base)
          for oh in 0..<outH {
            let ih = oh * stride - padding + ki * dilation
            guard ih >= 0 && ih < height else { continue }
            let src = row + oh * outW
            let dst = plane + ih * width + base
            if stride == 1 {
              for ow in valid { dst[ow] += src[ow] }
            } else {
              for ow in valid { dst[ow * stride] += src[ow] }
            }
          }
        }
      }
    }
  }
}

/// Runs `body(workerIndex, imageRange)` over the batch split among workers, BLAS single-threaded inside.
/// Stops early (and throws) when cancellation is requested.
func forImageChunks(_ batch: Int, op: String, _ body: @Sendable (Int, Range<Int>, CancellationToken) -> Void) throws {
  let token = Cancellation.current
  let workers = Swift.min(Parallel.workers, batch)
  if workers <= 1 {
    body(0, 0..<batch, token)
  } else {
    BLASThreads.withSingleThread {
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        body(w, (batch * w / workers)..<(batch * (w + 1) / workers), token)
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
  let chunk = imagesPerChunk(geo)
  let plane = geo.outPlane
  try forImageChunks(geo.batch, op: "conv2d") { _, images, token in
    if geo.isPointwise {
      for n in images where !token.isRequested {
        for gi in 0..<geo.groups {
          blockedSgemm(
            transB: false, m: geo.outPerGroup, n: plane, k: geo.colRows,
            ws.pointer + gi * geo.outPerGroup * geo.colRows,
            xs.pointer + (n * geo.inChannels + gi * geo.inPerGroup) * geo.inPlane,
            os.pointer + (n * geo.outChannels + gi * geo.outPerGroup) * plane, token: token)
        }
      }
      return
    }
    ScratchBuffers.with(geo.colRows * plane * chunk) { col in
      ScratchBuffers.with(geo.outPerGroup * plane * chunk) { product in
        for start in stride(from: images.lowerBound, to: images.upperBound, by: chunk) where !token.isRequested {
          let count = Swift.min(chunk, images.upperBound - start)
          let width = count * plane
          for gi in 0..<geo.groups {
            for i in 0..<count {
              geo.im2col(
                xs.pointer + ((start + i) * geo.inChannels + gi * geo.inPerGroup) * geo.inPlane, col + i * plane,
                rowStride: width)
            }
            blockedSgemm(
              transB: false, m: geo.outPerGroup, n: width, k: geo.colRows,
              ws.pointer + gi * geo.outPerGroup * geo.colRows, col, product, token: token)
            scatter(
              product, count: count, channels: geo.outPerGroup, plane: plane,
              into: os.pointer + (start * geo.outChannels + gi * geo.outPerGroup) * plane,
              imageStride: geo.outChannels * plane)
          }
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
  let chunk = geo.isPointwise ? 1 : imagesPerChunk(geo)
  let plane = geo.outPlane
  try forImageChunks(geo.batch, op: "conv2d backward") { worker, images, token in
    let dwLocal = ps.pointer + worker * weightCount
    if geo.isPointwise {
      for n in images where !token.isRequested {
        for gi in 0..<geo.groups {
          let xg = xs.pointer + (n * geo.inChannels + gi * geo.inPerGroup) * geo.inPlane
          let dxg = dxs.pointer + (n * geo.inChannels + gi * geo.inPerGroup) * geo.inPlane
          let gg = gs.pointer + (n * geo.outChannels + gi * geo.outPerGroup) * plane
          let wg = ws.pointer + gi * geo.outPerGroup * geo.colRows
          blockedSgemm(
            transB: true, m: geo.outPerGroup, n: geo.colRows, k: plane, gg, xg,
            dwLocal + gi * geo.outPerGroup * geo.colRows, accumulate: true, token: token)
          blockedSgemm(
            transA: true, transB: false, m: geo.colRows, n: plane, k: geo.outPerGroup, wg, gg, dxg, accumulate: true,
            token: token)
        }
      }
      return
    }
    ScratchBuffers.with(geo.colRows * plane * chunk) { col in
      ScratchBuffers.with(geo.outPerGroup * plane * chunk) { gathered in
        for start in stride(from: images.lowerBound, to: images.upperBound, by: chunk) where !token.isRequested {
          let count = Swift.min(chunk, images.upperBound - start)
          let width = count * plane
          for gi in 0..<geo.groups {
            for i in 0..<count {
              geo.im2col(
                xs.pointer + ((start + i) * geo.inChannels + gi * geo.inPerGroup) * geo.inPlane, col + i * plane,
                rowStride: width)
            }
            gather(
              gs.pointer + (start * geo.outChannels + gi * geo.outPerGroup) * plane,
              imageStride: geo.outChannels * plane,
              count: count, channels: geo.outPerGroup, plane: plane, into: gathered)
            let wg = ws.pointer + gi * geo.outPerGroup * geo.colRows
            blockedSgemm(
              transB: true, m: geo.outPerGroup, n: geo.colRows, k: width, gathered, col,
              dwLocal + gi * geo.outPerGroup * geo.colRows, accumulate: true, token: token)
            blockedSgemm(
              transA: true, transB: false, m: geo.colRows, n: width, k: geo.outPerGroup, wg, gathered, col, token: token
            )
            for i in 0..<count {
              geo.col2im(
                col + i * plane, dxs.pointer + ((start + i) * geo.inChannels + gi * geo.inPerGroup) * geo.inPlane,
                rowStride: width)
            }
          }
        }
      }
    }
  }
  for wIdx in 0..<workers {
    let p = partials + wIdx * weightCount
    for i in 0..<weightCount { dw[i] += p[i] }
  }
}

/// Calls `body(channelRange)` over channels split among workers.
private func forChannelChunks(
  _ channels: Int, op: String, _ body: @Sendable (Range<Int>, CancellationToken) -> Void
) throws {
  let token = Cancellation.current
  let workers = Swift.min(Parallel.workers, channels)
  DispatchQueue.concurrentPerform(iterations: workers) { w in
    body((channels * w / workers)..<(channels * (w + 1) / workers), token)
  }
  try Cancellation.check(op)
}

private func depthwiseForward(
  _ geo: ConvGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
) throws {
  let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
  let ws = SendablePointer(UnsafeMutablePointer(mutating: w))
  let os = SendablePointer(out)
  let kArea = geo.kernelH * geo.kernelW
  try forChannelChunks(geo.inChannels, op: "conv2d") { channels, token in
    for n in 0..<geo.batch where !token.isRequested {
      for c in channels {
        let plane = xs.pointer + (n * geo.inChannels + c) * geo.inPlane
        let dst = os.pointer + (n * geo.inChannels + c) * geo.outPlane
        dst.update(repeating: 0, count: geo.outPlane)
        for ki in 0..<geo.kernelH {
          for kj in 0..<geo.kernelW {
            let wv = ws.pointer[c * kArea + ki * geo.kernelW + kj]
            for oh in 0..<geo.outH {
              let ih = oh * geo.stride - geo.padding + ki * geo.dilation
              guard ih >= 0 && ih < geo.height else { continue }
              let src = plane + ih * geo.width
              let row = dst + oh * geo.outW
              let base = kj * geo.dilation - geo.padding
              for ow in 0..<geo.outW {
                let iw = ow * geo.stride + base
                if iw >= 0 && iw < geo.width { row[ow] += wv * src[iw] }
              }
            }
          }
        }
      }
    }
  }
}

private func depthwiseBackward(
  _ geo: ConvGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, g: UnsafePointer<Float>,
  dx: UnsafeMutablePointer<Float>, dw: UnsafeMutablePointer<Float>
) throws {
  let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
  let ws = SendablePointer(UnsafeMutablePointer(mutating: w))
  let gs = SendablePointer(UnsafeMutablePointer(mutating: g))
  let dxs = SendablePointer(dx)
  let dws = SendablePointer(dw)
  let kArea = geo.kernelH * geo.kernelW
  try forChannelChunks(geo.inChannels, op: "conv2d backward") { channels, token in
    for n in 0..<geo.batch where !token.isRequested {
      for c in channels {
        let plane = xs.pointer + (n * geo.inChannels + c) * geo.inPlane
        let dplane = dxs.pointer + (n * geo.inChannels + c) * geo.inPlane
        let grad = gs.pointer + (n * geo.inChannels + c) * geo.outPlane
        for ki in 0..<geo.kernelH {
          for kj in 0..<geo.kernelW {
            let wi = c * kArea + ki * geo.kernelW + kj
            let wv = ws.pointer[wi]
            var acc: Float = 0
            for oh in 0..<geo.outH {
              let ih = oh * geo.stride - geo.padding + ki * geo.dilation
              guard ih >= 0 && ih < geo.height else { continue }
              let src = plane + ih * geo.width
              let dsrc = dplane + ih * geo.width
              let row = grad + oh * geo.outW
              let base = kj * geo.dilation - geo.padding
              for ow in 0..<geo.outW {
                let iw = ow * geo.stride + base
                if iw >= 0 && iw < geo.width {
                  acc += row[ow] * src[iw]
                  dsrc[iw] += wv * row[ow]
                }
              }
            }
            dws.pointer[wi] += acc
          }
        }
      }
    }
  }
}
