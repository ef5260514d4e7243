import Foundation

/// Writes files atomically: into a temporary file beside the target, then renamed over it.
public enum AtomicFile {
  /// Writes `data` to `path` atomically, creating missing parent folders.
  public static func write(_ data: Data, to path: String, op: String) throws {
    try write(to: path, op: op) { temp in
      guard FileManager.default.createFile(atPath: temp, contents: data) else {
        throw TensorError.file(op, "cannot write \(temp)")
      }
    }
  }

  /// Calls `produce(tempPath)` to write the file, then renames it to `path`; removes the temp on failure.
  public static func write(to path: String, op: String, _ produce: (String) throws -> Void) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw TensorError.file(op, "cannot create folder \(folder.path): \(error.localizedDescription)")
    }
    let temp = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
    do {
      try produce(temp)
      guard rename(temp, path) == 0 else { throw TensorError.file(op, "cannot rename \(temp) to \(path): \(String(cString: strerror(errno)))") }
    } catch {
      unlink(temp)
      throw error
    }
  }
}
