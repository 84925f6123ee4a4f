import DeniCore
import DeniModel

/// K independent runs (own init, dropout and order streams; member 0 uses the run's own streams, so it
/// equals the Default run with the same seeds), hard majority vote.
final class EnsembleStrategy: MitigationStrategy {
    let size: Int
    var members: [ModelWeights] = []
    init(size: Int) { self.size = size }

    func train(_ run: TrainingRun) throws -> Int {
        var steps = 0
        for k in 0..<size {
            let member = k == 0 ? run.main! : run.makeMember(index: UInt64(k), schedule: run.schedule)
            let order = k == 0 ? run.setup.seeds.stream(.order) : run.setup.seeds.stream(.order).substream(UInt64(k))
            if k > 0 {
                run.publish(.phase(id: run.setup.id, step: steps, phase: .ensemble, members: k + 1,
                                   detail: "training ensemble member \(k + 1)/\(size)", time: run.time))
            }
            steps = try run.trainLoop(self, member: member, order: order, publishSteps: k == 0)
            members.append(member.weights)
        }
        return steps
    }

    func predictors(_ run: TrainingRun) -> [ModelWeights] { members.isEmpty ? [run.main.weights] : members }
}
