import DeniExperiments
import Foundation

/// The Sessions browser's part of the reducer: moving in the filtered, sorted list, the filter and the other
/// typed lines (rename, tags, note), and the operations on the session under the cursor.
extension AppState {
    /// The sessions shown: those matching the filter, in the chosen order (ties by name).
    public var visibleSessions: [SessionRow] {
        let needle = sessions.filter.lowercased()
        let shown = needle.isEmpty ? sessions.listings : sessions.listings.filter { r in
            ([r.name, r.dataset] + r.tags + r.strategies).contains { $0.lowercased().contains(needle) }
        }
        let sort = sessions.sort, desc = sessions.descending
        /// Whether a sorts before b ascending; nil when they tie.
        func less(_ a: SessionRow, _ b: SessionRow) -> Bool? {
            switch sort {
            case .date: return a.date == b.date ? nil : a.date < b.date
            case .name: return a.name == b.name ? nil : a.name.lowercased() < b.name.lowercased()
            case .dataset: return a.dataset == b.dataset ? nil : a.dataset < b.dataset
            case .runs: return a.runs == b.runs ? nil : a.runs < b.runs
            case .best:
                // Sessions without a best value stay last either way.
                switch (a.bestMean, b.bestMean) {
                case let (x?, y?): return x == y ? nil : x < y
                case (nil, nil): return nil
                case (nil, _): return desc
                case (_, nil): return !desc
                }
            }
        }
        return shown.sorted { a, b in
            guard let l = less(a, b) else { return a.name < b.name }
            return desc ? !l : l
        }
    }

    /// The session under the cursor.
    var currentSession: SessionRow? {
        let v = visibleSessions
        return sessions.cursor < v.count ? v[sessions.cursor] : nil
    }

    mutating func sessionsCommand(_ c: Command) -> [Effect] {
        if let cursor = AppState.moved(sessions.cursor, c, count: visibleSessions.count) { sessions.cursor = cursor; return [] }
        switch c {
        case .refresh: sessions.notice = nil; return [.listSessions]
        case .sortNext:
            sessions.sort = sessions.sort.next
            // Best scores and run counts read best first; dates, names and datasets in ascending order.
            sessions.descending = sessions.sort == .best || sessions.sort == .runs
            sessions.cursor = 0
        case .sortReverse: sessions.descending.toggle(); sessions.cursor = 0
        case .filter: sessions.prompt = SessionPrompt(kind: .filter, target: "", text: sessions.filter)
        default: return sessionCommand(c)
        }
        return []
    }

    /// Commands on the session under the cursor.
    private mutating func sessionCommand(_ c: Command) -> [Effect] {
        guard let row = currentSession else { return [] }
        let name = row.name
        /// Renaming, deleting or resuming a session a process is writing is refused.
        func refusedWhileWritten(_ what: String) -> Bool {
            guard row.status == "running" else { return false }
            sessions.notice = "cannot \(what) \(name): a process is writing it (session.lock)"
            return true
        }
        switch c {
        case .select:
            sessions.loading = name
            return [.loadSession(name)]
        case .toggle:
            if let i = sessions.marks.firstIndex(of: name) { sessions.marks.remove(at: i) } else { sessions.marks.append(name) }
        case .markCompare:
            // The marked sessions plus the one under the cursor; with fewer than two, c marks (or unmarks) it.
            let chosen = sessions.marks.contains(name) ? sessions.marks : sessions.marks + [name]
            if chosen.count < 2 {
                sessions.marks = sessions.marks == [name] ? [] : [name]
                return []
            }
            if chosen.count > CompareState.maxSessions {
                overlay = .message(title: "Too many sessions", text: "Compare takes at most \(CompareState.maxSessions) sessions (\(chosen.count) chosen): unmark some with space.")
                return []
            }
            sessions.loading = chosen.joined(separator: " + ")
            return [.loadCompare(chosen)]
        case .editTags: sessions.prompt = SessionPrompt(kind: .tags, target: name, text: row.tags.joined(separator: ", "))
        case .editNote: sessions.prompt = SessionPrompt(kind: .note, target: name, text: row.note ?? "")
        case .rename:
            if refusedWhileWritten("rename") { return [] }
            sessions.prompt = SessionPrompt(kind: .rename, target: name, text: String(name.split(separator: "/").last ?? ""))
        case .delete:
            if refusedWhileWritten("delete") { return [] }
            overlay = .confirmDeleteSession(name)
        case .loadConfig:
            sessions.loading = name
            return [.loadSessionConfig(name)]
        case .resumeSession:
            if refusedWhileWritten("resume") { return [] }
            if training.isActive { sessions.notice = "training is already running: see the Live screen (2)"; return [] }
            sessions.loading = name
            return [.resumeSession(name)]
        default: break
        }
        return []
    }

    /// A key while a line is typed: the filter applies at each key (Enter keeps it, Esc clears it); a rename, tags
    /// or a note is sent on Enter, dropped on Esc.
    mutating func sessionPrompt(_ key: Key) -> [Effect] {
        guard var p = sessions.prompt else { return [] }
        let outcome = TextEntry.apply(key, to: &p.text)
        switch outcome {
        case .changed:
            sessions.prompt = p
            if p.kind == .filter { sessions.filter = p.text; sessions.cursor = 0 }
        case .tooLong:
            sessions.notice = "too long (over \(EditBuffer.maxLength) characters)"
        case .ignored:
            break
        case .cancel:
            sessions.prompt = nil
            if p.kind == .filter { sessions.filter = ""; sessions.cursor = 0 }
        case .commit:
            sessions.prompt = nil
            let row = sessions.listings.first { $0.name == p.target }
            switch p.kind {
            case .filter: break
            case .rename:
                let text = p.text.trimmingCharacters(in: .whitespaces)
                // Sessions grouped in a folder ("study/…") stay in it.
                let folder = p.target.split(separator: "/").dropLast().joined(separator: "/")
                if text.isEmpty || folder + (folder.isEmpty ? "" : "/") + text == p.target { return [] }
                return [.renameSession(p.target, to: text)]
            case .tags: return [.saveSessionMeta(p.target, tags: SessionMeta.tags(parsing: p.text), note: row?.note)]
            case .note:
                let note = p.text.trimmingCharacters(in: .whitespaces)
                return [.saveSessionMeta(p.target, tags: row?.tags ?? [], note: note.isEmpty ? nil : note)]
            }
        }
        return []
    }
}
