import Foundation
import XCTest
import Pretext

/// Tiny labelled image folders and one tiny pretraining run on them, shared by the evaluation tests.
enum EvalFixtures {
    /// `root/train` and `root/test`: three classes (reddish, greenish, bluish 16 px noise images),
    /// `perClass` training and `perClass / 2` test images each.
    static func labelledFolders(_ root: URL, perClass: Int = 16) throws -> (train: URL, test: URL) {
        var rng = RNG(seed: 11)
        for (split, count) in [("train", perClass), ("test", max(2, perClass / 2))] {
            for (c, name) in ["blue", "green", "red"].enumerated() {
                let dir = root.appendingPathComponent("\(split)/\(name)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                for i in 0..<count {
                    var px = [UInt8](repeating: 0, count: 16 * 16 * 3)
                    for p in 0..<(16 * 16) {
                        for ch in 0..<3 {
                            let base = ch == 2 - c ? 170.0 : 70.0      // blue → B high, green → G high, red → R high
                            px[3 * p + ch] = UInt8(max(0, min(255, base + 40 * Double(rng.normal()))))
                        }
                    }
                    try PNGWriter.write(pixels: px, width: 16, height: 16, channels: 3, to: dir.appendingPathComponent(String(format: "%03d.png", i)).path)
                }
            }
        }
        return (root.appendingPathComponent("train"), root.appendingPathComponent("test"))
    }

    /// Tiny-run arguments on a labelled folder (the synthetic-data options of `SSLRun.tiny` are harmless).
    static func tinyRun(train: URL, test: URL) -> [String] {
        ["--data", train.path, "--eval-data", test.path] + SSLRun.tiny
    }

    nonisolated(unsafe) static var shared: (root: URL, train: URL, test: URL, run: URL)?

    /// A 2-epoch SimCLR run on the labelled folders with online kNN (made once per test process).
    static func pretrainedRun() throws -> (root: URL, train: URL, test: URL, run: URL) {
        if let s = shared { return s }
        let root = try SSLRun.temporaryDirectory("eval")
        let (train, test) = try labelledFolders(root)
        let run = root.appendingPathComponent("run")
        let r = try SSLRun.run(["--method", "simclr", "--epochs", "2", "--out", run.path] + tinyRun(train: train, test: test))
        XCTAssertEqual(r.status, 0, r.all)
        shared = (root, train, test, run)
        return shared!
    }

    /// Decodes a PNG and checks its size and that its pixels are not all equal.
    static func assertPNG(_ url: URL, width: Int? = nil, height: Int? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let image = try ImageDecoder.decode(file: url.path)
        if let width { XCTAssertEqual(image.width, width, url.lastPathComponent, file: file, line: line) }
        if let height { XCTAssertEqual(image.height, height, url.lastPathComponent, file: file, line: line) }
        let first = Array(image.pixels[0..<3])
        var varied = false
        for i in stride(from: 3, to: image.pixels.count, by: 3) where Array(image.pixels[i..<(i + 3)]) != first { varied = true; break }
        XCTAssertTrue(varied, "\(url.lastPathComponent) is one flat colour", file: file, line: line)
    }
}
