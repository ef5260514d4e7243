import CPNG
import Foundation

/// PNG reading and writing through libpng's simplified `png_image` API (no setjmp).
public enum PNGImage {
  /// Largest image accepted, in pixels (a lying header cannot force a larger allocation).
  public static let maximumPixels = 1 << 26
  // libpng's macros PNG_IMAGE_VERSION, PNG_FORMAT_FLAG_COLOR, PNG_FORMAT_RGB and PNG_FORMAT_GRAY do not import into Swift.
  private static let imageVersion: UInt32 = 1
  private static let formatColorFlag: UInt32 = 0x02
  private static let formatRGB: UInt32 = 0x02
  private static let formatGray: UInt32 = 0x00

  /// Reads a PNG as a tensor (C, H, W) in [0, 1] with C = 1 (grey) or 3 (RGB); other PNG types are converted.
  public static func read(path: String, channels: Int? = nil) throws -> Tensor {
    let op = "load_png"
    var image = png_image()
    image.version = imageVersion
    guard png_image_begin_read_from_file(&image, path) != 0 else {
      throw TensorError.file(op, "\(path): \(message(of: &image))")
    }
    let isColor = (image.format & formatColorFlag) != 0
    let c = channels ?? (isColor ? 3 : 1)
    guard c == 1 || c == 3 else {
      png_image_free(&image)
      throw TensorError.argument(op, "channels must be 1 or 3, got \(c)")
    }
    let width = Int(image.width), height = Int(image.height)
    guard width > 0, height > 0, width * height <= maximumPixels else {
      png_image_free(&image)
      throw TensorError.file(op, "\(path) declares a \(width)×\(height) image, larger than \(maximumPixels) pixels")
    }
    image.format = c == 3 ? formatRGB : formatGray
    var bytes = [UInt8](repeating: 0, count: width * height * c)
    let ok = bytes.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
    guard ok != 0 else {
      let text = message(of: &image)
      png_image_free(&image)
      throw TensorError.file(op, "\(path): \(text)")
    }
    let storage = TensorStorage(uninitializedCount: bytes.count)
    for y in 0..<height {
      for x in 0..<width {
        for ch in 0..<c { storage.pointer[(ch * height + y) * width + x] = Float(bytes[(y * width + x) * c + ch]) / 255 }
      }
    }
    return Tensor(shape: [c, height, width], storage: storage)
  }

  /// Writes a (C, H, W) or (H, W) tensor with values in [0, 1] (clamped) as an 8-bit grey or RGB PNG, atomically.
  public static func write(_ tensor: Tensor, path: String) throws {
    let op = "save_png"
    let shape = tensor.rank == 2 ? [1] + tensor.shape : tensor.shape
    guard shape.count == 3, shape[0] == 1 || shape[0] == 3, shape[1] > 0, shape[2] > 0 else {
      throw TensorError.shape(op, "image must be (1 or 3, H, W) or (H, W), got \(shapeString(tensor.shape))")
    }
    let c = shape[0], height = shape[1], width = shape[2]
    var bytes = [UInt8](repeating: 0, count: c * height * width)
    tensor.withData { src in
      for ch in 0..<c {
        for y in 0..<height {
          for x in 0..<width {
            let v = src[(ch * height + y) * width + x]
            bytes[(y * width + x) * c + ch] = UInt8((v.isNaN ? 0 : Swift.min(Swift.max(v, 0), 1)) * 255 + 0.5)
          }
        }
      }
    }
    try AtomicFile.write(to: path, op: op) { temp in
      var image = png_image()
      image.version = imageVersion
      image.width = UInt32(width)
      image.height = UInt32(height)
      image.format = c == 3 ? formatRGB : formatGray
      let ok = bytes.withUnsafeBytes { png_image_write_to_file(&image, temp, 0, $0.baseAddress, 0, nil) }
      guard ok != 0 else { throw TensorError.file(op, "\(path): \(message(of: &image))") }
    }
  }

  private static func message(of image: inout png_image) -> String {
    withUnsafeBytes(of: &image.message) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
  }
}
