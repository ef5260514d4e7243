import EvoLang
import EvoTensor
import Foundation

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
  /// How pictures are drawn in the terminal besides being written to a file.
  public var inlineProtocol: InlineImageProtocol = .detect()
  /// The number of the last picture file written outside notebooks (files are never overwritten).
  var written = 0

  public init() {}

  /// Shows a value: through `handler` when set; otherwise pictures go to a PNG file under
  /// `outputDirectory` (path printed, drawn inline where the terminal can) and other values print as text.
  public func show(_ value: Value, interpreter: Interpreter) throws {
    if let handler {
      try handler(value)
      return
    }
    guard let picture = value.displayPNG else {
      interpreter.output(value.text + "\n")
      return
    }
    let png = try picture.pngData()
    var path: String
    repeat {
      written += 1
      path = "\(outputDirectory)/figure-\(written).png"
    } while FileManager.default.fileExists(atPath: path)
    try PictureFile.write(png, to: path)
    interpreter.output(inlineProtocol.escape(png) + "[picture: \(path)]\n")
  }
}

/// Terminal protocols for drawing PNGs inline.
public enum InlineImageProtocol: String, Sendable {
  case none, kitty, iterm

  /// From `EVO_INLINE_IMAGES` (none, kitty, iterm) if set, else from the terminal's environment
  /// (kitty: `TERM=xterm-kitty` or `KITTY_WINDOW_ID`; iTerm2 and WezTerm: `TERM_PROGRAM`), and only when
  /// standard output is a terminal.
  public static func detect(
    _ environment: [String: String] = ProcessInfo.processInfo.environment, isTerminal: Bool = isatty(1) != 0
  ) -> InlineImageProtocol {
    if let explicit = environment["EVO_INLINE_IMAGES"],
      let chosen = InlineImageProtocol(rawValue: explicit.lowercased())
    {
      return chosen
    }
    guard isTerminal else { return .none }
    if environment["TERM"] == "xterm-kitty" || environment["KITTY_WINDOW_ID"] != nil { return .kitty }
    if let program = environment["TERM_PROGRAM"], program == "iTerm.app" || program == "WezTerm" { return .iterm }
    return .none
  }

  /// The escape sequence that draws the PNG, followed by a newline (empty for `.none`).
  public func escape(_ png: [UInt8]) -> String {
    let base64 = Data(png).base64EncodedString()
    switch self {
    case .none:
      return ""
    case .iterm:
      return "\u{1B}]1337;File=inline=1;size=\(png.count):\(base64)\u{07}\n"
    case .kitty:
      var out = ""
      var offset = base64.startIndex
      while offset < base64.endIndex {
        let end = base64.index(offset, offsetBy: 4096, limitedBy: base64.endIndex) ?? base64.endIndex
        let more = end < base64.endIndex ? 1 : 0
        out += offset == base64.startIndex ? "\u{1B}_Ga=T,f=100,m=\(more);" : "\u{1B}_Gm=\(more);"
        out += base64[offset..<end] + "\u{1B}\\"
        offset = end
      }
      return out + "\n"
    }
  }
}

extension Value {
  /// The PNG picture of a displayable value, or nil for values that only have text.
  public var displayPNG: PNGDisplayable? {
    if case .native(let n) = self, let picture = n as? PNGDisplayable { return picture }
    return nil
  }

  /// The MIME bundle a notebook or a Jupyter front end shows: `text/plain` (the repr) and, for a
  /// picture, `image/png` (its PNG in base64).
  public func mimeBundle() throws -> [String: String] {
    guard let picture = displayPNG else { return ["text/plain": repr] }
    return ["image/png": Data(try picture.pngData()).base64EncodedString(), "text/plain": repr]
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
