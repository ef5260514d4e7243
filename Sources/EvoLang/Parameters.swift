/// A parameter of a builtin, as registration tables spell it: `p("x")`, `p("axis", .null)`,
/// `p("shape", variadic: true)`. `axis` and `axes` each accept the other spelling as a keyword, since
/// NumPy spells one axis or several `axis`.
public func p(_ name: String, _ defaultValue: DefaultValue? = nil, variadic: Bool = false) -> NativeParameter {
  let aliases = name == "axis" ? ["axes"] : name == "axes" ? ["axis"] : []
  return NativeParameter(name, default: defaultValue, variadic: variadic, aliases: aliases)
}
