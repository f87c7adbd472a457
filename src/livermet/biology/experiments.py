"""Named in-silico experiments: each reproduces the DIRECTION of a finding reported in the reviews.

Every experiment simulates the liver-metastasis model under a control and an intervention, with
drugs acting only through the model's hooks (the `set_<hook>` experiment inputs, switched on by
events) or through events on species (resection, macrophage removal by radiotherapy). Each result
says what was expected (with the knowledge-statement ids and the reference behind them), what was
observed (numbers), and whether the direction matched.

    from livermet.biology.experiments import run_experiments
    for r in run_experiments(): print(r.name, r.passed, r.observed)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from ..modeling import Event, scale_value, set_value

# --------------------------------------------------------------------------- infrastructure


@dataclass
class ExperimentResult:
    name: str
    citation: str
    expected: str
    observed: str
    passed: bool

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Experiment:
    name: str
    statements: tuple[str, ...]
    expected: str
    run: Callable[[], tuple[str, bool]]

    def citation(self) -> str:
        return cite_statements(self.statements)

    def __call__(self) -> ExperimentResult:
        observed, passed = self.run()
        return ExperimentResult(self.name, self.citation(), self.expected, observed, bool(passed))


EXPERIMENTS: dict[str, Experiment] = {}


def experiment(name: str, statements: tuple[str, ...] | list[str], expected: str):
    def deco(fn):
        EXPERIMENTS[name] = Experiment(name, tuple(statements), expected, fn)
        return fn
    return deco


def cite_statements(ids) -> str:
    """'s000_112_16 (Kruse, seed 000 ref 19); ...' from the knowledge base."""
    from ..knowledge import load_knowledge_base

    kb = load_knowledge_base()
    parts = []
    for sid in ids:
        st = kb.statements[sid]
        refs = []
        for ev in st.evidence:
            who = " ".join(str(x) for x in (ev.first_author, ev.year) if x)
            where = f"seed {ev.seed[:3]} ref {','.join(map(str, ev.refs))}" if ev.refs else f"seed {ev.seed[:3]}"
            refs.append(f"{who}, {where}".strip(", ") + (f", doi:{ev.doi}" if ev.doi else ""))
        parts.append(f"{sid} ({'; '.join(refs)})")
    return "; ".join(parts)


@lru_cache(maxsize=1)
def _model():
    from .liver import liver_metastasis_model

    return liver_metastasis_model()


def simulate_arms(arms: list[dict], events: list[list[Event]] | None = None, days: float = 400.0,
                  points: int = 81):
    """Simulate one virtual patient per arm (dict of parameter values; others keep the model's)."""
    from ..engine import simulate

    m = _model()
    defaults = m.parameter_values()
    names = sorted(set().union(*arms)) if arms else []
    params = {k: np.array([a.get(k, defaults[k]) for a in arms], float) for k in names}
    times = np.linspace(0.0, days, points)
    res = simulate(m, times, params or None, events or None, n_patients=len(arms))
    if not np.all(res.status == 0):
        raise RuntimeError(f"experiment simulation failed: {res.failures().to_dict('records')}")
    return res


def _at(res, name: str, day: float, species: bool = False) -> np.ndarray:
    k = int(np.argmin(np.abs(res.time - day)))
    return (res.species_values(name) if species else res.observable(name))[:, k]


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _less(label: str, control: float, treated: float, margin: float = 0.05) -> tuple[str, bool]:
    ok = treated < control * (1 - margin)
    return f"{label}: control {_fmt(control)}, intervention {_fmt(treated)} ({_fmt(100 * (treated / control - 1))}%)", ok


def _more(label: str, control: float, treated: float, margin: float = 0.05) -> tuple[str, bool]:
    ok = treated > control * (1 + margin)
    return f"{label}: control {_fmt(control)}, intervention {_fmt(treated)} (+{_fmt(100 * (treated / control - 1))}%)", ok


# --------------------------------------------------------------------------- scenarios
NH_DAY = 1250.0  # natural history horizon (a 1 cm primary has liver lesions by then)
START, END = 200.0, 380.0  # treatment window of the baseline-metastasis scenarios
NO_SEEDING = {"k_shed": 1e-8}  # keep the metastatic pattern fixed during treatment scenarios
PRIMARY = {"C0_primary": 3e9}
LIVER_METS = {**PRIMARY, **NO_SEEDING, "C0_liver": 1e9, "L0_liver": 2.0}
BONE_METS = {**PRIMARY, **NO_SEEDING, "C0_bone": 1e9, "L0_bone": 2.0}


def _hook_on(hook: str, value: float, t: float = START) -> list[Event]:
    return [set_value(t, f"set_{hook}", value, f"{hook} on")]


def _response(res, site: str = "primary", start: float = START, end: float = END) -> np.ndarray:
    """Relative change of living cancer cells of a site over the treatment window (-1 = eradicated)."""
    return _at(res, f"C_{site}", end, True) / _at(res, f"C_{site}", start, True) - 1


def _nh(arms: list[dict], events=None, day: float = NH_DAY):
    return simulate_arms(arms, events, days=day, points=int(day // 10) + 1)


# --------------------------------------------------------------------------- the experiments
@experiment("kupffer_depletion_fewer_liver_metastases", ["s000_112_15", "s000_112_16", "s000_112_19"],
            "Depleting Kupffer cells (clodronate liposomes) gives fewer liver metastases")
def _kc_depletion():
    res = _nh([{}, {"set_kupffer_depletion_rate": 0.3}])
    v = _at(res, "lesions_liver", NH_DAY)
    return _less(f"liver lesions at day {NH_DAY:g}", v[0], v[1])


@experiment("kupffer_depletion_lowers_tumour_vascularity", ["s000_112_17", "s001_1_33"],
            "Kupffer-cell depletion lowers the vascular support (microvessel density) of liver lesions")
def _kc_vessels():
    arms = [dict(LIVER_METS), {**LIVER_METS, "set_kupffer_depletion_rate": 0.3}]
    res = simulate_arms(arms, days=END)
    k = _at(res, "K_liver", END, True) / _at(res, "C_liver", END, True)
    return _less("vascular capacity per liver cancer cell", k[0], k[1])


@experiment("liver_metastases_lower_peripheral_cd8", ["s001_31_34", "s000_22_07", "s001_31_28"],
            "With liver metastases, peripheral activated CD8 T cells are fewer than with an equal burden elsewhere")
def _liver_cd8():
    res = simulate_arms([dict(BONE_METS), dict(LIVER_METS)], days=START)
    v = _at(res, "cd8_blood", START)
    return _less("blood effector CD8 T cells (bone mets vs liver mets)", v[0], v[1], 0.1)


@experiment("liver_metastases_blunt_anti_pd1_response_elsewhere", ["s001_31_35", "s001_41_06", "s000_0_06"],
            "Anti-PD-1 shrinks the primary less when the patient has liver metastases than bone metastases")
def _liver_pd1():
    ev = _hook_on("pd1_occupancy", 0.9)
    res = simulate_arms([dict(BONE_METS), dict(LIVER_METS)], [ev, ev], days=END)
    r = _response(res)
    ok = r[1] > r[0] + 0.05
    return (f"change of primary cancer cells on anti-PD-1: bone mets {_fmt(100 * r[0])}%, "
            f"liver mets {_fmt(100 * r[1])}%"), ok


@experiment("liver_metastases_blunt_anti_pd1_in_liver_lesions", ["s001_41_12", "s001_5_05", "s000_3_01"],
            "Liver lesions respond less to anti-PD-1 than a lesion of the same size elsewhere (bone)")
def _liver_lesion_pd1():
    both = {**PRIMARY, **NO_SEEDING, "C0_liver": 1e9, "L0_liver": 2.0, "C0_bone": 1e9, "L0_bone": 2.0}
    res = simulate_arms([both], [_hook_on("pd1_occupancy", 0.9)], days=END)
    rl, rb = _response(res, "liver")[0], _response(res, "bone")[0]
    return f"change on anti-PD-1: liver lesions {_fmt(100 * rl)}%, bone lesions {_fmt(100 * rb)}%", rl > rb + 0.05


@experiment("dual_ici_partly_overcomes_liver_suppression", ["s000_22_03", "s000_12_23"],
            "In liver-metastatic hosts anti-CTLA-4 plus anti-PD-1 shrinks tumours more than anti-PD-1 alone")
def _dual():
    mono = _hook_on("pd1_occupancy", 0.9)
    combo = mono + _hook_on("ctla4_occupancy", 0.9)
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [mono, combo], days=END)
    r = _response(res)
    return (f"change of primary cancer cells: anti-PD-1 {_fmt(100 * r[0])}%, anti-PD-1 + anti-CTLA-4 "
            f"{_fmt(100 * r[1])}%"), r[1] < r[0] - 0.05


@experiment("pd1_blockade_multiplies_lesion_cd8", ["s000_22_01"],
            "PD-1 curbs T-cell activation, so blocking it multiplies the effector CD8 T cells in a lesion")
def _pd1_lesion_cd8():
    ev = _hook_on("pd1_occupancy", 0.9)
    res = simulate_arms([dict(BONE_METS), dict(BONE_METS), {**BONE_METS, "k_T_expand": 0.0}], [[], ev, ev], days=END)
    t = _at(res, "T_primary", END, True)
    obs, ok = _more("effector CD8 T cells in the primary after anti-PD-1", t[0], t[1], 0.5)
    return f"{obs}; {_fmt(100 * (1 - t[2] / t[1]))}% of them owe to expansion in the lesion", ok


@experiment("liver_treg_transfer_accelerates_growth", ["s000_111_15", "s000_111_16"],
            "Tregs taken from liver-metastasis hosts, transferred to a recipient, speed tumour growth")
def _treg_transfer():
    from .liver import SITES

    donors = simulate_arms([dict(BONE_METS), dict(LIVER_METS)], days=START)
    # the donor's tumour-relevant Tregs (blood, spleen-equivalent pool and lesions), transferred to the recipient
    tregs = _at(donors, "Treg_blood", START, True) + sum(_at(donors, f"Treg_{s}", START, True) for s in SITES)
    recipient = {**NO_SEEDING}  # a 1 cm tumour, still under immune pressure
    evs = [[Event(START, "Treg_blood", "add", float(tregs[i]), "Treg transfer")] for i in range(2)]
    res = simulate_arms([recipient, recipient], evs, days=END)
    c = _at(res, "C_primary", END, True)
    return (f"recipient tumour at day {END:g} after Tregs from a bone-metastasis donor ({_fmt(tregs[0])} cells) "
            f"{_fmt(c[0])}, from a liver-metastasis donor ({_fmt(tregs[1])} cells) {_fmt(c[1])}"), c[1] > c[0] * 1.02


@experiment("liver_radiotherapy_removes_fasl_macrophages_restores_pd1_response", ["s001_31_32", "s001_43_12", "s001_43_08"],
            "Removing FasL+ macrophages from the liver (liver radiotherapy) improves the anti-PD-1 response elsewhere")
def _liver_rt():
    ev = _hook_on("pd1_occupancy", 0.9)
    rt = [scale_value(START + d, "Mac_liver", 0.2, "liver RT fraction") for d in (0, 1, 2, 3, 4)]
    rt += [scale_value(START + 4, "C_liver", 0.3, "liver RT cell kill")]
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [ev, ev + rt], days=END)
    r = _response(res)
    cd8 = _at(res, "cd8_blood", END)
    return (f"change of primary on anti-PD-1: without liver RT {_fmt(100 * r[0])}%, with liver RT "
            f"{_fmt(100 * r[1])}%; blood CD8 {_fmt(cd8[0])} vs {_fmt(cd8[1])}"), r[1] < r[0] - 0.05


@experiment("fasl_macrophages_delete_liver_cd8", ["s001_31_32", "s001_31_33"],
            "More FasL+ monocyte-derived macrophages means fewer CD8 T cells surviving in liver lesions")
def _fasl():
    res = simulate_arms([dict(LIVER_METS), {**LIVER_METS, "k_mac_rec": 0.02}], days=START)
    v = _at(res, "cd8_density_liver", START)
    return _less("CD8 T cells per cancer cell in liver lesions (more macrophage recruitment)", v[0], v[1])


@experiment("angptl1_lowers_kupffer_mmp9", ["s000_13_25", "s000_13_26", "s000_13_27"],
            "Exosomal ANGPTL1 lowers Kupffer-cell MMP9 (through JAK2-STAT3)")
def _angptl1_mmp9():
    res = simulate_arms([{}, {"set_angptl1_supplement": 2.0}], days=10, points=11)
    v = _at(res, "mmp9_liver_rel", 10)
    return _less("Kupffer-cell MMP9 relative to baseline", v[0], v[1])


@experiment("angptl1_prevents_liver_metastasis", ["s000_13_29", "s000_13_30", "s000_13_28"],
            "ANGPTL1 (less MMP9, less vascular leakage) reduces liver metastases")
def _angptl1_mets():
    res = _nh([{}, {"set_angptl1_supplement": 2.0}])
    v = _at(res, "lesions_liver", NH_DAY)
    return _less(f"liver lesions at day {NH_DAY:g}", v[0], v[1])


@experiment("ccr2_blockade_lowers_macrophage_recruitment", ["s000_112_21", "s000_112_20"],
            "Blocking CCR2 lowers monocyte-derived macrophages in liver metastases")
def _ccr2():
    ev = _hook_on("ccr2_blockade", 0.9)
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [[], ev], days=END)
    v = _at(res, "mac_liver", END)
    return _less("monocyte-derived macrophages in the liver", v[0], v[1])


@experiment("tgfbr_blockade_lowers_treg_induction", ["s000_111_09", "s001_21_15", "s001_21_17"],
            "TGF-beta receptor I inhibition (galunisertib) lowers liver-induced Treg generation")
def _tgfbr():
    ev = _hook_on("tgfbr_inhibition", 0.9)
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [[], ev], days=END)
    v = _at(res, "treg_induction_rate", END)
    return _less("liver-induced Tregs per day", v[0], v[1])


@experiment("vegf_blockade_raises_t_cell_infiltration", ["s000_24_04", "s000_24_05", "s000_24_03"],
            "Neutralising VEGF (bevacizumab) raises T-cell infiltration of tumours")
def _vegf():
    ev = _hook_on("vegf_blockade", 0.9)
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [[], ev], days=START + 60)
    v = _at(res, "cd8_density_primary", START + 60)
    return _more("CD8 T cells per cancer cell in the primary", v[0], v[1])


@experiment("vegf_blockade_relieves_fasl_deletion_in_liver", ["s000_24_06", "s000_24_05", "s001_1_33"],
            "Neutralising VEGF lowers the VEGF-induced FasL that deletes CD8 T cells, so more survive in liver lesions")
def _vegf_fasl():
    # the same blockade with and without VEGF-induced FasL: only the deletion it relieves tells the two apart
    arms = [{**LIVER_METS, "w_vegf_fasl": w} for w in (0.0, 0.0, 0.9, 0.9)]
    bev = _hook_on("vegf_blockade", 0.9)
    res = simulate_arms(arms, [[], bev, [], bev], days=START + 60)
    v = _at(res, "cd8_density_liver", START + 60)
    gain_without, gain_with = v[1] / v[0], v[3] / v[2]
    return (f"CD8 T cells per cancer cell in liver lesions, VEGF blockade vs none: x{_fmt(gain_without)} when FasL "
            f"does not depend on VEGF, x{_fmt(gain_with)} when 90% of it does"), gain_with > 1.05 * gain_without


@experiment("vegf_blockade_slows_tumour_growth", ["s000_24_01", "s001_1_34", "s001_1_35"],
            "Bevacizumab shuts down angiogenesis and slows tumour growth")
def _vegf_growth():
    ev = _hook_on("vegf_blockade", 0.9)
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [[], ev], days=END)
    v = _at(res, "tumour_burden", END)
    return _less("total cancer cells", v[0], v[1])


@experiment("il6_blockade_curbs_fap_caf_invasion", ["s001_32_24", "s001_32_26", "s001_32_27"],
            "Blocking IL-6 curbs the dissemination driven by FAP+ fibroblasts")
def _il6():
    arms = [{"circnox4_fap": 3.0}, {"circnox4_fap": 3.0, "set_il6_blockade": 0.9}]
    res = simulate_arms(arms, days=600, points=61)
    v = _at(res, "ctc_release_rate", 600)
    return _less("cancer cells entering the circulation per day", v[0], v[1])


@experiment("fap_car_t_depletes_caf_and_slows_liver_growth", ["s001_32_29", "s001_32_30"],
            "FAP-directed CAR T cells remove FAP+ fibroblasts and curb tumour growth")
def _fap():
    ev = _hook_on("fap_depletion_rate", 0.5)
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [[], ev], days=END)
    caf = _at(res, "caf_liver", END)
    cl = _at(res, "C_liver", END, True)
    obs1, ok1 = _less("FAP+ CAFs in liver lesions", caf[0], caf[1], 0.5)
    obs2, ok2 = _less("liver cancer cells", cl[0], cl[1], 0.01)
    return obs1 + "; " + obs2, ok1 and ok2


@experiment("resection_restores_t_cell_function", ["s000_25_02", "s000_25_01"],
            "Surgical removal of the (liver) tumour restores systemic T-cell function")
def _resection():
    ev = [set_value(START, "C_liver", 0.0, "hepatic resection"), set_value(START, "M_liver", 0.0, "hepatic resection")]
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [[], ev], days=START + 60)
    v = _at(res, "cd8_blood", START + 60)
    return _more("blood effector CD8 T cells 60 days later", v[0], v[1], 0.1)


@experiment("hla_class_i_loss_promotes_immune_escape", ["s000_12_17", "s000_12_18"],
            "Loss of HLA class I alleles weakens neoantigen presentation and lets tumours escape")
def _hla():
    res = _nh([{"hla_loss": 0.0}, {"hla_loss": 0.6}], day=600)
    v = _at(res, "C_primary", 600, True)
    return _more("primary cancer cells at day 600 (no vs 60% HLA loss)", v[0], v[1])


@experiment("hla_g_protects_from_nk_in_sinusoids", ["s000_12_20", "s000_12_22", "s001_1_23"],
            "HLA-G on cancer cells lets more of them escape NK killing and seed the liver")
def _hlag():
    res = _nh([{"hla_g": 0.0}, {"hla_g": 0.8}], day=600)
    v = _at(res, "micromet_liver", 600)
    return _more("liver micrometastatic cells at day 600", v[0], v[1])


@experiment("mir92a_vesicles_activate_stellate_cells_and_promote_liver_metastasis",
            ["s001_32_13", "s001_32_16", "s001_32_17"],
            "Vesicular miR-92a activates hepatic stellate cells and fosters liver metastasis")
def _mir92a():
    res = _nh([{"mir92a_ev": 0.5}, {"mir92a_ev": 3.0}])
    h = _at(res, "hsc_act_level", 400)
    v = _at(res, "lesions_liver", NH_DAY)
    o1, ok1 = _more("activated stellate fraction at day 400", h[0], h[1])
    o2, ok2 = _more(f"liver lesions at day {NH_DAY:g}", v[0], v[1])
    return o1 + "; " + o2, ok1 and ok2


@experiment("grp78_blockade_fewer_liver_metastases", ["s000_13_31"],
            "GRP78 aids liver colonisation, so blocking it gives fewer liver metastases")
def _grp78():
    res = _nh([{}, {"set_grp78_blockade": 0.9}])
    v = _at(res, "lesions_liver", NH_DAY)
    return _less(f"liver lesions at day {NH_DAY:g}", v[0], v[1])


@experiment("integrin_beta1_promotes_liver_metastasis", ["s001_22_12", "s001_22_14"],
            "Integrin beta1 signalling promotes liver metastasis; interrupting it suppresses it")
def _itgb1():
    res = _nh([{}, {"integrin_b1": 0.4}])
    v = _at(res, "lesions_liver", NH_DAY)
    return _less(f"liver lesions at day {NH_DAY:g} (integrin beta1 activity 1 vs 0.4)", v[0], v[1])


@experiment("plexinb2_klf4_supports_liver_colonisation", ["s001_33_05", "s001_33_07", "s001_33_08"],
            "Hepatocyte Plexin B2 - semaphorin signalling (KLF4) helps disseminated cells colonise the liver")
def _plexin():
    res = _nh([{}, {"plexinb2_klf4": 0.3}])
    v = _at(res, "lesions_liver", NH_DAY)
    return _less(f"liver lesions at day {NH_DAY:g} (Plexin B2/KLF4 activity 1 vs 0.3)", v[0], v[1])


@experiment("psmd14_smad3_promotes_liver_metastasis", ["s001_21_05", "s001_21_06"],
            "PSMD14 stabilising Smad3 raises invasion and liver metastasis")
def _psmd14():
    res = _nh([{}, {"psmd14_smad3": 2.5}])
    v = _at(res, "lesions_liver", NH_DAY)
    return _more(f"liver lesions at day {NH_DAY:g} (PSMD14 activity 1 vs 2.5)", v[0], v[1])


@experiment("fgf9_promotes_liver_metastasis_growth", ["s001_31_17", "s001_31_18", "s001_31_15"],
            "FGF9/FGFR1 signalling (and the M2 shift it causes) drives liver metastasis growth")
def _fgf9():
    res = simulate_arms([dict(LIVER_METS), {**LIVER_METS, "fgf9_fgfr1": 3.0}], days=END)
    v = _at(res, "C_liver", END, True)
    return _more("liver cancer cells (FGF9 activity 1 vs 3)", v[0], v[1])


@experiment("lsec_targeting_lowers_treg_induction", ["s000_111_08", "s000_111_11", "s000_111_12"],
            "Disabling LSEC antigen presentation (LSEC-targeted nanoparticles) lowers Treg induction")
def _lsec():
    ev = _hook_on("lsec_targeting", 0.9)
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [[], ev], days=END)
    v = _at(res, "treg_blood", END)
    return _less("blood Tregs", v[0], v[1])


@experiment("liver_metastases_raise_ldh_and_nlr", ["s000_21_06", "s000_21_07"],
            "Raised LDH and NLR are more common with liver metastases (same burden elsewhere as control)")
def _ldh_nlr():
    res = simulate_arms([dict(BONE_METS), dict(LIVER_METS)], days=START)
    ldh, nlr = _at(res, "ldh", START), _at(res, "nlr", START)
    o1, ok1 = _more("LDH (bone vs liver metastases)", ldh[0], ldh[1])
    o2, ok2 = _more("NLR (bone vs liver metastases)", nlr[0], nlr[1])
    return o1 + "; " + o2, ok1 and ok2


@experiment("anti_vegf_adds_to_ici_in_liver_metastasis", ["s000_24_06", "s000_24_07", "s001_5_03"],
            "Adding anti-VEGF to checkpoint blockade improves the response of liver-metastatic patients")
def _ici_vegf():
    mono = _hook_on("pd1_occupancy", 0.9)
    combo = mono + _hook_on("vegf_blockade", 0.8)
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [mono, combo], days=END)
    b = _at(res, "tumour_burden", END)
    return _less("total cancer cells (anti-PD-1 vs anti-PD-1 + anti-VEGF)", b[0], b[1])


@experiment("chemotherapy_adds_to_ici_in_liver_metastasis", ["s001_5_01", "s001_41_03"],
            "Chemotherapy added to immunotherapy improves the response of liver-metastatic patients")
def _ici_chemo():
    mono = _hook_on("pd1_occupancy", 0.9)
    combo = mono + _hook_on("chemo_kill_rate", 0.02) + [set_value(START + 84, "set_chemo_kill_rate", 0.0, "chemo off")]
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [mono, combo], days=END)
    b = _at(res, "tumour_burden", END)
    return _less("total cancer cells (anti-PD-1 vs anti-PD-1 + 4 cycles of chemotherapy)", b[0], b[1])


@experiment("m1_polarisation_slows_liver_lesions", ["s000_112_04", "s000_112_05", "s000_112_06"],
            "Shifting liver-lesion macrophages towards M1 (IFN-gamma, NK-cell recruitment) slows the liver lesions")
def _m1():
    res = simulate_arms([dict(LIVER_METS), {**LIVER_METS, "m2_bias": 0.1}], days=END)
    v = _at(res, "C_liver", END, True)
    return _less(f"liver cancer cells at day {END:g} (M2-biased vs M1-biased macrophages)", v[0], v[1])


@experiment("rreb1_targeting_lessens_fibrosis", ["s001_21_12", "s001_21_14"],
            "Lowering RREB1 (less TGF-beta/SMAD-primed fibrogenic output) lessens tumour fibrosis (FAP+ fibroblasts)")
def _rreb1():
    res = simulate_arms([dict(PRIMARY), {**PRIMARY, "rreb1_priming": 0.25}], days=START)
    v = _at(res, "CAF_primary", START, True) / _at(res, "C_primary", START, True)
    return _less("FAP+ fibroblasts per cancer cell in the primary", v[0], v[1])


@experiment("anti_vegf_lowers_liver_mdsc", ["s001_43_05"],
            "Adding an anti-angiogenic drug (anlotinib) lowers MDSC in the tumours")
def _vegf_mdsc():
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [[], _hook_on("vegf_blockade", 0.9)], days=END)
    v = _at(res, "MDSC_liver", END, True) / _at(res, "C_liver", END, True)
    return _less("MDSC per cancer cell in liver lesions", v[0], v[1])


@experiment("radiotherapy_recruits_t_cells", ["s001_43_10"],
            "Radiotherapy (cells dying in the irradiated lesion) raises T-cell infiltration of the lesion")
def _rt_tcells():
    base = simulate_arms([dict(LIVER_METS)], days=START)
    c = float(_at(base, "C_liver", START, True)[0])
    rt = [Event(START, "Cd_liver", "add", 0.7 * c, "liver RT: killed cells"),
          scale_value(START, "C_liver", 0.3, "liver RT: surviving cells")]
    res = simulate_arms([dict(LIVER_METS), dict(LIVER_METS)], [[], rt], days=START + 20, points=21)
    v = _at(res, "T_liver", START + 14, True)
    return _more("CD8 T cells in the liver lesions 14 days after radiotherapy", v[0], v[1])


# --------------------------------------------------------------------------- running
def list_experiments() -> list[dict]:
    return [{"name": e.name, "statements": list(e.statements), "expected": e.expected} for e in EXPERIMENTS.values()]


def run_experiments(names: list[str] | None = None) -> list[ExperimentResult]:
    names = list(EXPERIMENTS) if not names else names
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        raise KeyError(f"unknown experiment(s) {', '.join(unknown)}; see `livermet experiments list`")
    return [EXPERIMENTS[n]() for n in names]


__all__ = ["EXPERIMENTS", "Experiment", "ExperimentResult", "list_experiments", "run_experiments", "simulate_arms"]
