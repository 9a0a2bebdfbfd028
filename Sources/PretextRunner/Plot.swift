import Foundation

/// A 2-D chart — line plots, scatter plots, error bars — drawn by `PlotCanvas` into a PNG: title,
/// framed axes with numbered ticks and light grid lines, axis labels (the y label rotated), and a
/// legend placed where it covers the fewest data (a corner, a side's middle; or to the right of the
/// plot when it has many entries).
///
/// ```swift
/// var plot = Plot(title: "Training loss", xLabel: "step", yLabel: "loss")
/// plot.series.append(.line("loss", x: steps, y: losses))
/// try plot.write(to: "loss.png")
/// ```
public struct Plot {
    public enum LegendPlacement: Sendable { case auto, outsideRight, hidden }

    public var title: String
    /// A second, smaller title line (e.g. the run folder).
    public var subtitle: String?
    public var xLabel: String
    public var yLabel: String
    public var series: [PlotSeries] = []
    public var width: Int
    public var height: Int
    /// Fixed axis ranges (default: from the data; the y range is widened to whole tick steps).
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// Ticks at these x positions with these labels (a categorical axis) instead of numbered ticks.
    public var xTickLabels: [(value: Double, label: String)]?
    public var legend: LegendPlacement = .auto
    /// Font scale of every text (title, labels, ticks, legend); 2 gives 10×14-pixel capitals.
    public var fontScale: Int = 2

    public init(title: String, subtitle: String? = nil, xLabel: String, yLabel: String, width: Int = 800, height: Int = 500) {
        self.title = title
        self.subtitle = subtitle
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.width = width
        self.height = height
    }

    /// Renders and writes a PNG of `width` × `height` pixels.
    public func write(to path: String) throws {
        try render().write(to: path)
    }

    struct Frame {
        var left: Int, top: Int, width: Int, height: Int
        var xlo: Double, xhi: Double, ylo: Double, yhi: Double
        func px(_ x: Double) -> Double { Double(left) + (x - xlo) / (xhi - xlo) * Double(width) }
        func py(_ y: Double) -> Double { Double(top + height) - (y - ylo) / (yhi - ylo) * Double(height) }
    }

    /// Where everything goes: the plot area, its ticks and the legend's size.
    struct Layout {
        var frame: Frame
        var xTicks: [(value: Double, label: String)]
        var yTicks: PlotTicks
        var visible: [(series: PlotSeries, color: PlotColor)]
        var entries: [(series: PlotSeries, color: PlotColor)]
        var hasData: Bool
        var legendW: Int, legendH: Int, outside: Bool
        var fontScale: Int, lineH: Int
        static let tickLen = 5, sampleW = 28, legendPad = 8
        var rowH: Int { lineH + 6 }
    }

    /// Draws the chart.
    public func render() -> PlotCanvas {
        let canvas = PlotCanvas(width: width, height: height)
        let layout = self.layout()
        drawGrid(layout, on: canvas)
        drawSeries(layout, on: canvas)
        drawAxes(layout, on: canvas)
        drawLegend(layout, on: canvas)
        return canvas
    }

    /// Data ranges (error bars included), margins from the labels' sizes, ticks, and whether the legend
    /// must go outside the plot.
    func layout() -> Layout {
        let fs = max(1, fontScale)
        let lineH = PlotFont.rows * fs
        let tickLen = Layout.tickLen
        let visible = series.enumerated().map { (i, s) -> (series: PlotSeries, color: PlotColor) in (s, s.color ?? PlotColor.series(i)) }
        let all = visible.flatMap { $0.series.finitePoints }

        var xs = all.map(\.x), ys = all.map(\.y)
        for (s, _) in visible {
            guard let e = s.errors else { continue }
            for (p, err) in zip(s.points, e) where p.y.isFinite && err.isFinite { ys += [p.y - err, p.y + err] }
        }
        if let t = xTickLabels { xs += t.map(\.value) }
        var xlo = xs.min() ?? 0, xhi = xs.max() ?? 1
        if xTickLabels != nil { xlo -= 0.5; xhi += 0.5 }
        if xlo == xhi { xlo -= 1; xhi += 1 }
        if let r = xRange { xlo = r.lowerBound; xhi = r.upperBound }
        let yDataLo = yRange?.lowerBound ?? ys.min() ?? 0, yDataHi = yRange?.upperBound ?? ys.max() ?? 1

        // Legend size decides whether it goes outside.
        let entries = visible.filter { !$0.series.name.isEmpty }
        let rowH = lineH + 6
        let legendW = entries.isEmpty ? 0 : Layout.sampleW + 8 + (entries.map { PlotFont.width($0.series.name, scale: fs) }.max() ?? 0) + 2 * Layout.legendPad
        let legendH = entries.isEmpty ? 0 : entries.count * rowH + 2 * Layout.legendPad - 6

        // Margins.
        let top = 12 + lineH + (subtitle == nil ? 0 : lineH + 4) + 14
        let bottom = tickLen + 6 + lineH + 10 + lineH + 10
        let plotH = max(40, height - top - bottom)
        var yTicks = PlotTicks(lo: yDataLo, hi: yDataHi, target: max(3, plotH / 70), expand: yRange == nil)
        if let r = yRange { yTicks = PlotTicks(lo: r.lowerBound, hi: r.upperBound, target: max(3, plotH / 70), expand: false) }
        let yLabelW = yTicks.labels.map { PlotFont.width($0, scale: fs) }.max() ?? 0
        let left = 12 + lineH + 12 + yLabelW + 6 + tickLen
        let outside = legend == .outsideRight || (legend == .auto && legendH > plotH - 20)
        let right = outside && !entries.isEmpty ? legendW + 28 : 24
        let plotW = max(40, width - left - right)

        let xTicks = self.xTicks(lo: &xlo, hi: &xhi, plotW: plotW, fontScale: fs, hasData: !xs.isEmpty)
        let frame = Frame(left: left, top: top, width: plotW, height: plotH, xlo: xlo, xhi: xhi,
                          ylo: yTicks.lower, yhi: yTicks.upper == yTicks.lower ? yTicks.lower + 1 : yTicks.upper)
        return Layout(frame: frame, xTicks: xTicks, yTicks: yTicks, visible: visible, entries: entries, hasData: !all.isEmpty,
                      legendW: legendW, legendH: legendH, outside: outside, fontScale: fs, lineH: lineH)
    }

    /// The x ticks: the categorical labels, or numbered ticks, fewer when the labels would collide (the
    /// range then gets a little air at the sides so end points and markers are not cut by the frame).
    func xTicks(lo xlo: inout Double, hi xhi: inout Double, plotW: Int, fontScale fs: Int, hasData: Bool) -> [(value: Double, label: String)] {
        if let custom = xTickLabels { return custom }
        var target = max(2, plotW / 110)
        var t = PlotTicks(lo: xlo, hi: xhi, target: target, expand: false)
        while target > 2, t.labels.map({ PlotFont.width($0, scale: fs) + 16 }).reduce(0, +) > plotW {
            target -= 1
            t = PlotTicks(lo: xlo, hi: xhi, target: target, expand: false)
        }
        if xRange == nil, hasData {
            let pad = (xhi - xlo) * 0.02
            xlo -= pad; xhi += pad
        }
        let lo = xlo, hi = xhi
        return zip(t.values, t.labels).map { (value: $0.0, label: $0.1) }.filter { $0.value >= lo - 1e-9 && $0.value <= hi + 1e-9 }
    }

    func drawGrid(_ l: Layout, on canvas: PlotCanvas) {
        let f = l.frame
        for v in l.yTicks.values {
            canvas.fill(x: f.left, y: Int(f.py(v).rounded(.down)), width: f.width, height: 1, color: .grid)
        }
        for t in l.xTicks {
            canvas.fill(x: Int(f.px(t.value).rounded(.down)), y: f.top, width: 1, height: f.height, color: .grid)
        }
    }

    /// Error bars, lines, markers.
    func drawSeries(_ l: Layout, on canvas: PlotCanvas) {
        let frame = l.frame
        for (s, color) in l.visible {
            if let e = s.errors {
                for (p, err) in zip(s.points, e) where p.x.isFinite && p.y.isFinite && err.isFinite && err > 0 {
                    let x = frame.px(p.x), y0 = frame.py(p.y - err), y1 = frame.py(p.y + err)
                    canvas.line(from: (x, y0), to: (x, y1), color: color, lineWidth: 1.5)
                    canvas.line(from: (x - 5, y0), to: (x + 5, y0), color: color, lineWidth: 1.5)
                    canvas.line(from: (x - 5, y1), to: (x + 5, y1), color: color, lineWidth: 1.5)
                }
            }
            if s.lineWidth > 0 {
                let pts = s.points.map { p -> (x: Double, y: Double) in
                    p.x.isFinite && p.y.isFinite ? (frame.px(p.x), frame.py(p.y)) : (.nan, .nan)
                }
                canvas.polyline(pts, color: color, lineWidth: s.lineWidth, dash: s.dash)
            }
            if s.marker != .none {
                for p in s.finitePoints {
                    canvas.marker(s.marker, at: (frame.px(p.x), frame.py(p.y)), size: s.markerSize, color: color, alpha: s.alpha)
                }
            }
        }
    }

    /// Clips the data (repaints the margins), then draws the frame, ticks, labels and titles on top.
    func drawAxes(_ l: Layout, on canvas: PlotCanvas) {
        let frame = l.frame, left = frame.left, top = frame.top, plotW = frame.width, plotH = frame.height
        let fs = l.fontScale, tickLen = Layout.tickLen
        canvas.fill(x: 0, y: 0, width: width, height: top, color: .white)
        canvas.fill(x: 0, y: top + plotH, width: width, height: height - top - plotH, color: .white)
        canvas.fill(x: 0, y: 0, width: left, height: height, color: .white)
        canvas.fill(x: left + plotW, y: 0, width: width - left - plotW, height: height, color: .white)
        canvas.strokeRect(x: left - 1, y: top - 1, width: plotW + 2, height: plotH + 2, color: .axis)
        for (v, label) in zip(l.yTicks.values, l.yTicks.labels) {
            let y = Int(frame.py(v).rounded(.down))
            canvas.fill(x: left - 1 - tickLen, y: y, width: tickLen, height: 1, color: .axis)
            canvas.text(label, x: left - tickLen - 6, y: y + 1, scale: fs, color: .text, h: .right, v: .middle)
        }
        for t in l.xTicks {
            let x = Int(frame.px(t.value).rounded(.down))
            canvas.fill(x: x, y: top + plotH + 1, width: 1, height: tickLen, color: .axis)
            canvas.text(t.label, x: x + 1, y: top + plotH + tickLen + 6, scale: fs, color: .text, h: .center, v: .top)
        }
        canvas.text(xLabel, x: left + plotW / 2, y: height - 10, scale: fs, color: .text, h: .center, v: .bottom)
        canvas.text(yLabel, x: 12, y: top + plotH / 2, scale: fs, color: .text, h: .center, v: .top, rotated: true)
        canvas.text(title, x: left + plotW / 2, y: 12, scale: fs, color: .black, h: .center, v: .top, bold: true)
        if let subtitle {
            canvas.text(subtitle, x: left + plotW / 2, y: 12 + l.lineH + 4, scale: fs, color: .axis, h: .center, v: .top)
        }
        if !l.hasData {
            canvas.text("no data yet", x: left + plotW / 2, y: top + plotH / 2, scale: fs, color: .axis, h: .center, v: .middle)
        }
    }

    /// The legend's top-left corner: right of the plot, or the corner (or side middle) covering the
    /// fewest drawn points, lines sampled along their segments.
    func legendOrigin(_ l: Layout) -> (x: Int, y: Int) {
        let frame = l.frame, left = frame.left, top = frame.top, plotW = frame.width, plotH = frame.height
        if l.outside { return (left + plotW + 16, top) }
        let inset = 10, legendW = l.legendW, legendH = l.legendH
        let midY = top + (plotH - legendH) / 2, midX = left + (plotW - legendW) / 2
        let corners = [(left + plotW - legendW - inset, top + inset), (left + inset, top + inset),
                       (left + plotW - legendW - inset, top + plotH - legendH - inset), (left + inset, top + plotH - legendH - inset),
                       (left + plotW - legendW - inset, midY), (left + inset, midY),
                       (midX, top + inset), (midX, top + plotH - legendH - inset)]
        var samples: [(Double, Double)] = []
        for (s, _) in l.visible {
            let pts = s.finitePoints.map { (frame.px($0.x), frame.py($0.y)) }
            samples += pts
            if s.lineWidth > 0 {
                for (a, b) in zip(pts, pts.dropFirst()) {
                    let steps = max(2, Int(((b.0 - a.0) * (b.0 - a.0) + (b.1 - a.1) * (b.1 - a.1)).squareRoot() / 6))
                    for k in 1..<steps { let t = Double(k) / Double(steps); samples.append((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)) }
                }
            }
        }
        var best = 0, bestCount = Int.max
        for (i, c) in corners.enumerated() {
            let n = samples.filter { $0.0 >= Double(c.0 - 6) && $0.0 <= Double(c.0 + legendW + 6) && $0.1 >= Double(c.1 - 6) && $0.1 <= Double(c.1 + legendH + 6) }.count
            if n < bestCount { best = i; bestCount = n }
        }
        return corners[best]
    }

    func drawLegend(_ l: Layout, on canvas: PlotCanvas) {
        guard legend != .hidden, !l.entries.isEmpty else { return }
        let (lx, ly) = legendOrigin(l)
        let fs = l.fontScale, pad = Layout.legendPad, sampleW = Layout.sampleW
        canvas.fill(x: lx, y: ly, width: l.legendW, height: l.legendH, color: .white, alpha: 0.92)
        canvas.strokeRect(x: lx, y: ly, width: l.legendW, height: l.legendH, color: .legendBorder)
        for (i, (s, color)) in l.entries.enumerated() {
            let cy = Double(ly + pad + i * l.rowH) + Double(PlotFont.capHeight * fs) / 2
            let sx = Double(lx + pad)
            if s.lineWidth > 0 {
                canvas.polyline([(sx, cy), (sx + Double(sampleW), cy)], color: color, lineWidth: s.lineWidth, dash: s.dash.map { $0.map { min($0, 6) } })
            }
            if s.marker != .none {
                canvas.marker(s.marker, at: (sx + Double(sampleW) / 2, cy), size: max(s.markerSize, 7), color: color)
            }
            canvas.text(s.name, x: lx + pad + sampleW + 8, y: ly + pad + i * l.rowH, scale: fs, color: .text, h: .left, v: .top)
        }
    }
}
