import Foundation

/// The results of a sweep, read back from its run folders: per run the final loss, the last online
/// kNN top-1 (`metrics.jsonl`), the linear-probe top-1 (`linear.json`, from `--linear`), the median
/// images/s; per configuration their mean ± standard deviation over seeds. Written as `results.csv`
/// (one row per configuration), `runs.csv` (one row per run), `results.md` (a table to paste), and one
/// plot per swept knob of the main metric against its values (`plot-<knob>.png`).
public struct SweepResults {
    /// One run folder.
    public struct Run {
        public var trial: SweepPlan.Trial
        public var state: SweepPlan.RunState
        /// Why it failed (from `sweep-error.txt`, written when its process fails), nil otherwise.
        public var error: String?
        public var finalLoss: Double?
        /// `knn<k>_top1` / `knn<k>_top5` of the last evaluated epoch.
        public var knn: [String: Double] = [:]
        public var linearTop1: Double?
        public var imagesPerSecond: Double?

        public var isFinished: Bool { if case .finished = state { return error == nil }; return false }
    }

    /// A metric column: its key, its title, and how values print.
    public struct Metric: Equatable {
        public var key: String
        public var title: String
        public var percent: Bool
        public var decimals: Int
    }

    /// One configuration averaged over its finished seeds.
    public struct Row {
        public var configuration: String
        public var assignments: [(key: String, value: String)]
        public var finished: Int
        public var total: Int
        public var stats: [String: (mean: Double, std: Double, n: Int)]
    }

    public var plan: SweepPlan
    public var runs: [Run]

    /// Reads every run folder of `plan` under `dir`.
    public init(plan: SweepPlan, dir: URL) {
        self.plan = plan
        runs = plan.trials.map { SweepResults.read(trial: $0, dir: dir.appendingPathComponent($0.name)) }
    }

    public init(plan: SweepPlan, runs: [Run]) {
        self.plan = plan
        self.runs = runs
    }

    /// Reads one run folder.
    public static func read(trial: SweepPlan.Trial, dir: URL) -> Run {
        var run = Run(trial: trial, state: SweepPlan.state(of: dir))
        if let e = try? String(contentsOf: dir.appendingPathComponent("sweep-error.txt"), encoding: .utf8) {
            run.error = e.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let records = try? MetricsLog.read(dir.appendingPathComponent("metrics.jsonl")) {
            run.finalLoss = records.last { $0["epoch_loss"] != nil }.flatMap { PlotMetrics.number($0["epoch_loss"]) }
            if let last = records.last(where: { r in r.keys.contains { $0.hasPrefix("knn") } }) {
                for (k, v) in last where k.hasPrefix("knn") { if let d = PlotMetrics.number(v) { run.knn[k] = d } }
            }
            let speeds = records.filter { $0["epoch_loss"] == nil }.compactMap { PlotMetrics.number($0["images_per_s"]) }.sorted()
            if !speeds.isEmpty { run.imagesPerSecond = speeds[speeds.count / 2] }
        }
        if let data = try? Data(contentsOf: dir.appendingPathComponent("linear.json")),
           let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            run.linearTop1 = PlotMetrics.number(obj["top1"])
        }
        return run
    }

    /// The metric columns present: final loss, kNN top-1 per k, linear top-1, images/s.
    public var metrics: [Metric] {
        var out = [Metric(key: "final_loss", title: "final loss", percent: false, decimals: 4)]
        let knnKeys = Set(runs.flatMap { $0.knn.keys }).filter { $0.hasSuffix("_top1") }
        for key in knnKeys.sorted(by: { (Int($0.dropFirst(3).prefix { $0.isNumber }) ?? 0) < (Int($1.dropFirst(3).prefix { $0.isNumber }) ?? 0) }) {
            let k = key.dropFirst(3).prefix { $0.isNumber }
            out.append(Metric(key: key, title: "kNN-\(k) top-1 (%)", percent: true, decimals: 2))
        }
        if runs.contains(where: { $0.linearTop1 != nil }) {
            out.append(Metric(key: "linear_top1", title: "linear top-1 (%)", percent: true, decimals: 2))
        }
        out.append(Metric(key: "images_per_s", title: "images/s", percent: false, decimals: 1))
        return out
    }

    /// The metric a sweep is judged by: linear top-1 when probed, else the smallest k's kNN top-1, else the loss.
    public var mainMetric: Metric {
        let m = metrics
        return m.first { $0.key == "linear_top1" } ?? m.first { $0.key.hasPrefix("knn") } ?? m[0]
    }

    static func value(_ run: Run, _ key: String) -> Double? {
        switch key {
        case "final_loss": return run.finalLoss
        case "linear_top1": return run.linearTop1
        case "images_per_s": return run.imagesPerSecond
        default: return run.knn[key]
        }
    }

    /// Mean and sample standard deviation (n − 1; 0 for one value).
    public static func meanStd(_ values: [Double]) -> (mean: Double, std: Double, n: Int) {
        guard !values.isEmpty else { return (.nan, .nan, 0) }
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, 0, 1) }
        let v = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
        return (mean, v.squareRoot(), values.count)
    }

    /// One row per configuration, in plan order.
    public var rows: [Row] {
        var order: [String] = []
        var groups: [String: [Run]] = [:]
        for r in runs {
            if groups[r.trial.configuration] == nil { order.append(r.trial.configuration) }
            groups[r.trial.configuration, default: []].append(r)
        }
        let metrics = self.metrics
        return order.map { config in
            let g = groups[config]!
            let done = g.filter(\.isFinished)
            var stats: [String: (mean: Double, std: Double, n: Int)] = [:]
            for m in metrics { stats[m.key] = SweepResults.meanStd(done.compactMap { SweepResults.value($0, m.key) }) }
            return Row(configuration: config, assignments: g[0].trial.assignments, finished: done.count, total: g.count, stats: stats)
        }
    }

    public var failed: [Run] { runs.filter { $0.error != nil } }

    func format(_ v: Double, _ m: Metric) -> String {
        guard v.isFinite else { return "" }
        return String(format: "%.\(m.decimals)f", m.percent ? 100 * v : v)
    }

    func formatMeanStd(_ s: (mean: Double, std: Double, n: Int), _ m: Metric) -> String {
        guard s.n > 0 else { return "–" }
        return s.n == 1 ? format(s.mean, m) : "\(format(s.mean, m)) ± \(format(s.std, m))"
    }

    /// A CSV field, quoted when it holds a comma, quote or newline.
    public static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// `results.csv`: one row per configuration, mean and std of every metric (percentages as fractions).
    public var resultsCSV: String {
        let metrics = self.metrics
        var header = plan.knobs.map(\.key) + ["runs", "finished"]
        for m in metrics { header += [m.key + "_mean", m.key + "_std"] }
        var lines = [header.map(SweepResults.csvField).joined(separator: ",")]
        for row in rows {
            var f = row.assignments.map(\.value) + [String(row.total), String(row.finished)]
            for m in metrics {
                let s = row.stats[m.key]!
                f += s.n > 0 ? [String(s.mean), String(s.std)] : ["", ""]
            }
            lines.append(f.map(SweepResults.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `runs.csv`: one row per run with its status and error.
    public var runsCSV: String {
        let metrics = self.metrics
        var lines = [(["run"] + plan.knobs.map(\.key) + ["seed", "status"] + metrics.map(\.key) + ["error"]).map(SweepResults.csvField).joined(separator: ",")]
        for r in runs {
            var f = [r.trial.name] + r.trial.assignments.map(\.value) + [String(r.trial.seed), SweepResults.status(r)]
            f += metrics.map { m in SweepResults.value(r, m.key).map { String($0) } ?? "" }
            f.append(r.error ?? "")
            lines.append(f.map(SweepResults.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func status(_ r: Run) -> String {
        if r.error != nil { return "failed" }
        switch r.state {
        case .notStarted: return "not started"
        case let .partial(done, of): return "partial \(done)/\(of)"
        case .finished: return "finished"
        }
    }

    /// `results.md`: the table (mean ± std over seeds), the best configuration, failures and plots.
    public func markdown(title: String, command: String?, plots: [(knob: String, file: String)]) -> String {
        let metrics = self.metrics, main = mainMetric
        var md = "# Sweep \(title)\n\n"
        if let command { md += "```\n\(command)\n```\n\n" }
        let finished = runs.filter(\.isFinished).count
        md += "\(rows.count) configuration(s) × \(plan.seeds.count) seed(s) = \(runs.count) runs: \(finished) finished, \(failed.count) failed"
        let other = runs.count - finished - failed.count
        md += other > 0 ? ", \(other) not finished.\n\n" : ".\n\n"
        md += "Values are mean ± standard deviation over the finished seeds.\n\n"
        let header = plan.knobs.map { "`\($0.key)`" } + ["runs"] + metrics.map(\.title)
        md += "| " + header.joined(separator: " | ") + " |\n"
        md += "|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
        for row in rows {
            var cells = row.assignments.map(\.value) + [row.finished == row.total ? "\(row.finished)" : "\(row.finished)/\(row.total)"]
            cells += metrics.map { formatMeanStd(row.stats[$0.key]!, $0) }
            md += "| " + cells.joined(separator: " | ") + " |\n"
        }
        let scored = rows.filter { ($0.stats[main.key]?.n ?? 0) > 0 }
        let lowerIsBetter = main.key == "final_loss"
        if let best = scored.max(by: { a, b in
            let x = a.stats[main.key]!.mean, y = b.stats[main.key]!.mean
            return lowerIsBetter ? x > y : x < y
        }), rows.count > 1, !lowerIsBetter {   // losses of different settings are not comparable
            let what = best.assignments.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            md += "\nBest by \(main.title): \(what.isEmpty ? best.configuration : what) (\(formatMeanStd(best.stats[main.key]!, main))).\n"
        }
        if !failed.isEmpty {
            md += "\n## Failed runs\n\n"
            for r in failed {
                let message = (r.error ?? "").split(separator: "\n").prefix(4).joined(separator: " ")
                md += "- `\(r.trial.name)`: \(message) (log: `\(r.trial.name)/sweep.log`)\n"
            }
        }
        if !plots.isEmpty {
            md += "\n## Plots\n\n"
            for p in plots { md += "![\(main.title) against \(p.knob)](\(p.file))\n" }
        }
        return md
    }

    /// A plot of the main metric (mean ± std over seeds) against the values of `knob`: one line per
    /// combination of the other knobs' values (at most 8; beyond that they are averaged together).
    public func plot(knob: SweepPlan.Knob, width: Int = 800, height: Int = 500) -> Plot {
        let main = mainMetric
        let scale = main.percent ? 100.0 : 1.0
        var plot = Plot(title: "\(main.title.replacingOccurrences(of: " (%)", with: "")) vs \(knob.key)", subtitle: nil,
                        xLabel: knob.key, yLabel: main.title, width: width, height: height)
        plot.xTickLabels = knob.values.enumerated().map { (value: Double($0.offset), label: $0.element) }
        let others = plan.knobs.filter { $0.key != knob.key }
        var groups: [String: [Run]] = [:], order: [String] = []
        let combos = others.reduce(1) { $0 * $1.values.count }
        for r in runs where r.isFinished {
            let label = combos <= 8 ? others.map { "\($0.shortName)=\(r.trial.value($0.key) ?? "")" }.joined(separator: " ") : "mean over other knobs"
            if groups[label] == nil { order.append(label) }
            groups[label, default: []].append(r)
        }
        let markers: [PlotSeries.Marker] = [.circle, .square, .triangle, .diamond, .triangleDown, .cross]
        for (i, label) in order.enumerated() {
            var pts: [(x: Double, y: Double)] = [], errs: [Double] = []
            for (j, v) in knob.values.enumerated() {
                let vals = groups[label]!.filter { $0.trial.value(knob.key) == v }.compactMap { SweepResults.value($0, main.key) }
                guard !vals.isEmpty else { continue }
                let s = SweepResults.meanStd(vals)
                pts.append((Double(j), s.mean * scale))
                errs.append(s.std * scale)
            }
            plot.series.append(PlotSeries(label.isEmpty ? "mean over seeds" : label, points: pts, errors: errs,
                                          marker: markers[i % markers.count], markerSize: 8))
        }
        if plot.series.count == 1 && others.isEmpty { plot.legend = .hidden }
        return plot
    }

    /// Writes results.csv, runs.csv, results.md and the plots into `dir`; returns the files.
    @discardableResult
    public func write(to dir: URL, title: String, command: String?) throws -> [URL] {
        var files: [URL] = []
        var plots: [(knob: String, file: String)] = []
        if runs.contains(where: \.isFinished) {
            for knob in plan.knobs {
                let file = "plot-\(SweepPlan.sanitize(knob.key)).png"
                try plot(knob: knob).write(to: dir.appendingPathComponent(file).path)
                plots.append((knob.key, file))
                files.append(dir.appendingPathComponent(file))
            }
        }
        for (name, text) in [("results.csv", resultsCSV), ("runs.csv", runsCSV),
                             ("results.md", markdown(title: title, command: command, plots: plots))] {
            let url = dir.appendingPathComponent(name)
            do { try text.write(to: url, atomically: true, encoding: .utf8) } catch {
                throw RunError.io(path: url.path, detail: error.localizedDescription)
            }
            files.append(url)
        }
        return files
    }
}
