import Foundation
import Testing

@testable import EvoLang

/// Thousands of random and mutated programs (seeded) must each end in a value or an Evo error —
/// never a crash or a hang (a step budget bounds loops and calls).
@Suite struct FuzzTests {
  /// SplitMix64: a tiny deterministic generator for the fuzzer.
  struct Generator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
  }

  static let vocabulary = [
    "let", "x", "y", "f", "=", "fn", "(", ")", "{", "}", "[", "]", ",", ".", ":", "+", "-", "*", "/", "%", "**", "@",
    "==", "<", ">=", "and", "or", "not", "if", "else", "while", "for", "in", "return", "break", "continue", "class",
    "self", "super", "try", "catch", "throw", "import", "from", "1", "0", "-1", "2.5", "1e308", "\"s\"", "\"\\(x)\"",
    "nil", "true", "false", "\n", ";", "...", "len", "print", "range", "x[0]", "x[1:2]", "f(1)", "[1, 2]", "{\"k\": 1}",
    "9007199254740993", "-9e18", "1e300", "x.append", "sorted", "#", "'", "\"", "\\", "?", "!",
  ]

  func runs(_ program: String, budget: Int = 20_000) {
    let vm = Interpreter(stackCapacity: 1 << 16, maxDepth: 500)
    vm.stepBudget = budget
    vm.output = { _ in }
    do {
      _ = try LargeStack.run { try vm.run(SourceFile(name: "fuzz", text: program)) }
    } catch is EvoError {
      // An Evo error is a fine ending.
    } catch {
      Issue.record("non-Evo error \(error) for program:\n\(program)")
    }
  }

  @Test func randomTokenSoup() {
    var g = Generator(state: 1)
    for _ in 0..<2500 {
      let n = 1 + g.below(40)
      runs((0..<n).map { _ in g.pick(Self.vocabulary) }.joined(separator: g.below(3) == 0 ? "" : " "))
    }
  }

  @Test func mutatedGoldenPrograms() throws {
    var g = Generator(state: 2)
    let sources = try GoldenFile.all().map { try String(contentsOfFile: $0.path, encoding: .utf8) }
    for i in 0..<2500 {
      var chars = Array(sources[i % sources.count])
      for _ in 0..<(1 + g.below(4)) where !chars.isEmpty {
        let at = g.below(chars.count)
        switch g.below(4) {
        case 0: chars.remove(at: at)
        case 1: chars.insert(g.pick(Array("{}()[]\"',.:;=+-*/\n0123456789xyz")), at: at)
        case 2: chars.insert(contentsOf: Array(g.pick(Self.vocabulary)), at: at)
        default:
          let other = g.below(chars.count)
          chars.swapAt(at, other)
        }
      }
      runs(String(chars))
    }
  }

  @Test func deepNestingIsAnErrorNotACrash() {
    runs(String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000))
    runs(String(repeating: "[", count: 5000))
    runs("fn f(n) { f(n + 1) }\nf(0)", budget: 1_000_000)
    runs(String(repeating: "-", count: 10000) + "1")
    runs(String(repeating: "not ", count: 10000) + "true")
  }
}

@Suite struct ParserLimits {
  @Test func deepNestingIsASyntaxErrorEvenOnASmallStack() {
    // Nesting is bounded so that parsing fits an ordinary 8 MB thread stack.
    let vm = Interpreter()
    for text in [
      String(repeating: "(", count: 100_000), String(repeating: "-", count: 100_000) + "1",
      String(repeating: "[", count: 100_000), String(repeating: "not ", count: 50_000) + "x",
      String(repeating: "if x {", count: 50_000),
    ] {
      guard
        case .invalid(let e)? = try? LargeStack.run(
          stackSize: 8 << 20, { vm.parseStatus(SourceFile(name: "t", text: text)) })
      else {
        Issue.record("expected a syntax error")
        continue
      }
      #expect(e.message.contains("nested too deeply"))
    }
  }
}
