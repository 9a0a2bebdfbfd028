/// An 8-bit RGB colour for plots, with the palette series cycle through (matplotlib's "tab10",
/// readable on white and distinguishable for most colour-blind readers together with the markers).
public struct PlotColor: Equatable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(UInt8(hex >> 16 & 0xFF), UInt8(hex >> 8 & 0xFF), UInt8(hex & 0xFF))
    }

    public static let white = PlotColor(255, 255, 255)
    public static let black = PlotColor(0, 0, 0)
    public static let text = PlotColor(34, 34, 34)
    public static let axis = PlotColor(80, 80, 80)
    public static let grid = PlotColor(228, 228, 228)
    public static let legendBorder = PlotColor(190, 190, 190)

    /// tab10: blue, orange, green, red, purple, brown, pink, grey, olive, cyan.
    public static let palette: [PlotColor] = [0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD,
                                              0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF].map { PlotColor(hex: $0) }

    /// The `i`-th palette colour (cycling).
    public static func series(_ i: Int) -> PlotColor { palette[((i % palette.count) + palette.count) % palette.count] }

    /// This colour mixed with white (`amount` 0 = unchanged, 1 = white).
    public func lightened(_ amount: Double) -> PlotColor {
        func mix(_ c: UInt8) -> UInt8 { UInt8((Double(c) + (255 - Double(c)) * amount).rounded()) }
        return PlotColor(mix(r), mix(g), mix(b))
    }
}
