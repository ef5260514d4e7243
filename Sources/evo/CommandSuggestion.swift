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
    let y = Array(b)
    var previous = Array(0...y.count)
    for (i, xc) in a.enumerated() {
      var current = [i + 1]
      for (j, yc) in y.enumerated() {
        current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (xc == yc ? 0 : 1)))
      }
      previous = current
    }
    return previous[y.count]
  }
}
