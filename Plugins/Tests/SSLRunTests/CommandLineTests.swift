import Foundation
import XCTest

/// The real binary: help, listing, and clear errors for bad input.
final class CommandLineTests: XCTestCase {
    func testHelpListsTheCommandsAndTrainingOptions() throws {
        let r = try SSLRun.run(["--help"])
        XCTAssertEqual(r.status, 0, r.all)
        for word in ["train", "list", "new-plugin", "export", "defaults", "install"] { XCTAssertTrue(r.stdout.contains(word), "help lacks \(word)") }
        let t = try SSLRun.run(["train", "--help"])
        for flag in ["--method", "--backbone", "--data", "--config", "--set", "--epochs", "--batch-size", "--lr", "--seed",
                     "--out", "--resume", "--threads", "--plugin", "--eval-data", "--skip-bad-images", "--accumulate"] {
            XCTAssertTrue(t.stdout.contains(flag), "train --help lacks \(flag)")
        }
        // train and sweep share one option group for what to train: same flags, same help lines.
        let s = try SSLRun.run(["sweep", "--help"])
        XCTAssertEqual(s.status, 0, s.all)
        let groupLines = { (text: String) in
            text.split(separator: "\n").drop { !$0.hasPrefix("WHAT ") }.dropFirst().prefix { $0.hasPrefix(" ") }.map(String.init)
        }
        let trainGroup = groupLines(t.stdout), sweepGroup = groupLines(s.stdout)
        XCTAssertFalse(trainGroup.isEmpty, t.stdout)
        XCTAssertEqual(trainGroup, sweepGroup, "train and sweep describe the run options differently")
        for flag in ["--method", "--backbone", "--data", "--eval-data", "--config", "--set", "--epochs", "--batch-size", "--lr"] {
            XCTAssertTrue(sweepGroup.joined().contains(flag), "sweep --help lacks \(flag)")
        }
    }

    /// Discussions are reflowed: a paragraph written over several source lines reads as one, and long
    /// examples come out as `\`-continued shell lines that still paste as the whole command.
    func testHelpParagraphsAreReflowedAndExamplesStayWhole() throws {
        let t = try SSLRun.run(["train", "--help"])
        XCTAssertTrue(t.stdout.contains("--config FILE < the flags below"), t.stdout)
        let f = try SSLRun.run(["finetune", "--help"])
        XCTAssertTrue(f.stdout.split(separator: "\n").contains("Examples:"), f.stdout)
        let joined = f.stdout.replacingOccurrences(of: #" \\\n +"#, with: " ", options: .regularExpression)
        XCTAssertTrue(joined.contains("  ssl-run finetune runs/simclr --random-init --train ../shared/data/cifar10/train "
                                      + "--test ../shared/data/cifar10/test --epochs 5\n"), joined)
        for command in ["train", "sweep", "eval", "finetune", "embed", "export"] {
            let help = try SSLRun.run([command, "--help"]).stdout
            for line in help.split(separator: "\n").prefix(while: { !$0.hasPrefix("USAGE:") }) {   // the parser's usage line is its own
                XCTAssertLessThanOrEqual(line.count, 80, "ssl-run \(command) --help: \(line)")
            }
        }
    }

    func testListShowsBuiltInPluginsWithTheirSource() throws {
        let r = try SSLRun.run(["list"])
        XCTAssertEqual(r.status, 0, r.all)
        for method in ["simclr", "moco", "rotation", "jigsaw"] {
            let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("method") && $0.contains(" \(method) ") }
            XCTAssertNotNil(line, "no method \(method) in:\n\(r.stdout)")
            XCTAssertTrue(line?.contains("libPretextPlugin") ?? false, "source of \(method) should be its .so: \(line ?? "")")
        }
        XCTAssertTrue(r.stdout.contains("resnet18") && r.stdout.contains("built-in"))
        let backbones = try SSLRun.run(["list", "backbone"])
        XCTAssertTrue(backbones.stdout.contains("vit-s"))
        XCTAssertFalse(backbones.stdout.contains("simclr"))
        // Kinds by name or plural, "loss" (which ends in s) included.
        for kind in ["loss", "losses", "methods", "schedules"] {
            let r = try SSLRun.run(["list", kind])
            XCTAssertEqual(r.status, 0, "list \(kind): \(r.all)")
        }
        let losses = try SSLRun.run(["list", "loss"])
        XCTAssertTrue(losses.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("loss") || $0.hasPrefix(" ") },
                      losses.stdout)
        XCTAssertTrue(losses.stdout.contains("ntxent"), losses.stdout)
        let bad = try SSLRun.run(["list", "metod"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("did you mean 'method'"), bad.all)
    }

    /// `--version` names the CPU, the GEMM kernel with its reason, who threads large GEMMs, the conv
    /// backend; an unknown PRETEXT_CONV or PRETEXT_GEMM_THREADING is a warning naming the variable and
    /// the valid values, not a silent default.
    func testVersionReportsKernelsAndBadBackendNameWarns() throws {
        let r = try SSLRun.run(["--version"])
        XCTAssertEqual(r.status, 0, r.all)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("CPU: ") && $0.contains("family") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("GEMM: OpenBLAS") && $0.contains("kernel ") && $0.contains("(") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("conv: oneDNN") }, r.stdout)
        let im2col = try SSLRun.run(["--version"], env: ["PRETEXT_CONV": "im2col"])
        XCTAssertTrue(im2col.stdout.contains("conv: im2col + GEMM"), im2col.all)
        let bad = try SSLRun.run(["--version"], env: ["PRETEXT_CONV": "cudnn"])
        XCTAssertEqual(bad.status, 0, bad.all)
        XCTAssertTrue(bad.stderr.contains("PRETEXT_CONV=cudnn") && bad.stderr.contains("onednn, im2col"), bad.all)
        // Who threads large GEMMs: named on its own line, settable, and a wrong name warns.
        XCTAssertTrue(lines.contains { $0.hasPrefix("GEMM threading: OpenBLAS's own threads from ") }, r.stdout)
        let split = try SSLRun.run(["--version"], env: ["PRETEXT_GEMM_THREADING": "split"])
        XCTAssertTrue(split.stdout.contains("GEMM threading: Pretext's split of C"), split.all)
        let badThreading = try SSLRun.run(["--version"], env: ["PRETEXT_GEMM_THREADING": "mkl"])
        XCTAssertTrue(badThreading.stderr.contains("PRETEXT_GEMM_THREADING=mkl is not one of split, openblas, auto"),
                      badThreading.all)
        // Who runs the loops between GEMMs: the worker pool and its wait, or libdispatch; bad values warn.
        XCTAssertTrue(lines.contains("threads: \(ProcessInfo.processInfo.activeProcessorCount), loops on Pretext's worker pool (idle workers spin 100 us, then sleep)"), r.stdout)
        let spin = try SSLRun.run(["--version"], env: ["PRETEXT_POOL_SPIN_US": "20"])
        XCTAssertTrue(spin.stdout.contains("worker pool (idle workers spin 20 us"), spin.all)
        let dispatch = try SSLRun.run(["--version"], env: ["PRETEXT_THREAD_POOL": "dispatch"])
        XCTAssertTrue(dispatch.stdout.contains("loops on libdispatch (PRETEXT_THREAD_POOL=dispatch)"), dispatch.all)
        let badPool = try SSLRun.run(["--version"], env: ["PRETEXT_THREAD_POOL": "openmp", "PRETEXT_POOL_SPIN_US": "-3"])
        XCTAssertTrue(badPool.stderr.contains("PRETEXT_THREAD_POOL=openmp is not one of pool, dispatch; using pool"), badPool.all)
        XCTAssertTrue(badPool.stderr.contains("PRETEXT_POOL_SPIN_US=-3 is not a whole number of microseconds >= 0; using 100"), badPool.all)
        // Which pages the large tensor buffers get: 4 KiB by default, huge pages on request (if the machine has them).
        XCTAssertTrue(lines.contains("memory: tensor buffers on 4 KiB pages (PRETEXT_HUGE_PAGES=1 puts those from 2 MiB on transparent huge pages)"), r.stdout)
        let thp = (try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8)) ?? ""
        let huge = try SSLRun.run(["--version"], env: ["PRETEXT_HUGE_PAGES": "1"])
        if thp.contains("[always]") || thp.contains("[madvise]") {
            XCTAssertTrue(huge.stdout.contains("memory: tensor buffers from 2 MiB advised onto transparent huge pages (PRETEXT_HUGE_PAGES=1, THP mode "), huge.all)
        } else {
            XCTAssertTrue(huge.stdout.contains("transparent huge pages are off"), huge.all)
        }
        let badHuge = try SSLRun.run(["--version"], env: ["PRETEXT_HUGE_PAGES": "yes"])
        XCTAssertEqual(badHuge.status, 0, badHuge.all)
        XCTAssertTrue(badHuge.stderr.contains("PRETEXT_HUGE_PAGES=yes is not one of 0, 1; using 0 (4 KiB pages)"), badHuge.all)
        XCTAssertTrue(badHuge.stdout.contains("memory: tensor buffers on 4 KiB pages"), badHuge.all)
    }

    func testUnknownMethodBackboneAndKeyAreClearErrors() throws {
        let m = try SSLRun.run(["--method", "simclrr", "--epochs", "1"])
        XCTAssertEqual(m.status, 1)
        XCTAssertTrue(m.stderr.contains("unknown method 'simclrr'") && m.stderr.contains("did you mean 'simclr'"), m.all)
        XCTAssertTrue(m.stderr.contains("jigsaw") && m.stderr.contains("moco"), "lists valid methods: \(m.stderr)")
        XCTAssertFalse(m.stderr.contains("Fatal error"))
        let b = try SSLRun.run(["--method", "simclr", "--backbone", "resnet19"])
        XCTAssertTrue(b.stderr.contains("unknown backbone 'resnet19'") && b.stderr.contains("resnet18"), b.all)
        let k = try SSLRun.run(["--method", "simclr", "--set", "method.temperatur=0.2"])
        XCTAssertTrue(k.stderr.contains("unknown config key 'method.temperatur'") && k.stderr.contains("method.temperature"), k.all)
        let s = try SSLRun.run(["--method", "simclr", "--set", "sgd.lr=0.1"])
        XCTAssertTrue(s.stderr.contains("unknown config key 'sgd'"), s.all)
        // Values that used to trap (division by zero, negative seed, Double -> Int overflow): exit 1, key named.
        for (set, key) in [("train.log_every=0", "train.log_every"), ("train.seed=-1", "train.seed"),
                           ("train.epochs=99999999999999999999", "train.epochs")] {
            let r = try SSLRun.run(["--method", "simclr", "--epochs", "1", "--set", set, "--out",
                                    try SSLRun.temporaryDirectory("range").appendingPathComponent("run").path])
            XCTAssertEqual(r.status, 1, "\(set): \(r.all)")
            XCTAssertTrue(r.stderr.contains(key) && !r.stderr.contains("Fatal error"), "\(set): \(r.all)")
            XCTAssertTrue(r.stderr.contains("(set by --set)"), "the layer is named: \(r.all)")
        }
    }

    func testConfigFileErrors() throws {
        let dir = try SSLRun.temporaryDirectory("config")
        let missing = try SSLRun.run(["--config", dir.appendingPathComponent("nope.yaml").path])
        XCTAssertTrue(missing.stderr.contains("nope.yaml") && missing.stderr.contains("does not exist"), missing.all)
        let wrongType = dir.appendingPathComponent("wrong.yaml")
        try "method:\n  name: simclr\n  temperature: hot\n".write(to: wrongType, atomically: true, encoding: .utf8)
        let w = try SSLRun.run(["--config", wrongType.path])
        XCTAssertTrue(w.stderr.contains("'method.temperature' must be a number") && w.stderr.contains("hot"), w.all)
        let unknown = dir.appendingPathComponent("unknown.yaml")
        try "method:\n  name: simclr\ntrain:\n  epoch: 3\n".write(to: unknown, atomically: true, encoding: .utf8)
        let u = try SSLRun.run(["--config", unknown.path])
        XCTAssertTrue(u.stderr.contains("'train.epoch'") && u.stderr.contains("did you mean 'train.epochs'"), u.all)
        let broken = dir.appendingPathComponent("broken.yaml")
        try "method: [unclosed\n".write(to: broken, atomically: true, encoding: .utf8)
        let br = try SSLRun.run(["--config", broken.path])
        XCTAssertTrue(br.stderr.contains("broken.yaml") && br.stderr.contains("not valid YAML"), br.all)
    }

    func testDefaultsPrintsCommentedYAML() throws {
        let r = try SSLRun.run(["defaults", "moco"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("memory_bank_size: 4096") && r.stdout.contains("#"))
    }
}
