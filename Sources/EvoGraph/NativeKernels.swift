import EvoTensor
import Foundation
import Synchronization

/// A fused plan's sweeps as native functions (see `NativeSource`), loaded from a shared library.
struct NativeKernel: @unchecked Sendable {
  typealias Forward =
    @convention(c) (
      UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
      UnsafePointer<Float>,
      Int, Int, Int, Int, Int, Float
    ) -> Int32
  typealias Backward =
    @convention(c) (
      UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafePointer<Float>,
      UnsafeMutablePointer<Float>,
      UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
      UnsafePointer<Float>,
      Int, Int, Int, Int, Int, Float
    ) -> Void
  typealias Sums =
    @convention(c) (
      UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, Int, Int,
      Int, Int, Int, Float
    ) -> Void

  let forward: Forward
  let backward: Backward
  /// `evo_sums_L` by level, for plans of several levels (empty otherwise).
  let sums: [Sums]
}

/// Compiles generated layer kernels with the machine's C compiler and keeps them: in memory for the
/// process, on disk across runs (one shared library per source, named by its `StableHash`). Any failure — no
/// compiler, a compile error, a library that will not load — leaves the plan to the Swift evaluator.
///
/// The compiler is `$EVO_CC` when set (empty or `none` turns native kernels off), else the first of
/// `clang`, `cc` and `gcc` on the PATH; `$EVO_CFLAGS` adds flags to every build (scripts/sanitize.sh
/// builds the kernels with UndefinedBehaviorSanitizer this way). The cache folder is `$EVO_KERNEL_CACHE`, else
/// `$XDG_CACHE_HOME/evo/kernels`, else `~/.cache/evo/kernels`.
///
/// Libraries are written atomically (renamed into place when complete), so processes sharing the folder
/// — search workers — never load a half-written one.
final class NativeKernelCache: Sendable {
  static let shared = NativeKernelCache(
    compiler: NativeKernelCache.defaultCompiler(), folder: NativeKernelCache.defaultFolder())

  let compiler: String?
  let folder: String
  /// The flags of every build: optimised for this CPU, no errno from sqrt (so it vectorises), then
  /// `$EVO_CFLAGS`.
  let flags: [String]
  /// Loaded kernels (nil: this source failed), by library path. Compiles run under the lock: they are
  /// rare, and two threads never build the same library at once.
  private let loaded = Mutex<[String: NativeKernel?]>([:])

  init(compiler: String?, folder: String, extraFlags: [String] = NativeKernelCache.environmentFlags()) {
    self.compiler = compiler
    self.folder = folder
    flags = ["-O3", "-march=native", "-fPIC", "-shared", "-fno-math-errno", "-w"] + extraFlags
  }

  /// `$EVO_CFLAGS`, split at spaces.
  static func environmentFlags() -> [String] {
    (ProcessInfo.processInfo.environment["EVO_CFLAGS"] ?? "").split(separator: " ").map(String.init)
  }

  /// The kernel built from `source` (see `NativeSource`): already loaded, or (when `build`) loaded or
  /// compiled now. Nil when native code is unavailable.
  func kernel(source: String, build: Bool) -> NativeKernel? {
    guard let compiler, let library = libraryPath(source: source) else { return nil }
    return loaded.withLock { kernels -> NativeKernel? in
      if let known = kernels[library] { return known }
      guard build else { return nil }
      switch load(source: source, library: library, compiler: compiler) {
      case .loaded(let kernel):
        kernels[library] = kernel
        return kernel
      case .failed:
        kernels[library] = .some(nil)
        return nil
      case .interrupted:
        return nil  // Ctrl-C reached the compiler: try again next time
      }
    }
  }

  /// How getting a library went.
  private enum Outcome {
    case loaded(NativeKernel)
    /// The compiler rejected the source, or the library would not load: remembered for the process.
    case failed
    /// The compiler was stopped by a signal (Ctrl-C reaches the whole foreground process group).
    case interrupted
  }

  /// Where the library built from `source` is kept: named by the hash of the source, the compiler, its
  /// flags and the CPU. Nil without a compiler.
  func libraryPath(source: String) -> String? {
    guard let compiler else { return nil }
    let key = StableHash.string(
      source + "\u{0}" + compiler + "\u{0}" + flags.joined(separator: " ") + "\u{0}" + Self.cpuModel)
    return "\(folder)/\(StableHash.hex(key)).so"
  }

  private func load(source: String, library: String, compiler: String) -> Outcome {
    if FileManager.default.fileExists(atPath: library), let kernel = Self.open(library) { return .loaded(kernel) }
    if let problem = compile(source, into: library, compiler: compiler) { return problem }
    return Self.open(library).map { .loaded($0) } ?? .failed
  }

  /// Writes the source and builds the library beside it, renamed into place when complete. Nil when
  /// built, else `.failed` or `.interrupted`.
  private func compile(_ source: String, into library: String, compiler: String) -> Outcome? {
    let sourcePath = String(library.dropLast(3)) + ".c"
    var interrupted = false
    do {
      try AtomicFile.write(Data(source.utf8), to: sourcePath, op: "layer kernel")
      try AtomicFile.write(to: library, op: "layer kernel") { temp in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: compiler)
        process.arguments = flags + ["-o", temp, sourcePath]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        interrupted = process.terminationReason == .uncaughtSignal
        guard process.terminationStatus == 0, !interrupted else {
          throw TensorError(.file, op: "layer kernel", "\(compiler) failed on \(sourcePath)")
        }
      }
      return nil
    } catch {
      return interrupted ? .interrupted : .failed
    }
  }

  private static func open(_ library: String) -> NativeKernel? {
    guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL),
      let forward = dlsym(handle, "evo_forward"), let backward = dlsym(handle, "evo_backward")
    else { return nil }
    var sums: [NativeKernel.Sums] = []
    while let function = dlsym(handle, "evo_sums_\(sums.count)") {
      sums.append(unsafeBitCast(function, to: NativeKernel.Sums.self))
    }
    return NativeKernel(
      forward: unsafeBitCast(forward, to: NativeKernel.Forward.self),
      backward: unsafeBitCast(backward, to: NativeKernel.Backward.self), sums: sums)
  }

  static func defaultCompiler() -> String? {
    let environment = ProcessInfo.processInfo.environment
    if let chosen = environment["EVO_CC"] {
      if chosen.isEmpty || chosen == "none" { return nil }
      return chosen.contains("/") ? chosen : which(chosen, path: environment["PATH"])
    }
    for name in ["clang", "cc", "gcc"] {
      if let found = which(name, path: environment["PATH"]) { return found }
    }
    return nil
  }

  private static func which(_ name: String, path: String?) -> String? {
    for folder in (path ?? "/usr/bin:/bin").split(separator: ":") {
      let candidate = "\(folder)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// The cache folder (see the type's documentation); a folder under the temporary directory when that
  /// one cannot be created (a read-only home).
  static func defaultFolder() -> String {
    let environment = ProcessInfo.processInfo.environment
    if let folder = environment["EVO_KERNEL_CACHE"], !folder.isEmpty { return folder }
    let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(NSHomeDirectory())/.cache"
    let folder = "\(cache)/evo/kernels"
    if (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil {
      return folder
    }
    return "\(NSTemporaryDirectory())evo-kernels-\(getuid())"
  }

  /// The CPU's model line: libraries built with -march=native are kept apart per CPU.
  private static let cpuModel: String = {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "" }
    return info.split(separator: "\n").first { $0.hasPrefix("model name") }.map(String.init) ?? ""
  }()
}
