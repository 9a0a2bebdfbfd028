import Foundation
import XCTest
@testable import PretextRunner
import PretextData

final class PlotTests: XCTestCase {
    /// Where test plots go; set PRETEXT_KEEP_PLOTS=DIR to keep them for a look.
    func outputDirectory() throws -> URL {
        let dir: URL
        if let keep = ProcessInfo.processInfo.environment["PRETEXT_KEEP_PLOTS"] {
            dir = URL(fileURLWithPath: keep)
        } else {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("pretext-plots-\(UUID().uuidString.prefix(8))")
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Decodes a PNG and checks its size and that it is not one flat colour; returns the image.
    @discardableResult
    func assertPlot(_ url: URL, width: Int, height: Int, file: StaticString = #filePath, line: UInt = #line) throws -> Image {
        let image = try ImageDecoder.decode(file: url.path)
        XCTAssertEqual(image.width, width, file: file, line: line)
        XCTAssertEqual(image.height, height, file: file, line: line)
        var colours = Set<Int>()
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            let rgb: Int = (Int(image.pixels[i]) << 16) | (Int(image.pixels[i + 1]) << 8) | Int(image.pixels[i + 2])
            colours.insert(rgb)
        }
        XCTAssertGreaterThan(colours.count, 3, "a plot has more than background and one colour", file: file, line: line)
        return image
    }

    func testTicksAreRoundNumbersCoveringTheData() {
        let t = PlotTicks(lo: 0.13, hi: 0.87, target: 5)
        XCTAssertEqual(t.step, 0.2, accuracy: 1e-12)
        XCTAssertEqual(t.lower, 0, accuracy: 1e-12)
        XCTAssertEqual(t.upper, 1, accuracy: 1e-12)
        XCTAssertEqual(t.labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(PlotTicks(lo: 0, hi: 600, target: 6).labels, ["0", "100", "200", "300", "400", "500", "600"])
        XCTAssertGreaterThanOrEqual(PlotTicks(lo: 2.1, hi: 2.1).labels.count, 3)   // a flat series still gets an axis
        XCTAssertEqual(PlotTicks(lo: 0, hi: 0.0006, target: 3).labels, ["0", "2e-4", "4e-4", "6e-4"])
        XCTAssertEqual(PlotTicks.niceStep(0.3), 0.5, accuracy: 1e-12)
        XCTAssertEqual(PlotTicks.niceStep(2.2), 2.5, accuracy: 1e-12)
    }

    func testFontCoversTheCharactersPlotsUse() {
        for ch in "0123456789.,-+e%()=:/ abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ±×_" {
            XCTAssertTrue(PlotFont.covers(ch), "no glyph for \(ch)")
        }
        // "1" has its stem in the middle column on every cap row.
        XCTAssertTrue(PlotFont.glyph("1")[0..<7].allSatisfy { $0 & 0b00100 != 0 })
        XCTAssertEqual(PlotFont.width("abc", scale: 2), (3 * 6 - 1) * 2)
    }

    func testCanvasDrawsAntiAliasedLinesAndText() throws {
        let c = PlotCanvas(width: 60, height: 40)
        c.line(from: (5, 20), to: (55, 20), color: .black, lineWidth: 2)
        XCTAssertEqual(c.color(atX: 30, y: 19), .black)          // covered pixel rows 19 and 20
        XCTAssertEqual(c.color(atX: 30, y: 20), .black)
        XCTAssertEqual(c.color(atX: 30, y: 10), .white)
        c.line(from: (5, 5.25), to: (55, 5.25), color: .black, lineWidth: 1)
        let partial = c.color(atX: 30, y: 4)                     // a partly covered pixel is grey
        XCTAssertTrue(partial.r > 0 && partial.r < 255, "\(partial)")
        let t = PlotCanvas(width: 40, height: 20)
        t.text("1", x: 0, y: 0, scale: 1, color: .black)
        XCTAssertEqual(t.color(atX: 2, y: 0), .black)             // top of the stem
        XCTAssertEqual(t.color(atX: 0, y: 0), .white)
    }

    func testLineAndScatterPlotsAreValidPNGsOfTheStatedSize() throws {
        let dir = try outputDirectory()
        var plot = Plot(title: "Training loss", subtitle: "simclr-cifar", xLabel: "optimizer step", yLabel: "loss", width: 640, height: 400)
        let x = (0..<120).map(Double.init)
        plot.series.append(.line("loss", x: x, y: x.map { 4 * exp(-$0 / 40) + 0.1 * sin($0) + 1 }))
        plot.series.append(PlotSeries("epoch mean", points: stride(from: 20.0, through: 120, by: 20).map { ($0, 4 * exp(-$0 / 40) + 1) },
                                      lineWidth: 0, marker: .circle, markerSize: 9))
        let url = dir.appendingPathComponent("line.png")
        try plot.write(to: url.path)
        let image = try assertPlot(url, width: 640, height: 400)
        // The first series' colour (tab10 blue) is drawn somewhere.
        let blue = PlotColor.series(0)
        XCTAssertTrue(stride(from: 0, to: image.pixels.count, by: 3).contains { image.pixels[$0] == blue.r && image.pixels[$0 + 1] == blue.g && image.pixels[$0 + 2] == blue.b })

        var scatter = Plot(title: "t-SNE", xLabel: "t-SNE 1", yLabel: "t-SNE 2", width: 700, height: 500)
        var rng = RNG(seed: 3)
        for c in 0..<10 {
            let pts = (0..<50).map { _ in (x: Double(c % 5) * 3 + Double(rng.normal()), y: Double(c / 5) * 4 + Double(rng.normal())) }
            scatter.series.append(.scatter("class \(c)", points: pts, marker: PlotSeries.Marker.allCases[1 + c % 6]))
        }
        let s = dir.appendingPathComponent("scatter.png")
        try scatter.write(to: s.path)
        try assertPlot(s, width: 700, height: 500)

        var bars = Plot(title: "kNN top-1 vs temperature", xLabel: "method.temperature", yLabel: "kNN top-1 (%)", width: 500, height: 350)
        bars.xTickLabels = [(0, "0.1"), (1, "0.2"), (2, "0.5")]
        bars.series.append(PlotSeries("lr=0.03", points: [(0, 30), (1, 34), (2, 33)], errors: [1, 0.5, 2], marker: .circle))
        bars.series.append(PlotSeries("lr=0.06", points: [(0, 31), (1, 36), (2, 32)], errors: [0.8, 1.5, 1], marker: .square, dash: [8, 5]))
        let b = dir.appendingPathComponent("errorbars.png")
        try bars.write(to: b.path)
        try assertPlot(b, width: 500, height: 350)
    }

    func testRunPlotsFromMetrics() throws {
        let dir = try outputDirectory().appendingPathComponent("run")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let log = try MetricsLog(url: dir.appendingPathComponent("metrics.jsonl"))
        var step = 0
        try log.write(["step": 0, "epoch": 0, "knn20_top1": 0.15, "knn20_top5": 0.5, "knn200_top1": 0.14, "knn200_top5": 0.5])   // eval.at_start
        for epoch in 1...4 {
            for _ in 0..<5 {
                step += 10
                try log.write(["step": step, "epoch": epoch, "loss": 5.0 / Double(step).squareRoot(), "lr": 0.06 * cos(Double(step) / 250), "images_per_s": 300.0])
            }
            try log.write(["step": step, "epoch": epoch, "epoch_loss": 5.0 / Double(step).squareRoot(), "knn20_top1": 0.2 + 0.05 * Double(epoch),
                           "knn20_top5": 0.6 + 0.05 * Double(epoch), "knn200_top1": 0.18 + 0.05 * Double(epoch), "knn200_top5": 0.55 + 0.05 * Double(epoch)])
        }
        let files = try PlotMetrics.writeRunPlots(runDir: dir)
        XCTAssertEqual(Set(files.map(\.lastPathComponent)), ["loss.png", "lr.png", "knn.png"])
        for f in files { try assertPlot(f, width: 800, height: 500) }
        let records = try MetricsLog.read(dir.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(PlotMetrics.knnPlot(records, run: "run")?.series.first?.points.map(\.x), [0, 1, 2, 3, 4], "epoch 0 = the untrained network")
        XCTAssertEqual(PlotMetrics.lossPlot(records, run: "run")?.series.first?.points.count, 20)
        XCTAssertEqual(PlotMetrics.knnKeys(try MetricsLog.read(dir.appendingPathComponent("metrics.jsonl"))).map(\.key),
                       ["knn20_top1", "knn20_top5", "knn200_top1", "knn200_top5"])
        // Without online kNN there is no knn.png.
        let plain = dir.deletingLastPathComponent().appendingPathComponent("plain")
        try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
        try MetricsLog(url: plain.appendingPathComponent("metrics.jsonl")).write(["step": 1, "epoch": 1, "loss": 2.0, "lr": 0.1])
        XCTAssertEqual(try PlotMetrics.writeRunPlots(runDir: plain).map(\.lastPathComponent), ["loss.png", "lr.png"])
    }
}
