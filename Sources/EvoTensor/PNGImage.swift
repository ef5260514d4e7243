import CPNG
import Foundation

/// 8-bit pixels, rows top to bottom, channels interleaved (1 grey, 3 RGB, 4 RGBA).
public struct Pixels: Equatable, Sendable {
  public let width: Int
  public let height: Int
  public let channels: Int
  public var bytes: [UInt8]

  public init(width: Int, height: Int, channels: Int, bytes: [UInt8]) {
    self.width = width
    self.height = height
    self.channels = channels
    self.bytes = bytes
  }

  /// The channel values of the pixel at column x, row y.
  public func pixel(x: Int, y: Int) -> [UInt8] {
    let start = (y * width + x) * channels
    return Array(bytes[start..<start + channels])
  }
}

/// PNG reading and writing through libpng's simplified `png_image` API (no setjmp).
public enum PNGImage {
  /// Largest image accepted, in pixels (a lying header cannot force a larger allocation).
  public static let maximumPixels = 1 << 26
  // libpng's macros PNG_IMAGE_VERSION, PNG_FORMAT_FLAG_COLOR, PNG_FORMAT_RGB, ... do not import into Swift.
  private static let imageVersion: UInt32 = 1
  private static let formatColorFlag: UInt32 = 0x02
  private static let formats: [Int: UInt32] = [1: 0x00, 3: 0x02, 4: 0x03]

  /// Decodes PNG bytes (from a file when `path` is given, else `data`) into 8-bit pixels with
  /// `channels` channels (default: 3 for colour images, 1 for grey).
  public static func decode(_ data: [UInt8], channels: Int? = nil, name: String = "PNG data") throws -> Pixels {
    var image = png_image()
    image.version = imageVersion
    let begun = data.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, data.count) }
    guard begun != 0 else { throw TensorError.file("load_png", "\(name): \(message(of: &image))") }
    return try finishRead(&image, channels: channels, name: name)
  }

  /// Reads a PNG file into 8-bit pixels (see `decode`).
  public static func readPixels(path: String, channels: Int? = nil) throws -> Pixels {
    var image = png_image()
    image.version = imageVersion
    guard png_image_begin_read_from_file(&image, path) != 0 else {
      throw TensorError.file("load_png", "\(path): \(message(of: &image))")
    }
    return try finishRead(&image, channels: channels, name: path)
  }

  private static func finishRead(_ image: inout png_image, channels: Int?, name: String) throws -> Pixels {
    let op = "load_png"
    let isColor = (image.format & formatColorFlag) != 0
    let c = channels ?? (isColor ? 3 : 1)
    guard let format = formats[c] else {
      png_image_free(&image)
      throw TensorError.argument(op, "channels must be 1, 3 or 4, got \(c)")
    }
    let width = Int(image.width)
    let height = Int(image.height)
    guard width > 0, height > 0, width * height <= maximumPixels else {
      png_image_free(&image)
      throw TensorError.file(op, "\(name) declares a \(width)×\(height) image, larger than \(maximumPixels) pixels")
    }
    image.format = format
    var bytes = [UInt8](repeating: 0, count: width * height * c)
    let ok = bytes.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
    guard ok != 0 else {
      let text = message(of: &image)
      png_image_free(&image)
      throw TensorError.file(op, "\(name): \(text)")
    }
    return Pixels(width: width, height: height, channels: c, bytes: bytes)
  }

  /// Encodes pixels as PNG bytes.
  public static func encode(_ pixels: Pixels) throws -> [UInt8] {
    let op = "save_png"
    guard let format = formats[pixels.channels], pixels.width > 0, pixels.height > 0,
      pixels.bytes.count == pixels.width * pixels.height * pixels.channels
    else {
      throw TensorError.argument(op, "pixels must be 1, 3 or 4 channels filling \(pixels.width)×\(pixels.height)")
    }
    var image = png_image()
    image.version = imageVersion
    image.width = UInt32(pixels.width)
    image.height = UInt32(pixels.height)
    image.format = format
    var size = 0
    let sized = pixels.bytes.withUnsafeBytes {
      png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil)
    }
    guard sized != 0, size > 0 else { throw TensorError.file(op, message(of: &image)) }
    var out = [UInt8](repeating: 0, count: size)
    let written = out.withUnsafeMutableBytes { o in
      pixels.bytes.withUnsafeBytes {
        png_image_write_to_memory(&image, o.baseAddress, &size, 0, $0.baseAddress, 0, nil)
      }
    }
    guard written != 0 else { throw TensorError.file(op, message(of: &image)) }
    return Array(out.prefix(size))
  }

  /// Reads a PNG as a tensor (C, H, W) in [0, 1] with C = 1 (grey) or 3 (RGB); other PNG types are converted.
  public static func read(path: String, channels: Int? = nil) throws -> Tensor {
    if let channels, channels != 1 && channels != 3 {
      throw TensorError.argument("load_png", "channels must be 1 or 3, got \(channels)")
    }
    let pixels = try readPixels(path: path, channels: channels)
    let c = pixels.channels
    let height = pixels.height
    let width = pixels.width
    let storage = TensorStorage(uninitializedCount: pixels.bytes.count)
    for y in 0..<height {
      for x in 0..<width {
        for ch in 0..<c {
          storage.pointer[(ch * height + y) * width + x] = Float(pixels.bytes[(y * width + x) * c + ch]) / 255
        }
      }
    }
    return Tensor(shape: [c, height, width], storage: storage)
  }

  /// The 8-bit pixels of a (C, H, W) or (H, W) tensor with values in [0, 1] (clamped), C = 1 or 3.
  public static func pixels(of tensor: Tensor, op: String = "save_png") throws -> Pixels {
    let shape = tensor.rank == 2 ? [1] + tensor.shape : tensor.shape
    guard shape.count == 3, shape[0] == 1 || shape[0] == 3, shape[1] > 0, shape[2] > 0 else {
      throw TensorError.shape(op, "image must be (1 or 3, H, W) or (H, W), got \(shapeString(tensor.shape))")
    }
    let c = shape[0]
    let height = shape[1]
    let width = shape[2]
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
    return Pixels(width: width, height: height, channels: c, bytes: bytes)
  }

  /// Writes a (C, H, W) or (H, W) tensor with values in [0, 1] (clamped) as an 8-bit grey or RGB PNG, atomically.
  public static func write(_ tensor: Tensor, path: String) throws {
    let encoded = try encode(try pixels(of: tensor))
    try AtomicFile.write(Data(encoded), to: path, op: "save_png")
  }

  private static func message(of image: inout png_image) -> String {
    withUnsafeBytes(of: &image.message) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
  }
}
