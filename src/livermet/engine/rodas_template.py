# Batched Rosenbrock (Rodas5P) integrator, appended to a model's generated kernels (see codegen.py and
# numba_backend.py); it calls the globals rhs_batch, jac_batch, dfdt_batch and obs_batch defined
# there. It is kept as a real module so it can be read and linted; it is not imported directly.
#
# Method: Rodas5P, the 8-stage, order 5(4), L-stable and stiffly accurate Rosenbrock method of
# Steinebach, BIT Numer. Math. 63:27 (2023, doi:10.1007/s10543-023-00967-x; coefficients as
# published there and in OrdinaryDiffEq.jl), in the formulation of Hairer & Wanner, Solving
# Ordinary Differential Equations II (2nd ed., Springer 1996, sect. IV.7): G = I/(h*gamma) - J,
# G K_i = f(t + alpha_i h, y + sum_j A_ij K_j) + sum_j (C_ij / h) K_j + gamma_i h df/dt;
# y1 = y + sum_j M_j K_j; error = K_8 (the difference to the embedded order-4 solution).
# It replaced RODAS4 (6 stages, order 4(3)): at the benchmark tolerance it needs fewer steps.
#
# Outputs between events are taken from the method's order-4 dense output (see RODAS_H).
#
# Patients are integrated in lockstep within a chunk (the patient index is the innermost array
# axis), each with its own time, step size, event list and output pointer; accepted and rejected
# steps are decided per patient. Chunks run in parallel over threads.
import numpy as np  # noqa: F811 - also imported by the generated header
import numba  # noqa: F811
from numba import prange

RODAS_S = 8  # stages
RODAS_ALPHA = np.array([0.0, 0.6358126895828704, 0.4095798393397535, 0.9769306725060716, 0.4288403609558664,
                        1.0, 1.0, 1.0])
RODAS_GAMMA = np.array([0.21193756319429014, -0.42387512638858027, -0.3384627126235924, 1.8046452872882734,
                        2.325825639765069, 0.0, 0.0, 0.0])
RODAS_A = np.zeros((8, 8))
RODAS_A[1, 0] = 3.0
RODAS_A[2, :2] = [2.849394379747939, 0.45842242204463923]
RODAS_A[3, :3] = [-6.954028509809101, 2.489845061869568, -10.358996098473584]
RODAS_A[4, :4] = [2.8029986275628964, 0.5072464736228206, -0.3988312541770524, -0.04721187230404641]
RODAS_A[5, :5] = [-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256,
                  0.030198172008377946]
# the last stages are stiffly accurate: each starts where the previous one ended (+ K of that stage)
RODAS_A[6, :5] = RODAS_A[5, :5]
RODAS_A[6, 5] = 1.0
RODAS_A[7, :6] = RODAS_A[6, :6]
RODAS_A[7, 6] = 1.0
RODAS_M = RODAS_A[7].copy()
RODAS_M[7] = 1.0
RODAS_C = np.zeros((8, 8))
RODAS_C[1, 0] = -14.155112264123755
RODAS_C[2, :2] = [-17.97296035885952, -2.859693295451294]
RODAS_C[3, :3] = [147.12150275711716, -1.41221402718213, 71.68940251302358]
RODAS_C[4, :4] = [165.43517024871676, -0.4592823456491126, 42.90938336958603, -5.961986721573306]
RODAS_C[5, :5] = [24.854864614690072, -3.0009227002832186, 47.4931110020768, 5.5814197821558125,
                  -0.6610691825249471]
RODAS_C[6, :6] = [30.91273214028599, -3.1208243349937974, 77.79954646070892, 34.28646028294783,
                  -19.097331116725623, -28.087943162872662]
RODAS_C[7, :7] = [37.80277123390563, -3.2571969029072276, 112.26918849496327, 66.9347231244047,
                  -40.06618937091002, -54.66780262877968, -9.48861652309627]
RODAS_ORDER = 5.0  # exponent of the step-size controller: the error estimate is O(h^5)
# dense output (order 4) of the same method (Steinebach 2023, coefficients h2j, h3j, h4j):
# y(t + s h) = (1 - s) y0 + s (y1 + (1 - s) (H2.K + s (H3.K + s H4.K))); outputs between stops are
# interpolated, so the integrator stops only at events and at the end of the grid
RODAS_H = np.array([
    [25.948786856663858, -2.5579724845846235, 10.433815404888879, -2.3679251022685204, 0.524948541321073,
     1.1241088310450404, 0.4272876194431874, -0.17202221070155493],
    [-9.91568850695171, -0.9689944594115154, 3.0438037242978453, -24.495224566215796, 20.176138334709044,
     15.98066361424651, -6.789040303419874, -6.710236069923372],
    [11.419903575922262, 2.8879645146136994, 72.92137995996029, 80.12511834622643, -52.072871366152654,
     -59.78993625266729, -0.15582684282751913, 4.883087185713722],
])

# Status codes per patient (see engine/result.py for their messages)
OK = 0
MAX_STEPS = 1
STEP_TOO_SMALL = 2
NOT_FINITE = 3
SINGULAR = 4


@numba.njit(cache=True)
def _apply_events(y, p, b, t_now, ev_t, ev_kind, ev_idx, ev_val, n_ev, ev_i):
    """Apply every event of patient b due at or before t_now; return the new event pointer."""
    k = ev_i
    while k < n_ev and ev_t[k] <= t_now:
        idx = ev_idx[k]
        if idx >= 0:
            if ev_kind[k] == 0:
                y[idx, b] += ev_val[k]
            elif ev_kind[k] == 1:
                y[idx, b] = ev_val[k]
            else:
                y[idx, b] *= ev_val[k]
        else:
            j = -idx - 1
            if ev_kind[k] == 0:
                p[j, b] += ev_val[k]
            elif ev_kind[k] == 1:
                p[j, b] = ev_val[k]
            else:
                p[j, b] *= ev_val[k]
        k += 1
    return k


@numba.njit(cache=True)
def _dense_lu_lane(A, piv, b):
    """LU with partial pivoting of lane b's matrix A[b] in place (rows swapped whole); 0, or the
    status code of a singular or non-finite matrix."""
    n = A.shape[1]
    for k in range(n):
        pk = k
        amax = abs(A[b, k, k])
        for i in range(k + 1, n):
            v = abs(A[b, i, k])
            if v > amax:
                amax = v
                pk = i
        piv[b, k] = pk
        if amax == 0.0:
            return SINGULAR
        if not np.isfinite(amax):
            return NOT_FINITE
        if pk != k:
            for j in range(n):
                tmp = A[b, k, j]
                A[b, k, j] = A[b, pk, j]
                A[b, pk, j] = tmp
        d = 1.0 / A[b, k, k]
        for i in range(k + 1, n):
            A[b, i, k] *= d
            m = A[b, i, k]
            if m != 0.0:
                for j in range(k + 1, n):
                    A[b, i, j] -= m * A[b, k, j]
    return OK


@numba.njit(cache=True)
def _dense_solve_lane(A, piv, K, st, b):
    """Solve A[b] x = K[st, :, b] in place with the factors of `_dense_lu_lane`."""
    n = A.shape[1]
    for k in range(n):
        q = piv[b, k]
        if q != k:
            tmp = K[st, k, b]
            K[st, k, b] = K[st, q, b]
            K[st, q, b] = tmp
    for k in range(n):
        for i in range(k + 1, n):
            K[st, i, b] -= A[b, i, k] * K[st, k, b]
    for k in range(n - 1, -1, -1):
        for j in range(k + 1, n):
            K[st, k, b] -= A[b, k, j] * K[st, j, b]
        K[st, k, b] = K[st, k, b] / A[b, k, k]


@numba.njit(cache=True)
def _record(y, p, b, q, t_now, ys, obs, oi, ybuf, pbuf, obuf, tbuf):
    """Store state (if ys has a row per patient) and observables of lane b (patient q) at output
    index oi."""
    n = y.shape[0]
    for i in range(n):
        ybuf[i, 0] = y[i, b]
    if ys.shape[0] > 0:
        for i in range(n):
            ys[q, oi, i] = y[i, b]
    for j in range(p.shape[0]):
        pbuf[j, 0] = p[j, b]
    tbuf[0] = t_now
    obs_batch(tbuf, ybuf, pbuf, obuf)  # noqa: F821 - defined in the generated kernels
    for k in range(obs.shape[2]):
        obs[q, oi, k] = obuf[k, 0]


@numba.njit(cache=True)
def integrate_chunk(y0, p0, t0, t_out, ev_t, ev_kind, ev_idx, ev_val, n_ev,
                    rtol, atol, h0, max_steps, lanes, ys, obs, status, stats):
    """Integrate the patients of one chunk (y0: n x P, p0: np x P) over the output grid t_out.

    `lanes` patients are integrated in lockstep; when one finishes, the next patient of the chunk
    takes its lane, so lanes stay busy however different the patients' step counts are.
    atol is per species (n); events of patient q are rows ev_*[q, :n_ev[q]], sorted by time;
    ev_idx >= 0 is a species index, -(j+1) parameter j; ev_kind 0 add, 1 set, 2 scale.
    ys (P x T x n, or 0 x T x n: states not kept) and obs (P x T x k) receive the results, patient
    by patient (a record is a contiguous write); status (P) the outcome;
    stats (3 x P) counts accepted steps, rejected steps and right-hand-side evaluations.
    """
    n, P = y0.shape
    B = min(lanes, P)
    T = t_out.shape[0]
    y = np.zeros((n, B))
    p = np.zeros((p0.shape[0], B))
    lane_q = np.full(B, -1, dtype=np.int64)
    next_q = 0
    t = np.zeros(B)
    h = np.zeros(B)
    h_try = np.zeros(B)
    stop = np.zeros(B)
    out_i = np.zeros(B, dtype=np.int64)
    ev_i = np.zeros(B, dtype=np.int64)
    active = np.zeros(B, dtype=np.bool_)
    J = np.zeros((n, n, B)) if not SPARSE_LU else np.zeros((1, 1, B))  # noqa: F821
    W = np.zeros((n, n, B)) if not SPARSE_LU else np.zeros((1, 1, B))  # noqa: F821
    Ws = np.zeros((LU_NNZ, B))  # noqa: F821 - compact W of the generated sparse LU
    W0 = np.zeros((LU_NNZ, B))  # noqa: F821 - a lane's unfactored W, rebuilt for the dense fallback
    one_lane = np.zeros(B, dtype=np.bool_)
    lu_ok = np.zeros(B, dtype=np.int64)
    lu_scale = np.zeros((n, B))  # work arrays of lu_factor_batch
    lu_inv = np.zeros(B)
    # lanes whose static-order pivot was tiny are factored densely with pivoting instead (lane-major)
    LUd = np.zeros((B, n, n)) if SPARSE_LU else np.zeros((B, 1, 1))  # noqa: F821
    pivd = np.zeros((B, n), dtype=np.int64)
    dense_on = np.zeros(B, dtype=np.bool_)
    piv = np.zeros((n, B), dtype=np.int64)
    lower_nz = np.zeros((n, n), dtype=np.bool_)
    upper_nz = np.zeros((n, n), dtype=np.bool_)
    K = np.zeros((RODAS_S, n, B))
    f = np.zeros((n, B))
    dfdt = np.zeros((n, B))
    ystage = np.zeros((n, B))
    fstage = np.zeros((n, B))
    tstage = np.zeros(B)
    ynew = np.zeros((n, B))
    yint = np.zeros((n, B))
    err = np.zeros(B)
    inv_h = np.zeros(B)
    diag = np.zeros(B)
    keep = np.zeros(B)
    amax = np.zeros(B)
    piv_inv = np.zeros(B)
    pk = np.zeros(B, dtype=np.int64)
    ybuf = np.zeros((n, 1))
    pbuf = np.zeros((p0.shape[0], 1))
    obuf = np.zeros((obs.shape[2], 1))
    tbuf = np.zeros(1)
    ys[:, :, :] = np.nan
    obs[:, :, :] = np.nan

    while True:
        # 1. fill idle lanes with the next patients; events and outputs due now; next stop
        n_active = 0
        for b in range(B):
            while True:
                if not active[b]:
                    if next_q >= P:
                        break
                    q = next_q
                    next_q += 1
                    lane_q[b] = q
                    for i in range(n):
                        y[i, b] = y0[i, q]
                    for j in range(p0.shape[0]):
                        p[j, b] = p0[j, q]
                    t[b] = t0
                    h[b] = h0
                    out_i[b] = 0
                    ev_i[b] = 0
                    active[b] = True
                q = lane_q[b]
                ev_i[b] = _apply_events(y, p, b, t[b], ev_t[q], ev_kind[q], ev_idx[q], ev_val[q], n_ev[q], ev_i[b])
                while out_i[b] < T and t_out[out_i[b]] <= t[b]:
                    _record(y, p, b, q, t[b], ys, obs, out_i[b], ybuf, pbuf, obuf, tbuf)
                    out_i[b] += 1
                if out_i[b] >= T:
                    active[b] = False
                    continue
                s = t_out[T - 1]  # outputs before it are interpolated (see step 5)
                if ev_i[b] < n_ev[q] and ev_t[q, ev_i[b]] < s:
                    s = ev_t[q, ev_i[b]]
                stop[b] = s
                h_try[b] = min(h[b], s - t[b])
                n_active += 1
                break
        if n_active == 0:
            break

        # 2. Jacobian, df/dt and f at (t, y)
        if SPARSE_LU:  # noqa: F821
            jac_w_batch(t, y, p, Ws, active)  # noqa: F821 - into the compact W, see step 3
        else:
            jac_batch(t, y, p, J, active)  # noqa: F821
        dfdt_batch(t, y, p, dfdt, active)  # noqa: F821
        rhs_batch(t, y, p, f, active)  # noqa: F821

        # 3. W = I/(h gamma) - J (identity for finished patients), then its LU factors.
        for b in range(B):
            inv_h[b] = 1.0 / h_try[b] if active[b] else 0.0
            diag[b] = inv_h[b] / RODAS_GAMMA[0] if active[b] else 1.0
            keep[b] = 1.0 if active[b] else 0.0
        if SPARSE_LU:  # noqa: F821
            # generated sparse LU in a static order (no pivoting). A lane whose pivot is tiny in
            # that order gets a dense LU with partial pivoting of its unfactored W for this step;
            # if W is singular even so, the step is rejected (5); a non-finite W fails.
            w_assemble_batch(diag, keep, Ws, active)  # noqa: F821
            lu_factor_batch(Ws, active, lu_ok, lu_scale, lu_inv)  # noqa: F821
            for b in range(B):
                dense_on[b] = False
                if active[b] and lu_ok[b] == 1:
                    # this lane's W is evaluated and assembled again (rare: cheaper than keeping a
                    # copy of every lane's W each step)
                    one_lane[:] = False
                    one_lane[b] = True
                    jac_w_batch(t, y, p, W0, one_lane)  # noqa: F821
                    w_assemble_batch(diag, keep, W0, one_lane)  # noqa: F821
                    w_scatter_dense(W0, b, LUd)  # noqa: F821
                    code = _dense_lu_lane(LUd, pivd, b)
                    if code == OK:
                        dense_on[b] = True
                        lu_ok[b] = 0
                    elif code == NOT_FINITE:
                        status[lane_q[b]] = code
                        active[b] = False
                    # singular at this step size: lu_ok stays 1, the step is retried with half of it
                if active[b] and lu_ok[b] == 2:
                    status[lane_q[b]] = NOT_FINITE
                    active[b] = False
                if lu_ok[b] != 0 or not active[b]:
                    keep[b] = 0.0
                if not (active[b] and lu_ok[b] == 0 and not dense_on[b]):
                    w_identity(Ws, b)  # noqa: F821 - the sparse solve then leaves its K as it is
        # dense LU with partial pivoting (small or dense Jacobians). Every loop below has the
        # patient index innermost, so it runs over contiguous memory.
        for i in range(n if not SPARSE_LU else 0):  # noqa: F821
            for j in range(n):
                for b in range(B):
                    W[i, j, b] = -J[i, j, b] * keep[b]
            for b in range(B):
                W[i, i, b] += diag[b]
        for k in range(n if not SPARSE_LU else 0):  # noqa: F821
            for b in range(B):
                pk[b] = k
                amax[b] = abs(W[k, k, b])
            for i in range(k + 1, n):
                for b in range(B):
                    v = abs(W[i, k, b])
                    if v > amax[b]:
                        amax[b] = v
                        pk[b] = i
            for b in range(B):
                piv[k, b] = pk[b]
                if active[b] and (amax[b] == 0.0 or not np.isfinite(amax[b])):
                    status[lane_q[b]] = SINGULAR if amax[b] == 0.0 else NOT_FINITE
                    active[b] = False
                if pk[b] != k:
                    for j in range(n):
                        tmp = W[k, j, b]
                        W[k, j, b] = W[pk[b], j, b]
                        W[pk[b], j, b] = tmp
                piv_inv[b] = 1.0 / W[k, k, b] if W[k, k, b] != 0.0 else 0.0
            for i in range(k + 1, n):
                nonzero = False
                for b in range(B):
                    W[i, k, b] *= piv_inv[b]
                    if W[i, k, b] != 0.0:
                        nonzero = True
                if not nonzero:  # sparse Jacobians: a zero multiplier in every lane changes nothing
                    continue
                for j in range(k + 1, n):
                    for b in range(B):
                        W[i, j, b] -= W[i, k, b] * W[k, j, b]

        # which entries of the factors are non-zero in some lane (the substitutions skip the others)
        for i in range(n if not SPARSE_LU else 0):  # noqa: F821
            for j in range(n):
                nz = False
                for b in range(B):
                    if W[i, j, b] != 0.0:
                        nz = True
                        break
                if i > j:
                    lower_nz[i, j] = nz
                else:
                    upper_nz[i, j] = nz

        # 4. the stages
        for st in range(RODAS_S):
            if st == 0:
                for i in range(n):
                    for b in range(B):
                        fstage[i, b] = f[i, b]
            else:
                for i in range(n):
                    for b in range(B):
                        ystage[i, b] = y[i, b]
                for j in range(st):
                    a_ij = RODAS_A[st, j]
                    if a_ij != 0.0:
                        for i in range(n):
                            for b in range(B):
                                ystage[i, b] += a_ij * K[j, i, b]
                for b in range(B):
                    tstage[b] = t[b] + RODAS_ALPHA[st] * h_try[b]
                rhs_batch(tstage, ystage, p, fstage, active)  # noqa: F821
            g_st = RODAS_GAMMA[st]
            for i in range(n):
                for b in range(B):
                    K[st, i, b] = (fstage[i, b] + g_st * h_try[b] * dfdt[i, b]) * keep[b]
            for j in range(st):
                c_ij = RODAS_C[st, j]
                for i in range(n):
                    for b in range(B):
                        K[st, i, b] += c_ij * inv_h[b] * K[j, i, b]
            if SPARSE_LU:  # noqa: F821
                lu_solve_batch(Ws, K, st)  # noqa: F821
                for b in range(B):
                    if dense_on[b] and active[b]:
                        _dense_solve_lane(LUd, pivd, K, st, b)
                continue
            # solve W K_st = rhs: all row swaps first (the factorisation swapped whole rows, so the
            # multipliers are in the final row order), then forward and back substitution
            for k in range(n):
                for b in range(B):
                    q = piv[k, b]
                    if q != k:
                        tmp = K[st, k, b]
                        K[st, k, b] = K[st, q, b]
                        K[st, q, b] = tmp
            for k in range(n):
                for i in range(k + 1, n):
                    if lower_nz[i, k]:
                        for b in range(B):
                            K[st, i, b] -= W[i, k, b] * K[st, k, b]
            for k in range(n - 1, -1, -1):
                for j in range(k + 1, n):
                    if upper_nz[k, j]:
                        for b in range(B):
                            K[st, k, b] -= W[k, j, b] * K[st, j, b]
                for b in range(B):
                    K[st, k, b] = K[st, k, b] / W[k, k, b] if keep[b] != 0.0 else 0.0

        # 5. new solution, error estimate, accept or reject per patient
        for b in range(B):
            if not active[b]:
                continue
            q = lane_q[b]
            stats[2, q] += RODAS_S
            if SPARSE_LU and lu_ok[b] != 0:  # noqa: F821
                # W singular even with pivoting: retry with half the step (W grows more diagonal)
                stats[1, q] += 1
                h[b] = h_try[b] * 0.5
                if h[b] < 1e-12 * max(1.0, abs(t[b])):
                    status[q] = STEP_TOO_SMALL
                    active[b] = False
                elif stats[0, q] + stats[1, q] >= max_steps:
                    status[q] = MAX_STEPS
                    active[b] = False
                continue
            e2 = 0.0
            finite = True
            negative = False
            for i in range(n):
                acc = y[i, b]
                for j in range(RODAS_S):
                    acc += RODAS_M[j] * K[j, i, b]
                ynew[i, b] = acc
                if not np.isfinite(acc):
                    finite = False
                scale = atol[i] + rtol * max(abs(y[i, b]), abs(acc))
                if acc < -atol[i]:
                    negative = True
                e = K[RODAS_S - 1, i, b] / scale
                e2 += e * e
            err[b] = np.sqrt(e2 / n) if finite else np.inf
            if err[b] <= 1.0 and not negative:
                stats[0, q] += 1
                hit = h_try[b] >= stop[b] - t[b]
                t_new = stop[b] if hit else t[b] + h_try[b]
                # outputs inside the step, from the dense output (one at t_new is recorded in step 1,
                # after the events due then)
                while out_i[b] < T and t_out[out_i[b]] < t_new:
                    s = (t_out[out_i[b]] - t[b]) / (t_new - t[b])
                    for i in range(n):
                        c2 = 0.0
                        c3 = 0.0
                        c4 = 0.0
                        for j in range(RODAS_S):
                            c2 += RODAS_H[0, j] * K[j, i, b]
                            c3 += RODAS_H[1, j] * K[j, i, b]
                            c4 += RODAS_H[2, j] * K[j, i, b]
                        v = (1.0 - s) * y[i, b] + s * (ynew[i, b] + (1.0 - s) * (c2 + s * (c3 + s * c4)))
                        yint[i, b] = v if v > 0.0 else 0.0
                    _record(yint, p, b, q, t_out[out_i[b]], ys, obs, out_i[b], ybuf, pbuf, obuf, tbuf)
                    out_i[b] += 1
                t[b] = t_new
                for i in range(n):
                    v = ynew[i, b]
                    y[i, b] = v if v > 0.0 else 0.0
                fac = 0.9 * err[b] ** (-1.0 / RODAS_ORDER) if err[b] > 0.0 else 6.0
                fac = min(6.0, max(0.2, fac))
                hn = h_try[b] * fac
                # a step shortened to land on a stop says nothing about the step size: keep h
                h[b] = max(h[b], hn) if hit else hn
            else:
                stats[1, q] += 1
                if negative and err[b] <= 1.0:
                    fac = 0.5
                elif np.isfinite(err[b]):
                    fac = max(0.1, 0.9 * err[b] ** (-1.0 / RODAS_ORDER))
                else:
                    fac = 0.1
                h[b] = h_try[b] * fac
                if h[b] < 1e-12 * max(1.0, abs(t[b])):
                    status[q] = STEP_TOO_SMALL if np.isfinite(err[b]) else NOT_FINITE
                    active[b] = False
            if stats[0, q] + stats[1, q] >= max_steps and active[b]:
                status[q] = MAX_STEPS
                active[b] = False


@numba.njit(cache=True, parallel=True)
def integrate_batch(y0, p, t0, t_out, ev_t, ev_kind, ev_idx, ev_val, n_ev,
                    rtol, atol, h0, max_steps, lanes, n_chunks, ys, obs, status, stats):
    """Integrate all patients (last axis): contiguous chunks of patients in parallel over threads,
    `lanes` patients in lockstep within a chunk."""
    P = y0.shape[1]
    size = (P + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        lo = min(P, c * size)
        hi = min(P, lo + size)
        if hi <= lo:
            continue
        yc = np.ascontiguousarray(y0[:, lo:hi])
        pc = np.ascontiguousarray(p[:, lo:hi])
        # the chunk's rows of the (patient-major) outputs are written in place
        ysc = ys[lo:hi] if ys.shape[0] > 0 else ys
        obc = obs[lo:hi]
        stc = np.zeros(hi - lo, dtype=np.int64)
        sac = np.zeros((3, hi - lo), dtype=np.int64)
        integrate_chunk(yc, pc, t0, t_out, ev_t[lo:hi], ev_kind[lo:hi], ev_idx[lo:hi], ev_val[lo:hi],
                        n_ev[lo:hi], rtol, atol, h0, max_steps, lanes, ysc, obc, stc, sac)
        status[lo:hi] = stc
        stats[:, lo:hi] = sac
