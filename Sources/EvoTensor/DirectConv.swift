import Dispatch

/// 3×3 convolutions with padding 1 and stride 1 or 2 (every convolution of a ResNet stage but the
/// 1×1 shortcuts), computed directly, without im2col or GEMM.
///
/// Each input plane is copied once into zero-bordered planes in which every kernel tap is a constant
/// offset from an output position: for stride 1 the padded plane itself, for stride 2 its four phases
/// (even/odd rows × even/odd columns). Output positions run along padded rows; small planes sit side
/// by side in one row. A register-blocked kernel accumulates 4 channels × 24 positions in twelve 8-lane
/// registers; positions in border columns are computed and dropped. The input gradient is the same
/// kernel over the padded output gradient (for stride 2, once per phase of the input, with the taps
/// that reach it); the weight gradient is vectorised over output channels.
///
/// Measured on the ResNet-20 shapes (batch 128, 2 cores): forward 16 ch 28×28 at 137 GFLOP/s against
/// 57 for im2col + sgemm.
struct DirectConv3x3 {
  let geo: ConvGeometry
  /// Images side by side in one padded row (small planes waste fewer lanes on borders and rounding).
  let imagesPerRow: Int
  /// Columns of one image slot in a row of outputs: its outputs and one border column.
  let slotWidth: Int
  /// Where the forward pass reads x (and the weight gradient too).
  let input: PaddedLayout
  /// Where the input gradient reads g.
  let gradient: PaddedLayout
  /// The input layout's offset of each tap (ky·3 + kx).
  let offsets: [Int]

  static let positionsPerBlock = 24
  static let channelsPerBlock = 4

  /// Whether this kernel applies: 3×3, stride 1 or 2, padding 1, no dilation or groups, channel
  /// counts multiples of 4.
  static func applies(to geo: ConvGeometry) -> Bool {
    geo.kernelH == 3 && geo.kernelW == 3 && (geo.stride == 1 || geo.stride == 2) && geo.padding == 1
      && geo.dilation == 1
      && geo.groups == 1 && geo.inChannels % channelsPerBlock == 0 && geo.outChannels % channelsPerBlock == 0
  }

  init(_ geo: ConvGeometry) {
    self.geo = geo
    slotWidth = geo.outW + 1
    imagesPerRow = Swift.max(1, 32 / slotWidth)
    // Stride 1: slots share the zero column between neighbours, plus one at the end. Stride 2: a
    // slot's phase columns end with its own right border.
    let stride1 = geo.stride == 1
    let width = imagesPerRow * slotWidth + (stride1 ? 1 : 0)
    input = PaddedLayout(
      rowWidth: width, rows: stride1 ? geo.height + 2 : geo.outH + 1, phases: stride1 ? 1 : 4,
      outputRows: geo.outH)
    gradient =
      stride1
      ? input
      : PaddedLayout(
        rowWidth: imagesPerRow * slotWidth + 1, rows: geo.outH + 2, phases: 1,
        outputRows: geo.outH + 1)
    let layout = input
    offsets = (0..<9).map { tap in
      let ky = tap / 3
      let kx = tap % 3
      return stride1 ? ky * width + kx : ((ky % 2) * 2 + kx % 2) * layout.phaseStride + (ky / 2) * width + kx / 2
    }
  }

  /// The column of image slot j's first output.
  @inline(__always) private func column(_ j: Int) -> Int { j * slotWidth }

  // MARK: - Layout

  /// Copies a short row: a vector loop, where a memmove call would cost more than the copy.
  @inline(__always)
  private static func copyRow(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, _ count: Int) {
    var i = 0
    while i + 8 <= count {
      store(load(source + i), target + i)
      i += 8
    }
    while i < count {
      target[i] = source[i]
      i += 1
    }
  }

  /// Copies `count` images of `channels` h×w planes (consecutive from `source`) into the interiors of
  /// their slots in `layout`'s single-phase zero-bordered planes.
  private func pad(
    _ source: UnsafePointer<Float>, images count: Int, channels: Int, height h: Int, width w: Int, layout: PaddedLayout,
    into padded: UnsafeMutablePointer<Float>
  ) {
    for j in 0..<count {
      for c in 0..<channels {
        let image = source + (j * channels + c) * h * w
        let plane = padded + c * layout.planeStride + column(j) + 1
        for r in 0..<h { Self.copyRow(plane + (r + 1) * layout.rowWidth, image + r * w, w) }
      }
    }
  }

  /// Copies `count` images of x into the input layout: the padded planes, or for stride 2 their phases
  /// (padded row R, column C goes to phase (R mod 2, C mod 2) at row R/2, column C/2 of its slot).
  private func padInput(_ source: UnsafePointer<Float>, images count: Int, into padded: UnsafeMutablePointer<Float>) {
    let h = geo.height
    let w = geo.width
    let channels = geo.inChannels
    guard geo.stride == 2 else {
      pad(source, images: count, channels: channels, height: h, width: w, layout: input, into: padded)
      return
    }
    let rw = input.rowWidth
    let phase = input.phaseStride
    for j in 0..<count {
      for c in 0..<channels {
        let image = source + (j * channels + c) * h * w
        let plane = padded + c * input.planeStride + column(j)
        for r in 0..<h {
          let row = r + 1
          let target = plane + (row % 2) * 2 * phase + (row / 2) * rw
          let line = image + r * w
          // Padded column C = col + 1 goes to column C/2 of phase C mod 2: even columns to phase 1 at
          // col/2, odd ones to phase 0 at col/2 + 1.
          let odd = target + phase
          for m in 0..<(w + 1) / 2 { odd[m] = line[2 * m] }
          for m in 0..<w / 2 { target[m + 1] = line[2 * m + 1] }
        }
      }
    }
  }

  /// Copies `count` images' planes in a row layout of `rowWidth` (planes `stride` floats apart) back to
  /// h×w planes.
  private func unpad(
    _ flat: UnsafePointer<Float>, stride: Int, rowWidth: Int, images count: Int, channels: Int, height h: Int,
    width w: Int,
    into target: UnsafeMutablePointer<Float>
  ) {
    for j in 0..<count {
      for c in 0..<channels {
        let image = target + (j * channels + c) * h * w
        let plane = flat + c * stride + column(j)
        for r in 0..<h { Self.copyRow(image + r * w, plane + r * rowWidth, w) }
      }
    }
  }

  /// Filters in kernel order for the given taps: for each block of 4 output channels, for each input
  /// channel and tap, the 4 weights side by side. `transposed` gives the input gradient's filters
  /// (input and output channels swapped).
  private func blockedFilters(_ w: UnsafePointer<Float>, taps: [Int], transposed: Bool) -> [Float] {
    let cout = geo.outChannels
    let cin = geo.inChannels
    let count = taps.count
    let (outer, inner) = transposed ? (cin, cout) : (cout, cin)
    var blocked = [Float](repeating: 0, count: cout * cin * count)
    blocked.withUnsafeMutableBufferPointer { b in
      for ob in 0..<outer / Self.channelsPerBlock {
        for i in 0..<inner {
          for (t, tap) in taps.enumerated() {
            for k in 0..<Self.channelsPerBlock {
              let o = ob * Self.channelsPerBlock + k
              let source = transposed ? (i * cin + o) * 9 + tap : (o * cin + i) * 9 + tap
              b[((ob * inner + i) * count + t) * Self.channelsPerBlock + k] = w[source]
            }
          }
        }
      }
    }
    return blocked
  }

  // MARK: - Kernels

  /// out[o][p] = Σ_i Σ_t filters(o, i, t) · padded[i][p + offsets[t]] for every output channel o (a
  /// multiple of 4) and every position block of `layout`; `out` rows are `layout.blockStride` apart.
  /// Nine taps (every stride-1 pass, the stride-2 forward) run a kernel unrolled with its offsets in
  /// registers, in a function of its own: sharing one with the stride-2 input gradient's phase loop
  /// (4, 2 or 1 taps) made the register allocator spill accumulators, 10–20% slower (measured).
  private func correlate(
    _ padded: UnsafePointer<Float>, layout: PaddedLayout, offsets: [Int], inputs: Int, outputs: Int,
    filters: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>
  ) {
    if offsets.count == 9 {
      correlateNine(
        padded, layout: layout, offsets: offsets, inputs: inputs, outputs: outputs, filters: filters, into: out)
    } else {
      correlateFew(
        padded, layout: layout, offsets: offsets, inputs: inputs, outputs: outputs, filters: filters, into: out)
    }
  }

  private func correlateNine(
    _ padded: UnsafePointer<Float>, layout: PaddedLayout, offsets o: [Int], inputs: Int, outputs: Int,
    filters: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>
  ) {
    let stride = layout.blockStride
    let taps = (o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8])
    for block in 0..<layout.blocks {
      let p = block * Self.positionsPerBlock
      for cb in 0..<outputs / Self.channelsPerBlock {
        Self.blockNine(
          padded + p, planeStride: layout.planeStride, inputs: inputs, filters: filters + cb * inputs * 36, taps: taps,
          out: out + cb * Self.channelsPerBlock * stride + p, outStride: stride)
      }
    }
  }

  private func correlateFew(
    _ padded: UnsafePointer<Float>, layout: PaddedLayout, offsets: [Int], inputs: Int, outputs: Int,
    filters: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>
  ) {
    let stride = layout.blockStride
    let taps = offsets.count
    offsets.withUnsafeBufferPointer { ob in
      guard let o = ob.baseAddress else { return }
      for block in 0..<layout.blocks {
        let p = block * Self.positionsPerBlock
        for cb in 0..<outputs / Self.channelsPerBlock {
          Self.blockFew(
            padded + p, planeStride: layout.planeStride, inputs: inputs, filters: filters + cb * inputs * taps * 4,
            offsets: o, taps: taps, out: out + cb * Self.channelsPerBlock * stride + p, outStride: stride)
        }
      }
    }
  }

  typealias V = SIMD8<Float>
  @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
  }
  @inline(__always) private static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
  }

  /// Twelve 8-lane accumulators: 4 output channels × 24 positions.
  private struct Accumulators {
    var a00 = V(), a01 = V(), a02 = V(), a10 = V(), a11 = V(), a12 = V()
    var a20 = V(), a21 = V(), a22 = V(), a30 = V(), a31 = V(), a32 = V()

    /// Adds one tap: three input vectors at `input`, the 4 channels' weights at `w`.
    @inline(__always) mutating func add(_ input: UnsafePointer<Float>, _ w: UnsafePointer<Float>) {
      let i0 = load(input)
      let i1 = load(input + 8)
      let i2 = load(input + 16)
      let w0 = V(repeating: w[0])
      let w1 = V(repeating: w[1])
      let w2 = V(repeating: w[2])
      let w3 = V(repeating: w[3])
      a00 = a00.addingProduct(w0, i0)
      a01 = a01.addingProduct(w0, i1)
      a02 = a02.addingProduct(w0, i2)
      a10 = a10.addingProduct(w1, i0)
      a11 = a11.addingProduct(w1, i1)
      a12 = a12.addingProduct(w1, i2)
      a20 = a20.addingProduct(w2, i0)
      a21 = a21.addingProduct(w2, i1)
      a22 = a22.addingProduct(w2, i2)
      a30 = a30.addingProduct(w3, i0)
      a31 = a31.addingProduct(w3, i1)
      a32 = a32.addingProduct(w3, i2)
    }

    @inline(__always) func store(to out: UnsafeMutablePointer<Float>, rowStride: Int) {
      let r1 = out + rowStride
      let r2 = r1 + rowStride
      let r3 = r2 + rowStride
      DirectConv3x3.store(a00, out)
      DirectConv3x3.store(a01, out + 8)
      DirectConv3x3.store(a02, out + 16)
      DirectConv3x3.store(a10, r1)
      DirectConv3x3.store(a11, r1 + 8)
      DirectConv3x3.store(a12, r1 + 16)
      DirectConv3x3.store(a20, r2)
      DirectConv3x3.store(a21, r2 + 8)
      DirectConv3x3.store(a22, r2 + 16)
      DirectConv3x3.store(a30, r3)
      DirectConv3x3.store(a31, r3 + 8)
      DirectConv3x3.store(a32, r3 + 16)
    }
  }

  /// One block over nine taps: twelve accumulators, three input vectors and one broadcast weight per
  /// tap — all sixteen vector registers.
  @inline(__always)
  private static func blockNine(
    _ input: UnsafePointer<Float>, planeStride: Int, inputs: Int, filters: UnsafePointer<Float>,
    taps: (Int, Int, Int, Int, Int, Int, Int, Int, Int), out: UnsafeMutablePointer<Float>, outStride: Int
  ) {
    var a = Accumulators()
    var ip = input
    var wp = filters
    for _ in 0..<inputs {
      a.add(ip + taps.0, wp)
      a.add(ip + taps.1, wp + 4)
      a.add(ip + taps.2, wp + 8)
      a.add(ip + taps.3, wp + 12)
      a.add(ip + taps.4, wp + 16)
      a.add(ip + taps.5, wp + 20)
      a.add(ip + taps.6, wp + 24)
      a.add(ip + taps.7, wp + 28)
      a.add(ip + taps.8, wp + 32)
      ip += planeStride
      wp += 36
    }
    a.store(to: out, rowStride: outStride)
  }

  /// One block over a few taps (a stride-2 input-gradient phase: 4, 2 or 1), unrolled for 4 and 2.
  @inline(__always)
  private static func blockFew(
    _ input: UnsafePointer<Float>, planeStride: Int, inputs: Int, filters: UnsafePointer<Float>,
    offsets: UnsafePointer<Int>,
    taps: Int, out: UnsafeMutablePointer<Float>, outStride: Int
  ) {
    var a = Accumulators()
    var ip = input
    var wp = filters
    switch taps {
    case 4:
      let (o0, o1, o2, o3) = (offsets[0], offsets[1], offsets[2], offsets[3])
      for _ in 0..<inputs {
        a.add(ip + o0, wp)
        a.add(ip + o1, wp + 4)
        a.add(ip + o2, wp + 8)
        a.add(ip + o3, wp + 12)
        ip += planeStride
        wp += 16
      }
    case 2:
      let (o0, o1) = (offsets[0], offsets[1])
      for _ in 0..<inputs {
        a.add(ip + o0, wp)
        a.add(ip + o1, wp + 4)
        ip += planeStride
        wp += 8
      }
    default:
      for _ in 0..<inputs {
        for t in 0..<taps { a.add(ip + offsets[t], wp + t * 4) }
        ip += planeStride
        wp += taps * 4
      }
    }
    a.store(to: out, rowStride: outStride)
  }

  /// Output channels rounded up to the weight-gradient kernel's 16 lanes.
  var paddedOutChannels: Int { (geo.outChannels + 15) / 16 * 16 }

  /// dwT[i][tap][o] += Σ_p g[p][o] · padded[i][p + offset(tap)] for one group of images, vectorised
  /// over output channels: `g` is the output gradient transposed to positions × `paddedOutChannels` in
  /// the input layout's rows (zero in the border columns and the padding channels). Blocks cover the 3
  /// taps of one kernel row and 32 output channels (or the last 16), with no horizontal sums.
  private func accumulateWeightGradient(
    _ g: UnsafePointer<Float>, _ padded: UnsafePointer<Float>, into dwT: UnsafeMutablePointer<Float>
  ) {
    let lanes = paddedOutChannels
    let count = input.positions
    for i in 0..<geo.inChannels {
      let plane = padded + i * input.planeStride
      for ky in 0..<3 {
        let x0 = plane + offsets[ky * 3]
        let x1 = plane + offsets[ky * 3 + 1]
        let x2 = plane + offsets[ky * 3 + 2]
        let target = dwT + (i * 9 + ky * 3) * lanes
        var ob = 0
        while ob + 32 <= lanes {
          Self.weightBlock32(x0, x1, x2, g + ob, lanes: lanes, count: count, into: target + ob)
          ob += 32
        }
        if ob < lanes { Self.weightBlock16(x0, x1, x2, g + ob, lanes: lanes, count: count, into: target + ob) }
      }
    }
  }

  /// 32 output channels × 3 taps (inputs x0, x1, x2), a position at a time: twelve accumulators, three
  /// broadcast inputs and one gradient vector — all sixteen registers. `target` rows are `lanes` apart.
  @inline(__always)
  private static func weightBlock32(
    _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
    lanes: Int, count: Int, into target: UnsafeMutablePointer<Float>
  ) {
    let t1 = target + lanes
    let t2 = t1 + lanes
    var a00 = load(target)
    var a01 = load(target + 8)
    var a02 = load(target + 16)
    var a03 = load(target + 24)
    var a10 = load(t1)
    var a11 = load(t1 + 8)
    var a12 = load(t1 + 16)
    var a13 = load(t1 + 24)
    var a20 = load(t2)
    var a21 = load(t2 + 8)
    var a22 = load(t2 + 16)
    var a23 = load(t2 + 24)
    for p in 0..<count {
      let row = g + p * lanes
      let e0 = V(repeating: x0[p])
      let e1 = V(repeating: x1[p])
      let e2 = V(repeating: x2[p])
      let d0 = load(row)
      a00 = a00.addingProduct(d0, e0)
      a10 = a10.addingProduct(d0, e1)
      a20 = a20.addingProduct(d0, e2)
      let d1 = load(row + 8)
      a01 = a01.addingProduct(d1, e0)
      a11 = a11.addingProduct(d1, e1)
      a21 = a21.addingProduct(d1, e2)
      let d2 = load(row + 16)
      a02 = a02.addingProduct(d2, e0)
      a12 = a12.addingProduct(d2, e1)
      a22 = a22.addingProduct(d2, e2)
      let d3 = load(row + 24)
      a03 = a03.addingProduct(d3, e0)
      a13 = a13.addingProduct(d3, e1)
      a23 = a23.addingProduct(d3, e2)
    }
    store(a00, target)
    store(a01, target + 8)
    store(a02, target + 16)
    store(a03, target + 24)
    store(a10, t1)
    store(a11, t1 + 8)
    store(a12, t1 + 16)
    store(a13, t1 + 24)
    store(a20, t2)
    store(a21, t2 + 8)
    store(a22, t2 + 16)
    store(a23, t2 + 24)
  }

  /// 16 output channels × 3 taps, two positions at a time so that each sum has two independent chains
  /// (twelve accumulators in all).
  @inline(__always)
  private static func weightBlock16(
    _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
    lanes: Int, count: Int, into target: UnsafeMutablePointer<Float>
  ) {
    let t1 = target + lanes
    let t2 = t1 + lanes
    var a00 = load(target)
    var a01 = load(target + 8)
    var a10 = load(t1)
    var a11 = load(t1 + 8)
    var a20 = load(t2)
    var a21 = load(t2 + 8)
    var b00 = V()
    var b01 = V()
    var b10 = V()
    var b11 = V()
    var b20 = V()
    var b21 = V()
    var p = 0
    while p + 2 <= count {
      let ge = g + p * lanes
      let go = ge + lanes
      let e0 = V(repeating: x0[p])
      let e1 = V(repeating: x1[p])
      let e2 = V(repeating: x2[p])
      let d0 = load(ge)
      a00 = a00.addingProduct(d0, e0)
      a10 = a10.addingProduct(d0, e1)
      a20 = a20.addingProduct(d0, e2)
      let d1 = load(ge + 8)
      a01 = a01.addingProduct(d1, e0)
      a11 = a11.addingProduct(d1, e1)
      a21 = a21.addingProduct(d1, e2)
      let o0 = V(repeating: x0[p + 1])
      let o1 = V(repeating: x1[p + 1])
      let o2 = V(repeating: x2[p + 1])
      let f0 = load(go)
      b00 = b00.addingProduct(f0, o0)
      b10 = b10.addingProduct(f0, o1)
      b20 = b20.addingProduct(f0, o2)
      let f1 = load(go + 8)
      b01 = b01.addingProduct(f1, o0)
      b11 = b11.addingProduct(f1, o1)
      b21 = b21.addingProduct(f1, o2)
      p += 2
    }
    if p < count {
      let ge = g + p * lanes
      let e0 = V(repeating: x0[p])
      let e1 = V(repeating: x1[p])
      let e2 = V(repeating: x2[p])
      let d0 = load(ge)
      let d1 = load(ge + 8)
      a00 = a00.addingProduct(d0, e0)
      a10 = a10.addingProduct(d0, e1)
      a20 = a20.addingProduct(d0, e2)
      a01 = a01.addingProduct(d1, e0)
      a11 = a11.addingProduct(d1, e1)
      a21 = a21.addingProduct(d1, e2)
    }
    store(a00 + b00, target)
    store(a01 + b01, target + 8)
    store(a10 + b10, t1)
    store(a11 + b11, t1 + 8)
    store(a20 + b20, t2)
    store(a21 + b21, t2 + 8)
  }

  /// Writes `count` images of g (channels × outH × outW each) as positions × `paddedOutChannels` in the
  /// input layout's rows; the border columns and padding channels keep the zeros they were created
  /// with, and the slots of a short last group are cleared.
  private func transposeGradient(_ g: UnsafePointer<Float>, images count: Int, into rows: UnsafeMutablePointer<Float>) {
    let lanes = paddedOutChannels
    let h = geo.outH
    let w = geo.outW
    let cout = geo.outChannels
    for j in 0..<imagesPerRow {
      for r in 0..<h {
        let target = rows + (r * input.rowWidth + column(j)) * lanes
        guard j < count else {
          target.update(repeating: 0, count: w * lanes)
          continue
        }
        let source = g + (j * cout * h + r) * w
        let planeSize = h * w
        // 8 channels × 8 columns at a time through registers; the edges element by element.
        var c0 = 0
        while c0 + 8 <= cout {
          var col0 = 0
          while col0 + 8 <= w {
            Self.transpose8(
              source + c0 * planeSize + col0, rowStride: planeSize, into: target + col0 * lanes + c0, rowStride: lanes)
            col0 += 8
          }
          for col in col0..<w {
            for c in c0..<c0 + 8 { target[col * lanes + c] = source[c * planeSize + col] }
          }
          c0 += 8
        }
        for col in 0..<w {
          for c in c0..<cout { target[col * lanes + c] = source[c * planeSize + col] }
        }
      }
    }
  }

  /// Writes the transpose of an 8×8 block: row m of the target is column m of the source.
  @inline(__always)
  private static func transpose8(
    _ source: UnsafePointer<Float>, rowStride from: Int, into target: UnsafeMutablePointer<Float>, rowStride to: Int
  ) {
    let r0 = load(source)
    let r1 = load(source + from)
    let r2 = load(source + 2 * from)
    let r3 = load(source + 3 * from)
    let r4 = load(source + 4 * from)
    let r5 = load(source + 5 * from)
    let r6 = load(source + 6 * from)
    let r7 = load(source + 7 * from)
    for m in 0..<8 {
      store(V(r0[m], r1[m], r2[m], r3[m], r4[m], r5[m], r6[m], r7[m]), target + m * to)
    }
  }

  // MARK: - Passes

  /// The convolution of x into out, images split over cores.
  func forward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) throws {
    let filters = blockedFilters(w, taps: Array(0..<9), transposed: false)
    let cin = geo.inChannels
    let cout = geo.outChannels
    let inPlane = geo.inPlane
    let outPlane = geo.outPlane
    let stride = input.blockStride
    let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
    let os = SendablePointer(out)
    try filters.withUnsafeBufferPointer { fb in
      guard let f = fb.baseAddress else { return }
      let fs = SendablePointer(UnsafeMutablePointer(mutating: f))
      try forImageChunks(geo.batch, op: "conv2d") { _, images, token in
        let padded = ZeroedBuffer(cin * input.planeStride)
        let flat = ZeroedBuffer(cout * stride)
        // A short last group leaves earlier images in its empty slots: their outputs are not copied
        // out, and a slot's outputs read only its own columns.
        for n in Swift.stride(from: images.lowerBound, to: images.upperBound, by: imagesPerRow) where !token.isRequested
        {
          let count = Swift.min(imagesPerRow, images.upperBound - n)
          padInput(xs.pointer + n * cin * inPlane, images: count, into: padded.pointer)
          correlate(
            padded.pointer, layout: input, offsets: offsets, inputs: cin, outputs: cout, filters: fs.pointer,
            into: flat.pointer)
          unpad(
            flat.pointer, stride: stride, rowWidth: input.rowWidth, images: count, channels: cout, height: geo.outH,
            width: geo.outW, into: os.pointer + n * cout * outPlane)
        }
      }
    }
  }

  /// One correlation of the padded output gradient that yields part of the input gradient: for
  /// stride 1 all of it (flipped taps); for stride 2 one phase of it (the taps that reach the phase).
  private struct GradientPhase {
    /// Row and column parity of the padded input positions it yields.
    let rowPhase: Int, columnPhase: Int
    /// Kernel taps (ky·3 + kx) and their offsets in the gradient layout.
    let taps: [Int], offsets: [Int]
  }

  private var gradientPhases: [GradientPhase] {
    let width = gradient.rowWidth
    guard geo.stride == 2 else {
      // dx[y][x] = Σ w[ky][kx] · g_padded[y + 2 − ky][x + 2 − kx].
      let taps = Array(0..<9)
      return [
        GradientPhase(rowPhase: 0, columnPhase: 0, taps: taps, offsets: taps.map { (2 - $0 / 3) * width + 2 - $0 % 3 })
      ]
    }
    // Padded input row R = 2r + a takes g row (R − ky)/2 = r − (ky − a)/2 for ky ≡ a (mod 2).
    return [(0, 0), (0, 1), (1, 0), (1, 1)].map { a, b in
      let taps = (0..<9).filter { $0 / 3 % 2 == a && $0 % 3 % 2 == b }
      return GradientPhase(
        rowPhase: a, columnPhase: b, taps: taps,
        offsets: taps.map { (1 - ($0 / 3 - a) / 2) * width + 1 - ($0 % 3 - b) / 2 })
    }
  }

  /// Copies a stride-2 gradient phase (rows of `gradient.rowWidth`, planes `stride` apart) into the
  /// input positions it covers: padded row 2r + a, column 2c + b is input row 2r + a − 1, column 2c + b − 1.
  private func scatterPhase(
    _ flat: UnsafePointer<Float>, stride: Int, phase: GradientPhase, images count: Int,
    into target: UnsafeMutablePointer<Float>
  ) {
    let h = geo.height
    let w = geo.width
    let cin = geo.inChannels
    let rw = gradient.rowWidth
    for j in 0..<count {
      for c in 0..<cin {
        let image = target + (j * cin + c) * h * w
        let plane = flat + c * stride + column(j)
        var row = phase.rowPhase == 0 ? 2 : 1
        while row <= h {
          let source = plane + (row / 2) * rw
          let line = image + (row - 1) * w
          var col = phase.columnPhase == 0 ? 2 : 1
          while col <= w {
            line[col - 1] = source[col / 2]
            col += 2
          }
          row += 2
        }
      }
    }
  }

  /// The gradients of x (overwritten) and of w (overwritten) from the output gradient g.
  func backward(
    x: UnsafePointer<Float>, w: UnsafePointer<Float>, g: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    dw: UnsafeMutablePointer<Float>
  ) throws {
    let phases = gradientPhases
    let phaseFilters = phases.map { blockedFilters(w, taps: $0.taps, transposed: true) }.joined()
    let filterOffsets = phases.reduce(into: [0]) {
      $0.append($0[$0.count - 1] + $1.taps.count * geo.inChannels * geo.outChannels)
    }
    let cin = geo.inChannels
    let cout = geo.outChannels
    let inPlane = geo.inPlane
    let outPlane = geo.outPlane
    let stride = gradient.blockStride
    let workers = Swift.max(1, Swift.min(Parallel.workers, geo.batch))
    let lanes = paddedOutChannels
    let partialCount = cin * 9 * lanes
    // Each worker sums its images' weight gradients, transposed (input, tap, output); summed at the end.
    let partials = ZeroedBuffer(partialCount * workers)
    let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
    let gs = SendablePointer(UnsafeMutablePointer(mutating: g))
    let dxs = SendablePointer(dx)
    let ps = SendablePointer(partials.pointer)
    try Array(phaseFilters).withUnsafeBufferPointer { fb in
      guard let f = fb.baseAddress else { return }
      let fs = SendablePointer(UnsafeMutablePointer(mutating: f))
      try forImageChunks(geo.batch, op: "conv2d backward") { worker, images, token in
        let paddedX = ZeroedBuffer(cin * input.planeStride)
        let paddedG = ZeroedBuffer(cout * gradient.planeStride)
        let rowsG = ZeroedBuffer(input.positions * lanes)
        let flat = ZeroedBuffer(cin * stride)
        for n in Swift.stride(from: images.lowerBound, to: images.upperBound, by: imagesPerRow) where !token.isRequested
        {
          let count = Swift.min(imagesPerRow, images.upperBound - n)
          let gImages = gs.pointer + n * cout * outPlane
          padInput(xs.pointer + n * cin * inPlane, images: count, into: paddedX.pointer)
          transposeGradient(gImages, images: count, into: rowsG.pointer)
          accumulateWeightGradient(rowsG.pointer, paddedX.pointer, into: ps.pointer + worker * partialCount)
          pad(
            gImages, images: count, channels: cout, height: geo.outH, width: geo.outW, layout: gradient,
            into: paddedG.pointer)
          let dxImages = dxs.pointer + n * cin * inPlane
          for (k, phase) in phases.enumerated() {
            correlate(
              paddedG.pointer, layout: gradient, offsets: phase.offsets, inputs: cout, outputs: cin,
              filters: fs.pointer + filterOffsets[k], into: flat.pointer)
            if geo.stride == 1 {
              unpad(
                flat.pointer, stride: stride, rowWidth: gradient.rowWidth, images: count, channels: cin,
                height: geo.height,
                width: geo.width, into: dxImages)
            } else {
              scatterPhase(flat.pointer, stride: stride, phase: phase, images: count, into: dxImages)
            }
          }
        }
      }
    }
    for o in 0..<cout {
      for i in 0..<cin {
        for tap in 0..<9 {
          var total: Float = 0
          for worker in 0..<workers { total += partials.pointer[worker * partialCount + (i * 9 + tap) * lanes + o] }
          dw[(o * cin + i) * 9 + tap] = total
        }
      }
    }
  }
}

/// Zero-bordered planes, each of `phases` phase planes of `rows` rows of `rowWidth` floats, in which
/// outputs run along the rows: `positions` of them, covered by blocks of 24.
struct PaddedLayout {
  let rowWidth: Int
  let phaseStride: Int
  /// Floats per plane, with slack for the last block's reads past the rows.
  let planeStride: Int
  let positions: Int
  let blocks: Int

  init(rowWidth: Int, rows: Int, phases: Int, outputRows: Int) {
    self.rowWidth = rowWidth
    phaseStride = rows * rowWidth
    // The last block reads up to 24 floats from up to 23 positions past the rows, plus the largest
    // tap offset, which ends inside the plane: 32 floats of slack cover it.
    planeStride = (phases * phaseStride + 32 + 7) / 8 * 8
    positions = outputRows * rowWidth
    blocks = (positions + DirectConv3x3.positionsPerBlock - 1) / DirectConv3x3.positionsPerBlock
  }

  /// Floats between the output rows of two channels in a correlation's result.
  var blockStride: Int { blocks * DirectConv3x3.positionsPerBlock }
}

/// A zero-filled float buffer from the scratch pool, returned to it when it goes out of scope.
private final class ZeroedBuffer {
  let pointer: UnsafeMutablePointer<Float>
  let count: Int
  init(_ count: Int) {
    self.count = Swift.max(count, 1)
    pointer = ScratchBuffers.take(self.count)
    pointer.initialize(repeating: 0, count: self.count)
  }
  deinit { ScratchBuffers.give(pointer, count) }
}
