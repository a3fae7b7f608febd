import Foundation
import GraphNetworks

/// Summaries of a campaign: the per-round table, a JSON-ready dictionary and an SVG plot of hit
/// rate and prospective MAE by round.
public enum CampaignReport {
    static func f(_ x: Double, _ format: String) -> String { x.isFinite ? String(format: format, x) : (x.isInfinite ? "inf" : "-") }

    /// One line per round: candidates, selected, verified, hits, hit rate, control hits and rate,
    /// enrichment, prospective MAE (meV/atom), newly stable, hull size.
    public static func table(_ state: CampaignState) -> String {
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        let header = ["round", "stage", "cand", "sel", "ok", "hits", "hit%", "ctrl", "c.hits", "c.hit%", "enrich",
                      "MAE meV/at", "new stable", "hull"]
        let widths = header.map { $0 == "stage" ? 8 : max($0.count, 5) }
        var lines = [zip(header, widths).map { pad($0, $1) }.joined(separator: "  ")]
        for r in state.rounds {
            let m = r.metrics
            let seed = r.index == 0
            let cells = ["\(r.index)", r.completed?.description ?? "-", "\(r.candidates.count)", "\(r.selected.count)",
                         "\(m.verified)", seed ? "-" : "\(m.hits)", seed ? "-" : f(100 * m.hitRate, "%.0f"),
                         "\(m.controlVerified)", seed ? "-" : "\(m.controlHits)", f(100 * m.controlHitRate, "%.0f"),
                         f(m.enrichment, "%.2f"), f(1000 * m.prospectiveMAE, "%.1f"), "\(m.newStable)", "\(m.hullSize)"]
            lines.append(zip(cells, widths).map { pad($0, $1) }.joined(separator: "  "))
        }
        let t = total(state)
        if state.rounds.count > 1 {
            let cells = ["all", "", "", "", "\(t.verified)", "\(t.hits)", f(100 * t.hitRate, "%.0f"), "\(t.controlVerified)",
                         "\(t.controlHits)", f(100 * t.controlHitRate, "%.0f"), f(t.enrichment, "%.2f"), "", "", ""]
            lines.append(zip(cells, widths).map { pad($0, $1) }.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }

    /// Rounds ≥ 1 pooled: verified, hits, control verified and hits (so hit rates and enrichment
    /// over the whole campaign, less noisy than per round).
    public static func total(_ state: CampaignState) -> RoundMetrics {
        var t = RoundMetrics()
        for r in state.rounds where r.index > 0 {
            t.verified += r.metrics.verified; t.hits += r.metrics.hits
            t.controlVerified += r.metrics.controlVerified; t.controlHits += r.metrics.controlHits
        }
        return t
    }

    /// JSON-ready summary (NaN and ∞ become nil → null).
    public static func summary(_ state: CampaignState, path: String) -> [String: Any] {
        func num(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
        let rounds: [[String: Any]] = state.rounds.map { r in
            let m = r.metrics
            return ["round": r.index, "completed_stage": r.completed?.description ?? "", "candidates": r.candidates.count,
                    "selected": r.selected.count, "control": r.control.count, "verified": m.verified, "failed": m.failed,
                    "hits": m.hits, "hit_rate": num(m.hitRate), "control_verified": m.controlVerified,
                    "control_hits": m.controlHits, "control_hit_rate": num(m.controlHitRate),
                    "enrichment": m.enrichment.isInfinite ? "inf" : num(m.enrichment),
                    "prospective_mae_ev_per_atom": num(m.prospectiveMAE), "new_stable": m.newStable, "hull_size": m.hullSize]
        }
        var out: [String: Any] = ["file": path, "name": state.configuration.name, "elements": state.configuration.elements,
                                  "rounds": rounds, "dft_results": state.rounds.reduce(0) { $0 + $1.dft.count }]
        let t = total(state)
        out["overall"] = ["verified": t.verified, "hits": t.hits, "hit_rate": num(t.hitRate), "control_verified": t.controlVerified,
                          "control_hits": t.controlHits, "control_hit_rate": num(t.controlHitRate),
                          "enrichment": t.enrichment.isInfinite ? "inf" : num(t.enrichment)] as [String: Any]
        if let zs = try? state.configuration.atomicNumbers(), let hull = try? CampaignHull(state: state, elements: zs) {
            out["stable"] = hull.diagram.stableEntries.map { j -> [String: Any] in
                let e = hull.diagram.entries[j]
                return ["name": e.name, "formula": e.composition.reduced.formula, "energy_per_atom_ev": e.energyPerAtom,
                        "formation_energy_per_atom_ev": hull.diagram.formationEnergies[j], "round": hull.sources[j].round]
            }
        }
        return out
    }

    /// Stable phases, one line each: formula, formation energy (eV/atom), round found, name.
    public static func stableLines(_ state: CampaignState) -> [String] {
        guard let zs = try? state.configuration.atomicNumbers(), let hull = try? CampaignHull(state: state, elements: zs) else { return [] }
        return hull.diagram.stableEntries.map { j in
            let e = hull.diagram.entries[j]
            let formula = e.composition.reduced.formula
            return "  " + formula + String(repeating: " ", count: max(1, 10 - formula.count))
                + String(format: "%8.3f eV/atom  round %d  ", hull.diagram.formationEnergies[j], hull.sources[j].round) + e.name
        }
    }

    /// Hit rate (model filter and random control) and prospective MAE (eV/atom) against the round.
    public static func svg(_ state: CampaignState) -> String {
        let rounds = state.rounds.filter { $0.index > 0 && $0.completed.map { $0 >= .update } == true }
        func series(_ label: String, _ color: String, _ value: (RoundMetrics) -> Double) -> LearningCurvePlot.Series {
            .init(label: label, color: color, points: rounds.compactMap { r in
                let v = value(r.metrics)
                return v.isFinite ? (Double(r.index), v) : nil
            })
        }
        let plot = LearningCurvePlot(series: [
            series("hit rate, model filter", "#1f77b4", \.hitRate),
            series("hit rate, random control", "#ff7f0e", \.controlHitRate),
            series("prospective MAE (eV/atom)", "#2ca02c", \.prospectiveMAE),
        ].filter { !$0.points.isEmpty }, xLabel: "round", yLabel: "hit rate / MAE (eV/atom)",
           title: "\(state.configuration.name): discovery by round")
        return plot.svg()
    }
}
