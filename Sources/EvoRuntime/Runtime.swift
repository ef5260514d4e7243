import EvoLang
import EvoTensor
import Foundation

/// Binds the tensor core into the Evo language.
public enum EvoRuntime {
  /// Registers tensors, their operations, optimizers, data readers, checkpoints, layer graphs and plots
  /// in an interpreter, and returns where it sends displayed values.
  /// Operations that share a name with a number builtin (`exp`, `max`, ...) accept both: numbers keep
  /// their number result, tensors get the tensor operation.
  @discardableResult
  public static func install(into vm: Interpreter) -> DisplaySink {
    vm.register(TensorType.type)
    vm.register(OptimizerObject.type)
    vm.register(ScheduleObject.type)
    vm.register(GraphObject.type)
    vm.register(LayerObject.type)
    vm.register(GraphFunctions.Catalog.type)
    vm.register(FigureObject.type)
    vm.register(AxesObject.type)
    vm.register(ImageObject.type)
    let display = DisplaySink()
    for f in PlotFunctions.all(display: display) {
      if f.name == "figure" { f.returns = "Figure" }
      vm.register(f)
    }
    let random = RandomState()
    for f in TensorMethods.all {
      if let existing = vm.lookup(f.name), case .builtin(let numeric) = existing {
        vm.register(combined(tensor: f, numeric: numeric))
      } else {
        vm.register(f)
      }
    }
    for f in TensorFunctions.all(random: random) + OptimizerFunctions.all {
      if TensorFunctions.tensorResults.contains(f.name) { f.returns = "Tensor" }
      vm.register(f)
    }
    vm.register(SearchObject.type)
    vm.register(CandidateObject.type)
    for f in SearchFunctions.all(random: random) { vm.register(f) }
    vm.defineBuiltin(
      "graph", .module(GraphFunctions.module(random: random)),
      doc: "Layer graphs: parse, random, from_json, primitives.")
    vm.defineBuiltin("_data", .module(DataFunctions.module()), doc: "Data readers behind `import data`.")
    vm.defineBuiltin(
      "layers", .native(GraphFunctions.Catalog(random: random)),
      doc: "The named layers: layers.evonorm_b0, layers[\"bn_relu\"].")
    return display
  }

  /// Folders holding the Evo standard library, in order: `$EVO_STDLIB` when set; else, for the running
  /// executable's path both as started (through a symlink on the PATH, say) and with links resolved,
  /// `stdlib/` of the nearest enclosing package checkout (a folder holding `Package.swift` and
  /// `stdlib/`: `.build/release/evo` is a link into `.build/<triple>/release`) and `share/evo/stdlib`
  /// beside an installed `bin/evo`; last `./stdlib`.
  public static func stdlibFolders() -> [String] {
    let files = FileManager.default
    if let env = ProcessInfo.processInfo.environment["EVO_STDLIB"], !env.isEmpty { return [env] }
    var started = URL(fileURLWithPath: CommandLine.arguments[0])
    if !CommandLine.arguments[0].contains("/"), let found = onPath(CommandLine.arguments[0]) { started = found }
    var candidates: [String] = []
    for exe in [started, started.resolvingSymlinksInPath()] {
      var folder = exe.deletingLastPathComponent().standardized
      while folder.path != "/" && !folder.path.isEmpty {
        if files.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
          candidates.append(folder.appendingPathComponent("stdlib").path)
          break
        }
        folder = folder.deletingLastPathComponent()
      }
      candidates.append(exe.deletingLastPathComponent().appendingPathComponent("../share/evo/stdlib").standardized.path)
    }
    candidates.append(files.currentDirectoryPath + "/stdlib")
    var seen = Set<String>()
    return candidates.filter { seen.insert($0).inserted && files.fileExists(atPath: $0) }
  }

  /// The executable `name` in the first `$PATH` folder that has it (how a shell found us).
  private static func onPath(_ name: String) -> URL? {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
    return folders.map { URL(fileURLWithPath: $0).appendingPathComponent(name) }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }

  /// One builtin for both worlds: the tensor signature, falling back to the number builtin when the
  /// first argument is not a tensor (`max(3, 4)`, `max([1, 2])`, `exp(1)`).
  static func combined(tensor: NativeFunction, numeric: NativeFunction) -> NativeFunction {
    let variadicNumeric = numeric.parameters.first?.variadic ?? false
    let params: [NativeParameter] =
      variadicNumeric
      ? [NativeParameter("values", variadic: true)] + tensor.parameters.dropFirst().map { $0 }
      : tensor.parameters
    return NativeFunction(tensor.name, params, doc: tensor.doc + " With numbers: " + numeric.doc) { a in
      let first: Value = variadicNumeric ? ((try? a.list(0).items) ?? []).first ?? .null : a[0]
      let isTensor: Bool = { if case .native(let n) = first { return n is TensorObject } else { return false } }()
      if isTensor {
        var positional = Array(a.values.dropFirst())
        positional.insert(first, at: 0)
        if variadicNumeric, let extra = try? a.list(0).items, extra.count > 1 {
          throw EvoError(.argument, "\(tensor.name)() of a tensor takes one tensor; use maximum(a, b) for element-wise")
        }
        return try a.interpreter.call(.builtin(tensor), positional)
      }
      if variadicNumeric { return try a.interpreter.call(.builtin(numeric), (try a.list(0)).items) }
      return try a.interpreter.call(.builtin(numeric), [a[0]])
    }
  }
}
