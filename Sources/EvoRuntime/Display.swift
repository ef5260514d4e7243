import Foundation
import EvoTensor
import EvoLang

/// A value that can show itself as a picture: figures, image grids and layer graphs. Notebooks show
/// the PNG; the REPL writes it to a file (and draws it inline where the terminal can).
public protocol PNGDisplayable: NativeObject {
  /// The picture as PNG bytes.
  func pngData() throws -> [UInt8]
}

/// Where displayed values go: a notebook collects them as outputs, the REPL and scripts write PNGs
/// under `evo-out/` and print their paths.
public final class DisplaySink: @unchecked Sendable {
  /// Receives each displayed value; nil shows values the default way (text, or a PNG file for pictures).
  public var handler: ((Value) throws -> Void)?
  /// Folder for pictures shown outside notebooks.
  public var outputDirectory = "evo-out"
  /// Counts pictures written outside notebooks, for their file names.
  var written = 0

  public init() {}
}

extension Value {
  /// The PNG picture of a displayable value, or nil for values that only have text.
  public var displayPNG: PNGDisplayable? {
    if case .native(let n) = self, let picture = n as? PNGDisplayable { return picture }
    return nil
  }
}

/// Writes pictures to files, atomically, creating the folder.
enum PictureFile {
  static func write(_ bytes: [UInt8], to path: String) throws {
    let folder = (path as NSString).deletingLastPathComponent
    if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
    try AtomicFile.write(Data(bytes), to: path, op: "save")
  }
}
