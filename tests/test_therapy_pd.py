"""PD hooks and local therapies on a tiny test model that declares the hooks of docs/contracts.md.

The test model is not the liver model: one lesion (C_liver, Cd_liver) whose net growth every hook
moves in the direction its meaning says, and one readout species per hook that integrates the
hook's value over time. It is simulated with the scipy backend (no compilation).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import livermet.knowledge as kb
from livermet.engine import simulate
from livermet.modeling import Model, assumed
from livermet.therapy import AGENTS, MissingHookError, bed, eqd2, get_agent, lq_survival

FRACTION_HOOKS = ["pd1_occupancy", "pdl1_blockade", "ctla4_occupancy", "vegf_blockade", "tgfbr_inhibition",
                  "il6_blockade", "ccr2_blockade", "grp78_blockade", "lsec_targeting", "chemo_neutrophil_depletion"]
RATE_HOOKS = ["chemo_kill_rate", "chemo_resistant_kill_rate", "chemo_lymphodepletion_rate", "targeted_kill_rate",
              "adc_kill_rate", "fap_depletion_rate", "kupffer_depletion_rate"]
OTHER = {"angptl1_supplement": "dimensionless"}
EV = ["s001_1_11"]
# one representative agent per hook family, with a standard dose
PANEL = {
    "nivolumab": ("bolus", 240.0), "atezolizumab": ("bolus", 1200.0), "ipilimumab": ("bolus", 75.0),
    "bevacizumab": ("bolus", 1125.0),
    "galunisertib": ("input", 300.0), "anti_il6": ("bolus", 800.0), "ccr2_inhibitor": ("input", 1000.0),
    "anti_grp78": ("bolus", 800.0), "exosomal_angptl1": ("bolus", 10.0), "carboplatin": ("bolus", 600.0),
    "osimertinib": ("input", 80.0), "sigvatatug_vedotin": ("bolus", 135.0), "fap_car_t": ("bolus", 1e8),
    "clodronate_liposomes": ("bolus", 50.0), "melittin_nanoparticles": ("bolus", 10.0), "sbrt": (None, 0.0),
}


def hook_model(name="hook_test") -> Model:
    m = Model(name, "tiny model declaring every therapy hook")
    with m.module("test_biology"):
        H = {}
        for h in FRACTION_HOOKS + list(OTHER):
            H[h] = m.hook(h, "dimensionless")
        for h in RATE_HOOKS:
            H[h] = m.hook(h, "1/day")
        H["liver_function_delivery"] = m.hook("liver_function_delivery", "dimensionless", default=1)
        dysf = m.parameter("liver_dysfunction", 0.0, "dimensionless", 0.0, 0.9, assumed("test switch"))
        m.contribute("liver_function_delivery", -dysf)
        g = m.parameter("g", 0.03, "1/day", 0.0, 1.0, assumed("test growth rate"))
        kimm = m.parameter("k_imm", 0.05, "1/day", 0.0, 1.0, assumed("test immune kill"))
        C = m.species("C_liver", "cell", "liver", 1e8)
        Cd = m.species("Cd_liver", "cell", "liver", 0.0)
        net = (g * (1 - 0.5 * H["vegf_blockade"]) * (1 - 0.2 * H["il6_blockade"]) * (1 - 0.2 * H["grp78_blockade"])
               - H["chemo_kill_rate"] - H["targeted_kill_rate"] - H["adc_kill_rate"]
               - kimm * (H["pd1_occupancy"] + H["pdl1_blockade"] + H["ctla4_occupancy"] + H["tgfbr_inhibition"]))
        m.process("net_growth", net * C, {C: 1}, EV)
        for h, sym in H.items():
            unit = "dimensionless" if h in FRACTION_HOOKS or h in OTHER or h == "liver_function_delivery" else "1/day"
            R = m.species(f"R_{h}", "day" if unit == "dimensionless" else "dimensionless", "readout", 0.0)
            m.process(f"integrate_{h}", sym, {R: 1}, EV)
            m.observable(f"obs_{h}", sym, unit)
    return m


@pytest.fixture(scope="module")
def panel():
    m = hook_model()
    for a in PANEL:
        get_agent(a).add_to(m)
    m.validate(known_statements=kb.check_statement_ids)
    t = np.linspace(0, 42, 169)
    events = [[]]  # patient 0: no drug
    for aid, (how, amount) in PANEL.items():
        a = get_agent(aid)
        if how is None:
            continue
        ev = a.first_dose_events(0.0)
        ev += a.dose_events(0.0, amount) if how == "bolus" else a.input_events(0.0, 42.0, amount)
        events.append(ev)
    ids = ["control"] + [a for a, (how, _) in PANEL.items() if how is not None]
    res = simulate(m, t, {"g": 0.03}, events, backend="scipy", n_patients=len(events), rtol=1e-7, atol=1e-9)
    assert res.ok.all()
    return m, t, ids, res


def test_every_agent_validates_with_known_statements():
    m = hook_model("all_agents")
    for a in AGENTS.values():
        a.add_to(m)
    m.validate(known_statements=kb.check_statement_ids)
    for a in AGENTS.values():
        for h in a.hooks():
            if h != "liver_function_delivery":
                assert a.id in m.hook_contributions_[h], (a.id, h)


def test_missing_hook_is_a_clear_error():
    m = Model("no_hooks")
    with pytest.raises(MissingHookError, match="pd1_occupancy"):
        get_agent("pembrolizumab").add_to(m)
    get_agent("pembrolizumab").add_to(m, missing_hooks="skip")  # PK only
    assert "pembrolizumab_central" in m.species_
    with pytest.raises(ValueError, match="C_<site>|C_liver"):
        get_agent("sbrt").add_to(Model("no_lesions"))


def _hook_of(panel, agent, hook):
    m, t, ids, res = panel
    return res.species_values(f"R_{hook}")[ids.index(agent)][-1], res.observable(f"obs_{hook}")[ids.index(agent)]


@pytest.mark.parametrize("agent,hook", [
    ("nivolumab", "pd1_occupancy"), ("atezolizumab", "pdl1_blockade"), ("ipilimumab", "ctla4_occupancy"),
    ("bevacizumab", "vegf_blockade"),
    ("galunisertib", "tgfbr_inhibition"), ("anti_il6", "il6_blockade"), ("ccr2_inhibitor", "ccr2_blockade"),
    ("anti_grp78", "grp78_blockade"), ("exosomal_angptl1", "angptl1_supplement"),
    ("carboplatin", "chemo_kill_rate"), ("carboplatin", "chemo_resistant_kill_rate"),
    ("carboplatin", "chemo_lymphodepletion_rate"), ("carboplatin", "chemo_neutrophil_depletion"),
    ("osimertinib", "targeted_kill_rate"), ("sigvatatug_vedotin", "adc_kill_rate"),
    ("fap_car_t", "fap_depletion_rate"), ("clodronate_liposomes", "kupffer_depletion_rate"),
    ("melittin_nanoparticles", "lsec_targeting"),
])
def test_hook_rises_with_drug(panel, agent, hook):
    integrated, series = _hook_of(panel, agent, hook)
    control, control_series = _hook_of(panel, "control", hook)
    assert control == 0 and np.all(control_series == 0)
    assert integrated > 0
    assert np.all(series >= -1e-9)
    if hook in FRACTION_HOOKS:
        assert series.max() <= 1.0 + 1e-9


@pytest.mark.parametrize("agent", ["nivolumab", "ipilimumab", "bevacizumab", "galunisertib", "carboplatin",
                                   "osimertinib", "sigvatatug_vedotin"])
def test_drug_shrinks_the_test_lesion(panel, agent):
    m, t, ids, res = panel
    C = res.species_values("C_liver")
    assert C[ids.index(agent), -1] < C[ids.index("control"), -1]


def test_resistant_clone_is_killed_less(panel):
    m, t, ids, res = panel
    i = ids.index("carboplatin")
    assert res.observable("obs_chemo_resistant_kill_rate")[i].max() < 0.2 * res.observable("obs_chemo_kill_rate")[i].max()


def test_neutrophil_nadir_is_delayed(panel):
    m, t, ids, res = panel
    series = res.observable("obs_chemo_neutrophil_depletion")[ids.index("carboplatin")]
    t_nadir = t[int(np.argmax(series))]
    assert 4.0 <= t_nadir <= 21.0  # nadir of neutrophils days after a dose, not at the dose
    assert series[0] == 0


def test_liver_dysfunction_lowers_chemotherapy_kill():
    a = get_agent("carboplatin")
    m = hook_model("liver")
    a.add_to(m)
    t = np.linspace(0, 21, 85)
    res = simulate(m, t, {"liver_dysfunction": [0.0, 0.6]}, a.dose_events(0.0, 600.0), backend="scipy",
                   rtol=1e-7, atol=1e-9)
    kill = res.species_values("R_chemo_kill_rate")[:, -1]
    assert kill[1] < kill[0]
    C = res.species_values("C_liver")[:, -1]
    assert C[1] > C[0]


def test_osimertinib_effect_wanes_with_acquired_resistance():
    a = get_agent("osimertinib")
    m = hook_model("osi")
    a.add_to(m)
    t = np.linspace(0, 730, 731)
    ev = a.first_dose_events(0.0) + a.input_events(0.0, 730.0, 80.0)
    res = simulate(m, t, {}, ev, backend="scipy", rtol=1e-7, atol=1e-9)
    k = res.observable("obs_targeted_kill_rate")[0]
    assert k[600] < 0.6 * k[30]


# ---------------------------------------------------------------------- local therapies
def test_lq_survival_and_bed():
    assert lq_survival(2.0, 0.3, 10.0) == pytest.approx(math.exp(-(0.3 * 2 + 0.03 * 4)))
    assert lq_survival(15.0, 0.3, 12.8) == pytest.approx(math.exp(-(4.5 + 0.3 / 12.8 * 225)))
    assert bed(15.0, 3, 10.0) == pytest.approx(112.5)
    assert bed(2.0, 30, 10.0) == pytest.approx(72.0)
    assert eqd2(2.0, 30, 10.0) == pytest.approx(60.0)
    assert lq_survival(0.0, 0.3, 10.0) == 1.0
    # more dose per fraction at the same total dose kills more (the quadratic term)
    assert lq_survival(6.0, 0.3, 10.0) < lq_survival(3.0, 0.3, 10.0) ** 2


@pytest.fixture(scope="module")
def lesion_model():
    m = hook_model("local")
    for a in ("sbrt", "rfa", "resection", "tace_i125"):
        get_agent(a).add_to(m)
    return m


def _run(m, events, t_end=10.0):
    t = np.linspace(0, t_end, 41)
    return simulate(m, t, {"g": 0.0}, events, backend="scipy", rtol=1e-10, atol=1e-14)


def test_sbrt_pulse_moves_killed_cells_to_dead(lesion_model):
    m = lesion_model
    rt = get_agent("sbrt")
    ev = rt.events(m, "liver", 8.0, [0.0, 2.0, 4.0])
    assert all(e.target == "sbrt_kill_liver" for e in ev)  # pulse mode: killed cells become dead cells
    res = _run(m, ev)
    S = lq_survival(8.0, 0.3, 12.8)
    C, Cd = res.species_values("C_liver")[0, -1], res.species_values("Cd_liver")[0, -1]
    assert C == pytest.approx(1e8 * S**3, rel=1e-3)
    assert C + Cd == pytest.approx(1e8, rel=1e-6)


def test_rt_scale_fallback_without_add_to():
    m = hook_model("plain")
    ev = get_agent("conventional_rt").events(m, "liver", 3.0, [0.0, 1.0])
    assert all(e.action == "scale" and e.target == "C_liver" for e in ev)
    assert ev[0].value == pytest.approx(lq_survival(3.0, 0.3, 10.0))


def test_rfa_resection_and_tace(lesion_model):
    m = lesion_model
    res = _run(m, get_agent("rfa").events(m, "liver", 1.0))
    assert res.species_values("C_liver")[0, -1] == pytest.approx(0.05e8, rel=1e-3)
    assert res.species_values("Cd_liver")[0, -1] == pytest.approx(0.95e8, rel=1e-3)
    res = _run(m, get_agent("resection").events(m, "liver", 1.0))
    assert res.species_values("C_liver")[0, -1] == 0 and res.species_values("Cd_liver")[0, -1] == 0
    tace = get_agent("tace_i125")
    res = _run(m, tace.events(m, "liver", 0.0, weeks=26), t_end=200.0)
    lam = math.log(2) / 59.4
    delivered = 120.0 * (1 - math.exp(-lam * 182))
    assert res.species_values("C_liver")[0, -1] == pytest.approx(1e8 * 0.4 * math.exp(-0.3 * delivered), rel=1e-3)


def test_liver_rt_depletes_fasl_macrophages():
    m = hook_model("macs")
    with m.module("macrophages"):
        M = m.species("M_fasl_liver", "cell", "liver", 1e6)
        m.process("mac_turnover", 0 * M, {M: 1}, EV)
    ev = get_agent("sbrt").events(m, "liver", 8.0, [0.0])
    macs = [e for e in ev if e.target == "M_fasl_liver"]
    assert len(macs) == 1 and 0 < macs[0].value < 1
    with pytest.raises(ValueError, match="C_bone"):
        get_agent("sbrt").events(m, "bone", 8.0, [0.0])


def test_hook_terms_reference_known_symbols():
    for a in AGENTS.values():
        for t in a.hook_terms():
            if t.read_only:
                continue
            expr = t.build(lambda s, a=a: sp.Symbol(a.pname(s)))
            assert expr.free_symbols, (a.id, t.hook)
