/// Depthwise forward: one filter per channel, direct loops over the planes.
func depthwiseForward(
  _ geo: ConvGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
) throws {
  let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
  let ws = SendablePointer(UnsafeMutablePointer(mutating: w))
  let os = SendablePointer(out)
  let kArea = geo.kernelH * geo.kernelW
  try forWorkerChunks(geo.inChannels, op: "conv2d") { _, channels, token in
    for n in 0..<geo.batch where !token.isRequested {
      for c in channels {
        let plane = xs.pointer + geo.inputOffset(image: n, group: c)
        let dst = os.pointer + geo.outputOffset(image: n, group: c)
        dst.update(repeating: 0, count: geo.outPlane)
        for ki in 0..<geo.kernelH {
          for kj in 0..<geo.kernelW {
            let wv = ws.pointer[c * kArea + ki * geo.kernelW + kj]
            let base = kj * geo.dilation - geo.padding
            let columns = geo.columns(reading: base)
            for oh in 0..<geo.outH {
              let ih = oh * geo.stride - geo.padding + ki * geo.dilation
              guard ih >= 0 && ih < geo.height else { continue }
              let src = plane + ih * geo.width
              let row = dst + oh * geo.outW
              if geo.stride == 1 {
                let shifted = src + base
                for ow in columns { row[ow] += wv * shifted[ow] }
              } else {
                for ow in columns { row[ow] += wv * src[ow * geo.stride + base] }
              }
            }
          }
        }
      }
    }
  }
}

/// Depthwise backward: gradients of x and of the filters (both accumulated).
func depthwiseBackward(
  _ geo: ConvGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, g: UnsafePointer<Float>,
  dx: UnsafeMutablePointer<Float>, dw: UnsafeMutablePointer<Float>
) throws {
  let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
  let ws = SendablePointer(UnsafeMutablePointer(mutating: w))
  let gs = SendablePointer(UnsafeMutablePointer(mutating: g))
  let dxs = SendablePointer(dx)
  let dws = SendablePointer(dw)
  let kArea = geo.kernelH * geo.kernelW
  try forWorkerChunks(geo.inChannels, op: "conv2d backward") { _, channels, token in
    for n in 0..<geo.batch where !token.isRequested {
      for c in channels {
        let plane = xs.pointer + geo.inputOffset(image: n, group: c)
        let dplane = dxs.pointer + geo.inputOffset(image: n, group: c)
        let grad = gs.pointer + geo.outputOffset(image: n, group: c)
        for ki in 0..<geo.kernelH {
          for kj in 0..<geo.kernelW {
            let wi = c * kArea + ki * geo.kernelW + kj
            let wv = ws.pointer[wi]
            var acc: Float = 0
            let base = kj * geo.dilation - geo.padding
            let columns = geo.columns(reading: base)
            for oh in 0..<geo.outH {
              let ih = oh * geo.stride - geo.padding + ki * geo.dilation
              guard ih >= 0 && ih < geo.height else { continue }
              let src = plane + ih * geo.width
              let dsrc = dplane + ih * geo.width
              let row = grad + oh * geo.outW
              if geo.stride == 1 {
                let shifted = src + base
                let dshifted = dsrc + base
                acc += dotProduct(row + columns.lowerBound, shifted + columns.lowerBound, count: columns.count)
                for ow in columns { dshifted[ow] += wv * row[ow] }
              } else {
                for ow in columns {
                  let iw = ow * geo.stride + base
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

extension ConvGeometry {
  /// The output columns whose input column `ow · stride + base` lies inside the row (0..<width), so
  /// the loops over them need no bounds test.
  @inline(__always)
  func columns(reading base: Int) -> Range<Int> {
    let first = base >= 0 ? 0 : (stride - 1 - base) / stride
    let end = base >= width ? 0 : Swift.min(outW, (width - 1 - base) / stride + 1)
    return first..<Swift.max(first, end)
  }
}

/// Σ a[i]·b[i] over `count` floats, in two 8-lane accumulators (a sequential sum waits on each add).
@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
  var s0 = SIMD8<Float>()
  var s1 = SIMD8<Float>()
  let ra = UnsafeRawPointer(a)
  let rb = UnsafeRawPointer(b)
  var i = 0
  while i + 16 <= count {
    s0 +=
      ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
      * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
    s1 +=
      ra.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
      * rb.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
    i += 16
  }
  var total = (s0 + s1).sum()
  while i < count {
    total += a[i] * b[i]
    i += 1
  }
  return total
}
