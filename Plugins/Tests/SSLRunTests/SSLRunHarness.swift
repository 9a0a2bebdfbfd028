import Foundation
import XCTest
import Pretext

/// Runs the real `ssl-run` binary built next to this test bundle and captures its output.
enum SSLRun {
    /// The folder holding ssl-run and the built-in plugins (the test bundle's build folder).
    static var buildDir: URL {
        var url = Bundle(for: Marker.self).bundleURL
        while url.pathExtension == "xctest" || url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        return url
    }
    final class Marker {}

    static var binary: URL { buildDir.appendingPathComponent("ssl-run") }

    /// The repository root (…/Plugins/Tests/SSLRunTests/ → …).
    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String; var all: String { stdout + stderr } }

    @discardableResult
    static func run(_ args: [String], cwd: URL? = nil, env: [String: String] = [:], timeout: TimeInterval = 600) throws -> Result {
        try exec(binary, args, cwd: cwd, env: env, timeout: timeout)
    }

    static func exec(_ exe: URL, _ args: [String], cwd: URL? = nil, env: [String: String] = [:], timeout: TimeInterval = 600) throws -> Result {
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        var environment = ProcessInfo.processInfo.environment
        environment["PRETEXT_PLUGIN_PATH"] = nil
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter(); group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        group.wait()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// One folder per test process for every run folder the tests make (hundreds of MB each), removed
    /// when the process exits; folders left by test processes that died are removed on the next start.
    static let scratch: URL = {
        let fm = FileManager.default, parent = fm.temporaryDirectory
        for name in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix("pretext-cli-tests-") {
            if let pid = Int32(name.dropFirst("pretext-cli-tests-".count)), kill(pid, 0) != 0, errno == ESRCH {
                try? fm.removeItem(at: parent.appendingPathComponent(name))
            }
        }
        let dir = parent.appendingPathComponent("pretext-cli-tests-\(getpid())")
        try? fm.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: SSLRun.scratch) }
        return dir
    }()

    static func temporaryDirectory(_ name: String) throws -> URL {
        let dir = scratch.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Arguments for a tiny, fast training run on the built-in synthetic images (not the two-minute demo).
    static let tiny = ["--paper-settings", "--backbone", "resnet18", "--set", "backbone.cifar_stem=true", "--set", "backbone.width=0.125",
                       "--set", "views.input_size=16", "--set", "data.synthetic_size=16", "--set", "data.synthetic_count=48",
                       "--batch-size", "16", "--set", "data.workers=1", "--quiet"]
}

extension SSLRun {
    /// The last checkpoint's tensors of a run folder, in file order.
    static func lastWeights(_ run: URL) throws -> [(key: String, tensor: Tensor)] {
        try SafeTensors.read(from: run.appendingPathComponent("checkpoints/last/model.safetensors")).tensors
    }

    /// Exact resume: trains `args` (which must not hold --out) into `split`, stopping after epoch 1 and
    /// resuming to the end, and asserts the last checkpoint equals `straight`'s (the same arguments run
    /// without a stop) bit for bit — weights, buffers and every method state the checkpoint holds.
    static func assertResumesExactly(_ args: [String], like straight: URL, into split: URL, _ label: String = "",
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let first = try run(args + ["--stop-after", "1", "--out", split.path])
        XCTAssertEqual(first.status, 0, "\(label) \(first.all)", file: file, line: line)
        let resumed = try run(["--resume", split.path, "--stop-after", "0", "--quiet"])
        XCTAssertEqual(resumed.status, 0, "\(label) \(resumed.all)", file: file, line: line)
        let wa = try lastWeights(straight), wb = try lastWeights(split)
        XCTAssertEqual(wa.map(\.key), wb.map(\.key), label, file: file, line: line)
        for ((k, x), (_, y)) in zip(wa, wb) {
            XCTAssertEqual(x.scalars, y.scalars, "\(label) \(k) differs after resume", file: file, line: line)
        }
    }
}
