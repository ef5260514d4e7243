import EvoLang

/// A parameter of a builtin, as the registration tables spell it: `p("x")`, `p("axis", .null)`,
/// `p("shape", variadic: true)`.
func p(_ name: String, _ defaultValue: DefaultValue? = nil, variadic: Bool = false) -> NativeParameter {
  NativeParameter(name, default: defaultValue, variadic: variadic)
}
