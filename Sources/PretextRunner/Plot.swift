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

    /// Draws the chart.
    public func render() -> PlotCanvas {
        let canvas = PlotCanvas(width: width, height: height)
        let fs = max(1, fontScale)
        let lineH = PlotFont.rows * fs
        let tickLen = 5
        let visible = series.enumerated().map { (i, s) -> (PlotSeries, PlotColor) in (s, s.color ?? PlotColor.series(i)) }
        let all = visible.flatMap { $0.0.finitePoints }

        // Data ranges (error bars included).
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
        let entries = visible.filter { !$0.0.name.isEmpty }
        let sampleW = 28, legendPad = 8, rowH = lineH + 6
        let legendW = entries.isEmpty ? 0 : sampleW + 8 + (entries.map { PlotFont.width($0.0.name, scale: fs) }.max() ?? 0) + 2 * legendPad
        let legendH = entries.isEmpty ? 0 : entries.count * rowH + 2 * legendPad - 6

        // Margins.
        let top = 12 + lineH + (subtitle == nil ? 0 : lineH + 4) + 14
        let bottom = tickLen + 6 + lineH + 10 + lineH + 10
        var plotH = max(40, height - top - bottom)
        var yTicks = PlotTicks(lo: yDataLo, hi: yDataHi, target: max(3, plotH / 70), expand: yRange == nil)
        if let r = yRange { yTicks = PlotTicks(lo: r.lowerBound, hi: r.upperBound, target: max(3, plotH / 70), expand: false) }
        let yLabelW = yTicks.labels.map { PlotFont.width($0, scale: fs) }.max() ?? 0
        let left = 12 + lineH + 12 + yLabelW + 6 + tickLen
        let outside = legend == .outsideRight || (legend == .auto && legendH > plotH - 20)
        let right = outside && !entries.isEmpty ? legendW + 28 : 24
        let plotW = max(40, width - left - right)
        plotH = max(40, height - top - bottom)

        // x ticks: fewer when the labels would collide.
        var xTicks: [(value: Double, label: String)]
        if let custom = xTickLabels {
            xTicks = custom
        } else {
            var target = max(2, plotW / 110)
            var t = PlotTicks(lo: xlo, hi: xhi, target: target, expand: false)
            while target > 2, t.labels.map({ PlotFont.width($0, scale: fs) + 16 }).reduce(0, +) > plotW {
                target -= 1
                t = PlotTicks(lo: xlo, hi: xhi, target: target, expand: false)
            }
            if xRange == nil, xs.isEmpty == false {
                // A little air at the sides so end points and markers are not cut by the frame.
                let pad = (xhi - xlo) * 0.02
                xlo -= pad; xhi += pad
            }
            xTicks = zip(t.values, t.labels).map { (value: $0.0, label: $0.1) }.filter { $0.value >= xlo - 1e-9 && $0.value <= xhi + 1e-9 }
        }
        let frame = Frame(left: left, top: top, width: plotW, height: plotH, xlo: xlo, xhi: xhi,
                          ylo: yTicks.lower, yhi: yTicks.upper == yTicks.lower ? yTicks.lower + 1 : yTicks.upper)

        // Grid.
        for v in yTicks.values {
            let y = Int(frame.py(v).rounded(.down))
            canvas.fill(x: left, y: y, width: plotW, height: 1, color: .grid)
        }
        for t in xTicks {
            let x = Int(frame.px(t.value).rounded(.down))
            canvas.fill(x: x, y: top, width: 1, height: plotH, color: .grid)
        }

        // Series: error bars, lines, markers.
        for (s, color) in visible {
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

        // Clip: repaint the margins, then draw the frame, ticks and labels on top.
        canvas.fill(x: 0, y: 0, width: width, height: top, color: .white)
        canvas.fill(x: 0, y: top + plotH, width: width, height: height - top - plotH, color: .white)
        canvas.fill(x: 0, y: 0, width: left, height: height, color: .white)
        canvas.fill(x: left + plotW, y: 0, width: width - left - plotW, height: height, color: .white)
        canvas.strokeRect(x: left - 1, y: top - 1, width: plotW + 2, height: plotH + 2, color: .axis)
        for (v, label) in zip(yTicks.values, yTicks.labels) {
            let y = Int(frame.py(v).rounded(.down))
            canvas.fill(x: left - 1 - tickLen, y: y, width: tickLen, height: 1, color: .axis)
            canvas.text(label, x: left - tickLen - 6, y: y + 1, scale: fs, color: .text, h: .right, v: .middle)
        }
        for t in xTicks {
            let x = Int(frame.px(t.value).rounded(.down))
            canvas.fill(x: x, y: top + plotH + 1, width: 1, height: tickLen, color: .axis)
            canvas.text(t.label, x: x + 1, y: top + plotH + tickLen + 6, scale: fs, color: .text, h: .center, v: .top)
        }
        canvas.text(xLabel, x: left + plotW / 2, y: height - 10, scale: fs, color: .text, h: .center, v: .bottom)
        canvas.text(yLabel, x: 12, y: top + plotH / 2, scale: fs, color: .text, h: .center, v: .top, rotated: true)
        canvas.text(title, x: left + plotW / 2, y: 12, scale: fs, color: .black, h: .center, v: .top, bold: true)
        if let subtitle {
            canvas.text(subtitle, x: left + plotW / 2, y: 12 + lineH + 4, scale: fs, color: .axis, h: .center, v: .top)
        }
        if all.isEmpty {
            canvas.text("no data yet", x: left + plotW / 2, y: top + plotH / 2, scale: fs, color: .axis, h: .center, v: .middle)
        }

        // Legend.
        guard legend != .hidden, !entries.isEmpty else { return canvas }
        var lx: Int, ly: Int
        if outside {
            lx = left + plotW + 16
            ly = top
        } else {
            let inset = 10
            let midY = top + (plotH - legendH) / 2, midX = left + (plotW - legendW) / 2
            let corners = [(left + plotW - legendW - inset, top + inset), (left + inset, top + inset),
                           (left + plotW - legendW - inset, top + plotH - legendH - inset), (left + inset, top + plotH - legendH - inset),
                           (left + plotW - legendW - inset, midY), (left + inset, midY),
                           (midX, top + inset), (midX, top + plotH - legendH - inset)]
            // The corner covering the fewest drawn points (lines sampled along their segments).
            var samples: [(Double, Double)] = []
            for (s, _) in visible {
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
            (lx, ly) = corners[best]
        }
        canvas.fill(x: lx, y: ly, width: legendW, height: legendH, color: .white, alpha: 0.92)
        canvas.strokeRect(x: lx, y: ly, width: legendW, height: legendH, color: .legendBorder)
        for (i, (s, color)) in entries.enumerated() {
            let cy = Double(ly + legendPad + i * rowH) + Double(PlotFont.capHeight * fs) / 2
            let sx = Double(lx + legendPad)
            if s.lineWidth > 0 {
                canvas.polyline([(sx, cy), (sx + Double(sampleW), cy)], color: color, lineWidth: s.lineWidth, dash: s.dash.map { $0.map { min($0, 6) } })
            }
            if s.marker != .none {
                canvas.marker(s.marker, at: (sx + Double(sampleW) / 2, cy), size: max(s.markerSize, 7), color: color)
            }
            canvas.text(s.name, x: lx + legendPad + sampleW + 8, y: ly + legendPad + i * rowH, scale: fs, color: .text, h: .left, v: .top)
        }
        return canvas
    }
}
