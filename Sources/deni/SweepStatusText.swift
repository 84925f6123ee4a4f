import DeniExperiments

/// `deni sweep --status` as text: the totals, one row per array task, and what to do next.
enum SweepStatusText {
    static func render(_ s: SlurmStatus) -> String {
        let states: [ArrayTaskState] = [.done, .running, .pending, .failed, .unknown]
        let counts = states.compactMap { st in s.count(st) > 0 ? "\(s.count(st)) \(st.rawValue)" : nil }.joined(separator: ", ")
        var lines = ["session: \(s.session)" + (s.finished ? " (finished: shards merged)" : ""),
                     "runs: \(s.runsDone)/\(s.runs) finished · array tasks: \(counts) · Slurm job(s) \(s.jobs.joined(separator: ", "))"]
        if !s.schedulerAnswered { lines.append("squeue is not on PATH here: unfinished array tasks are shown as unknown") }
        lines.append("task  runs   state    scheduler")
        for t in s.arrayTasks {
            lines.append(pad("\(t.task)", 6) + pad("\(t.runsDone)/\(t.runs)", 7) + pad(t.state.rawValue, 9) + (t.detail ?? ""))
        }
        if s.count(.failed) > 0 { lines.append("resubmit the failed ones: deni sweep --resubmit-failed \(s.session)") }
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(1, width - s.count)) }
}
