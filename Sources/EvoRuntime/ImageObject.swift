import EvoLang
import EvoPlot
import EvoTensor

/// A picture made of pixels (an image grid) as an Evo value.
final class ImageObject: PNGDisplayable {
  let pixels: Pixels
  init(_ pixels: Pixels) { self.pixels = pixels }
  var nativeType: NativeType { Self.type }
  func pngData() throws -> [UInt8] { try PNGImage.encode(pixels) }

  static let type: NativeType = {
    let t = NativeType(name: "Image", doc: "A picture (an image grid).") { obj in
      guard let p = (obj as? ImageObject)?.pixels else { return "<image>" }
      return "<image \(p.width)×\(p.height)>"
    }
    t.method("save", [NativeParameter("path")], doc: "Writes the picture as a PNG file.") { a in
      let image = try a.native(0, as: ImageObject.self, expected: "an image")
      try PictureFile.write(try image.pngData(), to: try a.string(1))
      return .null
    }
    t.properties["width"] = (get: { .number(Double(($0 as? ImageObject)?.pixels.width ?? 0)) }, set: nil)
    t.properties["height"] = (get: { .number(Double(($0 as? ImageObject)?.pixels.height ?? 0)) }, set: nil)
    return t
  }()
}
