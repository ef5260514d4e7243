import EvoLang
import EvoTensor

/// GAN losses and the Fréchet distance between feature sets.
enum GANFunctions {
  static var all: [NativeFunction] {
    [
      NativeFunction(
        "hinge_d_loss", [p("real"), p("fake")],
        doc: "GAN discriminator hinge loss: mean(relu(1 - real)) + mean(relu(1 + fake))."
      ) { a in
        .tensor(
          try Tensor.hingeDiscriminatorLoss(
            real: Convert.tensor(a[0], "hinge_d_loss"), fake: Convert.tensor(a[1], "hinge_d_loss")))
      },
      NativeFunction(
        "frechet_distance", [p("a"), p("b")],
        doc: "Fréchet distance between Gaussians fitted to feature sets (n1, d) and (n2, d), in float64."
      ) { a in
        .number(
          try FrechetDistance.between(
            Convert.tensor(a[0], "frechet_distance"), Convert.tensor(a[1], "frechet_distance")))
      },
      NativeFunction("hinge_g_loss", [p("fake")], doc: "GAN generator hinge loss: -mean(fake).") { a in
        .tensor(try Tensor.hingeGeneratorLoss(fake: Convert.tensor(a[0], "hinge_g_loss")))
      },
    ]
  }
}
