import Foundation
import XCTest
import Pretext

/// `ssl-run sweep` through the real binary, on tiny synthetic runs.
final class SweepTests: XCTestCase {
    func csvRows(_ url: URL) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func testTwoByTwoGridMakesFourRunsAndATableAndARerunSkipsThem() throws {
        let dir = try SSLRun.temporaryDirectory("sweep")
        let (train, test) = try EvalFixtures.labelledFolders(dir.appendingPathComponent("data"), perClass: 16)
        let out = dir.appendingPathComponent("sweeps/temp-lr")
        let args = ["sweep", "--method", "simclr", "--grid", "method.temperature=0.1,0.5", "--grid", "optimizer.lr=0.03,0.06",
                    "--seeds", "1", "--jobs", "2", "--epochs", "1", "--out", out.path, "--data", train.path, "--eval-data", test.path,
                    "--linear", "--linear-epochs", "10"] + Array(SSLRun.tiny.dropLast())   // without --quiet: the sweep adds it
        let r = try SSLRun.run(args)
        XCTAssertEqual(r.status, 0, r.all)
        let names = ["temperature=0.1_lr=0.03_seed=0", "temperature=0.1_lr=0.06_seed=0", "temperature=0.5_lr=0.03_seed=0", "temperature=0.5_lr=0.06_seed=0"]
        for name in names {
            let run = out.appendingPathComponent(name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoints/last/state.json").path), name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("linear.json").path), name)
            let cfg = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
            XCTAssertTrue(cfg.contains("temperature: \(name.contains("temperature=0.1") ? "0.1" : "0.5")"), cfg)
        }
        let rows = try csvRows(out.appendingPathComponent("results.csv"))
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(Array(rows[0].prefix(4)), ["method.temperature", "optimizer.lr", "runs", "finished"])
        XCTAssertTrue(rows[0].contains("final_loss_mean") && rows[0].contains("knn20_top1_mean") && rows[0].contains("linear_top1_mean"), "\(rows[0])")
        XCTAssertEqual(rows.dropFirst().map { "\($0[0]) \($0[1])" }, ["0.1 0.03", "0.1 0.06", "0.5 0.03", "0.5 0.06"])
        let knnColumn = rows[0].firstIndex(of: "knn20_top1_mean")!
        for row in rows.dropFirst() { XCTAssertNotNil(Double(row[knnColumn]), "\(row)") }
        let md = try String(contentsOf: out.appendingPathComponent("results.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("| 0.5 | 0.06 | 1 |") && md.contains("kNN-20 top-1 (%)") && md.contains("linear top-1 (%)"), md)
        for knob in ["method.temperature", "optimizer.lr"] {
            try EvalFixtures.assertPNG(out.appendingPathComponent("plot-\(knob).png"), width: 800, height: 500)
        }
        try EvalFixtures.assertPNG(out.appendingPathComponent("\(names[0])/loss.png"), width: 800, height: 500)

        // Rerunning skips every finished run (no training: the checkpoints are untouched).
        let state = out.appendingPathComponent("\(names[0])/checkpoints/last/state.json")
        let before = try FileManager.default.attributesOfItem(atPath: state.path)[.modificationDate] as? Date
        let again = try SSLRun.run(args)
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertTrue(again.stdout.contains("4 finished, 0 to resume, 0 to start"), again.stdout)
        XCTAssertEqual(again.stdout.components(separatedBy: "already finished").count - 1, 4, again.stdout)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: state.path)[.modificationDate] as? Date, before)
    }

    /// `--launcher slurm` writes a job array; its tasks are run here as Slurm runs them — the script under
    /// bash with SLURM_ARRAY_TASK_ID and SLURM_CPUS_PER_TASK set (no Slurm controller in the test) — and
    /// the results fill in as cells end; a requeued task of a finished run skips it.
    func testASlurmJobArrayRunsOneCellPerTaskAndFillsInTheResults() throws {
        let dir = try SSLRun.temporaryDirectory("sweep-slurm")
        let out = dir.appendingPathComponent("sweep")
        let args = ["sweep", "--method", "simclr", "--grid", "method.temperature=0.1,0.5", "--seeds", "2", "--epochs", "1",
                    "--out", out.path] + Array(SSLRun.tiny.dropLast())
        let w = try SSLRun.run(args + ["--launcher", "slurm", "--cpus-per-task", "2", "--time", "00:30:00", "--jobs", "2"], cwd: dir)
        XCTAssertEqual(w.status, 0, w.all)
        XCTAssertTrue(w.stdout.contains("submit: sbatch \(out.path)/sweep.sbatch"), w.stdout)
        let scriptURL = out.appendingPathComponent("sweep.sbatch")
        let script = try String(contentsOf: scriptURL, encoding: .utf8)
        for line in ["#SBATCH --array=0-3", "#SBATCH --cpus-per-task=2", "#SBATCH --time=00:30:00", "#SBATCH --requeue",
                     "--cell \"${SLURM_ARRAY_TASK_ID", "cd \(dir.path)"] {
            XCTAssertTrue(script.contains(line), "\(line) in\n\(script)")
        }
        XCTAssertFalse(script.contains("--launcher") || script.contains("--jobs"), script)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("temperature=0.1_seed=0").path), "nothing trained yet")
        func task(_ k: Int) throws -> SSLRun.Result {
            try SSLRun.exec(URL(fileURLWithPath: "/bin/bash"), [scriptURL.path],
                            env: ["SLURM_ARRAY_TASK_ID": "\(k)", "SLURM_CPUS_PER_TASK": "1", "SLURM_ARRAY_JOB_ID": "7"])
        }
        for k in [2, 0] { let r = try task(k); XCTAssertEqual(r.status, 0, r.all) }
        var md = try String(contentsOf: out.appendingPathComponent("results.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("4 runs: 2 finished, 0 failed, 2 not finished"), md)
        for k in [3, 1] { let r = try task(k); XCTAssertEqual(r.status, 0, r.all) }
        md = try String(contentsOf: out.appendingPathComponent("results.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("4 runs: 4 finished, 0 failed."), md)
        XCTAssertEqual(try csvRows(out.appendingPathComponent("results.csv")).count, 3)
        let requeued = try task(0)
        XCTAssertEqual(requeued.status, 0, requeued.all)
        XCTAssertTrue(requeued.stdout.contains("already finished"), requeued.stdout)
        let outside = try SSLRun.run(args + ["--cell", "4"], cwd: dir)
        XCTAssertNotEqual(outside.status, 0)
        XCTAssertTrue(outside.stderr.contains("--cell 4 is not a run of this sweep: it has 4"), outside.all)
        let collected = try SSLRun.run(args + ["--collect"], cwd: dir)
        XCTAssertTrue(collected.stdout.contains("4 of 4 finished"), collected.all)
    }

    /// The same job array on a real Slurm: a private single-node cluster (slurmctld, slurmd, munge)
    /// started by the test; `sbatch` runs the tasks, which fill in the results.
    func testARealSingleNodeSlurmRunsTheJobArray() throws {
        if let reason = SingleNodeSlurm.available { throw XCTSkip(reason) }
        let dir = try SSLRun.temporaryDirectory("sweep-real-slurm")
        let slurm = try SingleNodeSlurm(dir: dir.appendingPathComponent("slurm"))
        defer { slurm.stop() }
        let out = dir.appendingPathComponent("sweep")
        let args = ["sweep", "--method", "simclr", "--grid", "method.temperature=0.1,0.5", "--seeds", "1", "--epochs", "1",
                    "--out", out.path] + Array(SSLRun.tiny.dropLast())
        let w = try SSLRun.run(args + ["--launcher", "slurm", "--cpus-per-task", "1"], cwd: dir)
        XCTAssertEqual(w.status, 0, w.all)
        let submit = try slurm.run("/usr/bin/sbatch", [out.appendingPathComponent("sweep.sbatch").path])
        XCTAssertEqual(submit.status, 0, submit.all)
        XCTAssertTrue(submit.stdout.contains("Submitted batch job"), submit.all)
        XCTAssertTrue(slurm.waitForEmptyQueue(timeout: 300), "the array did not finish: \(slurm.log("slurmctld.log").suffix(2000))")
        let md = try String(contentsOf: out.appendingPathComponent("results.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("2 runs: 2 finished, 0 failed."), md)
        let logs = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("slurm-") && $0.hasSuffix(".out") }
        XCTAssertEqual(logs.count, 2, "one Slurm output file per array task: \(logs)")
    }

    func testAFailedRunIsReportedAndTheOthersContinue() throws {
        let dir = try SSLRun.temporaryDirectory("sweepfail")
        let out = dir.appendingPathComponent("sweep")
        let r = try SSLRun.run(["sweep", "--method", "simclr", "--grid", "optimizer.lr=0.03,fast", "--epochs", "1", "--out", out.path]
                               + Array(SSLRun.tiny.dropLast()))
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stderr.contains("1 run(s) failed"), r.all)
        let md = try String(contentsOf: out.appendingPathComponent("results.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("## Failed runs") && md.contains("lr=fast_seed=0") && md.contains("optimizer.lr"), md)
        let runs = try csvRows(out.appendingPathComponent("runs.csv"))
        XCTAssertEqual(runs.count, 3)
        XCTAssertEqual(runs[1][3], "finished")
        XCTAssertEqual(runs[2][3], "failed")
    }

    func testAKilledRunIsResumedByTheNextSweep() throws {
        let dir = try SSLRun.temporaryDirectory("sweepkill")
        let out = dir.appendingPathComponent("sweep")
        var tiny = Array(SSLRun.tiny.dropLast())
        tiny[tiny.firstIndex(of: "data.synthetic_count=48")!] = "data.synthetic_count=96"
        let args = ["sweep", "--method", "simclr", "--grid", "method.temperature=0.2,0.5", "--jobs", "1", "--epochs", "6",
                    "--lr", "0.02", "--out", out.path] + tiny
        let p = Process()
        p.executableURL = SSLRun.binary
        p.arguments = args
        p.standardOutput = Pipe()
        p.standardError = Pipe()
        try p.run()
        // Kill the first run's process (SIGKILL: no chance to checkpoint) once it has checkpointed an epoch.
        let first = out.appendingPathComponent("temperature=0.2_seed=0")
        let deadline = Date().addingTimeInterval(300)
        var killed = false
        while p.isRunning, Date() < deadline {
            if case let .partial(done, _) = SweepPlan.state(of: first), done >= 1,
               let pid = try? String(contentsOf: first.appendingPathComponent("sweep.pid"), encoding: .utf8), let n = Int32(pid) {
                kill(n, SIGKILL)
                killed = true
                break
            }
            usleep(2_000)
        }
        p.waitUntilExit()
        // The shared run options reach every child (--lr, --epochs, --backbone, --batch-size).
        let cfg = try String(contentsOf: out.appendingPathComponent("temperature=0.5_seed=0/config.yaml"), encoding: .utf8)
        for line in ["lr: 0.02", "epochs: 6", "name: resnet18", "batch_size: 16"] { XCTAssertTrue(cfg.contains(line), "\(line) missing in\n\(cfg)") }
        try XCTSkipUnless(killed, "the run finished before it could be killed")
        XCTAssertEqual(p.terminationStatus, 1)
        guard case .partial = SweepPlan.state(of: first) else { return XCTFail("the killed run should be half-finished") }
        XCTAssertEqual(SweepPlan.state(of: out.appendingPathComponent("temperature=0.5_seed=0")), .finished(epochs: 6), "the other run went on")
        let md = try String(contentsOf: out.appendingPathComponent("results.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("killed by signal 9"), md)

        let again = try SSLRun.run(args)
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertTrue(again.stdout.contains("1 to resume") && again.stdout.contains("resumed from epoch"), again.stdout)
        XCTAssertEqual(SweepPlan.state(of: first), .finished(epochs: 6))
        let log = try String(contentsOf: first.appendingPathComponent("sweep.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("train --resume"), log)
        let epochs = try MetricsLog.read(first.appendingPathComponent("metrics.jsonl")).compactMap { $0["epoch_loss"] != nil ? $0["epoch"] as? Int : nil }
        XCTAssertEqual(epochs, [1, 2, 3, 4, 5, 6], "the resumed run's metrics continue without gaps or repeats")
        let rows = try csvRows(out.appendingPathComponent("results.csv"))
        XCTAssertEqual(rows.count, 3)
        XCTAssertFalse(try String(contentsOf: out.appendingPathComponent("results.md"), encoding: .utf8).contains("Failed runs"))
    }
}
