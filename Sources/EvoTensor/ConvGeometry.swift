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
  /// Where group `group` of image `image` starts in x (or dx), in floats.
  func inputOffset(image: Int, group: Int) -> Int { (image * inChannels + group * inPerGroup) * inPlane }
  /// Where group `group` of image `image` starts in the output (or its gradient), in floats.
  func outputOffset(image: Int, group: Int) -> Int { (image * outChannels + group * outPerGroup) * outPlane }
  /// Where group `group`'s filters (outPerGroup rows of `colRows`) start in the weight (or its gradient).
  func weightOffset(group: Int) -> Int { group * outPerGroup * colRows }

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

  /// Calls `body(c, ki, kj, row)` for every tap of one group's column matrix: input channel c, kernel
  /// position (ki, kj) and the index of the matrix row it fills, (c·kh + ki)·kw + kj. im2col and col2im
  /// (both forms) visit the taps through this.
  @inline(__always)
  private func forEachTap(_ body: (_ c: Int, _ ki: Int, _ kj: Int, _ row: Int) -> Void) {
    for c in 0..<inPerGroup {
      for ki in 0..<kernelH {
        for kj in 0..<kernelW { body(c, ki, kj, (c * kernelH + ki) * kernelW + kj) }
      }
    }
  }

  /// For kernel tap (ki, kj) of a same-size convolution: the valid output rows, the flat offset from an
  /// output position to its input position, and the columns at the head and tail of each row that a
  /// block copy of the valid rows would wrap around (|column shift| of them, on one side).
  @inline(__always)
  private func sameSizeTap(_ ki: Int, _ kj: Int) -> (rows: Range<Int>, offset: Int, head: Int, tail: Int) {
    let rowShift = ki * dilation - padding
    let shift = kj * dilation - padding
    let lo = Swift.max(0, -rowShift)
    let hi = Swift.min(outH, height - rowShift)
    return (lo..<Swift.max(lo, hi), rowShift * width + shift, Swift.max(0, -shift), Swift.max(0, shift))
  }

  /// Zeroes the `head` first and `tail` last columns of each row in `rows` of one column-matrix row.
  @inline(__always)
  private func zeroWrapped(_ row: UnsafeMutablePointer<Float>, rows: Range<Int>, head: Int, tail: Int) {
    for oh in rows {
      let r = row + oh * width
      for ow in 0..<head { r[ow] = 0 }
      for ow in (width - tail)..<width { r[ow] = 0 }
    }
  }

  private func im2colSameSize(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, rowStride: Int) {
    forEachTap { c, ki, kj, r in
      let plane = x + c * inPlane
      let row = col + r * rowStride
      let (rows, offset, head, tail) = sameSizeTap(ki, kj)
      guard !rows.isEmpty else {
        row.update(repeating: 0, count: outPlane)
        return
      }
      row.update(repeating: 0, count: rows.lowerBound * width)
      (row + rows.upperBound * width).update(repeating: 0, count: (outH - rows.upperBound) * width)
      // One block copy of the valid rows; its first or last |shift| elements would read outside the
      // plane, and in every row the |shift| wrapped-around columns are zeroed afterwards.
      let start = rows.lowerBound * width
      let count = rows.count * width
      (row + start + head).update(from: plane + start + offset + head, count: count - head - tail)
      zeroWrapped(row, rows: rows, head: head, tail: tail)
    }
  }

  /// col2im for a same-size convolution; zeroes the wrapped-around entries of `col` before one block add.
  private func col2imSameSize(_ col: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>, rowStride: Int) {
    forEachTap { c, ki, kj, r in
      let plane = dx + c * inPlane
      let row = col + r * rowStride
      let (rows, offset, head, tail) = sameSizeTap(ki, kj)
      guard !rows.isEmpty else { return }
      zeroWrapped(row, rows: rows, head: head, tail: tail)
      let start = rows.lowerBound * width + head
      let count = rows.count * width - head - tail
      let src = row + start
      let dst = plane + start + offset
      for i in 0..<count { dst[i] += src[i] }
    }
  }

  /// The output columns `ow` whose input column `ow·stride + base` lies inside the image.
  @inline(__always)
  func validColumns(base: Int) -> Range<Int> {
    let lo = base >= 0 ? 0 : (-base + stride - 1) / stride
    let hi = width - base <= 0 ? 0 : Swift.min(outW, (width - base + stride - 1) / stride)
    return lo..<Swift.max(lo, hi)
  }

  /// Unfolds group `group` of images `start..<start + count` of x (N, C, H, W) side by side into one
  /// column matrix whose rows are `count · outPlane` wide.
  func im2col(
    images x: UnsafePointer<Float>, _ start: Int, _ count: Int, group: Int, into col: UnsafeMutablePointer<Float>
  ) {
    for i in 0..<count {
      im2col(
        x + inputOffset(image: start + i, group: group), col + i * outPlane, rowStride: count * outPlane)
    }
  }

  /// Calls `body(r, c, oh, ih, base, valid)` for every tap and output row of one group: the column
  /// matrix's row r, the input channel c, the output row oh and its input row ih (possibly outside the
  /// image), the input column of output column 0 (`base`, before the stride) and the output columns
  /// whose input column lies inside the image. The general im2col and col2im share this walk.
  @inline(__always)
  private func forEachTapRow(
    _ body: (_ r: Int, _ c: Int, _ oh: Int, _ ih: Int, _ base: Int, _ valid: Range<Int>) -> Void
  ) {
    forEachTap { c, ki, kj, r in
      let base = kj * dilation - padding
      let valid = validColumns(base: base)
      for oh in 0..<outH { body(r, c, oh, oh * stride - padding + ki * dilation, base, valid) }
    }
  }

  /// Unfolds one group of one image (C/g, H, W) into columns (C/g·kh·kw, outH·outW) whose rows lie
  /// `rowStride` floats apart (several images share one column matrix side by side).
  func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, rowStride: Int) {
    if isSameSizeStrideOne { return im2colSameSize(x, col, rowStride: rowStride) }
    forEachTapRow { r, c, oh, ih, base, valid in
      let dst = col + r * rowStride + oh * outW
      // Rows are short (7 to 32 floats): plain loops beat memcpy/memset calls here.
      guard ih >= 0 && ih < height, !valid.isEmpty else {
        for ow in 0..<outW { dst[ow] = 0 }
        return
      }
      let src = x + c * inPlane + ih * width + base
      for ow in 0..<valid.lowerBound { dst[ow] = 0 }
      if stride == 1 {
        for ow in valid { dst[ow] = src[ow] }
      } else {
        for ow in valid { dst[ow] = src[ow * stride] }
      }
      for ow in valid.upperBound..<outW { dst[ow] = 0 }
    }
  }

  /// Folds column gradients (rows `rowStride` apart) back into one group of one image, adding into `dx`.
  func col2im(_ col: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>, rowStride: Int) {
    if isSameSizeStrideOne { return col2imSameSize(col, dx, rowStride: rowStride) }
    forEachTapRow { r, c, oh, ih, base, valid in
      guard ih >= 0 && ih < height else { return }
      let src = col + r * rowStride + oh * outW
      let dst = dx + c * inPlane + ih * width + base
      if stride == 1 {
        for ow in valid { dst[ow] += src[ow] }
      } else {
        for ow in valid { dst[ow * stride] += src[ow] }
      }
    }
  }
}
