import Foundation
import PretextData

/// A small anti-aliased rasteriser for plots: an RGB image and the shapes charts need — filled
/// rectangles, polylines of any width (solid or dashed), filled polygons and markers, and text in the
/// built-in bitmap font (`PlotFont`), horizontal or rotated. Saved with `PNGWriter`.
///
/// Coordinates are in pixels, (0, 0) the top-left corner; pixel (i, j) covers [i, i+1) × [j, j+1) and
/// its centre is (i + 0.5, j + 0.5). Lines and discs are anti-aliased by their exact distance to each
/// pixel centre; polygons by 4×4 supersampling.
public final class PlotCanvas {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes, RGB, row-major.
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, background: PlotColor = .white) {
        self.width = max(1, width)
        self.height = max(1, height)
        pixels = [UInt8](repeating: 0, count: self.width * self.height * 3)
        fill(x: 0, y: 0, width: self.width, height: self.height, color: background)
    }

    // MARK: pixels

    /// Mixes `color` into pixel (x, y) with opacity `alpha` (0…1); outside pixels are ignored.
    @inline(__always)
    public func blend(_ x: Int, _ y: Int, _ color: PlotColor, _ alpha: Double) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        let a = min(alpha, 1), i = (y * width + x) * 3
        if a >= 1 {
            pixels[i] = color.r; pixels[i + 1] = color.g; pixels[i + 2] = color.b
            return
        }
        pixels[i] = UInt8((Double(pixels[i]) * (1 - a) + Double(color.r) * a).rounded())
        pixels[i + 1] = UInt8((Double(pixels[i + 1]) * (1 - a) + Double(color.g) * a).rounded())
        pixels[i + 2] = UInt8((Double(pixels[i + 2]) * (1 - a) + Double(color.b) * a).rounded())
    }

    /// The colour of pixel (x, y).
    public func color(atX x: Int, y: Int) -> PlotColor {
        let i = (y * width + x) * 3
        return PlotColor(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    // MARK: rectangles

    /// Fills the pixel rectangle [x, x+width) × [y, y+height) (clipped).
    public func fill(x: Int, y: Int, width w: Int, height h: Int, color: PlotColor, alpha: Double = 1) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 { for xx in x0..<x1 { blend(xx, yy, color, alpha) } }
    }

    /// A one-pixel outline of the rectangle [x, x+width) × [y, y+height).
    public func strokeRect(x: Int, y: Int, width w: Int, height h: Int, color: PlotColor) {
        fill(x: x, y: y, width: w, height: 1, color: color)
        fill(x: x, y: y + h - 1, width: w, height: 1, color: color)
        fill(x: x, y: y, width: 1, height: h, color: color)
        fill(x: x + w - 1, y: y, width: 1, height: h, color: color)
    }

    // MARK: lines

    /// A straight line of `lineWidth` pixels.
    public func line(from a: (x: Double, y: Double), to b: (x: Double, y: Double), color: PlotColor,
                     lineWidth: Double = 1.5, alpha: Double = 1) {
        polyline([a, b], color: color, lineWidth: lineWidth, alpha: alpha)
    }

    /// Connected line segments, drawn as one stroke (joints are not darkened where segments overlap).
    /// `dash` gives on/off lengths in pixels (e.g. [8, 5]); nil draws a solid line. Points with a
    /// non-finite coordinate break the line.
    public func polyline(_ points: [(x: Double, y: Double)], color: PlotColor, lineWidth: Double = 1.5,
                         alpha: Double = 1, dash: [Double]? = nil) {
        var segments: [((x: Double, y: Double), (x: Double, y: Double))] = []
        for i in 1..<max(points.count, 1) {
            let a = points[i - 1], b = points[i]
            guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { continue }
            segments.append((a, b))
        }
        if points.count == 1, points[0].x.isFinite, points[0].y.isFinite { segments.append((points[0], points[0])) }
        if let dash, dash.count >= 2, dash.allSatisfy({ $0 > 0 }) { segments = PlotCanvas.dashed(segments, pattern: dash) }
        guard !segments.isEmpty else { return }
        let half = max(lineWidth, 0.5) / 2
        // Coverage of the whole stroke: the maximum over its segments, blended once at the end.
        var minX = width, minY = height, maxX = -1, maxY = -1
        var coverage: [Float] = []
        var boxes: [(Int, Int, Int, Int)] = []
        for (a, b) in segments {
            let x0 = max(0, Int((min(a.x, b.x) - half - 1).rounded(.down))), x1 = min(width - 1, Int((max(a.x, b.x) + half + 1).rounded(.up)))
            let y0 = max(0, Int((min(a.y, b.y) - half - 1).rounded(.down))), y1 = min(height - 1, Int((max(a.y, b.y) + half + 1).rounded(.up)))
            boxes.append((x0, y0, x1, y1))
            if x0 <= x1 && y0 <= y1 {
                minX = min(minX, x0); minY = min(minY, y0); maxX = max(maxX, x1); maxY = max(maxY, y1)
            }
        }
        guard minX <= maxX, minY <= maxY else { return }
        let bw = maxX - minX + 1, bh = maxY - minY + 1
        coverage = [Float](repeating: 0, count: bw * bh)
        for ((a, b), (x0, y0, x1, y1)) in zip(segments, boxes) where x0 <= x1 && y0 <= y1 {
            let dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy
            for y in y0...y1 {
                let py = Double(y) + 0.5
                for x in x0...x1 {
                    let px = Double(x) + 0.5
                    var t = len2 > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / len2 : 0
                    t = min(max(t, 0), 1)
                    let ex = px - (a.x + t * dx), ey = py - (a.y + t * dy)
                    let d = (ex * ex + ey * ey).squareRoot()
                    let c = Float(min(max(half + 0.5 - d, 0), 1))
                    let k = (y - minY) * bw + (x - minX)
                    if c > coverage[k] { coverage[k] = c }
                }
            }
        }
        for y in 0..<bh { for x in 0..<bw where coverage[y * bw + x] > 0 {
            blend(minX + x, minY + y, color, Double(coverage[y * bw + x]) * alpha)
        } }
    }

    /// Splits segments into the "on" parts of a dash pattern that continues across segments.
    static func dashed(_ segments: [((x: Double, y: Double), (x: Double, y: Double))], pattern: [Double])
        -> [((x: Double, y: Double), (x: Double, y: Double))] {
        var out: [((x: Double, y: Double), (x: Double, y: Double))] = []
        var k = 0, left = pattern[0]
        for (a, b) in segments {
            let dx = b.x - a.x, dy = b.y - a.y, len = (dx * dx + dy * dy).squareRoot()
            var pos = 0.0
            while pos < len {
                let step = min(left, len - pos)
                if k % 2 == 0 {
                    let t0 = pos / len, t1 = (pos + step) / len
                    out.append(((a.x + t0 * dx, a.y + t0 * dy), (a.x + t1 * dx, a.y + t1 * dy)))
                }
                pos += step
                left -= step
                if left <= 1e-9 { k = (k + 1) % pattern.count; left = pattern[k] }
            }
        }
        return out
    }

    // MARK: shapes

    /// A filled disc.
    public func disc(center c: (x: Double, y: Double), radius r: Double, color: PlotColor, alpha: Double = 1) {
        let x0 = max(0, Int(c.x - r - 1)), x1 = min(width - 1, Int(c.x + r + 1))
        let y0 = max(0, Int(c.y - r - 1)), y1 = min(height - 1, Int(c.y + r + 1))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                let dx = Double(x) + 0.5 - c.x, dy = Double(y) + 0.5 - c.y
                let cov = min(max(r + 0.5 - (dx * dx + dy * dy).squareRoot(), 0), 1)
                if cov > 0 { blend(x, y, color, cov * alpha) }
            }
        }
    }

    /// A filled polygon (even-odd rule), anti-aliased by 4×4 supersampling.
    public func fillPolygon(_ points: [(x: Double, y: Double)], color: PlotColor, alpha: Double = 1) {
        guard points.count >= 3 else { return }
        let x0 = max(0, Int(points.map(\.x).min()!.rounded(.down))), x1 = min(width - 1, Int(points.map(\.x).max()!.rounded(.up)))
        let y0 = max(0, Int(points.map(\.y).min()!.rounded(.down))), y1 = min(height - 1, Int(points.map(\.y).max()!.rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        func inside(_ px: Double, _ py: Double) -> Bool {
            var c = false
            var j = points.count - 1
            for i in 0..<points.count {
                let a = points[i], b = points[j]
                if (a.y > py) != (b.y > py), px < (b.x - a.x) * (py - a.y) / (b.y - a.y) + a.x { c.toggle() }
                j = i
            }
            return c
        }
        for y in y0...y1 {
            for x in x0...x1 {
                var n = 0
                for sy in 0..<4 { for sx in 0..<4 where inside(Double(x) + (Double(sx) + 0.5) / 4, Double(y) + (Double(sy) + 0.5) / 4) { n += 1 } }
                if n > 0 { blend(x, y, color, Double(n) / 16 * alpha) }
            }
        }
    }

    /// A marker of `size` pixels (about its diameter) centred at `c`.
    public func marker(_ shape: PlotSeries.Marker, at c: (x: Double, y: Double), size: Double, color: PlotColor, alpha: Double = 1) {
        let r = size / 2
        switch shape {
        case .none: return
        case .circle: disc(center: c, radius: r, color: color, alpha: alpha)
        case .square:
            let s = r * 0.9
            fillPolygon([(c.x - s, c.y - s), (c.x + s, c.y - s), (c.x + s, c.y + s), (c.x - s, c.y + s)], color: color, alpha: alpha)
        case .diamond:
            let s = r * 1.25
            fillPolygon([(c.x, c.y - s), (c.x + s, c.y), (c.x, c.y + s), (c.x - s, c.y)], color: color, alpha: alpha)
        case .triangle:
            let s = r * 1.2
            fillPolygon([(c.x, c.y - s), (c.x + s * 0.95, c.y + s * 0.65), (c.x - s * 0.95, c.y + s * 0.65)], color: color, alpha: alpha)
        case .triangleDown:
            let s = r * 1.2
            fillPolygon([(c.x, c.y + s), (c.x + s * 0.95, c.y - s * 0.65), (c.x - s * 0.95, c.y - s * 0.65)], color: color, alpha: alpha)
        case .cross:
            let s = r * 0.95
            line(from: (c.x - s, c.y - s), to: (c.x + s, c.y + s), color: color, lineWidth: max(1.5, size / 4), alpha: alpha)
            line(from: (c.x - s, c.y + s), to: (c.x + s, c.y - s), color: color, lineWidth: max(1.5, size / 4), alpha: alpha)
        }
    }

    // MARK: text

    /// Where a text's anchor point sits: horizontally at its left edge, centre or right edge;
    /// vertically at the top of its capitals, the middle of the capitals, or the bottom of the
    /// descenders.
    public enum HAlign: Sendable { case left, center, right }
    public enum VAlign: Sendable { case top, middle, bottom }

    /// Draws `text` in the bitmap font at integer `scale`, anchored at (x, y). `rotated` turns it 90°
    /// counter-clockwise (reading upwards, for a y-axis label); the alignment then applies along the
    /// text (h) and across it (v). `bold` doubles each stroke one pixel to the right.
    public func text(_ text: String, x: Int, y: Int, scale: Int = 2, color: PlotColor = .text,
                     h: HAlign = .left, v: VAlign = .top, rotated: Bool = false, bold: Bool = false) {
        let s = max(1, scale)
        let w = PlotFont.width(text, scale: s) + (bold ? 1 : 0)
        let capH = PlotFont.capHeight * s, fullH = PlotFont.rows * s
        let along: Int = h == .left ? 0 : (h == .center ? -w / 2 : -w)
        let across: Int = v == .top ? 0 : (v == .middle ? -capH / 2 : -fullH)
        var cursor = 0
        for ch in text {
            let rows = PlotFont.glyph(ch)
            for r in 0..<PlotFont.rows where rows[r] != 0 {
                for c in 0..<PlotFont.glyphWidth where rows[r] & UInt8(1 << (PlotFont.glyphWidth - 1 - c)) != 0 {
                    for dy in 0..<s { for dx in 0..<(s + (bold ? 1 : 0)) {
                        // Text-space pixel (u along, t across), then placed on the canvas.
                        let u = along + cursor + c * s + dx, t = across + r * s + dy
                        if rotated { blend(x + t, y - u - 1, color, 1) } else { blend(x + u, y + t, color, 1) }
                    } }
                }
            }
            cursor += PlotFont.advance * s
        }
    }

    // MARK: output

    /// The canvas as an `Image`.
    public var image: Image { (try? Image(width: width, height: height, pixels: pixels)) ?? Image(width: width, height: height) }

    /// Writes the canvas as a PNG file (atomically).
    public func write(to path: String) throws {
        try PNGWriter.write(pixels: pixels, width: width, height: height, channels: 3, to: path)
    }
}
