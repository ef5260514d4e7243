import EvoLang
import EvoTensor

/// Builtins that call a body under a scope: without autodiff (`no_grad`), or stoppable by Ctrl-C (`interruptible`).
enum ScopeFunctions {
  static var all: [NativeFunction] {
    [
      NativeFunction(
        "interruptible", [p("body")],
        doc:
          "Calls body(); returns [its result, false], or [nil, true] when Ctrl-C stopped it (the interpreter or a tensor kernel)."
      ) { a in
        do {
          return .list(ListObject([try a.interpreter.call(a[0], []), .bool(false)]))
        } catch let e as EvoError where e.kind == .interrupted {
          a.interpreter.interrupt.reset()
          return .list(ListObject([.null, .bool(true)]))
        }
      },
      NativeFunction(
        "no_grad", [p("body")], doc: "Calls body() without recording operations for autodiff; returns its result."
      ) { a in
        try Autograd.withNoGrad { try a.interpreter.call(a[0], []) }
      },
    ]
  }
}
