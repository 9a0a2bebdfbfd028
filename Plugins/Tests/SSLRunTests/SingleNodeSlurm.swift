import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// A private single-node Slurm cluster for a test: its own munge daemon (own socket), slurmctld and
/// slurmd on free ports, state and logs in a scratch folder, this machine as the one node with its
/// cores. Needs Debian's `slurm-wlm` and `munge` (.ci/run installs them) and root; `stop()` ends the
/// daemons.
final class SingleNodeSlurm {
    let dir: URL
    let conf: URL
    private var pidFiles: [URL] = []

    static var available: String? {
        for tool in ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) not found: apt-get install -y slurm-wlm munge (as .ci/run does)"
        }
        if getuid() != 0 { return "a private Slurm needs root to start slurmd" }
        if !FileManager.default.fileExists(atPath: "/etc/munge/munge.key") { return "/etc/munge/munge.key missing (the munge package makes it)" }
        return nil
    }

    init(dir: URL) throws {
        self.dir = dir
        conf = dir.appendingPathComponent("slurm.conf")
        let fm = FileManager.default
        for sub in ["state", "spool", "log", "munge"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        let port = 20_000 + Int(getpid() % 20_000)
        let socket = dir.appendingPathComponent("munge/munge.sock").path
        let text = """
        ClusterName=pretext-test
        SlurmctldHost=\(host)
        SlurmctldPort=\(port)
        SlurmdPort=\(port + 1)
        SlurmUser=root
        SlurmdUser=root
        AuthType=auth/munge
        AuthInfo=socket=\(socket)
        StateSaveLocation=\(dir.path)/state
        SlurmdSpoolDir=\(dir.path)/spool
        SlurmctldPidFile=\(dir.path)/slurmctld.pid
        SlurmdPidFile=\(dir.path)/slurmd.pid
        SlurmctldLogFile=\(dir.path)/log/slurmctld.log
        SlurmdLogFile=\(dir.path)/log/slurmd.log
        ProctrackType=proctrack/linuxproc
        TaskPlugin=task/none
        JobAcctGatherType=jobacct_gather/none
        SchedulerType=sched/builtin
        SelectType=select/cons_tres
        SelectTypeParameters=CR_Core
        MpiDefault=none
        ReturnToService=2
        NodeName=\(host) CPUs=\(ProcessInfo.processInfo.activeProcessorCount) State=UNKNOWN
        PartitionName=test Nodes=\(host) Default=YES MaxTime=INFINITE State=UP

        """
        try text.write(to: conf, atomically: true, encoding: .utf8)
        try daemon("/usr/sbin/munged", ["--force", "--socket=\(socket)", "--key-file=/etc/munge/munge.key",
                                        "--pid-file=\(dir.path)/munge/munged.pid", "--log-file=\(dir.path)/log/munged.log",
                                        "--seed-file=\(dir.path)/munge/munge.seed"], pidFile: "munge/munged.pid")
        try daemon("/usr/sbin/slurmctld", ["-f", conf.path], pidFile: "slurmctld.pid")
        try daemon("/usr/sbin/slurmd", ["-f", conf.path], pidFile: "slurmd.pid")
        // Ready when the node is idle.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let r = try? run("/usr/bin/sinfo", ["-h", "-o", "%T"]), r.stdout.contains("idle") { return }
            usleep(200_000)
        }
        throw NSError(domain: "SingleNodeSlurm", code: 1, userInfo: [NSLocalizedDescriptionKey: "the node did not come up: \(log("slurmd.log"))"])
    }

    /// Starts a daemon (it forks and its launcher exits), with posix_spawn and waitpid rather than
    /// Foundation's Process, which on Linux does not see the launcher exit while the forked daemon lives
    /// on; its output goes to a file, never to a pipe the daemon would hold open.
    private func daemon(_ path: String, _ args: [String], pidFile: String) throws {
        let output = dir.appendingPathComponent("log/\(URL(fileURLWithPath: path).lastPathComponent).launch").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var environment = ProcessInfo.processInfo.environment
        environment["SLURM_CONF"] = conf.path
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        var status: Int32 = 0
        if rc == 0 { waitpid(pid, &status, 0) }
        guard rc == 0, status == 0 else {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw NSError(domain: "SingleNodeSlurm", code: 2, userInfo: [NSLocalizedDescriptionKey: "\(path) did not start (spawn \(rc), status \(status)): \(text)"])
        }
        pidFiles.append(dir.appendingPathComponent(pidFile))
    }

    /// Runs a Slurm client (or daemon launcher) with this cluster's configuration.
    @discardableResult
    func run(_ path: String, _ args: [String]) throws -> SSLRun.Result {
        try SSLRun.exec(URL(fileURLWithPath: path), args, env: ["SLURM_CONF": conf.path], timeout: 60)
    }

    func log(_ name: String) -> String {
        (try? String(contentsOf: dir.appendingPathComponent("log/\(name)"), encoding: .utf8)) ?? ""
    }

    /// Waits until no job is queued or running (or `timeout`); returns whether the queue emptied.
    func waitForEmptyQueue(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let r = try? run("/usr/bin/squeue", ["-h"]), r.status == 0, r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return true
            }
            usleep(500_000)
        }
        return false
    }

    func stop() {
        for file in pidFiles.reversed() {
            if let text = try? String(contentsOf: file, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, SIGTERM)
            }
        }
        usleep(500_000)
    }
}
