import Foundation
import Pretext

/// A sweep on a cluster: `--launcher slurm` writes `sweep.sbatch`, a Slurm job array with one task per
/// run (configuration × seed), each running `ssl-run sweep … --cell $SLURM_ARRAY_TASK_ID`. A cell trains
/// (or resumes, or skips when finished) its run and then rewrites the sweep's results from every run
/// folder, so the table fills in as the cells end and the last one to end completes it. `#SBATCH
/// --requeue` is safe because a requeued cell resumes from its checkpoint.
extension Sweep {
    /// Options that only concern how this sweep process launches runs, left out of the cells' command.
    static let launcherOptions: Set<String> = ["--launcher", "--cpus-per-task", "--time", "--partition", "--jobs", "--cell"]
    static let launcherFlags: Set<String> = ["--dry-run", "--collect"]

    /// This command's arguments (after `ssl-run`) without the launcher's own options.
    static func cellArguments(_ arguments: [String]) -> [String] {
        var out: [String] = [], i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" { out += arguments[i...]; break }
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if launcherOptions.contains(name) {
                i += a.contains("=") ? 1 : 2
                continue
            }
            if !launcherFlags.contains(a) { out.append(a) }
            i += 1
        }
        return out
    }

    static func shellQuoted(_ s: String) -> String {
        s.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:@%+".contains($0) } && !s.isEmpty
            ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The job-array script for `runs` runs.
    static func slurmScript(title: String, runs: Int, cpusPerTask: Int, time: String?, partition: String?,
                            directory: String, outDir: String, executable: String, arguments: [String]) -> String {
        var lines = [
            "#!/bin/bash",
            "# Pretext sweep \(title): a Slurm job array, one task per run (configuration x seed); submit with",
            "#   sbatch \(outDir)/sweep.sbatch",
            "# Submitting it again retries what is not finished: finished runs are skipped, interrupted ones resume.",
            "#SBATCH --job-name=pretext-\(title)",
            "#SBATCH --array=0-\(runs - 1)",
            "#SBATCH --ntasks=1",
            "#SBATCH --cpus-per-task=\(cpusPerTask)",
            "#SBATCH --requeue",
            "#SBATCH --open-mode=append",
            "#SBATCH --output=\(outDir)/slurm-%A_%a.out",
        ]
        if let time { lines.append("#SBATCH --time=\(time)") }
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        lines += [
            "set -euo pipefail",
            "cd \(shellQuoted(directory))",
            "exec \(shellQuoted(executable)) \((arguments).map(shellQuoted).joined(separator: " ")) \\",
            "    --cell \"${SLURM_ARRAY_TASK_ID:?run this script with sbatch (or set SLURM_ARRAY_TASK_ID)}\" --threads \"${SLURM_CPUS_PER_TASK:-\(cpusPerTask)}\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `OUT/sweep.sbatch` and says how to submit it.
    func writeSlurmScript(plan: SweepPlan, outDir: URL, title: String) throws {
        guard cpusPerTask >= 1 else { throw CommandFailure(message: "--cpus-per-task must be at least 1") }
        let arguments = Sweep.cellArguments(Array(CommandLine.arguments.dropFirst()))
        let script = Sweep.slurmScript(title: title, runs: plan.trials.count, cpusPerTask: cpusPerTask, time: time,
                                       partition: partition, directory: FileManager.default.currentDirectoryPath,
                                       outDir: outDir.standardizedFileURL.path, executable: Sweep.executablePath(), arguments: arguments)
        let url = outDir.appendingPathComponent("sweep.sbatch")
        do {
            try script.write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        } catch { throw CommandFailure(message: "cannot write '\(url.path)': \(error.localizedDescription)") }
        print("wrote \(url.path): a job array of \(plan.trials.count) tasks (\(cpusPerTask) CPUs each)")
        print("submit: sbatch \(url.path)")
        print("progress: ssl-run \(arguments.map(Sweep.shellQuoted).joined(separator: " ")) --dry-run; results.md fills in as tasks end")
    }
}
