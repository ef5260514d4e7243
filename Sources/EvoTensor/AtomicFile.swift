import Foundation

/// A failed write of an output file: the operation, the real path written (symlinks resolved, never the
/// temporary file) and the reason, with the system's errno text.
public struct FileWriteError: Error, CustomStringConvertible, Sendable, Equatable {
  public let op: String
  public let path: String
  public let reason: String

  public var description: String { "\(op): cannot write \(path): \(reason)" }

  init(_ op: String, _ path: String, errno code: Int32) {
    self.init(op: op, path: path, reason: String(cString: strerror(code)))
  }

  init(op: String, path: String, reason: String) {
    self.op = op
    self.path = path
    self.reason = reason
  }
}

/// Writes output files without damaging what a path points at:
/// - a symlink is followed, and its target is written (the link stays a link);
/// - devices, FIFOs and sockets (`/dev/null`, `/dev/stdout`) are written directly;
/// - a regular file is replaced atomically, by a temporary file beside it renamed over it, keeping the
///   file's mode; a file the process may not write is refused;
/// - a path with a NUL byte is refused (the system would silently cut it there);
/// - temporary files are named `.NAME.evo-tmp-PID-N`: a write removes those of processes that no longer
///   run, so a killed run leaves nothing behind once the output is written again.
public enum AtomicFile {
  /// Writes `data` to `path`, creating missing parent folders.
  public static func write(_ data: Data, to path: String, op: String) throws {
    try write(to: path, op: op) { file in
      // open/write rather than FileManager.createFile, which itself renames a temporary file over the
      // path (and so would replace a device such as /dev/null by a regular file).
      let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
      guard fd >= 0 else { throw FileWriteError(op, try resolve(path, op: op), errno: errno) }
      defer { close(fd) }
      try data.withUnsafeBytes { raw in
        guard let base = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
          let n = Foundation.write(fd, base + offset, raw.count - offset)
          if n < 0 && errno == EINTR { continue }
          guard n > 0 else { throw FileWriteError(op, try resolve(path, op: op), errno: n < 0 ? errno : EIO) }
          offset += n
        }
      }
    }
  }

  /// Calls `produce(file)` to write the file at `file`, which is a temporary path renamed to the real
  /// target afterwards, or the target itself when it is a device or FIFO. The temporary file is removed
  /// when `produce` fails.
  public static func write(to path: String, op: String, _ produce: (String) throws -> Void) throws {
    let target = try resolve(path, op: op)
    var info = stat()
    let exists = stat(target, &info) == 0
    if exists && (info.st_mode & S_IFMT) == S_IFDIR { throw FileWriteError(op, target, errno: EISDIR) }
    if exists && (info.st_mode & S_IFMT) != S_IFREG {
      try produce(target)
      return
    }
    if exists && access(target, W_OK) != 0 { throw FileWriteError(op, target, errno: errno) }
    let folder = (target as NSString).deletingLastPathComponent
    do {
      try FileManager.default.createDirectory(atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true)
    } catch {
      throw FileWriteError(
        op: op, path: target, reason: "cannot create folder \(folder): \(error.localizedDescription)")
    }
    let name = (target as NSString).lastPathComponent
    removeStaleTemporaries(in: folder, of: name)
    let temp = (folder as NSString).appendingPathComponent(".\(name).evo-tmp-\(getpid())-\(nextTemporary())")
    do {
      try produce(temp)
      if exists { chmod(temp, info.st_mode & 0o7777) }
      guard rename(temp, target) == 0 else { throw FileWriteError(op, target, errno: errno) }
    } catch {
      unlink(temp)
      throw error
    }
  }

  /// Throws unless `output` is a different file from `input` (symlinks and hard links included), so
  /// writing the output cannot destroy the input.
  public static func refuseOverwriting(input: String, output: String, op: String) throws {
    var a = stat()
    var b = stat()
    guard stat(input, &a) == 0, stat(try resolve(output, op: op), &b) == 0 else { return }
    if a.st_dev == b.st_dev && a.st_ino == b.st_ino {
      throw FileWriteError(op: op, path: output, reason: "it is the input \(input); choose another output")
    }
  }

  /// The path a write really goes to: symlinks to regular files followed (also dangling ones, whose target
  /// is created); a path reaching anything else (`/dev/stdout`, a FIFO) is used as it is; NUL bytes and
  /// symlink loops refused.
  static func resolve(_ path: String, op: String) throws -> String {
    guard !path.utf8.contains(0) else {
      throw FileWriteError(
        op: op, path: path.replacingOccurrences(of: "\0", with: "\\0"), reason: "the path contains a NUL byte")
    }
    guard !path.isEmpty else { throw FileWriteError(op, path, errno: ENOENT) }
    var current = path
    for _ in 0..<40 {
      var info = stat()
      if stat(current, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG { return current }
      guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return current }
      current =
        link.hasPrefix("/")
        ? link : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(link)
    }
    throw FileWriteError(op, path, errno: ELOOP)
  }

  /// Removes `.NAME.evo-tmp-PID-N` files in `folder` whose process no longer runs.
  private static func removeStaleTemporaries(in folder: String, of name: String) {
    let prefix = ".\(name).evo-tmp-"
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder) else {
      return
    }
    for entry in entries where entry.hasPrefix(prefix) {
      guard let pid = Int32(entry.dropFirst(prefix.count).prefix { $0 != "-" }), pid != getpid() else { continue }
      if kill(pid, 0) != 0 && errno == ESRCH { unlink((folder as NSString).appendingPathComponent(entry)) }
    }
  }

  private static let counter = Counter()
  private static func nextTemporary() -> Int { counter.next() }

  /// A thread-safe sequence number, so concurrent writes of one file use different temporary files.
  private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
      lock.lock()
      defer { lock.unlock() }
      value += 1
      return value
    }
  }
}
