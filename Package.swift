// swift-tools-version: 6.0
import PackageDescription

/// Evo: a notebook-style research environment for evolving normalization-activation layers.
/// Module layering (dependencies point down only) is described in README.md.
let package = Package(
  name: "Evo",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "evo", targets: ["evo"]),
    .executable(name: "evo-bench", targets: ["evo-bench"]),
    .library(name: "EvoTensor", targets: ["EvoTensor"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
    .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    .target(
      name: "EvoTensor",
      dependencies: ["CBLAS", "CPNG", "CZlib"]
    ),
    .executableTarget(
      name: "evo",
      dependencies: [
        "EvoTensor",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "evo-bench",
      dependencies: [
        "EvoTensor",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "bench/evo-bench"
    ),
    .testTarget(name: "EvoTensorTests", dependencies: ["EvoTensor"]),
  ]
)
