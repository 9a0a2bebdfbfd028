/// Resampling filters of `ImageOps.resize` / `resizedCrop`, both with antialiasing when shrinking
/// (torch's `interpolate(..., antialias=True)`, which follows PIL's resampling).
public enum Interpolation: String, Codable, Sendable, CaseIterable {
    /// Triangle filter (torchvision's default `InterpolationMode.BILINEAR`).
    case bilinear
    /// Keys cubic with a = -0.5 (`InterpolationMode.BICUBIC` with antialias, as PIL); used by
    /// Lightly's DINO and MAE crops.
    case bicubic
}
