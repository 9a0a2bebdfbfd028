import ArgumentParser
import Foundation
import Pretext
#if canImport(Glibc)
import Glibc
#endif

/// `ssl-run sweep --config base.yaml --grid method.temperature=0.1,0.2,0.5 --seeds 3 --jobs 2 --out sweeps/NAME`.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a grid (or random sample) of trainings, several at once, and tabulate and plot the results.",
        discussion: HelpText.reflow("""
        Every combination of the --grid values (or --random N of them) is trained once per seed (train.seed = 0, 1, …)
        in its own folder under --out, named from its values (temperature=0.2_lr=0.06_seed=1). Runs are child
        `ssl-run train` processes, --jobs at a time, the kernel threads split between them. Rerunning the same command
        skips finished runs and resumes half-finished ones (after a crash or Ctrl-C) with --resume; a failed run is
        reported with its error and the others continue.
        Results: results.csv and results.md (mean ± std over seeds of the final loss, the online kNN top-1 when
        --eval-data is given, the linear-probe top-1 with --linear, images/s), runs.csv (one row per run) and
        plot-<key>.png (the main metric against each swept key).
        Arguments after `--` are passed to every training run.
        On a cluster: --launcher slurm writes OUT/sweep.sbatch, a Slurm job array with one task per run that calls this
        same command with --cell K (one run, then the results rewritten from every finished run); --collect
        assembles the results from the run folders at any time.
        Example:
          ssl-run sweep --config templates/recipes/simclr-cifar-small.yaml --grid method.temperature=0.1,0.2,0.5 --seeds 2 --jobs 2 --epochs 3 --out sweeps/simclr-temperature
          ssl-run sweep --config templates/recipes/simclr-cifar-small.yaml --grid method.temperature=0.1,0.2,0.5 --seeds 3 --out sweeps/t --launcher slurm --cpus-per-task 8
        """))

    @Option(help: ArgumentHelp("A key and its values, e.g. method.temperature=0.1,0.2,0.5 (repeatable; the runs are the Cartesian product).",
                               valueName: "key.path=v1,v2,…"))
    var grid: [String] = []
    @Option(help: "Seeds per configuration (train.seed = 0, 1, …).") var seeds: Int = 1
    @Option(help: "Runs at the same time (kernel threads are split between them).") var jobs: Int = 1
    @Option(help: "Sweep folder (one sub-folder per run, plus the results).") var out: String
    @Option(help: "Train only N configurations drawn at random from the grid (seeded by --random-seed).") var random: Int?
    @Option(help: "Seed of the --random draw.") var randomSeed: Int = 0
    @OptionGroup(title: "What every run trains (as for `ssl-run train`)") var training: RunOptions
    @Flag(help: "Also train a linear probe on each finished run (ssl-run eval linear) for a linear top-1 column.") var linear = false
    @Option(help: "Linear probe training folder (default: the run's eval.train_data or data.path).") var linearTrain: String?
    @Option(help: "Linear probe test folder (default: the run's eval.data).") var linearTest: String?
    @Option(help: "Linear probe epochs.") var linearEpochs: Int = 100
    @Flag(help: "Only list the runs and their state.") var dryRun = false
    @Option(help: "local: child processes here, --jobs at a time; slurm: write OUT/sweep.sbatch (a job array, one task per run) and exit.")
    var launcher: String = "local"
    @Option(help: "slurm: CPUs per array task (each run's threads).") var cpusPerTask: Int = 4
    @Option(help: "slurm: time limit per task (sbatch --time, e.g. 04:00:00).") var time: String?
    @Option(help: "slurm: partition (sbatch --partition).") var partition: String?
    @Option(help: "Train only run K (0-based, as --dry-run lists them; a Slurm array task passes its index), then rewrite the results from every finished run.")
    var cell: Int?
    @Flag(help: "Only assemble results.csv, results.md and the plots from the run folders (unfinished runs are counted, not waited for).")
    var collect = false
    @OptionGroup var pluginOptions: PluginOptions
    @Argument(parsing: .postTerminator, help: "Extra arguments for every training run (after --).") var extra: [String] = []

    /// Set by SIGINT/SIGTERM: start nothing new, let the running children checkpoint and stop.
    nonisolated(unsafe) static var interrupted: Int32 = 0

    func run() throws {
        let plan = try makePlan()
        let outDir = URL(fileURLWithPath: out)
        do { try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true) } catch {
            throw CommandFailure(message: "cannot create '\(out)': \(error.localizedDescription)")
        }
        let title = outDir.standardizedFileURL.lastPathComponent
        let command = (["ssl-run"] + CommandLine.arguments.dropFirst()).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let states = plan.trials.map { SweepPlan.state(of: outDir.appendingPathComponent($0.name)) }
        printSummary(plan: plan, states: states, title: title)
        if dryRun {
            for (i, (t, s)) in zip(plan.trials, states).enumerated() { print("  [\(i)] \(t.name): \(describe(s))") }
            return
        }
        switch launcher {
        case "local": break
        case "slurm": return try writeSlurmScript(plan: plan, outDir: outDir, title: title)
        default: throw CommandFailure(message: "--launcher '\(launcher)' is not a launcher: use local or slurm")
        }
        if collect {
            let results = try writeResults(plan: plan, outDir: outDir, title: title, command: command)
            print("results: \(outDir.appendingPathComponent("results.md").path) (\(results.runs.filter(\.isFinished).count) of \(results.runs.count) finished)")
            return
        }
        let sweepStart = Date()
        runTrials(try selectedTrials(plan), outDir: outDir)
        let results = try writeResults(plan: plan, outDir: outDir, title: title, command: command)
        print(String(format: "results: %@ (%d finished, %d failed, %.0f s)", outDir.appendingPathComponent("results.md").path,
                     results.runs.filter(\.isFinished).count, results.failed.count, Date().timeIntervalSince(sweepStart)))
        print(results.markdown(title: title, command: nil, plots: []).split(separator: "\n").filter { $0.hasPrefix("|") || $0.hasPrefix("Best") }.joined(separator: "\n"))
        try checkOutcome(results, plan: plan)
    }

    /// Checks the options and expands the grid into runs.
    func makePlan() throws -> SweepPlan {
        guard jobs >= 1 else { throw CommandFailure(message: "--jobs must be at least 1") }
        guard linearEpochs >= 1 else { throw CommandFailure(message: "--linear-epochs must be at least 1") }
        if let config = training.config, !FileManager.default.fileExists(atPath: config) {
            throw CommandFailure(message: "--config '\(config)' does not exist")
        }
        do {
            return try SweepPlan(knobs: try grid.map(SweepPlan.parseGrid), seeds: seeds, random: random, randomSeed: UInt64(randomSeed))
        } catch { throw CommandFailure(message: "\(error)") }
    }

    /// One line: how many runs, and how many are finished, half-done and new.
    func printSummary(plan: SweepPlan, states: [SweepPlan.RunState], title: String) {
        let finished = states.filter { if case .finished = $0 { return true }; return false }.count
        let partial = states.filter { if case .partial = $0 { return true }; return false }.count
        print("sweep \(title): \(plan.trials.count) runs (\(plan.trials.count / plan.seeds.count) configurations × \(plan.seeds.count) seeds); "
              + "\(finished) finished, \(partial) to resume, \(plan.trials.count - finished - partial) to start")
    }

    /// Every run, or only run --cell.
    func selectedTrials(_ plan: SweepPlan) throws -> [SweepPlan.Trial] {
        guard let cell else { return plan.trials }
        guard plan.trials.indices.contains(cell) else {
            throw CommandFailure(message: "--cell \(cell) is not a run of this sweep: it has \(plan.trials.count) (0 to \(plan.trials.count - 1); see --dry-run)")
        }
        return [plan.trials[cell]]
    }

    /// Trains the runs as child processes, --jobs at a time, forwarding Ctrl-C / SIGTERM to them once.
    func runTrials(_ trials: [SweepPlan.Trial], outDir: URL) {
        let cores = pluginOptions.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let threads = max(1, cores / jobs)
        let executable = Sweep.executablePath()
        Sweep.installInterruptHandler()
        let runner = ChildProcesses()
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = jobs
        let progress = Counter()
        for trial in trials {
            queue.addOperation {
                guard Sweep.interrupted == 0 else { return }
                let dir = outDir.appendingPathComponent(trial.name)
                let line = self.runTrial(trial, dir: dir, executable: executable, threads: threads, runner: runner)
                progress.report("\(trial.name): \(line)", total: trials.count)
            }
        }
        // The children run in their own process groups, so the signal is passed on by hand.
        var forwarded = false
        while queue.operationCount > 0 {
            if Sweep.interrupted > 0 && !forwarded {
                forwarded = true
                print("interrupt: letting the running trainings checkpoint and stop; rerun the same command to continue")
                runner.signalAll(SIGINT)
            }
            usleep(50_000)
        }
        queue.waitUntilAllOperationsAreFinished()
    }

    /// results.csv, results.md, runs.csv and the plots from every run folder.
    func writeResults(plan: SweepPlan, outDir: URL, title: String, command: String) throws -> SweepResults {
        let results = SweepResults(plan: plan, dir: outDir)
        do { try results.write(to: outDir, title: title, command: command) } catch { throw CommandFailure(message: "\(error)") }
        return results
    }

    /// The exit status: interrupted, this cell unfinished, or runs that failed.
    func checkOutcome(_ results: SweepResults, plan: SweepPlan) throws {
        if Sweep.interrupted > 0 { throw CommandFailure(message: "sweep interrupted; rerun the same command to continue it", code: 130) }
        if let cell {
            let mine = results.runs[cell]
            if mine.error != nil || !mine.isFinished {
                throw CommandFailure(message: "run \(cell) (\(plan.trials[cell].name)) did not finish: \(mine.error ?? "see its sweep.log"); submitting the task again resumes it")
            }
            return
        }
        if !results.failed.isEmpty {
            throw CommandFailure(message: "\(results.failed.count) run(s) failed (see results.md and each run's sweep.log); rerun the same command to retry them")
        }
    }

    func describe(_ s: SweepPlan.RunState) -> String {
        switch s {
        case .notStarted: return "to start"
        case let .partial(d, e): return "checkpointed after epoch \(d) of \(e): will resume"
        case .finished: return "finished"
        }
    }

    /// Trains (or resumes) one run, then probes it if asked; returns a one-line summary.
    func runTrial(_ trial: SweepPlan.Trial, dir: URL, executable: String, threads: Int, runner: ChildProcesses) -> String {
        let fm = FileManager.default
        try? fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let errorFile = dir.appendingPathComponent("sweep-error.txt")
        try? fm.removeItem(at: errorFile)   // a previous attempt's error; rewritten if this one fails too
        let log = dir.appendingPathComponent("sweep.log")
        let start = Date()
        var args: [String]
        var action = "trained"
        switch SweepPlan.state(of: dir) {
        case .finished:
            action = "already finished"
            args = []
        case let .partial(doneEpochs, of):
            action = "resumed from epoch \(doneEpochs)/\(of)"
            args = ["train", "--resume", dir.path]
        case .notStarted:
            args = ["train"]
            args += training.trainArguments
            for a in trial.assignments { args += ["--set", "\(a.key)=\(a.value)"] }
            args += ["--seed", String(trial.seed), "--out", dir.path] + extra
        }
        let common = ["--threads", String(threads), "--quiet"] + pluginOptions.plugins.flatMap { ["--plugin", $0] }
        if !args.isEmpty {
            if Sweep.interrupted > 0 { return "not started (interrupted)" }
            try? fm.removeItem(at: errorFile)
            let status = runner.run(executable, args + common, log: log, pidFile: dir.appendingPathComponent("sweep.pid"))
            if status != 0 {
                let message = status == 130 || Sweep.interrupted > 0
                    ? "interrupted (checkpointed; rerun the sweep to resume)"
                    : Sweep.errorMessage(log: log, status: status)
                if status != 130 && Sweep.interrupted == 0 { try? message.write(to: errorFile, atomically: true, encoding: .utf8) }
                return "FAILED: \(message)"
            }
        }
        if linear && fm.fileExists(atPath: dir.appendingPathComponent("linear.json").path) == false {
            guard let (train, test) = linearFolders(dir) else {
                let message = "--linear needs labelled folders: give --linear-train/--linear-test (or --data and --eval-data)"
                try? message.write(to: errorFile, atomically: true, encoding: .utf8)
                return "FAILED: \(message)"
            }
            let probe = ["eval", "linear", dir.path, "--train", train, "--test", test, "--epochs", String(linearEpochs),
                         "--json", dir.appendingPathComponent("linear.json").path]
            let status = runner.run(executable, probe + common, log: log, pidFile: dir.appendingPathComponent("sweep.pid"))
            if status != 0 {
                let message = "linear probe: " + Sweep.errorMessage(log: log, status: status)
                if Sweep.interrupted == 0 { try? message.write(to: errorFile, atomically: true, encoding: .utf8) }
                return "FAILED: \(message)"
            }
        }
        let r = SweepResults.read(trial: trial, dir: dir)
        var parts = [action]
        if let l = r.finalLoss { parts.append(String(format: "loss %.4f", l)) }
        for (k, v) in r.knn.sorted(by: { $0.key < $1.key }) where k.hasSuffix("_top1") { parts.append(String(format: "%@ %.2f%%", k, 100 * v)) }
        if let l = r.linearTop1 { parts.append(String(format: "linear %.2f%%", 100 * l)) }
        if !args.isEmpty { parts.append(String(format: "%.0f s", Date().timeIntervalSince(start))) }
        return parts.joined(separator: ", ")
    }

    /// Linear-probe folders: the flags, else the run's own eval.train_data / data.path and eval.data.
    func linearFolders(_ dir: URL) -> (String, String)? {
        let cfg = try? ConfigFile.load(dir.appendingPathComponent("config.yaml").path)
        func string(_ section: String, _ key: String) -> String? {
            if case let .string(s)? = cfg?[section]?[key] { return s }
            return nil
        }
        guard let train = linearTrain ?? string("eval", "train_data") ?? string("data", "path"),
              let test = linearTest ?? string("eval", "data") else { return nil }
        return (train, test)
    }

    /// The error a failed child printed (its `error:` lines), or how it ended.
    static func errorMessage(log: URL, status: Int32) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        if let i = lines.lastIndex(where: { $0.hasPrefix("error:") }) {
            return lines[i...].prefix(4).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
                .replacingOccurrences(of: "error: ", with: "", options: .anchored)
        }
        if status > 128 { return "killed by signal \(status - 128)" }
        if let last = lines.last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("$ ") }) { return "exit status \(status): \(last)" }
        return "exit status \(status)"
    }

    static func executablePath() -> String {
        #if os(Linux)
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    static func installInterruptHandler() {
        let handler: @convention(c) (Int32) -> Void = { _ in
            Sweep.interrupted += 1
            if Sweep.interrupted > 2 { _exit(130) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }
}
