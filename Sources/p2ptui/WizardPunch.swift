import Foundation
import P2PPunch
import P2PReport
import P2PTerminal
import P2PWizard
import Synchronization

/// Performs the wizard's punch effects: gathers on one socket, makes the code, checks against the
/// pasted code, and posts the results back as messages. The wizard loop never yields the main
/// actor, so the work runs in detached tasks and its state sits behind a lock.
final class WizardPunch: Sendable {
    let servers: [String]
    let role: CodeRole
    let inbox: Inbox
    private struct State {
        var gathered: Gathered?
        var own: ConnectionCode?
        var task: Task<Void, Never>?
    }
    private let state = Mutex(State())

    init(servers: [String], role: Role, inbox: Inbox) {
        self.servers = servers
        self.role = role == .client ? .client : role == .connector ? .connector : .unknown
        self.inbox = inbox
    }

    func perform(_ effect: WizardEffect) {
        switch effect {
        case .punchPrepare(let chosen):
            cancel()
            let role: CodeRole = chosen == .client ? .client : chosen == .connector ? .connector : self.role
            let t = Task.detached { [self, role] in
                do {
                    let g = try await Gatherer(servers: servers).gather()
                    let code = ConnectionCode.make(now: UInt32(Date().timeIntervalSince1970), role: role, hint: g.hint,
                                                   candidates: g.candidates, measures: true)
                    if Task.isCancelled { g.close(); return }
                    state.withLock { $0.gathered = g; $0.own = code }
                    if g.candidates.isEmpty {
                        inbox.post(.punchUnavailable("No STUN server answered and this machine has no usable address: outbound UDP looks blocked."))
                    } else {
                        inbox.post(.punchCode(code.text))
                    }
                } catch {
                    inbox.post(.punchUnavailable("Could not open a UDP socket: \(error)"))
                }
            }
            state.withLock { $0.task = t }
        case .punchStart(let text):
            guard let (g, own) = state.withLock({ s in s.gathered.flatMap { g in s.own.map { (g, $0) } } }) else { return }
            let peer: ConnectionCode
            do {
                peer = try ConnectionCode.decode(text, now: UInt32(Date().timeIntervalSince1970), own: own)
            } catch {
                inbox.post(.punchRejected(error.description))
                return
            }
            let inbox = self.inbox
            let t = Task.detached {
                let m = await runChecks(on: g.socket, v6: g.socket6, credentials: CheckCredentials(local: own, peer: peer))
                let q = await measurePath(on: g.socket, v6: g.socket6, machine: m, seconds: PunchCommand.defaultMeasure)
                let r = Diagnosis.result(machine: m, gathered: g.stunEvidence, localHint: g.hint, quality: q)
                inbox.post(.punchFinished(r.section, headline: r.headline))
            }
            state.withLock { $0.task = t }
        default:
            cancel()
        }
    }

    private func cancel() {
        let (t, g) = state.withLock { s -> (Task<Void, Never>?, Gathered?) in
            defer { s = State() }
            return (s.task, s.gathered)
        }
        t?.cancel()
        g?.close()
    }
}
