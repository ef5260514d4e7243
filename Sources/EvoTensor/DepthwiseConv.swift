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
