import Testing
import Foundation
@testable import EvoLang
@Test func smoke() throws {
  let vm = Interpreter()
  var out = ""
  vm.output = { out += $0 }
  let text = try String(contentsOfFile: "/tmp/t1.evo", encoding: .utf8)
  do { try vm.run(SourceFile(name: "t1.evo", text: text)) } catch let e as EvoError { print(e.rendered()) }
  print(out)
}
