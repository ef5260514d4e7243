import Foundation
import Testing

@testable import EvoLang

/// A host object for the tests: a 2-vector with operators, a property, a method and indexing.
final class Vec2: NativeObject {
  static let type: NativeType = {
    let t = NativeType(name: "Vec2", doc: "A 2-vector.") { obj in
      guard let v = obj as? Vec2 else { return "?" }
      return "Vec2(\(formatNumber(v.x)), \(formatNumber(v.y)))"
    }
    t.properties["x"] = (
      get: { .number(($0 as? Vec2)?.x ?? 0) },
      set: { obj, value in
        guard case .number(let n) = value else { throw EvoError(.type, "x must be a number") }
        (obj as? Vec2)?.x = n
      }
    )
    t.method("dot", [NativeParameter("other")], doc: "The dot product.") { a in
      let u = try a.native(0, as: Vec2.self, expected: "a Vec2")
      let v = try a.native(1, as: Vec2.self, expected: "a Vec2")
      return .number(u.x * v.x + u.y * v.y)
    }
    t.binaryOperator = { op, lhs, rhs in
      guard case .native(let l) = lhs, let u = l as? Vec2 else { return nil }
      switch (op, rhs) {
      case ("+", .native(let r)):
        guard let v = r as? Vec2 else { return nil }
        return .native(Vec2(u.x + v.x, u.y + v.y))
      case ("*", .number(let k)): return .native(Vec2(u.x * k, u.y * k))
      default: return nil
      }
    }
    t.getIndex = { obj, items in
      guard let v = obj as? Vec2, items.count == 1, case .value(.number(let i)) = items[0], i == 0 || i == 1 else {
        throw EvoError(.index, "Vec2 takes one index, 0 or 1")
      }
      return .number(i == 0 ? v.x : v.y)
    }
    return t
  }()

  var x: Double, y: Double
  init(_ x: Double, _ y: Double) {
    self.x = x
    self.y = y
  }
  var nativeType: NativeType { Self.type }
}

struct HostFailure: Error, CustomStringConvertible {
  var description: String { "matmul: [32, 64] @ [32, 10]: inner dimensions 64 and 32 differ" }
}

func makeInterpreter() -> (Interpreter, () -> String) {
  let vm = Interpreter()
  let box = OutputBox()
  vm.output = { box.text += $0 }
  vm.register(Vec2.type)
  vm.register(
    NativeFunction("vec", [NativeParameter("x"), NativeParameter("y", default: .number(0))], doc: "Makes a Vec2.") {
      a in
      .native(Vec2(try a.number(0), try a.number(1)))
    })
  vm.register(NativeFunction("fails", doc: "Always fails like a tensor op.") { _ in throw HostFailure() })
  return (vm, { box.text })
}

final class OutputBox { var text = "" }

@Suite struct HostAPITests {
  @Test func nativeFunctionsTakeKeywordsAndDefaults() throws {
    let (vm, _) = makeInterpreter()
    #expect(try vm.run(SourceFile(name: "t", text: "vec(1, y: 2).dot(vec(3))"))?.repr == "3")
    #expect(try vm.run(SourceFile(name: "t", text: "vec(y: 5, x: 1)"))?.repr == "Vec2(1, 5)")
  }

  @Test func operatorsPropertiesAndIndexingDispatchToTheHost() throws {
    let (vm, _) = makeInterpreter()
    #expect(try vm.run(SourceFile(name: "t", text: "(vec(1, 2) + vec(3, 4)) * 2"))?.repr == "Vec2(8, 12)")
    #expect(try vm.run(SourceFile(name: "t", text: "let v = vec(1, 2)\nv.x = 7\nv.x + v[1]"))?.repr == "9")
    let error = #expect(throws: EvoError.self) { try vm.run(SourceFile(name: "t", text: "vec(1) - vec(2)")) }
    #expect(error?.message == "unsupported operand types for -: Vec2 and Vec2")
  }

  @Test func hostErrorsPointAtTheEvoCallSite() throws {
    let (vm, _) = makeInterpreter()
    let source = SourceFile(name: "model.evo", text: "let a = 1\nlet y = fails()\n")
    let error = #expect(throws: EvoError.self) { try vm.run(source) }
    #expect(error?.kind == .host)
    #expect(error?.span?.description == "model.evo:2:9")
    let text = error?.rendered() ?? ""
    #expect(text.hasPrefix("error: matmul: [32, 64] @ [32, 10]: inner dimensions 64 and 32 differ\n"))
    #expect(text.contains("2 | let y = fails()"))
  }

  @Test func helpShowsSignatureAndDoc() throws {
    let (vm, _) = makeInterpreter()
    #expect(vm.helpText(forName: "vec") == "vec(x, y = 0)\n  Makes a Vec2.")
    #expect(vm.helpText(forName: "vecc").contains("did you mean 'vec'?"))
  }

  @Test func swiftCallsEvoClosures() throws {
    let (vm, _) = makeInterpreter()
    try vm.run(SourceFile(name: "t", text: "fn fitness(genome, scale = 1) { len(genome) * scale }"))
    let fitness = try #require(vm.lookup("fitness"))
    let score = try vm.call(fitness, [.list(ListObject([.number(1), .number(2)]))], keywords: [("scale", .number(10))])
    #expect(score.repr == "20")
  }

  /// A function defined by an earlier chunk (whose compiled code no chunk holds any more) that drops
  /// its own global while running: the call borrowed the closure from the global, so the body must
  /// still have its code, and its captured variables, to the end.
  @Test func aFunctionSurvivesDroppingItsOwnGlobal() throws {
    let (vm, _) = makeInterpreter()
    try vm.run(
      SourceFile(name: "t", text: "let step = nil\nfn make(k) { fn(n) { step = nil; let x = [n, k]; x[0] + x[1] } }"))
    try vm.run(SourceFile(name: "t", text: "step = make(10)"))
    try vm.run(SourceFile(name: "t", text: "fn again(n) { again = nil; let t = [n] * 3; len(t) + n }"))
    #expect(try vm.run(SourceFile(name: "t", text: "step(5)"))?.repr == "15")
    #expect(try vm.run(SourceFile(name: "t", text: "again(2)"))?.repr == "5")
    #expect(try vm.run(SourceFile(name: "t", text: "step"))?.repr == "nil")
  }

  @Test func completionSeesMembers() throws {
    let (vm, _) = makeInterpreter()
    try vm.run(SourceFile(name: "t", text: "class Net { fn forward(x) { x } }\nlet net = Net()\nlet v = vec(1)"))
    #expect(vm.memberNames(of: try #require(vm.resolveDotted("net"))).contains("forward"))
    #expect(vm.memberNames(of: try #require(vm.resolveDotted("v"))) == ["dot", "x"])
    #expect(vm.memberNames(of: .string("s")).contains("upper"))
  }

  @Test func completionAfterACallKnowsTheDeclaredResultAndRunsNothing() throws {
    let (vm, output) = makeInterpreter()
    let make = NativeFunction("make_vec", doc: "A Vec2.") { _ in .native(Vec2(1, 2)) }
    make.returns = "Vec2"
    vm.register(make)
    try vm.run(SourceFile(name: "t", text: "class Net { fn forward(x) { x } }\nfn side() { print(\"ran\"); 1 }"))
    #expect(Interpreter.expressionBeforeMember(in: "let y = make_vec(vec(1), [2][0]).d") == "make_vec(vec(1), [2][0])")
    #expect(Interpreter.expressionBeforeMember(in: "print((1 + 2).x") == "(1 + 2)")
    #expect(Interpreter.expressionBeforeMember(in: "a.b.c") == "a.b")
    #expect(Interpreter.expressionBeforeMember(in: "no dot") == nil)
    #expect(Interpreter.expressionBeforeMember(in: "1 + .") == nil)
    #expect(vm.memberCompletions(after: "make_vec()") == ["dot", "x"])
    #expect(vm.memberCompletions(after: "Net()") == ["forward"])
    let unknown = vm.memberCompletions(after: "side()")
    #expect(unknown.contains("upper") && unknown.contains("append") && unknown.contains("dot"))
    #expect(vm.memberCompletions(after: "nope") == [])
    #expect(output() == "")
  }

  @Test func incompleteInputIsToldFromInvalidInput() {
    let vm = Interpreter()
    func status(_ text: String) -> String {
      switch vm.parseStatus(SourceFile(name: "t", text: text)) {
      case .complete: return "complete"
      case .incomplete: return "incomplete"
      case .invalid: return "invalid"
      }
    }
    #expect(status("fn f() {") == "incomplete")
    #expect(status("print(1,") == "incomplete")
    #expect(status("let s = \"abc") == "incomplete")
    #expect(status("let xs = [1, 2") == "incomplete")
    #expect(status("print(1))") == "invalid")
    #expect(status("let = 3") == "invalid")
    #expect(status("1 + 2") == "complete")
  }

  @Test func interruptFromAnotherThreadStopsAnInfiniteLoopAndKeepsState() throws {
    let (vm, _) = makeInterpreter()
    try vm.run(SourceFile(name: "t", text: "let kept = 41"))
    let flag = vm.interrupt
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { flag.request() }
    let error = #expect(throws: EvoError.self) {
      try LargeStack.run { try vm.run(SourceFile(name: "t", text: "while true { }")) }
    }
    #expect(error?.kind == .interrupted)
    #expect(try vm.run(SourceFile(name: "t", text: "kept + 1"))?.repr == "42")
  }

  @Test func scriptArgumentsAreVisible() throws {
    let (vm, _) = makeInterpreter()
    vm.scriptArguments = ["--fast", "3"]
    #expect(try vm.run(SourceFile(name: "t", text: "args"))?.repr == "[\"--fast\", \"3\"]")
  }

  @Test func printGoesToTheHostSink() throws {
    let (vm, output) = makeInterpreter()
    try vm.run(SourceFile(name: "t", text: "print(\"a\", 1)\nprint([nil])"))
    #expect(output() == "a 1\n[nil]\n")
  }
}
