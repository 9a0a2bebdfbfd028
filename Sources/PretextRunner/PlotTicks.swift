import Foundation

/// "Nice" axis ticks (steps of 1, 2, 2.5 or 5 × 10ⁿ) and their labels, formatted with just enough
/// decimals to tell neighbouring ticks apart (scientific notation for very small or large values).
public struct PlotTicks: Equatable {
    /// The axis range, widened to whole steps around the data.
    public var lower: Double
    public var upper: Double
    public var step: Double
    public var values: [Double]
    public var labels: [String]

    /// Ticks covering `lo…hi` with about `target` intervals. A zero-width range is widened around its value.
    public init(lo: Double, hi: Double, target: Int = 6, expand: Bool = true) {
        var a = lo.isFinite ? lo : 0, b = hi.isFinite ? hi : 1
        if a > b { swap(&a, &b) }
        if b - a < max(abs(a), abs(b)) * 1e-9 || b == a {
            let pad = a == 0 ? 1 : abs(a) * 0.1
            a -= pad
            b += pad
        }
        let step = PlotTicks.niceStep((b - a) / Double(max(target, 1)))
        let eps = step * 1e-9
        let first = expand ? (a / step + 1e-9).rounded(.down) * step : (a / step - 1e-9).rounded(.up) * step
        let last = expand ? (b / step - 1e-9).rounded(.up) * step : (b / step + 1e-9).rounded(.down) * step
        lower = expand ? first : a
        upper = expand ? last : b
        self.step = step
        var v: [Double] = []
        var t = first
        while t <= last + eps && v.count < 100 {
            v.append(abs(t) < eps ? 0 : t)
            t = first + Double(v.count) * step
        }
        values = v
        labels = PlotTicks.format(v, step: step)
    }

    /// The smallest of 1, 2, 2.5, 5 × 10ⁿ that is ≥ `raw`.
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let p = Foundation.pow(10, (Foundation.log10(raw)).rounded(.down))
        for m in [1.0, 2.0, 2.5, 5.0, 10.0] where m * p >= raw * (1 - 1e-9) { return m * p }
        return 10 * p
    }

    /// Labels for `values` spaced by `step`.
    public static func format(_ values: [Double], step: Double) -> [String] {
        let biggest = values.map { abs($0) }.max() ?? 0
        if step < 1e-3 || biggest >= 1e6 {
            // Scientific: the mantissa needs as many decimals as the step has relative to the biggest tick.
            let e = Int(Foundation.log10(max(biggest, step)).rounded(.down))
            let rel = step / Foundation.pow(10, Double(e))
            let d = max(0, min(6, decimals(rel)))
            return values.map { v in
                if v == 0 { return "0" }
                let m = v / Foundation.pow(10, Double(e))
                return String(format: "%.\(d)fe%d", m, e)
            }
        }
        let d = decimals(step)
        return values.map { String(format: "%.\(d)f", $0 == 0 ? 0 : $0) }
    }

    /// Decimals needed to print multiples of `step` exactly (up to 6).
    static func decimals(_ step: Double) -> Int {
        for d in 0...6 {
            let scaled = step * Foundation.pow(10, Double(d))
            if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { return d }
        }
        return 6
    }
}
