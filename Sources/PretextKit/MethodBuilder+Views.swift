import PretextCore
import PretextData
import PretextNN
import PretextTensor

extension MethodBuilder {
    /// The view transform `preset` with the user's `views` overrides, where keys the user did not set
    /// take `defaults` (values a method derives at build time, e.g. DINO's crop sizes from the
    /// backbone's input size). The preset reads them like given values, so they are recorded in the
    /// run's resolved configuration.
    public func makeViews(_ preset: String, defaults: [String: ConfigValue]) throws -> any Transform {
        viewsConfig.seed(defaults)
        return try makeViews(preset)
    }
}
