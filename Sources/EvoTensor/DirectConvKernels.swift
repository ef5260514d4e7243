/// The register-blocked SIMD kernels of the direct 3×3 convolution: correlations over taps, the weight
/// gradient, and the gradient transpose they read.
extension DirectConv3x3 {
  /// out[o][p] = Σ_i Σ_t filters(o, i, t) · padded[i][p + offsets[t]] for every output channel o (a
  /// multiple of 4) and every position block of `layout`; `out` rows are `layout.blockStride` apart.
  /// Nine taps (every stride-1 pass, the stride-2 forward) run a kernel unrolled with its offsets in
  /// registers, in a function of its own: sharing one with the stride-2 input gradient's phase loop
  /// (4, 2 or 1 taps) made the register allocator spill accumulators, 10–20% slower (measured).
  func correlate(
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
  @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
  }
  @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
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
  func accumulateWeightGradient(
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
  func transposeGradient(_ g: UnsafePointer<Float>, images count: Int, into rows: UnsafeMutablePointer<Float>) {
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
}
