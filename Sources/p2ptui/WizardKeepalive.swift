import P2PProbes
import P2PReport
import P2PTerminal
import P2PWizard
import Synchronization

/// Performs the wizard's keepalive effects: one idle mapping lifetime measurement at a time, in a
/// detached task, posting progress and the result back as messages; cancelling ends its sleep and
/// closes its sockets.
final class WizardKeepalive: Sendable {
    let servers: [String]
    let inbox: Inbox
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(servers: [String], inbox: Inbox) {
        self.servers = servers
        self.inbox = inbox
    }

    func perform(_ effect: WizardEffect) {
        let old = task.withLock { t -> Task<Void, Never>? in defer { t = nil }; return t }
        old?.cancel()
        guard case .keepaliveStart(let limit) = effect else { return }
        let (servers, inbox) = (self.servers, self.inbox)
        let t = Task.detached {
            let section = await MappingLifetimeProbe(limit: limit).measure(servers: servers) { p in
                inbox.post(.keepaliveProgress(p.text))
            }
            if !Task.isCancelled { inbox.post(.keepaliveFinished(section)) }
        }
        task.withLock { $0 = t }
    }
}
