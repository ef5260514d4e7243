import EvoGraph
import EvoLang
import EvoPlot
import EvoSearch
import Foundation

/// The search builtins.
enum SearchFunctions {
  static func all(random: RandomState) -> [NativeFunction] {
    [
      NativeFunction(
        "search_store",
        [
          NativeParameter("path"), NativeParameter("proxy", default: .null),
          NativeParameter("settings", default: .null),
        ],
        doc:
          "Opens the search stored at path (an SQLite file, or postgres://user@host/db?search=name), or creates it with proxy (Evo source defining architectures and proxy, or a .evo file) and settings (a dict)."
      ) { a in
        let path = try a.string(0)
        var settings: [(String, Value)] = []
        if case .dict(let d) = a[2] {
          for (k, v) in zip(d.keys, d.values) {
            guard case .string(let name) = k.value else {
              throw EvoError(.type, "search settings are named by strings")
            }
            settings.append((name, v))
          }
        }
        let runner: SearchRunner = try searchErrors {
          switch a[1] {
          case .null where try SearchStores.exists(path): return try SearchRunner(location: path)
          case .null:
            return try SearchRunner(
              location: path, proxySource: try defaultProxy(a.interpreter, quick: false),
              proxyName: "proxy_fashion.evo", settings: settings)
          case .string(let proxy):
            let isFile = proxy.hasSuffix(".evo") && !proxy.contains("\n")
            guard !isFile || FileManager.default.fileExists(atPath: proxy) else {
              throw SearchError.configuration("proxy file \(proxy) does not exist")
            }
            let source = isFile ? try String(contentsOfFile: proxy, encoding: .utf8) : proxy
            return try SearchRunner(
              location: path, proxySource: source, proxyName: isFile ? proxy : "<proxy>", settings: settings)
          default: throw SearchError.configuration("proxy must be Evo source text or a .evo file name")
          }
        }
        return .native(SearchObject(runner, random: random))
      },
      NativeFunction("search_temporary_store", [], doc: "A new store path in the temporary folder (for quick runs).") {
        _ in
        .string(NSTemporaryDirectory() + "evo-search-\(UUID().uuidString).db")
      },
      NativeFunction(
        "search_proxy_source", [NativeParameter("quick", default: .bool(false))],
        doc: "The Evo source of the default proxy task (stdlib/proxy_fashion.evo); quick: tiny sizes."
      ) { a in
        .string(try defaultProxy(a.interpreter, quick: try a.bool(0)))
      },
    ]
  }

  /// The source of stdlib/proxy_fashion.evo, with tiny sizes when `quick`.
  static func defaultProxy(_ vm: Interpreter, quick: Bool) throws -> String {
    let folders = vm.searchPaths
    guard let folder = folders.first(where: { FileManager.default.fileExists(atPath: $0 + "/proxy_fashion.evo") }),
      let text = try? String(contentsOfFile: folder + "/proxy_fashion.evo", encoding: .utf8)
    else { throw EvoError(.io, "proxy_fashion.evo is not in the stdlib folders (\(folders.joined(separator: ", ")))") }
    return quick ? text.replacingOccurrences(of: "let quick = false\n", with: "let quick = true\n") : text
  }
}
