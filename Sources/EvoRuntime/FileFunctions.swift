import EvoLang
import EvoTensor
import Foundation

/// PNG pictures as tensors, file existence and the cache folder.
enum FileFunctions {
  static var all: [NativeFunction] {
    [
      NativeFunction("load_png", [p("path"), p("channels", .null)], doc: "A PNG file as a (C, H, W) tensor in [0, 1].")
      { a in
        .tensor(try PNGImage.read(path: a.string(0), channels: a.optionalInt(1)))
      },
      NativeFunction(
        "save_png", [p("image"), p("path")], doc: "Writes a (C, H, W) or (H, W) tensor in [0, 1] as a PNG file."
      ) { a in
        try PNGImage.write(Convert.tensor(a[0], "save_png"), path: a.string(1))
        return .null
      },
      NativeFunction("file_exists", [p("path")], doc: "Whether a file or folder exists at path.") { a in
        .bool(FileManager.default.fileExists(atPath: try a.string(0)))
      },
      NativeFunction(
        "cache_path", [p("name")],
        doc: "Path of `name` in Evo's cache folder: $XDG_CACHE_HOME/evo, else ~/.cache/evo (not created)."
      ) { a in
        let env = ProcessInfo.processInfo.environment
        let base =
          env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (env["HOME"] ?? NSTemporaryDirectory()) + "/.cache"
        return .string("\(base)/evo/\(try a.string(0))")
      },
    ]
  }
}
