/// One data series of a `Plot`: points (x, y), optional symmetric error bars, and how to draw them.
public struct PlotSeries {
    public enum Marker: Sendable, CaseIterable { case none, circle, square, triangle, diamond, triangleDown, cross }

    public var name: String
    public var points: [(x: Double, y: Double)]
    /// ± error per point (drawn as vertical bars with caps), e.g. a standard deviation over seeds.
    public var errors: [Double]?
    /// nil: the palette colour of the series' position.
    public var color: PlotColor?
    /// Line width in pixels; 0 draws no line (a scatter).
    public var lineWidth: Double
    public var marker: Marker
    public var markerSize: Double
    /// Opacity of markers (lower for dense scatter plots).
    public var alpha: Double
    /// Dash pattern (on, off pixels); nil = solid.
    public var dash: [Double]?

    public init(_ name: String, points: [(x: Double, y: Double)], errors: [Double]? = nil, color: PlotColor? = nil,
                lineWidth: Double = 2, marker: Marker = .none, markerSize: Double = 7, alpha: Double = 1,
                dash: [Double]? = nil) {
        self.name = name
        self.points = points
        self.errors = errors
        self.color = color
        self.lineWidth = lineWidth
        self.marker = marker
        self.markerSize = markerSize
        self.alpha = alpha
        self.dash = dash
    }

    /// A line through `y` against `x`.
    public static func line(_ name: String, x: [Double], y: [Double], color: PlotColor? = nil, marker: Marker = .none,
                            dash: [Double]? = nil) -> PlotSeries {
        PlotSeries(name, points: Array(zip(x, y)).map { (x: $0.0, y: $0.1) }, color: color, marker: marker, dash: dash)
    }

    /// Unconnected markers (a scatter plot).
    public static func scatter(_ name: String, points: [(x: Double, y: Double)], color: PlotColor? = nil,
                               marker: Marker = .circle, size: Double = 5, alpha: Double = 0.75) -> PlotSeries {
        PlotSeries(name, points: points, color: color, lineWidth: 0, marker: marker, markerSize: size, alpha: alpha)
    }

    /// The finite points only.
    var finitePoints: [(x: Double, y: Double)] { points.filter { $0.x.isFinite && $0.y.isFinite } }
}
