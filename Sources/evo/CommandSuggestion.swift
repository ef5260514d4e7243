/// What to tell a user whose first argument is neither an option nor one of `evo`'s commands
/// (`evo notebok run x.evo`, `evo script.evo`): the nearest command, or the `run` form for a file.
/// Without it, the parser only says "3 unexpected arguments".
enum CommandSuggestion {
  /// The error for `arguments` (without the program name), or nil when the parser should handle them.
  static func message(for arguments: [String], commands: [String]) -> String? {
    guard let first = arguments.first, !first.hasPrefix("-"), !commands.contains(first), first != "help" else {
      return nil
    }
    if first.hasSuffix(".evo") {
      return "error: '\(first)' is not an evo command. To run a script: evo run \(first)\n"
        + "       To run it as a notebook: evo notebook run \(first)"
    }
    let ranked = commands.map { (name: $0, distance: editDistance(first.lowercased(), $0)) }
      .sorted { $0.distance < $1.distance }
    let known = "The commands are: \(commands.joined(separator: ", ")) (evo --help)."
    if let best = ranked.first, best.distance <= Swift.max(1, best.name.count / 3) {
      return "error: '\(first)' is not an evo command. Did you mean '\(best.name)'?\n\(known)"
    }
    return "error: '\(first)' is not an evo command. \(known)"
  }

  /// Levenshtein distance: insertions, deletions and substitutions of one character.
  static func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a)
    let y = Array(b)
    var previous = Array(0...y.count)
    for i in 1...Swift.max(x.count, 1) where !x.isEmpty {
      var current = [i] + Array(repeating: 0, count: y.count)
      for j in 1...Swift.max(y.count, 1) where !y.isEmpty {
        current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return previous[y.count]
  }
}
