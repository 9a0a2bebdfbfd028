import Foundation

/// The plots of a run folder, drawn from its `metrics.jsonl` after every epoch (and by `ssl-run plot`):
/// - `loss.png`: the training loss of every logged window of steps, and each epoch's mean loss;
/// - `lr.png`: the learning rate the schedule gave at each logged step;
/// - `knn.png` (when online kNN ran, `--eval-data`): kNN top-1 (solid) and top-5 (dashed) accuracy
///   per epoch for each k, from epoch 0 (the untrained network, `eval.at_start`) when it was scored.
public enum PlotMetrics {
    /// A numeric metric value (JSON numbers; NaN/Inf are stored as strings and come back as nil).
    public static func number(_ v: Any?) -> Double? {
        switch v {
        case let d as Double: return d.isFinite ? d : nil
        case let i as Int: return Double(i)
        case let f as Float: return f.isFinite ? Double(f) : nil
        case let n as NSNumber: return n.doubleValue.isFinite ? n.doubleValue : nil
        default: return nil
        }
    }

    /// kNN keys present in the records (`knn20_top1`, …), sorted by k then top-1 before top-5.
    public static func knnKeys(_ records: [[String: Any]]) -> [(key: String, k: Int, top: Int)] {
        var found: Set<String> = []
        for r in records { for key in r.keys where key.hasPrefix("knn") && key.contains("_top") { found.insert(key) } }
        return found.compactMap { key -> (String, Int, Int)? in
            let parts = key.dropFirst(3).split(separator: "_")
            guard parts.count == 2, let k = Int(parts[0]), parts[1].hasPrefix("top"), let t = Int(parts[1].dropFirst(3)) else { return nil }
            return (key, k, t)
        }.sorted { ($0.1, $0.2) < ($1.1, $1.2) }
    }

    /// Writes the run plots into `runDir` from `runDir/metrics.jsonl`; returns the files written.
    @discardableResult
    public static func writeRunPlots(runDir: URL, width: Int = 800, height: Int = 500) throws -> [URL] {
        let metrics = runDir.appendingPathComponent("metrics.jsonl")
        guard FileManager.default.fileExists(atPath: metrics.path) else { return [] }
        let records = try MetricsLog.read(metrics)
        let name = runDir.standardizedFileURL.lastPathComponent
        var written: [URL] = []
        for (file, plot) in [("loss.png", lossPlot(records, run: name)), ("lr.png", learningRatePlot(records, run: name)),
                             ("knn.png", knnPlot(records, run: name))] {
            guard var plot else { continue }
            plot.width = width
            plot.height = height
            let url = runDir.appendingPathComponent(file)
            try plot.write(to: url.path)
            written.append(url)
        }
        return written
    }

    static func stepRecords(_ records: [[String: Any]]) -> [[String: Any]] {
        records.filter { $0["epoch_loss"] == nil && $0["loss"] != nil }
    }

    static func epochRecords(_ records: [[String: Any]]) -> [[String: Any]] {
        records.filter { $0["epoch_loss"] != nil }
    }

    /// Loss against optimizer step: the logged windows as a line, epoch means as markers.
    public static func lossPlot(_ records: [[String: Any]], run: String) -> Plot? {
        let steps = stepRecords(records), epochs = epochRecords(records)
        guard !steps.isEmpty || !epochs.isEmpty else { return nil }
        var plot = Plot(title: "Training loss", subtitle: subtitle(run, epochs), xLabel: "optimizer step", yLabel: "loss")
        let pts = steps.compactMap { r -> (x: Double, y: Double)? in
            guard let s = number(r["step"]), let l = number(r["loss"]) else { return nil }
            return (s, l)
        }
        if !pts.isEmpty { plot.series.append(PlotSeries("loss (logged steps)", points: pts, lineWidth: 1.5)) }
        let ep = epochs.compactMap { r -> (x: Double, y: Double)? in
            guard let s = number(r["step"]), let l = number(r["epoch_loss"]) else { return nil }
            return (s, l)
        }
        if !ep.isEmpty {
            plot.series.append(PlotSeries("epoch mean", points: ep, color: PlotColor.series(1), lineWidth: 0, marker: .circle, markerSize: 9))
        }
        return plot
    }

    /// Learning rate against optimizer step.
    public static func learningRatePlot(_ records: [[String: Any]], run: String) -> Plot? {
        let pts = stepRecords(records).compactMap { r -> (x: Double, y: Double)? in
            guard let s = number(r["step"]), let lr = number(r["lr"]) else { return nil }
            return (s, lr)
        }
        guard !pts.isEmpty else { return nil }
        var plot = Plot(title: "Learning rate", subtitle: run, xLabel: "optimizer step", yLabel: "learning rate")
        plot.series.append(PlotSeries("lr", points: pts, color: PlotColor.series(2), lineWidth: 2))
        plot.legend = .hidden
        return plot
    }

    /// Online kNN accuracy (%) against epoch; nil when the run logged none.
    public static func knnPlot(_ records: [[String: Any]], run: String) -> Plot? {
        let keys = knnKeys(records)
        guard !keys.isEmpty else { return nil }
        // Every record with kNN results: the epochs', and epoch 0 (the untrained network) when logged.
        let epochs = records.filter { r in r.keys.contains { $0.hasPrefix("knn") } }
        var plot = Plot(title: "Online kNN accuracy", subtitle: run, xLabel: "epoch", yLabel: "accuracy (%)")
        let ks = Array(Set(keys.map(\.k))).sorted()
        for key in keys {
            let pts = epochs.compactMap { r -> (x: Double, y: Double)? in
                guard let e = number(r["epoch"]), let v = number(r[key.key]) else { return nil }
                return (e, 100 * v)
            }
            guard !pts.isEmpty else { continue }
            let color = PlotColor.series(ks.firstIndex(of: key.k) ?? 0)
            plot.series.append(PlotSeries("k=\(key.k) top-\(key.top)", points: pts, color: color, lineWidth: 2,
                                          marker: key.top == 1 ? .circle : .square, markerSize: 7,
                                          dash: key.top == 1 ? nil : [8, 5]))
        }
        let numbers = epochs.compactMap { number($0["epoch"]) }
        if numbers.contains(0) { plot.xLabel = "epoch (0 = untrained network)" }
        if let first = numbers.min(), let last = numbers.max(), last - first < 6 {
            plot.xTickLabels = (Int(first)...Int(last)).map { (value: Double($0), label: "\($0)") }
        }
        return plot.series.isEmpty ? nil : plot
    }

    static func subtitle(_ run: String, _ epochs: [[String: Any]]) -> String {
        guard let last = epochs.last, let e = number(last["epoch"]), let l = number(last["epoch_loss"]) else { return run }
        return String(format: "%@ - epoch %d, loss %.4f", run, Int(e), l)
    }
}
