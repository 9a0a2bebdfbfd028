import ArgumentParser
import Foundation
import Pretext

/// `ssl-run plot RUN_DIR…`: redraws a run folder's loss.png, lr.png and knn.png from metrics.jsonl.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Redraw the plots of run folders (loss.png, lr.png, knn.png) from their metrics.jsonl.",
        discussion: "Training draws them after every epoch already; this is for older runs or other sizes.")

    @Argument(help: "Run folders.") var runDirs: [String]
    @Option(help: "Image width in pixels.") var width: Int = 800
    @Option(help: "Image height in pixels.") var height: Int = 500

    func run() throws {
        guard width >= 200, height >= 150 else { throw CommandFailure(message: "--width must be at least 200 and --height at least 150") }
        for dir in runDirs {
            let url = URL(fileURLWithPath: dir)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("metrics.jsonl").path) else {
                throw CommandFailure(message: "'\(dir)' has no metrics.jsonl (give the --out folder of a training run)")
            }
            let files = try PlotMetrics.writeRunPlots(runDir: url, width: width, height: height)
            print("\(dir): " + files.map(\.lastPathComponent).joined(separator: ", "))
        }
    }
}
