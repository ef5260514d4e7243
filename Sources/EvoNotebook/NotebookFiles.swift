import EvoTensor
import Foundation

/// Reading and writing notebook files: the format follows the extension (`.ipynb` is nbformat JSON,
/// `.html` the self-contained report, anything else the percent format).
public enum NotebookFiles {
  /// Reads a notebook: `.ipynb` as nbformat JSON, anything else as the percent format.
  public static func read(_ path: String) throws -> Notebook {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw NotebookError("cannot read \(path)")
    }
    do {
      return path.hasSuffix(".ipynb") ? try IPYNBFormat.parse(text) : try PercentFormat.parse(text)
    } catch let error as NotebookError {
      throw NotebookError("\(path): \(error.message)")
    }
  }

  /// Writes `notebook` in the format `path`'s extension names (`.ipynb`, `.html`, else percent);
  /// `title` heads an HTML report.
  public static func write(_ notebook: Notebook, to path: String, title: String? = nil) throws {
    let text: String
    if path.hasSuffix(".ipynb") {
      text = IPYNBFormat.write(notebook)
    } else if path.hasSuffix(".html") {
      let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
      text = HTMLReport.render(notebook, title: title ?? stem)
    } else {
      text = PercentFormat.write(notebook)
    }
    let folder = (path as NSString).deletingLastPathComponent
    if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
    try AtomicFile.write(Data(text.utf8), to: path, op: "notebook")
  }
}
