import EvoNotebook
import EvoTensor
import Foundation

/// The Jupyter kernelspec of Evo: `kernels/evo/kernel.json` and its logos, which make Evo a kernel that
/// `jupyter kernelspec list`, JupyterLab, VS Code and nbconvert find.
public enum KernelSpec {
  /// The kernelspec's name, the one notebooks written by `evo notebook run` name in their metadata.
  public static var name: String { IPYNBFormat.evoMetadata["kernelspec"]?["name"]?.string ?? "evo" }

  /// Where `jupyter kernelspec install` would put the kernelspec: `--user` under the Jupyter data
  /// folder (`$JUPYTER_DATA_DIR`, else `$XDG_DATA_HOME/jupyter` or `~/.local/share/jupyter`), `--prefix P`
  /// under `P/share/jupyter`, and otherwise the system-wide `/usr/local/share/jupyter`.
  public static func folder(
    user: Bool, prefix: String?, environment: [String: String] = ProcessInfo.processInfo.environment
  )
    -> String
  {
    let data: String
    if let prefix {
      data = prefix + "/share/jupyter"
    } else if user {
      if let dir = environment["JUPYTER_DATA_DIR"] {
        data = dir
      } else {
        let xdg = environment["XDG_DATA_HOME"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        data = xdg + "/jupyter"
      }
    } else {
      data = "/usr/local/share/jupyter"
    }
    return "\(data)/kernels/\(name)"
  }

  /// The `kernel.json` that starts `executable` as the kernel, with `stdlib` (if any) as `EVO_STDLIB`:
  /// Jupyter starts kernels in the notebook's folder, where no relative search finds the stdlib.
  public static func kernelJSON(executable: String, stdlib: String?) -> String {
    var spec: [String: JSONValue] = [
      "argv": .array([executable, "kernel", "--connection-file", "{connection_file}"].map(JSONValue.string)),
      "display_name": .string("Evo"),
      "language": .string("evo"),
      "interrupt_mode": .string("message"),
      "metadata": .object(["debugger": .bool(false)]),
    ]
    if let stdlib { spec["env"] = .object(["EVO_STDLIB": .string(stdlib)]) }
    return JSONValue.object(spec).serialized(indent: 1) + "\n"
  }

  /// Writes the kernelspec into `folder` (created if needed; files replaced atomically).
  public static func install(into folder: String, executable: String, stdlib: String?) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try AtomicFile.write(
      Data(kernelJSON(executable: executable, stdlib: stdlib).utf8), to: folder + "/kernel.json", op: "kernel install")
    for size in [32, 64] {
      try AtomicFile.write(Data(try logo(size: size)), to: folder + "/logo-\(size)x\(size).png", op: "kernel install")
    }
  }

  /// Evo's logo: the curve of a Swish activation, x·σ(x), in white on a rounded teal square.
  public static func logo(size: Int) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: size * size * 4)
    let s = Double(size)
    let radius = s * 0.2
    let stroke = s * 0.06
    // The curve, sampled densely, in pixel coordinates.
    let samples = (0...400).map { i -> (Double, Double) in
      let x = -5 + 10 * Double(i) / 400
      let y = x / (1 + exp(-x))
      return (s * (0.12 + 0.76 * Double(i) / 400), s * (0.72 - 0.11 * y))
    }
    for py in 0..<size {
      for px in 0..<size {
        let x = Double(px) + 0.5
        let y = Double(py) + 0.5
        // Coverage of the rounded square, antialiased over one pixel.
        let dx = max(radius - x, x - (s - radius), 0)
        let dy = max(radius - y, y - (s - radius), 0)
        let inside = min(max(radius - (dx * dx + dy * dy).squareRoot() + 0.5, 0), 1)
        let distance = samples.reduce(Double.infinity) { min($0, hypot($1.0 - x, $1.1 - y)) }
        let ink = min(max(stroke - distance + 0.5, 0), 1)
        let background: (Double, Double, Double) = (23, 105, 120)
        let offset = (py * size + px) * 4
        bytes[offset] = UInt8(background.0 + (255 - background.0) * ink)
        bytes[offset + 1] = UInt8(background.1 + (255 - background.1) * ink)
        bytes[offset + 2] = UInt8(background.2 + (255 - background.2) * ink)
        bytes[offset + 3] = UInt8(255 * inside)
      }
    }
    return try PNGImage.encode(Pixels(width: size, height: size, channels: 4, bytes: bytes))
  }
}
